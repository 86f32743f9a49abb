"""The member card shows effective state: what HQ said plus what this counter did since."""

from __future__ import annotations

import pytest

from app.errors import MemberNotFound
from app.services.cards import member_card
from app.services.outbox import record_mutation
from app.sync.protocol import Mutation
from tests.conftest import T0
from tests.factories import seed


@pytest.fixture
def store(ws):
    return seed(ws)


def card(ws, store, member_id, viewer=None):
    with ws.db.read() as s:
        return member_card(s, member_id=member_id, viewer=viewer or store.guide, now=T0)


def mutate(ws, store, name, args, member_id):
    with ws.db.transaction() as s:
        record_mutation(s, name=name, args=args, guide_id=store.guide.id, now=T0, member_id=member_id)


def test_card_shows_masked_phone_stage_level_and_binding(ws, store):
    """Never the full phone on screen; the binding relation is from the viewer's point of view."""
    c = card(ws, store, "m-2")
    assert (c.name, c.phone_masked, c.stage, c.level) == ("赵敏", "139****2222", "experience", "普卡")
    assert (c.binding.relation, c.binding.state, c.binding.protection_active) == ("mine", "confirmed", True)
    assert card(ws, store, "m-2", viewer=store.other_guide).binding.relation == "colleague"
    assert card(ws, store, "m-4").binding.relation == "other_store"
    assert card(ws, store, "m-1").binding.relation == "unbound"


def test_sleeping_is_an_overlay_with_its_reason(ws, store):
    """A member with no purchase for 180+ days shows as sleeping, with how long."""
    c = card(ws, store, "m-6")
    assert c.sleeping and c.stage == "first_order"
    assert c.stage_reason == ("sleeping", {"days_since_purchase": 400})
    assert not card(ws, store, "m-1").sleeping


def test_tags_include_pending_adds_and_hide_pending_removes(ws, store):
    """A tag added offline shows at once (marked pending); a removed one disappears at once."""
    mutate(ws, store, Mutation.TAG_ADD, {"member_id": "m-2", "tag_id": "t-vip"}, "m-2")
    mutate(ws, store, Mutation.TAG_REMOVE, {"member_id": "m-2", "tag_id": "t-skin"}, "m-2")
    c = card(ws, store, "m-2")
    assert [(t.name, t.group_name, t.pending) for t in c.tags] == [("高价值", "价值", True)]
    assert c.pending_mutations == 2


def test_pending_notes_and_tasks_show_first(ws, store):
    """A note or follow-up written a moment ago is on the card before HQ confirms it."""
    mutate(ws, store, Mutation.NOTE_ADD, {"note_id": "n1", "member_id": "m-1", "body": "喜欢小样"}, "m-1")
    mutate(
        ws,
        store,
        Mutation.TASK_CREATE,
        {"task_id": "t1", "member_id": "m-1", "kind": "call", "due_at": "2026-11-18T00:00:00+00:00"},
        "m-1",
    )
    c = card(ws, store, "m-1")
    assert [(n.body, n.pending) for n in c.recent_notes] == [("喜欢小样", True)]
    assert [(t.id, t.overdue, t.pending) for t in c.open_tasks] == [("t1", True, True)]


def test_member_enrolled_here_has_a_card_before_hq_confirms(ws, store):
    """A walk-in enrolled offline can be served (tags, binding) right away."""
    with ws.db.transaction() as s:
        record_mutation(
            s,
            name=Mutation.MEMBER_ENROLL,
            args={
                "member_id": "m-new",
                "name": "钱多多",
                "card_no": "GD0000000001",
                "phone_masked": "186****0000",
                "paid": True,
            },
            guide_id=store.guide.id,
            now=T0,
            member_id="m-new",
        )
    c = card(ws, store, "m-new")
    assert (c.name, c.phone_masked, c.is_paid, c.pending_enrollment) == ("钱多多", "186****0000", True, True)


def test_unknown_member(ws, store):
    """A member not on this workstation is a typed miss, not a crash."""
    with pytest.raises(MemberNotFound):
        card(ws, store, "m-missing")


def test_card_queries_use_indexes(ws, store):
    """The card is built from indexed lookups only; a scan of members, tags or bindings would blow the
    one-frame budget at a million members."""
    statements: list[str] = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, params, context, executemany):
        statements.append((statement, params))

    event.listen(ws.db.engine, "before_cursor_execute", capture)
    try:
        card(ws, store, "m-2")
    finally:
        event.remove(ws.db.engine, "before_cursor_execute", capture)
    big = ("members", "member_tags", "bindings", "visits", "outbox", "task_items", "notes", "member_codes")
    with ws.db.engine.connect() as conn:
        for statement, params in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = [str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
            scans = [p for p in plan if p.startswith("SCAN") and any(f"SCAN {t}" in p for t in big)]
            assert not scans, (statement, plan)
