"""Binding at the counter: the rules the guide is told about at once, and what each action writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db.models import Activity, AuditEvent, Outbox, TransferRequest, Visit
from app.errors import AuthError, MemberNotFound, RuleRefused
from app.services.binding import (
    approve_transfer,
    bind_member,
    list_transfer_requests,
    reject_transfer,
    request_transfer,
    transfer_departing_guide,
)
from app.services.cards import member_card
from tests.conftest import T0
from tests.factories import seed


@pytest.fixture
def store(ws):
    return seed(ws)


def counts(ws) -> tuple[int, int, int, int]:
    with ws.db.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (Outbox, AuditEvent, Activity, TransferRequest)
        )


def refused(ws, fn, **kwargs) -> str:
    before = counts(ws)
    with pytest.raises((RuleRefused, MemberNotFound, AuthError)) as exc, ws.db.transaction() as s:
        fn(s, **kwargs)
    assert counts(ws) == before, "a refused action wrote rows"
    return exc.value.code


def test_bind_an_unbound_member_in_one_transaction(ws, store):
    """One key binds: one outbox row, one audit row, one stats row, and the card says mine / pending."""
    with ws.db.transaction() as s:
        outcome = bind_member(s, member_id=store.members["unbound"], guide=store.guide, now=T0)
    assert outcome.kind == "create" and outcome.protected_until == T0 + timedelta(days=90)
    assert counts(ws) == (1, 1, 1, 0)
    with ws.db.read() as s:
        row = s.get(Outbox, outcome.outbox_id)
        assert (row.name, row.args["member_id"], row.guide_id) == ("binding.create.v1", "m-1", store.guide.id)
        card = member_card(s, member_id=store.members["unbound"], viewer=store.guide, now=T0)
    assert (card.binding.relation, card.binding.state, card.binding.guide_name) == ("mine", "pending", "李娜")


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("mine", "already_bound_to_you"),
        ("colleague", "protected"),
        ("foreign", "bound_other_store"),
    ],
)
def test_bind_rules_explain_themselves(ws, store, label, code):
    """Each refusal carries its reason so the guide knows what to do next."""
    assert refused(ws, bind_member, member_id=store.members[label], guide=store.guide, now=T0) == code


def test_protected_refusal_names_the_guide_and_the_date(ws, store):
    """The guide sees who holds the member and until when."""
    with pytest.raises(RuleRefused) as exc, ws.db.transaction() as s:
        bind_member(s, member_id=store.members["colleague"], guide=store.guide, now=T0)
    assert exc.value.details["guide_name"] == "张伟"
    assert exc.value.details["protected_until"] == T0 - timedelta(days=10) + timedelta(days=90)


def test_lapsed_protection_lets_another_guide_take_over(ws, store):
    """After the protection period, a colleague's member can be taken with one key (a transfer)."""
    with ws.db.transaction() as s:
        outcome = bind_member(s, member_id=store.members["lapsed"], guide=store.guide, now=T0)
    assert outcome.kind == "lapsed_takeover"
    with ws.db.read() as s:
        args = s.get(Outbox, outcome.outbox_id).args
    assert (args["from_binding_id"], args["reason"], args["to_guide_id"]) == (
        "b-5",
        "protection_lapsed",
        "g-li",
    )


def test_service_by_the_bound_guide_renews_protection(ws, store):
    """A colleague who keeps serving the member keeps them, even past the original protection."""
    with ws.db.transaction() as s:
        s.add(
            Visit(
                id="v1",
                member_id="m-5",
                guide_id="g-zhang",
                at=T0 - timedelta(days=5),
                day="2026-11-14",
                source="scan",
            )
        )
    assert refused(ws, bind_member, member_id="m-5", guide=store.guide, now=T0) == "protected"


def test_a_second_bind_while_one_is_pending_is_refused(ws, store):
    """Two guides at one counter cannot both bind the same shopper before HQ answers."""
    with ws.db.transaction() as s:
        bind_member(s, member_id="m-1", guide=store.guide, now=T0)
    assert refused(ws, bind_member, member_id="m-1", guide=store.other_guide, now=T0) == "bind_pending"


def test_unknown_member_and_other_store(ws, store):
    """A member not on this workstation cannot be bound from here."""
    assert refused(ws, bind_member, member_id="m-nope", guide=store.guide, now=T0) == "member_not_local"


def test_a_rejected_bind_shows_who_won(ws, store):
    """When HQ says another store bound the shopper first, the card says who."""
    with ws.db.transaction() as s:
        outcome = bind_member(s, member_id="m-1", guide=store.guide, now=T0)
        row = s.get(Outbox, outcome.outbox_id)
        row.state = "rejected"
        row.result = {
            "id": row.id,
            "status": "rejected",
            "code": "member_already_bound",
            "details": {"winner_guide_name": "陈静", "winner_store_name": "北京三里屯店"},
        }
    with ws.db.read() as s:
        card = member_card(s, member_id="m-1", viewer=store.guide, now=T0)
    assert (card.binding.winner_guide_name, card.binding.winner_store_name) == ("陈静", "北京三里屯店")


def test_manager_approves_a_transfer_request(ws, store):
    """A guide asks for a colleague's protected member; only a manager can approve; then it moves."""
    with ws.db.transaction() as s:
        request = request_transfer(s, member_id="m-3", to_guide=store.guide, reason_note="顾客要求", now=T0)
    assert counts(ws)[0] == 0, "a request is not sent to HQ"
    with ws.db.read() as s:
        assert [r.id for r in list_transfer_requests(s, store_id="store-a")] == [request.id]
    assert (
        refused(ws, approve_transfer, request_id=request.id, manager=store.other_guide, now=T0)
        == "manager_required"
    )
    with ws.db.transaction() as s:
        outcome = approve_transfer(s, request_id=request.id, manager=store.manager, now=T0)
        args = s.get(Outbox, outcome.outbox_id).args
        card = member_card(s, member_id="m-3", viewer=store.guide, now=T0)
    assert (args["reason"], args["approved_by"], args["from_binding_id"]) == (
        "manager_approved",
        "g-mgr",
        "b-3",
    )
    assert (card.binding.relation, card.binding.state) == ("mine", "pending")


def test_rejected_request_changes_no_binding(ws, store):
    """A manager may say no; nothing is sent to HQ."""
    with ws.db.transaction() as s:
        request = request_transfer(s, member_id="m-3", to_guide=store.guide, reason_note="", now=T0)
        reject_transfer(s, request_id=request.id, manager=store.manager, now=T0)
    with ws.db.read() as s:
        assert list_transfer_requests(s, store_id="store-a") == ()
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0


def test_departing_guide_members_move_to_a_colleague(ws, store):
    """离职继承: every member of the leaving guide moves, one transfer mutation each."""
    with ws.db.transaction() as s:
        outcome = transfer_departing_guide(
            s, from_guide_id="g-zhang", to_guide=store.guide, manager=store.manager, now=T0
        )
    assert outcome.count == 2  # m-3 and m-5
    with ws.db.read() as s:
        reasons = s.scalars(select(Outbox.args)).all()
        assert {a["member_id"] for a in reasons} == {"m-3", "m-5"}
        assert {a["reason"] for a in reasons} == {"departure"}
        card = member_card(s, member_id="m-3", viewer=store.guide, now=T0)
    assert card.binding.relation == "mine"


def test_departure_needs_a_manager(ws, store):
    """A guide cannot move a colleague's members."""
    assert (
        refused(
            ws,
            transfer_departing_guide,
            from_guide_id="g-zhang",
            to_guide=store.guide,
            manager=store.other_guide,
            now=T0,
        )
        == "manager_required"
    )
