"""Alembic environment for the HQ database. Run from code (hq.db.migrate.migrate) with the engine in
`config.attributes["engine"]`; `guidedesk-hq migrate` is the command-line way in."""

from __future__ import annotations

from alembic import context

from hq.db.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite can only ALTER by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
