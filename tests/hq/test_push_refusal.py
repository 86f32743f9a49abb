"""A mutation refused after its handler already wrote keeps nothing of those writes, and is still
acknowledged as rejected in order (hq/sync/push.py: no savepoint around the handler; a refusal rolls the
whole transaction back and a second transaction stores the rejection)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from contract.wire import Mutation
from hq.db.models import ChangeIndex, Counter, Device, Note
from hq.sync import handlers
from hq.sync.handlers.base import Context, Rejected
from tests.hq.harness import DeviceClient, Hq


def _uid() -> str:
    return str(uuid.uuid4())


def _state(hq: Hq, device: DeviceClient, store_id: str) -> tuple[int, int, int, int]:
    """Notes, change-index rows, the store's version, the device's last_mutation_id."""
    with hq.runtime.db.read() as s:
        notes = s.scalar(select(func.count()).select_from(Note)) or 0
        index = s.scalar(select(func.count()).select_from(ChangeIndex)) or 0
        version = s.scalar(select(Counter.version).where(Counter.scope == f"store:{store_id}")) or 0
        last = s.scalar(select(Device.last_mutation_id).where(Device.id == device.device_id)) or 0
        return int(notes), int(index), int(version), int(last)


@pytest.fixture
def scene(hq: Hq) -> tuple[Hq, DeviceClient, str, str, str]:
    store = hq.store("SH01", "上海静安店")
    guide = hq.guide(store, "陈静")
    member = hq.member(store, "刘洋", phone="13800001111")
    return hq, hq.device(store), store.id, guide.id, member.id


def test_a_refusal_after_a_write_keeps_nothing_and_is_stored(
    scene: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler that adds a note (and its change) and then refuses: the rejection is the answer, the
    note, its change-index row and a version bump are not kept, the device's last_mutation_id moves on,
    a replay gets the same answer and the next mutation applies. Shown to fail (the note, its change-index
    row and the bump kept) with `_run_handler` changed to return the rejection in the same transaction
    instead of raising `_Undone`, on SQLite and PostgreSQL."""
    hq, device, store_id, guide_id, member_id = scene
    real = handlers.HANDLERS[Mutation.NOTE_ADD]

    def writes_then_refuses(ctx: Context) -> Any:
        real(ctx)
        ctx.session.flush()
        raise Rejected("probe_refused", why="after a write")

    before = _state(hq, device, store_id)
    monkeypatch.setitem(handlers.HANDLERS, Mutation.NOTE_ADD, writes_then_refuses)
    refused = device.mutation(
        Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "x"}, guide_id
    )
    answer = device.push([refused])
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"] == [
        {"id": 1, "status": "rejected", "code": "probe_refused", "details": {"why": "after a write"}}
    ]
    assert _state(hq, device, store_id) == (before[0], before[1], before[2], 1)

    monkeypatch.setitem(handlers.HANDLERS, Mutation.NOTE_ADD, real)
    assert device.push([refused]).json()["results"] == answer.json()["results"]  # replayed, not re-run
    kept = device.send(Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "好"}, guide_id)
    assert kept["status"] == "applied"
    notes, index, version, last = _state(hq, device, store_id)
    assert (notes, last) == (before[0] + 1, 2) and index > before[1] and version > before[2]


def test_a_write_the_database_refuses_at_flush_is_a_conflict_not_a_500(
    scene: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler that leaves a clashing insert pending (a race it did not foresee) gets `conflict`, and
    the queue moves on. Shown to fail (500, the pending insert first flushed by the result row's
    statement, outside the handler's error handling) without the flush after the handler, on SQLite and
    PostgreSQL."""
    hq, device, store_id, guide_id, member_id = scene
    first = device.send(Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "a"}, guide_id)
    assert first["status"] == "applied"
    with hq.runtime.db.read() as s:
        existing = s.scalars(select(Note.id)).one()

    def clashes(ctx: Context) -> Any:
        ctx.session.add(
            Note(
                id=existing,
                member_id=member_id,
                store_id=store_id,
                guide_id=guide_id,
                body="clash",
                created_at=ctx.now,
            )
        )
        return ctx.applied()

    monkeypatch.setitem(handlers.HANDLERS, Mutation.NOTE_ADD, clashes)
    answer = device.push(
        [
            device.mutation(
                Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "b"}, guide_id
            )
        ]
    )
    assert answer.status_code == 200, answer.text
    assert [(r["status"], r.get("code")) for r in answer.json()["results"]] == [("rejected", "conflict")]
    assert _state(hq, device, store_id)[0::3] == (1, 2)
