"""The first-sync snapshot (hq/sync/snapshot.py, app/sync/bootstrap.py) against a live HQ on loopback,
SQLite and PostgreSQL: the replica it loads equals the one pull pages build (rows, derived member
columns, indexes); cut off half way while HQ keeps writing, it resumes from its last chunk and still
ends equal to HQ's view; a position HQ cannot honour (altered, another epoch) starts over; an HQ without
snapshots is synced page by page."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from app.clock import FixedClock
from app.db.database import DB_FILENAME
from app.db.models import REPLICA_TABLES, SyncState
from app.sync.client import SyncError
from app.sync.device import enroll_device, open_client
from app.sync.engine import SyncEngine, SyncProgress, SyncReport
from app.workstation import Workstation
from contract.wire import Mutation
from hq.db.models import Binding, Member
from hq.demo import seed_demo
from hq.services.privacy import erase_member
from hq.sync.changes import ALLOCATOR, store_scope
from hq.sync.cursor import decode_position, encode_position
from hq.sync.payloads import load_payloads
from hq.sync.snapshot_rows import JOINED, joined_chunks
from tests.conftest import T0
from tests.hq.harness import Hq
from tests.hq.live import live_server

# Differ between two workstations by design: each seals phones under its own keys.
_SEALED = {"phone_enc", "phone_index"}


@dataclass(frozen=True)
class _Store:
    id: str


@pytest.fixture
def store(hq: Hq) -> _Store:
    """The first of a two-store demo chain (members with tags, bindings, a task list)."""
    summary = seed_demo(hq.runtime, stores=2, members_per_store=40, seed=3)
    return _Store(summary.stores[0].id)


@pytest.fixture
def stations(tmp_path: Path, template_db: Path) -> Iterator[Callable[[], Workstation]]:
    """Fresh workstations, closed at the end."""
    opened: list[Workstation] = []

    def make() -> Workstation:
        data = tmp_path / f"ws{len(opened)}"
        data.mkdir()
        shutil.copyfile(template_db, data / DB_FILENAME)
        opened.append(Workstation.open(data, clock=FixedClock(T0)))
        return opened[-1]

    yield make
    for station in opened:
        station.close()


def _sync(ws: Workstation, *, pages_only: bool = False, **options: Any) -> SyncReport:
    client = open_client(ws)
    if pages_only:  # what an HQ from before snapshots answers
        client.snapshot = _not_found  # type: ignore[method-assign]
    try:
        return SyncEngine(ws, client, **options).run()
    finally:
        client.close()


def _not_found(_body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    raise SyncError("refused", "http_404", status=404)


def _replica(ws: Workstation) -> dict[str, Any]:
    """Every replica row (sealed phone columns left out), the schema's indexes, and the sync state's
    snapshot columns."""
    conn = ws.db.raw()
    try:
        tables = {}
        for model in REPLICA_TABLES:
            name = model.__tablename__
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})") if r[1] not in _SEALED]
            tables[name] = sorted(
                conn.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall(), key=repr
            )
        indexes = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'"))
        deferred = conn.execute("SELECT count(*) FROM deferred_indexes").fetchone()[0]
        keys = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    return {"tables": tables, "indexes": indexes, "deferred": deferred, "broken_keys": keys}


def _position(ws: Workstation) -> str | None:
    with ws.db.read() as s:
        state = s.get(SyncState, 1)
        assert state is not None
        return state.snapshot_position


def _enrolled(hq: Hq, store: _Store, make: Callable[[], Workstation], url: str) -> Workstation:
    station = make()
    enroll_device(station, hq_url=url, code=hq.enrollment_code(store))  # type: ignore[arg-type]
    return station


def test_a_snapshot_loads_the_replica_that_pull_pages_build(
    hq: Hq, store: _Store, stations: Callable[[], Workstation]
) -> None:
    with live_server(hq) as url:
        fast = _enrolled(hq, store, stations, url)
        paged = _enrolled(hq, store, stations, url)
        first = _sync(fast)
        reference = _sync(paged, pages_only=True, pull_limit=50)
        again = _sync(fast)
    assert first.ok and reference.ok, (first, reference)
    assert first.pulls == 2, first  # the snapshot, then one page from its cursor with nothing new
    assert reference.pages > 2
    assert first.pulled == reference.pulled
    loaded = _replica(fast)
    assert loaded == _replica(paged)
    assert len(loaded["tables"]["members"]) == 40 and loaded["tables"]["member_tags"]
    assert loaded["deferred"] == 0 and not loaded["broken_keys"]
    assert any(i.startswith("ix_members_") for i in loaded["indexes"])
    assert _position(fast) is None
    assert again.ok and (again.pulls, again.local_writes) == (1, 0), again


def test_a_snapshot_cut_off_half_way_resumes_and_ends_equal_to_hq(
    hq: Hq, store: _Store, stations: Callable[[], Workstation]
) -> None:
    chunks: list[SyncProgress] = []

    def on_progress(progress: SyncProgress) -> None:
        if progress.phase == "pull":
            chunks.append(progress)

    with live_server(hq) as url:
        ws = _enrolled(hq, store, stations, url)
        cut = _sync(ws, snapshot_rows=7, on_progress=on_progress, should_cancel=lambda: len(chunks) >= 9)
        assert cut.skipped == "cancelled" and cut.pages == 9 and _members(ws) > 0, cut
        position = _position(ws)
        assert position is not None
        assert decode_position(hq.runtime.cursor_key, position).at.store_id == store.id

        # HQ moves on before the till resumes: a member joins, one is bound, one is erased.
        hq.member(store, "新来的会员", phone="13912345678")  # type: ignore[arg-type]
        with hq.runtime.db.read() as s:
            unbound = s.scalars(
                select(Member.id)
                .where(Member.store_id == store.id, ~Member.id.in_(select(Binding.member_id)))
                .order_by(Member.id)
            ).all()
        guide = _a_guide(hq, store)
        hq.device(store).send(  # type: ignore[arg-type]
            Mutation.BINDING_CREATE, {"binding_id": str(uuid.uuid4()), "member_id": unbound[0]}, guide
        )
        with hq.tx() as (s, changes):
            erase_member(
                s, member=unbound[1], reason="会员要求删除", by="test", now=hq.clock(), changes=changes
            )

        resumed = _sync(ws, snapshot_rows=7)
        reference = _enrolled(hq, store, stations, url)
        assert _sync(reference, pages_only=True).ok
    assert resumed.ok, resumed
    assert 0 < resumed.pulled < _total_rows(reference)  # the rest, not everything again
    assert _replica(ws) == _replica(reference)


def _a_guide(hq: Hq, store: _Store) -> str:
    from hq.db.models import Guide

    with hq.runtime.db.read() as s:
        guide_id = s.scalars(select(Guide.id).where(Guide.store_id == store.id).order_by(Guide.id)).first()
    assert guide_id is not None
    return guide_id


def _total_rows(ws: Workstation) -> int:
    return sum(len(rows) for rows in _replica(ws)["tables"].values())


def test_a_position_hq_cannot_honour_starts_over(
    hq: Hq, store: _Store, stations: Callable[[], Workstation]
) -> None:
    def cut_off(ws: Workstation) -> str:
        chunks: list[SyncProgress] = []
        report = _sync(
            ws,
            snapshot_rows=5,
            on_progress=lambda p: chunks.append(p) if p.phase == "pull" else None,
            should_cancel=lambda: len(chunks) >= 4,
        )
        assert report.skipped == "cancelled"
        position = _position(ws)
        assert position is not None
        return position

    with live_server(hq) as url:
        altered = _enrolled(hq, store, stations, url)
        position = cut_off(altered)
        _set_position(altered, position[:-3] + ("AAA" if not position.endswith("AAA") else "BBB"))
        foreign = _enrolled(hq, store, stations, url)
        parsed = decode_position(hq.runtime.cursor_key, cut_off(foreign))
        _set_position(
            foreign, encode_position(hq.runtime.cursor_key, replace(parsed, at=replace(parsed.at, epoch="x")))
        )
        reports = [_sync(altered), _sync(foreign)]
        reference = _enrolled(hq, store, stations, url)
        assert _sync(reference, pages_only=True).ok
    for report, ws in zip(reports, (altered, foreign), strict=True):
        assert report.ok and report.reset, report
        assert _replica(ws) == _replica(reference)


def _set_position(ws: Workstation, position: str) -> None:
    with ws.db.transaction() as s:
        state = s.get(SyncState, 1)
        assert state is not None
        state.snapshot_position = position


def _members(ws: Workstation) -> int:
    return len(_replica(ws)["tables"]["members"])


def test_the_joined_rows_are_the_payloads_a_pull_page_sends(hq: Hq, store: _Store) -> None:
    """Wire rows of the four bulky types as the joined statements read them, byte for byte (as JSON)
    the payloads pull pages send for the same ids, times included; another store's rows left out."""
    scope = store_scope(store.id)
    with hq.runtime.db.read() as s:
        upto = ALLOCATOR.marks(s, [scope])[scope].version
        for entity_type in JOINED:
            chunks = list(
                joined_chunks(s, entity_type, scope=scope, served_to=store.id, after="", upto=upto, n=7)
            )
            assert chunks and all(c.read == 7 for c in chunks[:-1]), entity_type
            rows = [row for chunk in chunks for row in chunk.rows]
            data = load_payloads(s, store.id, entity_type, [r[0] for r in rows])
            assert len(rows) == len(data) > 0, entity_type
            fields = chunks[0].fields
            sent = [{"id": r[0], **dict(zip(fields, r[2:], strict=True))} for r in rows]
            expected = [{"id": r[0], **data[r[0]]} for r in rows]
            assert _json(sent) == _json(expected), entity_type
            foreign = joined_chunks(
                s, entity_type, scope=scope, served_to="another", after="", upto=upto, n=500
            )
            assert not next(foreign).rows


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NAIVE_UTC)
