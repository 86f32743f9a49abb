"""One sync run (DESIGN.md §5 "Loop"): hello → push the outbox oldest first → pull until `has_more` is
false. Qt-free; the UI runs it on its network lane, the CLI runs it inline.

Guarantees the engine keeps on its side:
- single flight per workstation, across app instances (a lock file in the data dir);
- push results are written in one local transaction per batch: a row is acked or rejected exactly once,
  and a crash before that transaction simply re-pushes (HQ answers replays from its stored results);
- a first sync (no cursor) loads HQ's snapshot of the store (app/sync/bootstrap.py), each chunk in one
  transaction together with its position, so a killed first sync resumes at the last whole chunk; then
  pulls pages from the snapshot's cursor;
- each pulled page is applied in one transaction together with its cursor;
- a reset wipes the replica and never the outbox; a revoked device wipes the replica and stops;
- an idle run (nothing to push, nothing new) writes nothing locally.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from app import __version__
from app.changes import EVERYTHING, NOTHING, Changes, of_mutation
from app.db.database import restore_deferred_indexes
from app.db.models import Outbox, SyncState
from app.errors import GuideDeskError
from app.services.ledger import void_activity_of
from app.services.outbox import PENDING_STATES, OutboxEntry, list_outbox, wire_args
from app.services.privacy import forget_personal, redact_settled
from app.sync.applier import apply_changes, wipe_replica
from app.sync.bootstrap import Bootstrap, Chunk, check_keys
from app.sync.client import HqClient, SyncError
from app.sync.lock import SyncLock, SyncLockBusy
from app.workstation import Workstation
from contract.wire import (
    ACTION_OK,
    ACTION_RESET,
    ACTION_REVOKED,
    ACTION_UPGRADE,
    MAX_PULL_LIMIT,
    MAX_PUSH_BATCH,
    MAX_PUSH_BYTES,
    PROTOCOL_VERSION,
    REJECTED,
    SCHEMA_VERSION,
    MutationEnvelope,
    MutationResult,
    canonical_json,
)

CLOCK_WARNING_MS = 5 * 60 * 1000
IDLE_STAMP = timedelta(hours=1)  # how often an idle run records that the workstation is in touch
_SYNC_STATE = Changes.of("sync_state")  # cursor and last sync time move with every page


@dataclass(frozen=True)
class Rejection:
    """A mutation HQ acknowledged as rejected: the guide is told, with the winner for a lost bind."""

    id: int
    name: str
    code: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # hello | push | pull
    pushed: int
    pulled: int
    pages: int
    behind: int | None = None  # HQ's estimate of changes still to pull (None: HQ did not say)
    changes: Changes = NOTHING  # what the pull page just applied changed


@dataclass
class SyncReport:
    ok: bool = False
    skipped: str | None = None  # "busy" when another run holds the lock
    error: SyncError | None = None
    action: str = ACTION_OK
    pushed: int = 0
    applied: int = 0
    merged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    pulled: int = 0
    pages: int = 0
    reset: bool = False
    clock_offset_ms: int = 0
    clock_warning: bool = False
    hellos: int = 0
    pushes: int = 0
    pulls: int = 0
    local_writes: int = 0
    erased: int = 0  # members erased at HQ and purged here (then the WAL is checkpointed)
    hq_last_mutation_id: int | None = None  # what HQ's hello said it has applied of this device's
    changes: Changes = NOTHING  # everything the run changed locally: settled outbox rows, pulled pages


class Cancelled(Exception):
    """The run was cancelled between two steps; everything committed so far stays committed."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic collector paused while one pull page is fetched, decoded and applied. A page makes
    ~10,000 containers (dicts, tuples) that all live until its commit, so the collections they would
    trigger free nothing and re-traverse the process's heap each time (PERF-NOTES: a paused GC halves a
    big decode). Bounded: one page (its pull waits at most READ_TIMEOUT), then it runs again. It is
    process-wide, so the GUI thread skips collections for as long: cyclic garbage is freed later, never
    lost."""
    if not gc.isenabled():  # someone else paused it: theirs to resume
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


class SyncEngine:
    def __init__(
        self,
        ws: Workstation,
        client: HqClient,
        *,
        on_progress: Callable[[SyncProgress], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
        pull_limit: int = MAX_PULL_LIMIT,
        snapshot_rows: int | None = None,
    ) -> None:
        self.ws = ws
        self.client = client
        self.on_progress = on_progress or (lambda _p: None)
        self.should_cancel = should_cancel or (lambda: False)
        self.pull_limit = pull_limit
        self.snapshot_rows = snapshot_rows  # rows per snapshot chunk (None: HQ's default)

    def run(self) -> SyncReport:
        report = SyncReport()
        try:
            with SyncLock(self.ws.data_dir):
                self._run(report)
                report.ok = report.action == ACTION_OK
        except SyncLockBusy:
            report.skipped = "busy"
        except SyncError as exc:
            report.error = exc
        except Cancelled:
            report.skipped = "cancelled"
        return report

    # ------------------------------------------------------------ steps

    def _state(self) -> SyncState:
        with self.ws.db.read() as s:
            state = s.get(SyncState, 1)
        if state is None or not state.device_id:
            raise SyncError("auth", "not_enrolled")
        return state

    def _check_cancel(self) -> None:
        if self.should_cancel():
            raise Cancelled()

    def _run(self, report: SyncReport) -> None:
        state = self._state()
        action = self._hello(state, report)
        if action in (ACTION_UPGRADE, ACTION_REVOKED):
            return
        self._check_cancel()
        # HQ knows fewer of this device's mutations than it once acknowledged: it was restored from a
        # backup. Send them again from the first one it lacks (same ids, same payloads), so nothing a
        # guide did is lost with the restore — the outbox keeps acknowledged rows for this.
        hq_last = report.hq_last_mutation_id
        resend_from = hq_last + 1 if hq_last is not None and hq_last < state.last_acked_id else None
        self._push(state, report, resend_from=resend_from)
        self._check_cancel()
        try:
            self._pull(state, report, reset=action == ACTION_RESET)
            self._mark_synced(state, report)
        finally:
            if report.erased:
                # secure_delete zeroed the purged rows in the pages written; the checkpoint moves those
                # pages into the file and truncates the WAL, whose older frames still held the bytes.
                self.ws.db.checkpoint()

    def _mark_synced(self, state: SyncState, report: SyncReport) -> None:
        """A run that got to the end is a successful sync: it lifts a stale workstation's restriction
        (app/services/privacy.py). A page written already stamped it; an idle run stamps it at most once
        an hour, so the idle cycle still writes nothing in the normal case."""
        now = self.ws.clock.now()
        if report.pages or (state.last_sync_at is not None and now - state.last_sync_at < IDLE_STAMP):
            return
        with self.ws.db.transaction() as s:
            row = s.get(SyncState, 1)
            assert row is not None
            row.last_sync_at = now
        report.local_writes += 1

    def _hello(self, state: SyncState, report: SyncReport) -> str:
        sent = self.ws.clock.now()
        answer = self.client.hello(
            {
                "device_id": state.device_id,
                "protocol": PROTOCOL_VERSION,
                "schema_version": SCHEMA_VERSION,
                "app_version": __version__,
                "client_time": _iso(sent),
            }
        )
        report.hellos += 1
        received = self.ws.clock.now()
        self.on_progress(SyncProgress("hello", 0, 0, 0))
        action = str(answer.get("action", ACTION_OK))
        report.action = action
        server_time = answer.get("server_time")
        if server_time:
            midpoint = sent + (received - sent) / 2
            offset = int((datetime.fromisoformat(server_time) - midpoint).total_seconds() * 1000)
            report.clock_offset_ms = offset
            report.clock_warning = abs(offset) > CLOCK_WARNING_MS
        epoch = answer.get("server_epoch")
        last = answer.get("last_mutation_id")
        report.hq_last_mutation_id = last if isinstance(last, int) else None
        if action == ACTION_REVOKED:
            with self.ws.db.transaction() as s:
                wipe_replica(s)
                forget_personal(s)  # PIPL: a revoked device keeps nothing personal, local intent included
                row = s.get(SyncState, 1)
                assert row is not None
                row.cursor = None
                row.snapshot_position = None
                row.snapshot_unchecked = False
            self.ws.db.checkpoint()
            report.local_writes += 1
            report.changes |= EVERYTHING
            return action
        # Only write when something moved: an idle run leaves the disk alone.
        # (A cursor from another HQ epoch is answered with reset_required by HQ itself.)
        offset_moved = abs(report.clock_offset_ms - state.clock_offset_ms) > 1000
        epoch_moved = epoch is not None and epoch != state.server_epoch
        if offset_moved or epoch_moved:
            with self.ws.db.transaction() as s:
                row = s.get(SyncState, 1)
                assert row is not None
                row.clock_offset_ms = report.clock_offset_ms
                row.server_epoch = epoch
            report.local_writes += 1
            report.changes |= _SYNC_STATE
        return action

    def _batches(self, entries: list[OutboxEntry]) -> list[list[MutationEnvelope]]:
        batches: list[list[MutationEnvelope]] = []
        current: list[MutationEnvelope] = []
        size = 0
        for entry in entries:
            mutation = MutationEnvelope(
                id=entry.id,
                name=entry.name,
                sha256=entry.sha256,
                client_time=_iso(entry.created_at),
                guide_id=entry.guide_id,
                args=wire_args(entry, self.ws.cipher),
            )
            cost = len(canonical_json(mutation.to_wire())) + 1
            if current and (len(current) >= MAX_PUSH_BATCH or size + cost > MAX_PUSH_BYTES - 1024):
                batches.append(current)
                current, size = [], 0
            current.append(mutation)
            size += cost
        if current:
            batches.append(current)
        return batches

    def _push(self, state: SyncState, report: SyncReport, *, resend_from: int | None = None) -> None:
        for _round in range(3):  # a gap answer restarts once or twice from HQ's expected id
            with self.ws.db.read() as s:
                if resend_from is None:
                    entries = list_outbox(s, states=PENDING_STATES, limit=MAX_PUSH_BATCH * 10)
                else:
                    rows = s.scalars(
                        select(Outbox).where(Outbox.id >= resend_from).order_by(Outbox.id).limit(1000)
                    )
                    entries = [
                        OutboxEntry(
                            r.id,
                            r.name,
                            r.args,
                            r.sha256,
                            r.created_at,
                            r.guide_id,
                            r.member_id,
                            r.state,
                            r.result,
                        )
                        for r in rows
                    ]
            if not entries:
                return
            try:
                for batch in self._batches(entries):
                    self._check_cancel()
                    self._mark_sent(batch, report)
                    answer = self.client.push(
                        {"device_id": state.device_id, "mutations": [m.to_wire() for m in batch]}
                    )
                    report.pushes += 1
                    self._record_results(batch, answer, report)
                    self.on_progress(SyncProgress("push", report.pushed, 0, 0))
            except SyncError as exc:
                if exc.kind != "gap":
                    raise
                expected = int(exc.details.get("expected") or 0)
                if resend_from is not None and expected <= resend_from:
                    raise
                resend_from = expected
                continue
            if resend_from is None and len(entries) < MAX_PUSH_BATCH * 10:
                return
            resend_from = None  # more pending rows than one read: go round again

    def _mark_sent(self, batch: list[MutationEnvelope], report: SyncReport) -> None:
        """pending -> sent for a batch about to go out, so the outbox view can tell "queued" from "sent,
        no answer yet". Only rows still pending: a resend after a lost answer writes nothing."""
        ids = [m.id for m in batch]
        with self.ws.db.transaction() as s:
            marked = s.execute(
                update(Outbox).where(Outbox.id.in_(ids), Outbox.state == "pending").values(state="sent")
            )
        if marked.rowcount:  # type: ignore[attr-defined]
            report.local_writes += 1
            report.changes |= Changes.of("outbox")

    def _record_results(
        self, batch: list[MutationEnvelope], answer: dict[str, Any], report: SyncReport
    ) -> None:
        results = {r.id: r for r in (MutationResult.from_wire(x) for x in answer.get("results", []))}
        now = self.ws.clock.now()
        names = {m.id: m.name for m in batch}
        with self.ws.db.transaction() as s:
            for mutation_id, result in sorted(results.items()):
                if mutation_id not in names:
                    continue
                row = s.get(Outbox, mutation_id)
                if row is None or row.state in ("acked", "rejected"):
                    continue  # already settled by an earlier run whose answer we did get
                row.result = result.to_wire()
                row.acked_at = now
                # "pending HQ" turns into confirmed or rejected on whatever the mutation showed
                report.changes |= of_mutation(row.name, members=[row.member_id])
                if result.status == REJECTED:
                    row.state = "rejected"
                    void_activity_of(s, mutation_id)
                    if result.code == "member_erased":  # its values must not outlive the erasure here
                        redact_settled(s, row, now=now)
                    report.rejections.append(
                        Rejection(mutation_id, names[mutation_id], result.code, result.details)
                    )
                else:
                    row.state = "acked"
                    if result.status == "merged":
                        report.merged += 1
                    else:
                        report.applied += 1
                report.pushed += 1
            state = s.get(SyncState, 1)
            assert state is not None
            last = answer.get("last_mutation_id")
            if isinstance(last, int) and last > state.last_acked_id:
                state.last_acked_id = last
        report.local_writes += 1

    def _pull(self, state: SyncState, report: SyncReport, *, reset: bool) -> None:
        cursor = None if reset else state.cursor
        if reset:
            self._reset(report)
        snapshot_tried = False
        for _page in range(100_000):  # bounded: a runaway HQ cannot keep us here forever
            self._check_cancel()
            if cursor is None and not snapshot_tried:
                snapshot_tried = True
                cursor = self._bootstrap(state, report)
            page_changes = NOTHING
            with _gc_paused():
                answer = self.client.pull(
                    {"device_id": state.device_id, "cursor": cursor, "limit": self.pull_limit}
                )
                report.pulls += 1
                if answer.get("reset_required"):
                    if report.reset:
                        raise SyncError("protocol", "reset_loop")
                    self._reset(report)
                    cursor = None
                    continue
                # The page's change dicts go to the applier as decoded: no object per change.
                changes = answer.get("changes", [])
                if not isinstance(changes, list):
                    raise SyncError("protocol", "bad_page", field="changes")
                new_cursor = answer.get("cursor")
                if changes or new_cursor != cursor:
                    try:
                        with self.ws.db.transaction() as s:
                            applied = apply_changes(s, changes, cipher=self.ws.cipher)
                            row = s.get(SyncState, 1)
                            assert row is not None
                            row.cursor = new_cursor
                            row.last_sync_at = self.ws.clock.now()
                    except GuideDeskError as exc:
                        if exc.code != "protocol_error":
                            raise
                        # A page this client cannot read: nothing of it was written; the run reports
                        # HQ's fault and backs off like any other sync failure.
                        raise SyncError("protocol", "bad_page", **exc.details) from exc
                    report.local_writes += 1
                    report.erased += len(applied.erased)
                    report.pages += 1
                    report.pulled += len(changes)
                    page_changes = applied.changes | _SYNC_STATE
                    report.changes |= page_changes
                    cursor = new_cursor
            behind = answer.get("behind")
            self.on_progress(
                SyncProgress(
                    "pull",
                    report.pushed,
                    report.pulled,
                    report.pages,
                    behind=behind if isinstance(behind, int) and not isinstance(behind, bool) else None,
                    changes=page_changes,
                )
            )
            if not answer.get("has_more"):
                self._check_resumed_snapshot()
                return
        raise SyncError("protocol", "too_many_pages")

    def _bootstrap(self, state: SyncState, report: SyncReport) -> str | None:
        """A first sync's snapshot; the cursor to pull on from (None: HQ has none, pull from the start)."""

        def on_chunk(chunk: Chunk) -> None:
            report.pages += 1
            report.pulled += chunk.rows
            report.local_writes += 1
            report.changes |= chunk.changes
            self.on_progress(
                SyncProgress(
                    "pull",
                    report.pushed,
                    report.pulled,
                    report.pages,
                    behind=chunk.left,
                    changes=chunk.changes,
                )
            )

        assert state.device_id is not None
        with _gc_paused():
            loaded = Bootstrap(
                self.ws,
                self.client,
                device_id=state.device_id,
                on_chunk=on_chunk,
                check_cancel=self._check_cancel,
                chunk_rows=self.snapshot_rows,
            ).run()
        report.pulls += loaded.answers
        report.local_writes += 1
        report.changes |= EVERYTHING if loaded.reset else _SYNC_STATE
        report.reset = report.reset or loaded.reset
        return loaded.cursor

    def _check_resumed_snapshot(self) -> None:
        with self.ws.db.read() as s:
            row = s.get(SyncState, 1)
            unchecked = row is not None and row.snapshot_unchecked
        if unchecked and not check_keys(self.ws):
            raise SyncError("protocol", "replica_keys")

    def _reset(self, report: SyncReport) -> None:
        with self.ws.db.transaction() as s:
            wipe_replica(s)
            row = s.get(SyncState, 1)
            assert row is not None
            row.cursor = None
            row.snapshot_position = None
            row.snapshot_unchecked = False
            restore_deferred_indexes(s.connection())  # a snapshot cut off by the reset had dropped them
        report.reset = True
        report.changes |= EVERYTHING
        report.local_writes += 1
