"""INSERT … ON CONFLICT for both dialects: the race-free way to create-if-absent and to compact."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def dialect_insert(session: Session, model: Any) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def insert_ignore(session: Session, model: Any, values: dict[str, Any], keys: Sequence[str]) -> bool:
    """Insert unless a row with the same `keys` exists; True when this call inserted it."""
    table = model.__table__
    stmt = dialect_insert(session, table).values(**values)
    stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))  # type: ignore[attr-defined]
    # RETURNING, not rowcount: the ORM path reports -1 for this statement on some drivers.
    return session.execute(stmt.returning(table.c[keys[0]])).first() is not None


def upsert_many(
    session: Session, model: Any, rows: list[dict[str, Any]], keys: Sequence[str], update: Sequence[str]
) -> None:
    """Insert rows, or update `update` columns of the rows already there."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    session.execute(_upsert(dialect, model.__table__, tuple(keys), tuple(update)), rows)


@functools.cache
def _upsert(dialect: str, table: Any, keys: tuple[str, ...], update: tuple[str, ...]) -> Insert:
    # Built once per table and shape: building it (the `excluded` columns) and its cache key cost more
    # CPU than running it, on the hot path of every push (profiled under benchmarks/hq_load.py).
    stmt = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: getattr(excluded, c) for c in update}
    )


def rowcount(result: Any) -> int:
    """Rows an UPDATE/DELETE touched (`Session.execute` is typed as a plain Result)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
