"""A first sync as one streamed snapshot (hq/sync/snapshot.py), bulk-loaded, instead of ~710 pull pages.

What it keeps of DESIGN.md §5:
- each chunk is applied in one transaction together with the position HQ signed for it, so a snapshot
  cut off anywhere (a kill, a lost connection, a cancel) resumes from its last applied chunk;
- the load ends in one durable transaction that builds the derived member columns and the indexes and
  stores the cursor of the versions the snapshot began at; incremental pulls go on from there, so
  nothing that changed meanwhile is skipped;
- a refused position (another epoch, another store, a reset asked for) wipes what was loaded and starts
  over, once per run.

What makes it fast (docs/benchmarks-sync.md): rows arrive as arrays, not a dict per change; chunk
transactions run without foreign-key probes and without an fsync per commit
(`Database.bulk_transaction`); the replica's secondary indexes are dropped for the load and built once at
the end (recorded in `deferred_indexes`, so a crash never loses one); the members list's derived columns
are filled set-wise at the end instead of per page.

A resumed snapshot reads HQ's state as of the resume, so for a moment its replica may hold a child whose
parent changed after the snapshot began; the incremental pulls that follow bring that parent.
`snapshot_unchecked` marks such a replica, and the engine checks its foreign keys once it has caught
up (`check_keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.changes import Changes
from app.db import member_index
from app.db.database import restore_deferred_indexes
from app.db.models import REPLICA_TABLES, DeferredIndex, SyncState
from app.errors import GuideDeskError
from app.sync.applier import apply_rows, wipe_replica
from app.sync.client import HqClient, SyncError
from app.workstation import Workstation

# Replica indexes (not the primary keys' or UNIQUE constraints' own) are built after the load.
_REPLICA_NAMES = tuple(model.__tablename__ for model in REPLICA_TABLES)
_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    f"AND tbl_name IN ({', '.join('?' * len(_REPLICA_NAMES))})"
)


@dataclass(frozen=True)
class Chunk:
    """One applied chunk, for the engine's progress and report."""

    rows: int
    loaded: int  # rows loaded by this answer so far
    left: int  # HQ's count of rows this answer still had to send when it began, minus those loaded
    changes: Changes


@dataclass(frozen=True)
class Loaded:
    cursor: str | None  # None: HQ has no snapshots (an older HQ); pull pages from the start instead
    rows: int = 0
    chunks: int = 0
    answers: int = 0  # snapshot requests made (a refused position asks again from the start)
    reset: bool = False  # what had been loaded was wiped (a refused position)


class Bootstrap:
    def __init__(
        self,
        ws: Workstation,
        client: HqClient,
        *,
        device_id: str,
        on_chunk: Callable[[Chunk], None],
        check_cancel: Callable[[], None],
        chunk_rows: int | None = None,
    ) -> None:
        self.ws = ws
        self.client = client
        self.device_id = device_id
        self.on_chunk = on_chunk
        self.check_cancel = check_cancel
        self.chunk_rows = chunk_rows

    def run(self) -> Loaded:
        with self.ws.db.read() as s:
            state = s.get(SyncState, 1)
            assert state is not None
            position = state.snapshot_position
        if position is None:
            self._begin()
        rows = chunks = answers = 0
        reset = False
        while True:
            self.check_cancel()
            body: dict[str, Any] = {"device_id": self.device_id, "position": position}
            if self.chunk_rows is not None:
                body["limit"] = self.chunk_rows
            answers += 1
            try:
                outcome = self._answer(body, resumed_from=position)
            except SyncError as exc:
                if exc.status in (404, 405) and position is None:  # an HQ from before snapshots
                    self._finish(None)
                    return Loaded(None, answers=answers)
                raise
            rows += outcome.rows
            chunks += outcome.chunks
            if outcome.cursor is not None:
                return Loaded(outcome.cursor, rows, chunks, answers, reset)
            if reset:  # refused twice in one run: HQ is not making sense
                raise SyncError("protocol", "reset_loop")
            reset = True
            position = None
            self._begin()

    # ------------------------------------------------------------ one answer

    def _answer(self, body: dict[str, Any], *, resumed_from: str | None) -> Loaded:
        """Apply one streamed answer. Loaded.cursor is None when HQ refused the position."""
        rows = chunks = 0
        left = 0
        for line in self.client.snapshot(body):
            if "snapshot" in line:
                header = line["snapshot"]
                left = int(header.get("left", 0)) if isinstance(header, dict) else 0
                if resumed_from is not None:
                    self._mark_unchecked()
            elif line.get("reset_required"):
                return Loaded(None, rows, chunks)
            elif line.get("end"):
                cursor = line.get("cursor")
                if not isinstance(cursor, str):
                    raise SyncError("protocol", "bad_snapshot_end")
                self._finish(cursor)
                return Loaded(cursor, rows, chunks)
            else:
                applied = self._apply(line)
                rows += applied
                chunks += 1
                self.on_chunk(
                    Chunk(
                        applied,
                        rows,
                        max(0, left - rows),
                        Changes(frozenset({line["t"], "sync_state"}), None),
                    )
                )
                self.check_cancel()
        raise SyncError("network", "truncated", reason="no_snapshot_end")

    def _apply(self, chunk: dict[str, Any]) -> int:
        t, fields, rows, position = (
            chunk.get("t"),
            chunk.get("fields"),
            chunk.get("rows"),
            chunk.get("position"),
        )
        if not (isinstance(t, str) and isinstance(fields, list) and isinstance(rows, list)):
            raise SyncError("protocol", "bad_chunk")
        if not isinstance(position, str):
            raise SyncError("protocol", "bad_chunk", field="position")
        try:
            with self.ws.db.bulk_transaction() as s:
                applied = apply_rows(s, t, fields, rows, cipher=self.ws.cipher)
                _state(s).snapshot_position = position
        except GuideDeskError as exc:
            if exc.code != "protocol_error":
                raise
            raise SyncError("protocol", "bad_chunk", **exc.details) from exc
        return applied

    # ------------------------------------------------------------ the load's ends

    def _begin(self) -> None:
        """An empty replica with its indexes deferred (recorded in the same transaction)."""
        with self.ws.db.bulk_transaction() as s:
            wipe_replica(s)
            conn = s.connection()
            for name, sql in conn.exec_driver_sql(_INDEXES, _REPLICA_NAMES).fetchall():
                s.add(DeferredIndex(name=name, sql=sql))
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
            state = _state(s)
            state.snapshot_position = None
            state.snapshot_unchecked = False

    def _mark_unchecked(self) -> None:
        with self.ws.db.bulk_transaction() as s:
            _state(s).snapshot_unchecked = True

    def _finish(self, cursor: str | None) -> None:
        """The derived columns and the indexes, then the cursor: one durable transaction."""
        with self.ws.db.transaction() as s:
            conn = s.connection()
            member_index.fill_loaded(conn)
            restore_deferred_indexes(conn)
            state = _state(s)
            state.cursor = cursor
            state.snapshot_position = None
            if cursor is not None:
                state.last_sync_at = self.ws.clock.now()


def _state(s: Session) -> SyncState:
    state = s.get(SyncState, 1)
    assert state is not None
    return state


def check_keys(ws: Workstation) -> bool:
    """After a resumed snapshot has caught up: whether every replica row's parent is there. If not
    (HQ broke its own invariant), the replica is wiped and the next run starts over; False."""
    with ws.db.transaction() as s:
        broken = s.connection().exec_driver_sql("PRAGMA foreign_key_check").fetchmany(1)
        state = _state(s)
        state.snapshot_unchecked = False
        if broken:
            wipe_replica(s)
            state.cursor = None
    return not broken
