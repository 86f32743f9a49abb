"""Opening the workstation database: the SQLite pragmas that make a commit durable, migrations run from
code at startup, and the one way to get a transaction.

Every user action is one `with db.transaction() as session:` block: it commits when the block ends (and
only then is the action done), rolls back on any exception.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations" / "client"
DB_FILENAME = "guidedesk.sqlite3"

# Durability first: WAL with synchronous=FULL fsyncs the WAL on every commit, so a kill -9 or power cut
# right after "done" on screen loses nothing. secure_delete overwrites purged PII pages.
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA secure_delete=ON",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
)


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (pysqlite's implicit BEGIN is lazy
    # and would let a read slip outside the transaction).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    for pragma in PRAGMAS:
        cur.execute(pragma)
    cur.close()


def _on_begin(conn: Any) -> None:
    # Writers BEGIN IMMEDIATE: the write lock is taken up front, so two writers (the counter and a sync
    # page, or two app instances) queue on busy_timeout instead of failing to upgrade a read lock.
    # Readers begin DEFERRED and never wait for a writer (WAL).
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (startup does this; an older database upgrades in place)."""
    command.upgrade(alembic_config(engine), revision)


class Database:
    """The workstation database in one data directory."""

    def __init__(self, data_dir: Path, *, run_migrations: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_FILENAME
        self.engine = make_engine(self.path)
        if run_migrations:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.engine.execution_options(sqlite_begin="DEFERRED"))
        if run_migrations:
            self._restore_deferred_indexes()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One durable unit of work: commit at the end of the block, roll back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def _restore_deferred_indexes(self) -> None:
        """Indexes a first-sync snapshot dropped and did not get to build (the app stopped half way):
        built now, so the window never runs on a replica without them. Read first: an open with nothing
        to do writes nothing."""
        with self.read() as session:
            waiting = session.connection().exec_driver_sql("SELECT 1 FROM deferred_indexes LIMIT 1").first()
        if waiting is not None:
            with self.transaction() as session:
                restore_deferred_indexes(session.connection())

    @contextmanager
    def bulk_transaction(self) -> Iterator[Session]:
        """A transaction for a first-sync bulk load (app/sync/bootstrap.py): foreign keys not enforced
        and the commit not fsynced (synchronous=NORMAL). Each such transaction is still atomic and
        consistent (WAL); a power cut may roll back the last few, whose positions go with them, so the
        load resumes earlier. The keys are checked, and the final commit made durable, at the end of the
        load. Both pragmas are per connection and only take effect outside a transaction."""
        with self.engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            driver.execute("PRAGMA foreign_keys=OFF")
            driver.execute("PRAGMA synchronous=NORMAL")
            try:
                with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                    yield session
            finally:
                driver.execute("PRAGMA synchronous=FULL")
                driver.execute("PRAGMA foreign_keys=ON")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (one snapshot). Closing it ends the read transaction without expiring what
        was loaded (a rollback would), so plain values read inside stay usable after the block."""
        with self._readers() as session:
            yield session

    def raw(self) -> sqlite3.Connection:
        """A plain sqlite3 connection with the same pragmas: for benchmarks' floors and bulk loaders."""
        conn = sqlite3.connect(self.path, isolation_level=None)
        _on_connect(conn, None)
        return conn

    def checkpoint(self) -> None:
        """Copy the WAL into the main file and truncate the WAL to zero bytes. After a purge (an erased
        member) this is what makes the bytes leave the disk: secure_delete zeroes them in the pages the
        purge wrote, and the WAL's older frames, which still hold them, are gone."""
        conn = self.raw()
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.close()

    def close(self) -> None:
        self.engine.dispose()


def restore_deferred_indexes(conn: Any) -> int:
    """Build the replica indexes a first-sync snapshot dropped (models.DeferredIndex) and forget them;
    in the caller's transaction. Returns how many were built."""
    rows = conn.exec_driver_sql("SELECT name, sql FROM deferred_indexes ORDER BY name").fetchall()
    for _name, sql in rows:
        conn.exec_driver_sql(sql)
    if rows:
        conn.exec_driver_sql("DELETE FROM deferred_indexes")
    return len(rows)
