"""The HQ database: one engine per process (per uvicorn worker), the two ways to get a transaction, and
two ways to read with one statement.

- `write()` — one unit of work. SQLite: BEGIN IMMEDIATE, so writers queue on the busy timeout instead of
  failing to upgrade a read lock (several workers may share the file). PostgreSQL: READ COMMITTED, with
  row locks taken explicitly where order matters (the device row, the scope counters).
- `read()` — a consistent snapshot for pulls and lookups. SQLite: BEGIN DEFERRED (WAL readers never
  wait). PostgreSQL: REPEATABLE READ, READ ONLY: the counters, the change index and the entity rows of
  one pull page are all read from the same snapshot.
- `lookup()` — for a read that is *one statement* (token → device, the idle-pull check, health).
  PostgreSQL: autocommit, because a single statement always reads one snapshot; a transaction around it
  only adds two round trips (BEGIN, ROLLBACK), which were most of an idle pull's time (profiled under
  benchmarks/hq_load.py). Two statements in one `lookup()` may see two snapshots: use `read()` then.
  SQLite: the same as `read()` (no round trips to save).
- `Lookup` + `fetch()` — the same single-statement read for the per-request hot path (the idle pull,
  health): the statement is compiled once, and run through the pooled driver connection itself.
  SQLAlchemy's Connection and Session around one small query cost 2-3x the driver's own CPU (measured
  here: ~0.15 ms driver, ~0.35 ms Core, ~0.5 ms Session), which at a thousand idle pulls a second is
  most of a core.

Nothing here keeps state between requests beyond the connection pool and the event loop's own connection
(`fetch_inline`): several workers are safe.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ClauseElement, Engine, PoolProxiedConnection, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from hq.logsafe import describe

log = logging.getLogger("hq.db")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # an acknowledged push survives a power cut
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=15000",
    "PRAGMA temp_store=MEMORY",
)
# A lock held longer than this is a stuck transaction, not contention: fail it as transient (503).
PG_OPTIONS = "-c lock_timeout=10000 -c statement_timeout=60000 -c idle_in_transaction_session_timeout=60000"


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # SQLAlchemy, not pysqlite, decides when a transaction begins (see _sqlite_on_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cur.execute(pragma)
    cur.close()


def _sqlite_on_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


# Statements run on the event loop itself (`fetch_inline`): a stuck one must not hold the loop for long.
PG_INLINE_OPTIONS = "-c lock_timeout=1000 -c statement_timeout=1000"


def make_engine(url: str, *, pool_size: int = 8, inline: bool = False) -> Engine:
    """The pool of one process; `inline`: the one connection of `HqDatabase.fetch_inline`."""
    parsed = make_url(url)
    overflow = 0 if inline else max(2, pool_size // 2)  # a worker holds at most ~1.5 × pool_size
    timeout = 1 if inline else 15
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, pool_size=pool_size, max_overflow=overflow, pool_timeout=timeout, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if inline:  # autocommit for good: a read is one round trip, no BEGIN or ROLLBACK around it
        connect_args: dict[str, Any] = {
            "options": PG_INLINE_OPTIONS,
            "connect_timeout": 2,
            "autocommit": True,
        }
    else:
        connect_args = {"options": PG_OPTIONS}
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=overflow,
        pool_timeout=timeout,
        pool_recycle=1800,
        connect_args=connect_args,
        hide_parameters=True,  # bound values (phones, names) never in an error's text or a log
    )


class HqDatabase:
    """The engine and its transactions. Sessions never outlive the block that opened them."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._inline: Engine | None = None  # made on first use: only a serving worker needs it
        self._held: PoolProxiedConnection | None = None  # fetch_inline's connection, kept checked out,
        self._held_cursor: Any = None  # and its cursor (psycopg makes a new one per connection.execute)
        self._held_lock = threading.Lock()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back on any exception."""
        with (
            self.engine.connect() as conn,
            Session(bind=conn, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot; never commits."""
        options: dict[str, Any] = (
            {"sqlite_begin": "DEFERRED"}
            if self.is_sqlite
            else {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
        with self.engine.connect().execution_options(**options) as conn, Session(bind=conn) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def lookup(self) -> Iterator[Session]:
        """A session for one read-only statement (see the module docstring); never commits."""
        if self.is_sqlite:
            with self.read() as session:
                yield session
            return
        with (
            self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
            Session(bind=conn) as session,
        ):
            yield session

    def fetch(self, lookup: Lookup, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one read-only statement (see the module docstring)."""
        return self._fetch(self.engine, lookup, params)

    def fetch_inline(self, lookup: Lookup, params: dict[str, Any]) -> list[tuple[Any, ...]] | None:
        """`fetch` for code running on the event loop itself, which saves the threadpool's two thread
        switches (~40 % of an idle pull's CPU, measured). Its own one-connection engine, whose
        connection the loop thread keeps checked out (it is its only user: no pool checkout and return
        per read, no rollback on return — PostgreSQL's is in autocommit for good) and whose statements
        and connects time out within 1-2 s, so a stuck database stalls the loop for at most that long.
        None on any database error: the connection is dropped (the next call makes a new one) and the
        caller takes its threadpool path, which reports the error as usual."""
        if self._inline is None:
            self._inline = make_engine(self.url, pool_size=1, inline=True)
        engine = self._inline
        sql, args = lookup.bound(engine, params)
        # One loop per process under uvicorn; a second (a test's client beside a live server) finds the
        # connection busy and takes the threadpool way rather than share its cursor or wait on the loop.
        if not self._held_lock.acquire(blocking=False):
            return None
        try:
            if self._held is None:
                self._held = engine.raw_connection()
                driver: Any = self._held.driver_connection
                self._held_cursor = driver.cursor()
            self._held_cursor.execute(sql, args)
            return list(self._held_cursor.fetchall())
        except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as exc:
            log.warning("inline lookup failed, answering through the threadpool: %s", describe(exc))
            self._drop_held()
            return None
        finally:
            self._held_lock.release()

    def _drop_held(self) -> None:
        if self._held is not None:
            held, self._held, self._held_cursor = self._held, None, None
            held.invalidate()  # a broken connection is not lent again

    def _fetch(self, engine: Engine, lookup: Lookup, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        sql, args = lookup.bound(engine, params)
        pooled = engine.raw_connection()
        try:
            driver: Any = pooled.driver_connection
            if self.is_sqlite:  # autocommit already (_sqlite_on_connect): a lone SELECT reads one snapshot
                return list(driver.execute(sql, args).fetchall())
            driver.autocommit = True
            try:
                return list(driver.execute(sql, args).fetchall())
            finally:
                driver.autocommit = False  # as the pool lent it
        finally:
            pooled.close()

    def dispose(self) -> None:
        self.engine.dispose()
        self._drop_held()
        if self._inline is not None:
            self._inline.dispose()


class Lookup:
    """A single-statement read for `HqDatabase.fetch`, compiled once per dialect. Its parameters are
    `bindparam`s named in the statement."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def compiled(self, engine: Engine) -> tuple[str, tuple[str, ...] | None]:
        """The SQL text, and the parameter order when the driver's style is positional (SQLite)."""
        name = engine.dialect.name
        if name not in self._compiled:
            compiled = cast(SQLCompiler, self.statement.compile(dialect=engine.dialect))
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            self._compiled[name] = (str(compiled), order)
        return self._compiled[name]

    def bound(self, engine: Engine, params: dict[str, Any]) -> tuple[str, Any]:
        """The SQL text and `params` as the driver takes them (a tuple when its style is positional)."""
        sql, order = self.compiled(engine)
        return sql, tuple(params[name] for name in order) if order is not None else params


ALIVE = Lookup(text("SELECT 1"))  # the health check: is the database answering at all
