"""Versions and the compacted change index (DESIGN.md §5 "Pull"): what every HQ writer calls before it
commits, and the retention janitor.

A writer collects its entity changes in a `ChangeSet` and calls `record(session, changes, now=…)` as the
last step of its transaction. For each scope touched, in sorted order, the scope's counter row is bumped
with `UPDATE … RETURNING` — the row lock it takes is held until commit, so a later writer of the same
scope waits and gets a higher version only after this one is visible: versions of a scope become
visible in commit order, and a reader that has seen version v has seen everything ≤ v. A sequence,
a timestamp or client time would not give that (a late committer would slip under a cursor);
tests/hq/test_late_writer.py proves the difference.

Compaction: one change-index row per (scope, entity type, entity id), holding the version and op
(`put`/`remove`) of its last change. A version holds at most `VERSION_ROWS_MAX` rows of a scope (a big
admin import takes several versions), so a pull page can always end on a whole version.

Invariants the writers keep (hq/sync/scopes.py helps):
- an entity that leaves a scope (deleted, moved to another store) gets `remove` there in the same
  transaction, together with every child that references it (a member's codes, tags, bindings, notes,
  task items), so a replica never holds a child without its parent;
- global parents (tag groups, tags) are never removed, only retired, because member tags in store
  scopes reference them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, cast

from sqlalchemy import Table, bindparam, delete, select, text, update
from sqlalchemy.orm import Session

from hq.db.database import HqDatabase
from hq.db.models import ChangeIndex, Counter
from hq.db.upsert import insert_ignore, upsert_many

Entries = list[tuple[tuple[str, str], str]]  # ((entity type, entity id), op), sorted
GLOBAL = "global"
PUT, REMOVE = "put", "remove"
VERSION_ROWS_MAX = 100


def store_scope(store_id: str) -> str:
    return f"store:{store_id}"


@dataclass
class ChangeSet:
    """The entity changes of one transaction, by scope. The last op given for an entity wins."""

    by_scope: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)

    def put(self, scope: str, entity_type: str, entity_id: str) -> None:
        self.by_scope.setdefault(scope, {})[(entity_type, entity_id)] = PUT

    def remove(self, scope: str, entity_type: str, entity_id: str) -> None:
        self.by_scope.setdefault(scope, {})[(entity_type, entity_id)] = REMOVE

    def put_all(self, scopes: set[str] | frozenset[str], entity_type: str, entity_id: str) -> None:
        for scope in scopes:
            self.put(scope, entity_type, entity_id)

    def __bool__(self) -> bool:
        return any(self.by_scope.values())

    def clear(self) -> None:
        self.by_scope.clear()


@dataclass(frozen=True)
class ScopeMark:
    version: int  # highest version committed in the scope
    pruned_through: int  # removes up to here were pruned: an older cursor must reset


class VersionAllocator(Protocol):
    """Where versions come from. Production: `CounterAllocator`. A test swaps in a naive sequence to show
    that the late-writer test fails against it."""

    def allocate(self, session: Session, scope: str, count: int) -> list[int]: ...

    def index_one_version(self, session: Session, scope: str, entries: Entries, now: datetime) -> int | None:
        """Write `entries` (at most one version's worth) under a version taken in the same statement and
        return it, or None when this allocator cannot (nothing written: `record` takes the general path)."""
        ...

    def marks(self, session: Session, scopes: list[str]) -> dict[str, ScopeMark]: ...


_counters = cast(Table, Counter.__table__)
# Built once, on the table: an ORM-enabled UPDATE built per call cost several times the CPU of running
# it (profiled under benchmarks/hq_load.py).
_BUMP = (
    update(_counters)
    .where(_counters.c.scope == bindparam("b_scope"))
    .values(version=_counters.c.version + bindparam("b_count"))
    .returning(_counters.c.version)
)


# PostgreSQL: a scope's counter bumped and its change-index rows written in one statement, where a push
# took two round trips. The counter's row lock is taken by the UPDATE as before and held to commit.
_BUMP_AND_INDEX = text(
    """WITH bumped AS (
        UPDATE counters SET version = version + 1 WHERE scope = :scope RETURNING version
    )
    INSERT INTO change_index (scope, entity_type, entity_id, version, op, changed_at)
    SELECT :scope, t.entity_type, t.entity_id, bumped.version, t.op, :now
    FROM bumped, unnest(CAST(:types AS varchar[]), CAST(:ids AS varchar[]), CAST(:ops AS varchar[]))
        AS t(entity_type, entity_id, op)
    ON CONFLICT (scope, entity_type, entity_id)
    DO UPDATE SET version = excluded.version, op = excluded.op, changed_at = excluded.changed_at
    RETURNING version"""
).bindparams(bindparam("now", type_=ChangeIndex.__table__.c.changed_at.type))


class CounterAllocator:
    def index_one_version(self, session: Session, scope: str, entries: Entries, now: datetime) -> int | None:
        if session.get_bind().dialect.name != "postgresql":
            return None
        params = {
            "scope": scope,
            "now": now,
            "types": [entity_type for (entity_type, _id), _op in entries],
            "ids": [entity_id for (_type, entity_id), _op in entries],
            "ops": [op for _key, op in entries],
        }
        version = session.execute(_BUMP_AND_INDEX, params).scalar()
        return None if version is None else int(version)  # None: no counter yet for this scope

    def allocate(self, session: Session, scope: str, count: int) -> list[int]:
        params = {"b_scope": scope, "b_count": count}
        last = session.execute(_BUMP, params).scalar_one_or_none()
        if last is None:  # first write of a scope nobody created (a store made by an older release)
            insert_ignore(session, Counter, {"scope": scope, "version": 0, "pruned_through": 0}, ["scope"])
            last = session.execute(_BUMP, params).scalar_one()
        return list(range(last - count + 1, last + 1))

    def marks(self, session: Session, scopes: list[str]) -> dict[str, ScopeMark]:
        rows = session.execute(
            select(Counter.scope, Counter.version, Counter.pruned_through).where(Counter.scope.in_(scopes))
        )
        found = {r.scope: ScopeMark(r.version, r.pruned_through) for r in rows}
        return {s: found.get(s, ScopeMark(0, 0)) for s in scopes}


ALLOCATOR: VersionAllocator = CounterAllocator()


def ensure_scope(session: Session, scope: str) -> None:
    insert_ignore(session, Counter, {"scope": scope, "version": 0, "pruned_through": 0}, ["scope"])


def record(session: Session, changes: ChangeSet, *, now: datetime) -> dict[str, int]:
    """Give the changes versions and write them to the change index. Call last, inside the writing
    transaction; returns the highest version used per scope."""
    highest: dict[str, int] = {}
    for scope in sorted(changes.by_scope):  # one lock order for every writer: no deadlock on counters
        entries = sorted(changes.by_scope[scope].items())
        if not entries:
            continue
        if len(entries) <= VERSION_ROWS_MAX:
            version = ALLOCATOR.index_one_version(session, scope, entries, now)
            if version is not None:
                highest[scope] = version
                continue
        chunks = [entries[i : i + VERSION_ROWS_MAX] for i in range(0, len(entries), VERSION_ROWS_MAX)]
        versions = ALLOCATOR.allocate(session, scope, len(chunks))
        rows = [
            {
                "scope": scope,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "version": version,
                "op": op,
                "changed_at": now,
            }
            for version, chunk in zip(versions, chunks, strict=True)
            for (entity_type, entity_id), op in chunk
        ]
        upsert_many(
            session,
            ChangeIndex,
            rows,
            keys=["scope", "entity_type", "entity_id"],
            update=["version", "op", "changed_at"],
        )
        highest[scope] = versions[-1]
    return highest


def prune_removes(db: HqDatabase, *, before: datetime, scopes_per_transaction: int = 500) -> int:
    """Drop `remove` rows older than `before` (retention) and raise each scope's `pruned_through` to the
    newest version dropped there, so a cursor that could have missed one of them is answered with
    reset_required. Returns rows dropped.

    Reads the removes' own partial index, never the whole change index, and commits a batch of scopes at
    a time: each batch's deletes and counter raises land together (a pull sees both or neither), and a
    push that re-adds an entity long removed waits for one batch, not for the whole chain's prune."""
    with db.read() as session:
        scopes = session.scalars(
            select(ChangeIndex.scope)
            .where(ChangeIndex.op == REMOVE, ChangeIndex.changed_at < before)
            .distinct()
            .order_by(ChangeIndex.scope)
        ).all()
    dropped = 0
    for start in range(0, len(scopes), scopes_per_transaction):
        batch = scopes[start : start + scopes_per_transaction]
        with db.write() as session:
            gone = session.execute(
                delete(ChangeIndex)
                .where(
                    ChangeIndex.op == REMOVE, ChangeIndex.changed_at < before, ChangeIndex.scope.in_(batch)
                )
                .returning(ChangeIndex.scope, ChangeIndex.version)
            ).all()
            through: dict[str, int] = {}
            for scope, version in gone:
                through[scope] = max(version, through.get(scope, 0))
            if through:
                session.connection().execute(
                    update(Counter)
                    .where(Counter.scope == bindparam("s"), Counter.pruned_through < bindparam("t"))
                    .values(pruned_through=bindparam("t")),
                    [{"s": scope, "t": version} for scope, version in through.items()],
                )
            dropped += len(gone)
    return dropped
