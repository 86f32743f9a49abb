"""Alembic environment for the workstation database. Run from code (app.db.database.migrate) with the
application's engine in `config.attributes["engine"]`; never from a command line against a live file."""

from __future__ import annotations

from alembic import context

from app.db.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
