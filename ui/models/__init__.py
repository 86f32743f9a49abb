"""Qt table models over paged services (names end in `TableModel`)."""
