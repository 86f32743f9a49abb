"""The first-sync snapshot (`POST /v1/sync/snapshot`): a store's whole scope at one version, streamed.

A workstation with no cursor used to pull ~710 pages of 1,000 changes for a 100,000-member store, each
page a round trip with its change-index scan, parent look-ups and JSON of per-change dicts
(docs/benchmarks-sync.md). The snapshot instead reads, in one read snapshot, the counters of the store's
two scopes and then every entity whose latest change is a `put` at or below them, type by type (parents
first), and streams them as newline-delimited JSON:

- a header line `{"snapshot": {"resumed", "rows", "left", "server_time", "server_epoch"}}`;
- chunk lines `{"t": type, "fields": [...], "rows": [[id, v, *values], ...], "position": "..."}`, at most
  `CHUNK_ROWS` rows each, in the payload shapes of hq/sync/payloads.py (`fields` names the values;
  `id` is the change id, `v` its version, as on a pull page);
- an end line `{"end": true, "cursor": "...", "last_mutation_id": n}`: the cursor of the versions the
  snapshot began at, from which incremental pulls go on;
- or instead of all of it one line `{"reset_required": true, "reason": ...}`.

The workstation applies each chunk in one transaction together with its `position` (signed like a
cursor, hq/sync/cursor.py), so a snapshot cut off anywhere resumes from its last applied chunk: the
request with that position answers the rest. A resumed answer reads the *current* state after the
position but ends with the cursor of the versions the snapshot began at, so whatever changed in between
comes again by incremental pulls (puts are upserts, removes delete): the replica ends equal to HQ's view.
Between the cut and those pulls, a resumed replica may briefly hold a child whose parent changed later;
the workstation checks its keys once it has caught up (app/sync/bootstrap.py).

Scope is the change index's: a store scope's rows are the store's entities, and every payload loader
re-checks that a row belongs to the scope it is served for (hq/sync/payloads.py). Removes and erasures
are not sent: an empty replica has nothing to remove or purge.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from hq.clock import iso
from hq.db.models import ChangeIndex
from hq.runtime import HqRuntime
from hq.services.devices import DeviceAuth
from hq.sync import changes as versions
from hq.sync.changes import GLOBAL, PUT, store_scope
from hq.sync.cursor import (
    Cursor,
    CursorInvalid,
    SnapshotPosition,
    decode_position,
    encode_cursor,
    encode_position,
)
from hq.sync.payloads import load_payloads
from hq.sync.pull import clear_reset_request
from hq.sync.snapshot_rows import JOINED, Chunk, joined_chunks

log = logging.getLogger("hq.snapshot")

CHUNK_ROWS = 5_000  # ~1.5 MB of JSON for members: a chunk is one client transaction
# (scope kind, entity type) in the order sent: parents before the children that reference them.
STEPS: tuple[tuple[str, str], ...] = (
    ("global", "tag_group"),
    ("global", "tag"),
    ("global", "policy"),
    ("global", "qr_key"),
    ("store", "store"),
    ("store", "guide"),
    ("store", "member"),
    ("store", "member_code"),
    ("store", "member_tag"),
    ("store", "binding"),
    ("store", "binding_conflict"),
    ("store", "task_list"),
    ("store", "task_item"),
    ("store", "note"),
)

_c = ChangeIndex.__table__.c
# The next ids of one step after `after`, by the change index's primary key (scope, type, id).
_NEXT_IDS = (
    select(_c.entity_id, _c.version)
    .where(
        _c.scope == bindparam("scope"),
        _c.entity_type == bindparam("entity_type"),
        _c.entity_id > bindparam("after"),
        _c.op == PUT,
        _c.version <= bindparam("upto"),
    )
    .order_by(_c.entity_id)
    .limit(bindparam("n"))
)
_COUNT = (
    select(_c.entity_type, func.count())
    .where(_c.scope == bindparam("scope"), _c.op == PUT, _c.version <= bindparam("upto"))
    .group_by(_c.entity_type)
)


class SnapshotRefused(Exception):
    """The position cannot be resumed: the workstation wipes what it loaded and starts over."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _line(obj: dict[str, Any]) -> bytes:
    # naive datetimes are the joined rows' UTC times: written as iso() writes them (+00:00)
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC) + b"\n"


def _start(
    session: Session, runtime: HqRuntime, device: DeviceAuth, position: str | None
) -> tuple[SnapshotPosition, bool]:
    """Where this answer begins, and whether it resumes; SnapshotRefused for a position to give up."""
    home = store_scope(device.store_id)
    marks = versions.ALLOCATOR.marks(session, [GLOBAL, home])
    if position is None:
        if device.reset_requested:
            clear_reset_request(runtime, device.device_id)
        at = Cursor(
            runtime.facts.epoch, device.store_id, marks[GLOBAL].version, marks[home].version, int(time.time())
        )
        return SnapshotPosition(at, 0, ""), False
    try:
        parsed = decode_position(runtime.cursor_key, position)
    except CursorInvalid:
        raise SnapshotRefused("bad_position") from None
    at = parsed.at
    if at.epoch != runtime.facts.epoch:
        raise SnapshotRefused("epoch")
    if at.store_id != device.store_id:
        raise SnapshotRefused("foreign_position")
    if device.reset_requested:
        raise SnapshotRefused("requested")
    if parsed.step >= len(STEPS):
        raise SnapshotRefused("bad_position")
    base = {GLOBAL: at.global_version, home: at.store_version}
    if any(base[s] > marks[s].version for s in base):
        raise SnapshotRefused("cursor_ahead")
    if any(base[s] < marks[s].pruned_through for s in base):
        raise SnapshotRefused("retention")
    return parsed, True


def _scope_and_upto(step: int, at: Cursor) -> tuple[str, int, str | None]:
    """The change-index scope of a step, the version bound there, and whom its payloads are served to
    (None: the global scope)."""
    kind, _ = STEPS[step]
    if kind == "global":
        return GLOBAL, at.global_version, None
    return store_scope(at.store_id), at.store_version, at.store_id


def _left(session: Session, start: SnapshotPosition) -> tuple[int, int]:
    """Rows in the whole snapshot and rows still to send from `start`: for the progress bar."""
    at = start.at
    counts: dict[tuple[str, str], int] = {}
    for scope, upto in ((GLOBAL, at.global_version), (store_scope(at.store_id), at.store_version)):
        for entity_type, n in session.execute(_COUNT, {"scope": scope, "upto": upto}):
            counts[(scope, entity_type)] = n
    total = left = 0
    for step in range(len(STEPS)):
        scope, upto, _ = _scope_and_upto(step, at)
        n = counts.get((scope, STEPS[step][1]), 0)
        total += n
        if step > start.step:
            left += n
        elif step == start.step:
            left += n if not start.after else _count_after(session, scope, STEPS[step][1], start.after, upto)
    return total, left


def _count_after(session: Session, scope: str, entity_type: str, after: str, upto: int) -> int:
    query = select(func.count()).where(
        _c.scope == scope,
        _c.entity_type == entity_type,
        _c.entity_id > after,
        _c.op == PUT,
        _c.version <= upto,
    )
    return int(session.execute(query).scalar_one())


def _loaded_chunks(
    session: Session, entity_type: str, *, scope: str, served_to: str | None, after: str, upto: int, n: int
) -> Iterator[Chunk]:
    """Chunks of one step by the change index's ids and payloads.py's loaders (the small types)."""
    params = {"scope": scope, "entity_type": entity_type, "upto": upto, "n": n}
    while True:
        found = session.execute(_NEXT_IDS, {**params, "after": after}).all()
        if not found:
            return
        after = found[-1][0]
        data = load_payloads(session, served_to, entity_type, [r[0] for r in found])
        rows = [[i, v, *d.values()] for i, v in found if (d := data.get(i)) is not None]
        fields = list(next(iter(data.values()))) if data else []
        yield Chunk(fields, rows, len(found), after)
        if len(found) < n:
            return


def snapshot_lines(
    session: Session,
    *,
    runtime: HqRuntime,
    device: DeviceAuth,
    position: str | None,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[bytes]:
    """The answer's lines, read from `session` (one read snapshot, held for the whole answer)."""
    try:
        start, resumed = _start(session, runtime, device, position)
    except SnapshotRefused as refused:
        yield _line({"reset_required": True, "reason": refused.reason})
        return
    if session.get_bind().dialect.name == "postgresql":
        # A chunk is a LIMIT over an index walk; PostgreSQL planned the member_tag walk with two parallel
        # workers, which took ~25 ms of CPU per chunk against ~14 ms alone, on cores the HQ process and the
        # workstation's load share (docs/benchmarks-sync.md).
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    total, left = _left(session, start)
    yield _line(
        {
            "snapshot": {
                "resumed": resumed,
                "rows": total,
                "left": left,
                "server_time": iso(runtime.now()),
                "server_epoch": runtime.facts.epoch,
            }
        }
    )
    at = start.at
    after = start.after
    for step in range(start.step, len(STEPS)):
        entity_type = STEPS[step][1]
        scope, upto, served_to = _scope_and_upto(step, at)
        walk = joined_chunks if entity_type in JOINED and served_to is not None else _loaded_chunks
        chunks = walk(
            session, entity_type, scope=scope, served_to=served_to, after=after, upto=upto, n=chunk_rows
        )
        for fields, rows, read, after in chunks:
            if len(rows) < read:
                log.warning(
                    "%s of %s %s rows have no servable data; left out", read - len(rows), read, entity_type
                )
            yield _line(
                {
                    "t": entity_type,
                    "fields": fields,
                    "rows": rows,
                    "position": encode_position(runtime.cursor_key, SnapshotPosition(at, step, after)),
                }
            )
        after = ""
    yield _line(
        {
            "end": True,
            "cursor": encode_cursor(runtime.cursor_key, at),
            "last_mutation_id": device.last_mutation_id,
        }
    )
