"""The member card shows effective state: what HQ said plus what this counter did since."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, update

from app.db.models import Binding, BindingConflict, Member, Note, Outbox, Policy, TaskItem, Visit
from app.errors import MemberNotFound, RuleRefused
from app.services.binding import bind_member, list_transfer_requests, transfer_departing_guide
from app.services.cards import member_card
from app.services.outbox import record_mutation
from contract.wire import Mutation
from tests.conftest import T0
from tests.factories import seed


@pytest.fixture
def store(ws):
    return seed(ws)


def card(ws, store, member_id, viewer=None, now=T0):
    with ws.db.read() as s:
        return member_card(s, member_id=member_id, viewer=viewer or store.guide, now=now)


def mutate(ws, store, name, args, member_id, guide=None, at=T0) -> int:
    with ws.db.transaction() as s:
        return record_mutation(
            s, name=name, args=args, guide_id=(guide or store.guide).id, now=at, member_id=member_id
        )


def add(ws, *rows) -> None:
    with ws.db.transaction() as s:
        s.add_all(rows)


def visit(vid, member_id, guide_id, at) -> Visit:
    return Visit(id=vid, member_id=member_id, guide_id=guide_id, at=at, day=at.date().isoformat())


def test_card_shows_masked_phone_stage_level_and_binding(ws, store):
    """Never the full phone on screen; the binding relation is from the viewer's point of view."""
    c = card(ws, store, "m-2")
    assert (c.name, c.card_no, c.phone_masked, c.stage, c.level) == (
        "赵敏",
        "8800000001",
        "139****2222",
        "experience",
        "普卡",
    )
    assert (c.binding.relation, c.binding.state, c.binding.guide_name, c.binding.protection_active) == (
        "mine",
        "confirmed",
        "李娜",
        True,
    )
    assert (c.pending_mutations, c.pending_enrollment, c.stage_reason) == (0, False, ("stage", {}))
    assert card(ws, store, "m-2", viewer=store.other_guide).binding.relation == "colleague"
    foreign = card(ws, store, "m-4").binding
    assert (foreign.relation, foreign.guide_name, foreign.store_name) == (
        "other_store",
        "陈静",
        "北京三里屯店",
    )
    unbound = card(ws, store, "m-1").binding
    assert (unbound.relation, unbound.guide_id, unbound.protection_active) == ("unbound", None, False)
    lapsed = card(ws, store, "m-5").binding
    assert (lapsed.relation, lapsed.protection_active) == ("colleague", False)


def test_sleeping_is_an_overlay_with_its_reason(ws, store):
    """A member with no purchase for more than the policy's days shows as sleeping, with how long."""
    c = card(ws, store, "m-6")
    assert c.sleeping and c.stage == "first_order"
    assert c.stage_reason == ("sleeping", {"days_since_purchase": 400})
    assert not card(ws, store, "m-1").sleeping
    with ws.db.transaction() as s:
        s.execute(update(Policy).values(sleeping_days=500))
    assert not card(ws, store, "m-6").sleeping, "HQ's policy decides how long is sleeping"


def test_sleeping_falls_back_to_default_policy(ws, store):
    """A workstation that has not pulled a policy yet still marks sleepers (default 180 days)."""
    with ws.db.transaction() as s:
        s.execute(delete(Policy))
        s.execute(update(Member).where(Member.id == "m-1").values(last_purchase_at=T0 - timedelta(days=181)))
    assert card(ws, store, "m-1").sleeping
    assert card(ws, store, "m-6").sleeping
    assert not card(ws, store, "m-2").sleeping  # 20 days


def test_tags_include_pending_adds_and_hide_pending_removes(ws, store):
    """A tag added offline shows at once (marked pending); a removed one disappears at once."""
    assert [(t.name, t.pending) for t in card(ws, store, "m-2").tags] == [("护肤", False)]
    mutate(ws, store, Mutation.TAG_ADD, {"member_id": "m-2", "tag_id": "t-vip"}, "m-2")
    mutate(ws, store, Mutation.TAG_REMOVE, {"member_id": "m-2", "tag_id": "t-skin"}, "m-2")
    c = card(ws, store, "m-2")
    assert [(t.name, t.group_name, t.pending) for t in c.tags] == [("高价值", "价值", True)]
    assert c.pending_mutations == 2


def test_acknowledged_mutations_no_longer_count_as_pending(ws, store):
    """Once HQ has answered, a mutation leaves the card's pending count (the replica shows it instead)."""
    oid = mutate(ws, store, Mutation.TAG_ADD, {"member_id": "m-2", "tag_id": "t-vip"}, "m-2")
    mutate(ws, store, Mutation.NOTE_ADD, {"note_id": "n1", "member_id": "m-2", "body": "x"}, "m-2")
    with ws.db.transaction() as s:
        s.execute(update(Outbox).where(Outbox.id == oid).values(state="acked"))
    c = card(ws, store, "m-2")
    assert c.pending_mutations == 1
    assert [t.name for t in c.tags] == ["护肤"], "an acked add shows only once the replica has it"


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
    assert [(t.id, t.kind, t.overdue, t.pending) for t in c.open_tasks] == [("t1", "call", True, True)]


def test_notes_are_the_three_latest_of_replica_and_pending(ws, store):
    """The card shows the three most recent notes, wherever they are, each once."""
    add(
        ws,
        *[
            Note(
                id=f"r{i}",
                member_id="m-2",
                guide_id="g-li",
                body=f"old {i}",
                created_at=T0 - timedelta(days=i),
            )
            for i in range(1, 5)
        ],
    )
    mutate(ws, store, Mutation.NOTE_ADD, {"note_id": "p1", "member_id": "m-2", "body": "new"}, "m-2")
    # Sent and already pulled back: in both the outbox and the replica; shown once, as confirmed.
    mutate(ws, store, Mutation.NOTE_ADD, {"note_id": "r1", "member_id": "m-2", "body": "old 1"}, "m-2")
    assert [(n.id, n.pending) for n in card(ws, store, "m-2").recent_notes] == [
        ("p1", True),
        ("r1", False),
        ("r2", False),
    ]


def test_open_tasks_merge_replica_and_pending_actions(ws, store):
    """Open items show with overdue flags; one completed here disappears; one created here shows once."""
    add(
        ws,
        TaskItem(id="ti-1", member_id="m-2", kind="call", assigned_guide_id="g-li",
                 due_at=T0 - timedelta(hours=1), state="open", created_at=T0 - timedelta(days=2)),
        TaskItem(id="ti-2", member_id="m-2", kind="invite", assigned_guide_id=None,
                 due_at=T0 + timedelta(days=1), state="open", created_at=T0 - timedelta(days=2)),
        TaskItem(id="ti-3", member_id="m-2", kind="visit", state="done", created_at=T0 - timedelta(days=2)),
        TaskItem(id="ti-4", member_id="m-2", kind="call", state="open", created_at=T0 - timedelta(days=2)),
    )  # fmt: skip
    mutate(ws, store, Mutation.TASK_COMPLETE, {"task_id": "ti-4", "outcome": "reached"}, "m-2")
    mutate(ws, store, Mutation.TASK_ASSIGN, {"task_id": "ti-2", "guide_id": "g-zhang"}, "m-2")
    # A create HQ has already applied (the item is in the replica as done): not shown again.
    mutate(ws, store, Mutation.TASK_CREATE, {"task_id": "ti-3", "member_id": "m-2", "kind": "visit"}, "m-2")
    tasks = card(ws, store, "m-2").open_tasks
    assert [(t.id, t.overdue, t.assigned_guide_id, t.pending) for t in tasks] == [
        ("ti-1", True, "g-li", False),
        ("ti-2", False, "g-zhang", False),
    ]


def test_last_visit_is_the_latest_of_hq_and_this_counter(ws, store):
    """A visit recorded here a minute ago beats the older visit HQ knows about, and the reverse."""
    with ws.db.transaction() as s:
        s.execute(update(Member).where(Member.id == "m-2").values(last_visit_at=T0 - timedelta(days=3)))
    assert card(ws, store, "m-2").last_visit_at == T0 - timedelta(days=3)
    add(
        ws,
        visit("v1", "m-2", "g-zhang", T0 - timedelta(minutes=1)),
        visit("v0", "m-2", "g-li", T0 - timedelta(days=9)),
    )
    assert card(ws, store, "m-2").last_visit_at == T0 - timedelta(minutes=1)
    assert card(ws, store, "m-1").last_visit_at is None


def test_member_enrolled_here_has_a_card_before_hq_confirms(ws, store):
    """A walk-in enrolled offline can be served (tags, binding) right away."""
    mutate(
        ws,
        store,
        Mutation.MEMBER_ENROLL,
        {
            "member_id": "m-new",
            "name": "钱多多",
            "card_no": "GD0000000001",
            "phone_masked": "186****0000",
            "paid": True,
        },
        "m-new",
    )
    mutate(ws, store, Mutation.TAG_ADD, {"member_id": "m-new", "tag_id": "t-bag"}, "m-new")
    c = card(ws, store, "m-new")
    assert (c.name, c.card_no, c.phone_masked, c.is_paid, c.pending_enrollment) == (
        "钱多多",
        "GD0000000001",
        "186****0000",
        True,
        True,
    )
    assert (c.stage, c.level, c.sleeping, c.binding.relation, c.pending_mutations) == (
        "registered",
        "普卡",
        False,
        "unbound",
        2,
    )
    assert [(t.name, t.pending) for t in c.tags] == [("箱包", True)]
    with ws.db.transaction() as s:
        bind_member(s, member_id="m-new", guide=store.guide, now=T0)
    assert (card(ws, store, "m-new").binding.relation, card(ws, store, "m-new").binding.state) == (
        "mine",
        "pending",
    )


def test_unknown_member(ws, store):
    """A member not on this workstation is a typed miss, not a crash."""
    with pytest.raises(MemberNotFound) as exc:
        card(ws, store, "m-missing")
    assert (exc.value.code, exc.value.details) == ("member_not_local", {"member_id": "m-missing"})


def test_a_pending_bind_overrides_the_replica_for_everyone(ws, store):
    """A lapsed member taken over here shows as the new guide's, pending HQ, on every counter screen."""
    with ws.db.transaction() as s:
        bind_member(s, member_id="m-5", guide=store.guide, now=T0)
    mine = card(ws, store, "m-5").binding
    assert (mine.relation, mine.state, mine.guide_name, mine.protection_active) == (
        "mine",
        "pending",
        "李娜",
        True,
    )
    assert mine.protected_until == T0 + timedelta(days=90)
    theirs = card(ws, store, "m-5", viewer=store.other_guide).binding
    assert (theirs.relation, theirs.state) == ("colleague", "pending")


def test_a_rejected_bind_shows_who_won_until_a_later_bind_succeeds(ws, store):
    """HQ says another store bound the shopper first: the card names the winner; a later applied bind
    made here is the truth again."""
    oid = mutate(ws, store, Mutation.BINDING_CREATE, {"binding_id": "nb", "member_id": "m-1"}, "m-1")
    details = {"winner_guide_name": "陈静", "winner_store_name": "北京三里屯店", "winner_guide_id": "g-chen",
               "winner_store_id": "store-b"}  # fmt: skip
    with ws.db.transaction() as s:
        s.execute(
            update(Outbox)
            .where(Outbox.id == oid)
            .values(
                state="rejected",
                result={"status": "rejected", "code": "member_already_bound", "details": details},
            )
        )
    b = card(ws, store, "m-1").binding
    # The winner's binding has not been pulled yet: HQ's answer alone says who holds the member.
    assert (b.state, b.relation, b.winner_guide_name, b.winner_store_name, b.rejected_code) == (
        "rejected",
        "other_store",
        "陈静",
        "北京三里屯店",
        "member_already_bound",
    )
    oid2 = mutate(ws, store, Mutation.BINDING_CREATE, {"binding_id": "nb2", "member_id": "m-1"}, "m-1")
    with ws.db.transaction() as s:
        s.execute(update(Outbox).where(Outbox.id == oid2).values(state="acked", result={"status": "applied"}))
    add(ws, Binding(id="nb2", member_id="m-1", guide_id="g-li", store_id="store-a", guide_name="李娜",
                    store_name="上海南京西路店", bound_at=T0, protected_until=T0))  # fmt: skip
    b = card(ws, store, "m-1").binding
    assert (b.relation, b.state, b.winner_guide_name, b.rejected_code) == ("mine", "confirmed", "", "")


def test_a_binding_conflict_lost_by_this_store_names_the_winner(ws, store):
    """A conflict HQ recorded against this store shows who won; another store's lost conflict does not
    make this store's binding look rejected."""
    add(
        ws,
        BindingConflict(id="c1", member_id="m-4", losing_guide_id="g-li", losing_store_id="store-a",
                        winning_guide_id="g-chen", winning_store_id="store-b", winning_guide_name="陈静",
                        winning_store_name="北京三里屯店", created_at=T0),
        BindingConflict(id="c2", member_id="m-2", losing_guide_id="g-x", losing_store_id="store-b",
                        winning_guide_id="g-li", winning_store_id="store-a", winning_guide_name="李娜",
                        winning_store_name="上海南京西路店", created_at=T0),
    )  # fmt: skip
    lost = card(ws, store, "m-4").binding
    assert (lost.state, lost.winner_guide_name, lost.winner_store_name) == (
        "rejected",
        "陈静",
        "北京三里屯店",
    )
    assert card(ws, store, "m-2").binding.state == "confirmed"


def test_service_by_the_bound_guide_renews_protection_on_the_card(ws, store):
    """The colleague who served a lapsed member five days ago holds them again for the protection days;
    a visit by someone else, or before the binding, renews nothing."""
    add(
        ws,
        visit("v-other", "m-5", "g-li", T0 - timedelta(days=1)),
        visit("v-old", "m-5", "g-zhang", T0 - timedelta(days=300)),
    )
    assert not card(ws, store, "m-5").binding.protection_active
    add(ws, visit("v1", "m-5", "g-zhang", T0 - timedelta(days=5)))
    b = card(ws, store, "m-5").binding
    assert (b.protection_active, b.protected_until) == (True, T0 - timedelta(days=5) + timedelta(days=90))
    with ws.db.transaction() as s:
        s.execute(update(Policy).values(renew_on_service=False))
    assert not card(ws, store, "m-5").binding.protection_active


# ---------------------------------------------------------------- query plans

# Tables a store holds a handful of rows of; everything else grows with members and must be searched.
SMALL_TABLES = {"tags", "tag_groups", "policy", "stores", "guides", "qr_keys", "sync_state"}
_SCAN = re.compile(r"^SCAN (?:TABLE )?(\w+)")


@contextmanager
def captured_selects(ws) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(ws.db.engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(ws.db.engine, "before_cursor_execute", capture)


def scans(ws, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    """(statement, plan) of every statement whose plan scans a table that grows with the members."""
    bad = []
    with ws.db.engine.connect() as conn:
        for statement, params in statements:
            plan = [str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
            scanned = {m.group(1) for p in plan if (m := _SCAN.match(p))}
            if scanned - SMALL_TABLES:
                bad.append((statement, plan))
    return bad


def test_the_plan_check_catches_a_table_scan(ws, store):
    """Guard for the tests below: a query that scans members is reported."""
    assert scans(ws, [("SELECT id FROM members WHERE enrolled_by_guide_id = ?", ("g-li",))])
    assert not scans(ws, [("SELECT name FROM members WHERE id = ?", ("m-2",))])


def run_captured(ws, actions: list[Callable[[Any], Any]]) -> list[tuple[str, Any]]:
    with captured_selects(ws) as statements:
        for action in actions:
            # Refused rules read too: their plans count.
            with ws.db.transaction() as s, suppress(RuleRefused):
                action(s)
    return statements


def test_card_queries_use_indexes(ws, store):
    """The card is built from indexed lookups only, whatever the member's situation; a scan of members,
    tags or bindings would blow the one-frame budget at a million members."""
    mutate(ws, store, Mutation.TAG_ADD, {"member_id": "m-2", "tag_id": "t-vip"}, "m-2")
    mutate(ws, store, Mutation.MEMBER_ENROLL, {"member_id": "m-new", "name": "新", "card_no": "GD1"}, "m-new")
    mutate(ws, store, Mutation.BINDING_CREATE, {"binding_id": "nb", "member_id": "m-1"}, "m-1")
    add(ws, visit("v1", "m-5", "g-zhang", T0 - timedelta(days=5)))
    statements = run_captured(
        ws,
        [
            lambda s, m=m: member_card(s, member_id=m, viewer=store.guide, now=T0)
            for m in ("m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-new")
        ],
    )
    assert len(statements) >= 7 * 8
    assert scans(ws, statements) == []


def test_binding_queries_use_indexes(ws, store):
    """Binding rules, the manager's queue and the departure read by index too."""
    statements = run_captured(
        ws,
        [
            *[
                lambda s, m=m: bind_member(s, member_id=m, guide=store.guide, now=T0)
                for m in store.members.values()
            ],
            lambda s: list_transfer_requests(s, store_id="store-a"),
            lambda s: transfer_departing_guide(
                s, from_guide_id="g-zhang", to_guide=store.guide, manager=store.manager, now=T0
            ),
        ],
    )
    assert scans(ws, statements) == []
