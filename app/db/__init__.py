"""The workstation database: schema (`models`), engine and transactions (`database`), migrations."""
