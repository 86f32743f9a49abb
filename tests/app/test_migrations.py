"""The workstation schema comes from migrations run at startup; models and migrations must agree, and a
database made by an older release must upgrade in place without losing what the guide did."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.db.database import DB_FILENAME, Database, alembic_config, make_engine, migrate
from app.db.models import Base


def test_models_and_migrations_agree(db: Database) -> None:
    """A model changed without a migration (or the reverse) would break every installed workstation."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_startup_migrates_a_fresh_directory_to_head(tmp_path: Path) -> None:
    """A new workstation needs no setup step: opening the data dir creates the schema."""
    db = Database(tmp_path)
    head = ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
    db.close()


def test_a_database_from_the_first_release_upgrades_and_keeps_the_outbox(tmp_path: Path) -> None:
    """Pending mutations written by an older release are still there, unchanged, after the upgrade."""
    engine = make_engine(tmp_path / DB_FILENAME)
    migrate(engine, "0001")
    engine.dispose()
    raw = sqlite3.connect(tmp_path / DB_FILENAME)
    raw.execute(
        "INSERT INTO outbox (name, args, sha256, created_at, guide_id, state) "
        "VALUES ('note.add.v1', '{\"body\": \"老客户\"}', 'abc', '2026-01-01 00:00:00', 'g-1', 'pending')"
    )
    raw.commit()
    raw.close()

    db = Database(tmp_path)  # what the next start of the app does
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, name, args, state FROM outbox").all()
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert rows == [(1, "note.add.v1", '{"body": "老客户"}', "pending")]
    assert {"activity", "daily_stats"} <= tables
    db.close()


def test_durability_pragmas_hold_on_every_connection(db: Database) -> None:
    """A commit reported as done must survive a power cut: WAL + synchronous=FULL on every connection."""
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
