"""Binding at the counter: the rules the guide is told about at once, and what each action writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from app.db.models import Activity, AuditEvent, Binding, Guide, Outbox, Policy, TransferRequest, Visit
from app.errors import AuthError, InvalidInput, MemberNotFound, RuleRefused
from app.services.binding import (
    approve_transfer,
    bind_member,
    list_transfer_requests,
    reject_transfer,
    request_transfer,
    transfer_departing_guide,
)
from app.services.cards import member_card
from app.services.common import GuideRef
from app.services.outbox import record_mutation
from contract.wire import Mutation
from tests.conftest import T0
from tests.factories import add_member, seed


@pytest.fixture
def store(ws):
    return seed(ws)


def counts(ws) -> tuple[int, int, int, int]:
    """Rows of (outbox, audit_events, activity, transfer_requests)."""
    with ws.db.read() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t))
            for t in (Outbox, AuditEvent, Activity, TransferRequest)
        )


def refused(ws, fn, **kwargs) -> str:
    """Run a refused action in its own transaction; the code, after checking nothing was written."""
    before = counts(ws)
    with (
        pytest.raises((RuleRefused, MemberNotFound, AuthError, InvalidInput)) as exc,
        ws.db.transaction() as s,
    ):
        fn(s, **kwargs)
    assert counts(ws) == before, "a refused action wrote rows"
    return exc.value.code


def bind(ws, member_id, guide, **kw):
    with ws.db.transaction() as s:
        return bind_member(s, member_id=member_id, guide=guide, now=T0, **kw)


def card(ws, member_id, viewer):
    with ws.db.read() as s:
        return member_card(s, member_id=member_id, viewer=viewer, now=T0)


def add_binding(
    ws, bid, member_id, guide: GuideRef, store_name: str, days_ago: int, protect: int = 90
) -> None:
    at = T0 - timedelta(days=days_ago)
    with ws.db.transaction() as s:
        s.add(Binding(id=bid, member_id=member_id, guide_id=guide.id, store_id=guide.store_id,
                      guide_name=guide.name, store_name=store_name, active=True, bound_at=at,
                      protected_until=at + timedelta(days=protect)))  # fmt: skip


def set_policy(ws, **values) -> None:
    with ws.db.transaction() as s:
        s.execute(update(Policy).values(**values))


# ---------------------------------------------------------------- bind


def test_bind_an_unbound_member_in_one_transaction(ws, store):
    """One key binds: one outbox row, one audit row, one stats row, and the card says mine / pending."""
    outcome = bind(ws, store.members["unbound"], store.guide, code="GDM1:abc.def")
    assert (outcome.kind, outcome.state, outcome.member_id, outcome.guide_id) == (
        "create",
        "pending",
        "m-1",
        "g-li",
    )
    assert outcome.protected_until == T0 + timedelta(days=90)
    assert counts(ws) == (1, 1, 1, 0)
    with ws.db.read() as s:
        row = s.get(Outbox, outcome.outbox_id)
        assert (row.name, row.guide_id, row.member_id, row.state) == (
            "binding.create.v1",
            "g-li",
            "m-1",
            "pending",
        )
        assert row.args == {"binding_id": outcome.binding_id, "member_id": "m-1", "code": "GDM1:abc.def"}
        activity = s.scalars(select(Activity)).one()
        assert (activity.kind, activity.guide_id, activity.outbox_id) == ("bind", "g-li", outcome.outbox_id)
        assert s.scalars(select(AuditEvent.outbox_id)).one() == outcome.outbox_id
    c = card(ws, "m-1", store.guide)
    assert (c.binding.relation, c.binding.state, c.binding.guide_name, c.binding.binding_id) == (
        "mine",
        "pending",
        "李娜",
        outcome.binding_id,
    )
    assert c.pending_mutations == 1


def test_a_bind_is_undone_with_the_transaction_that_failed(ws, store):
    """The service never commits on its own: if the caller's transaction fails, no trace of the bind."""
    with pytest.raises(RuntimeError), ws.db.transaction() as s:
        bind_member(s, member_id="m-1", guide=store.guide, now=T0)
        raise RuntimeError("the screen crashed before the action finished")
    assert counts(ws) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("mine", "already_bound_to_you"),
        ("colleague", "protected"),
        ("foreign", "bound_other_store"),
    ],
)
def test_bind_rules_explain_themselves(ws, store, label, code):
    """Each refusal carries its reason so the guide knows what to do next; nothing is written."""
    assert refused(ws, bind_member, member_id=store.members[label], guide=store.guide, now=T0) == code


def test_protected_refusal_names_the_guide_and_the_date(ws, store):
    """The guide sees who holds the member and until when."""
    with pytest.raises(RuleRefused) as exc, ws.db.transaction() as s:
        bind_member(s, member_id=store.members["colleague"], guide=store.guide, now=T0)
    assert exc.value.details == {
        "guide_name": "张伟",
        "store_name": "上海南京西路店",
        "protected_until": T0 - timedelta(days=10) + timedelta(days=90),
    }


def test_another_stores_member_stays_there_even_after_protection(ws, store):
    """Without HQ's cross-store permission, a lapsed binding in another store is still not takeable."""
    with ws.db.transaction() as s:
        add_member(s, ws.cipher, member_id="m-7", store_id="store-a", card_no="8800000099", name="冯媛",
                   phone="13300007777")  # fmt: skip
    add_binding(ws, "b-7", "m-7", store.foreign_guide, "北京三里屯店", days_ago=200)
    assert refused(ws, bind_member, member_id="m-7", guide=store.guide, now=T0) == "bound_other_store"


def test_cross_store_policy_lets_protection_decide(ws, store):
    """With cross-store transfers allowed, protection is what counts: protected → refused, lapsed → taken."""
    set_policy(ws, cross_store_transfer=True)
    assert refused(ws, bind_member, member_id="m-4", guide=store.guide, now=T0) == "protected"
    with ws.db.transaction() as s:
        add_member(s, ws.cipher, member_id="m-7", store_id="store-a", card_no="8800000099", name="冯媛",
                   phone="13300007777")  # fmt: skip
    add_binding(ws, "b-7", "m-7", store.foreign_guide, "北京三里屯店", days_ago=200)
    outcome = bind(ws, "m-7", store.guide)
    assert outcome.kind == "lapsed_takeover"


def test_lapsed_protection_lets_another_guide_take_over(ws, store):
    """After the protection period, a colleague's member can be taken with one key (a transfer)."""
    outcome = bind(ws, store.members["lapsed"], store.guide)
    assert (outcome.kind, outcome.state) == ("lapsed_takeover", "pending")
    with ws.db.read() as s:
        name, args = s.execute(select(Outbox.name, Outbox.args).where(Outbox.id == outcome.outbox_id)).one()
    assert name == Mutation.BINDING_TRANSFER
    assert args == {
        "binding_id": outcome.binding_id,
        "member_id": "m-5",
        "from_binding_id": "b-5",
        "to_guide_id": "g-li",
        "reason": "protection_lapsed",
    }
    assert counts(ws) == (1, 1, 1, 0)
    assert (card(ws, "m-5", store.guide).binding.relation, card(ws, "m-5", store.guide).binding.state) == (
        "mine",
        "pending",
    )


def _visit(vid, guide_id, days_ago) -> Visit:
    at = T0 - timedelta(days=days_ago)
    return Visit(id=vid, member_id="m-5", guide_id=guide_id, at=at, day=at.date().isoformat())


def test_service_by_the_bound_guide_renews_protection(ws, store):
    """A colleague who keeps serving the member keeps them, even past the original protection."""
    with ws.db.transaction() as s:
        s.add(_visit("v1", "g-zhang", 5))
    code = refused(ws, bind_member, member_id="m-5", guide=store.guide, now=T0)
    assert code == "protected"


def test_only_the_bound_guides_service_after_binding_renews(ws, store):
    """A visit by another guide, or one before the binding began, does not extend protection."""
    with ws.db.transaction() as s:
        s.add_all([_visit("v1", "g-li", 1), _visit("v2", "g-zhang", 250)])
    assert bind(ws, "m-5", store.guide).kind == "lapsed_takeover"


def test_no_renewal_when_the_policy_says_so(ws, store):
    """HQ can switch renewal off: then protection ends on its date whatever the service."""
    set_policy(ws, renew_on_service=False)
    with ws.db.transaction() as s:
        s.add(_visit("v1", "g-zhang", 5))
    assert bind(ws, "m-5", store.guide).kind == "lapsed_takeover"


def test_protection_days_come_from_the_policy(ws, store):
    """The promised protection is HQ's number of days (and the defaults when none is synced)."""
    set_policy(ws, protection_days=30)
    assert bind(ws, "m-1", store.guide).protected_until == T0 + timedelta(days=30)
    with ws.db.transaction() as s:
        s.execute(Policy.__table__.delete())
    assert bind(ws, "m-6", store.guide).protected_until == T0 + timedelta(days=90)


def test_a_second_bind_while_one_is_pending_is_refused(ws, store):
    """Two guides at one counter cannot both bind the same shopper before HQ answers; the same guide is
    told the member is already theirs."""
    bind(ws, "m-1", store.guide)
    assert refused(ws, bind_member, member_id="m-1", guide=store.other_guide, now=T0) == "bind_pending"
    assert refused(ws, bind_member, member_id="m-1", guide=store.guide, now=T0) == "already_bound_to_you"


def test_unknown_member(ws, store):
    """A member not on this workstation cannot be bound from here."""
    assert refused(ws, bind_member, member_id="m-nope", guide=store.guide, now=T0) == "member_not_local"


def test_a_member_of_another_store_needs_the_shoppers_code(ws, store):
    """A visiting member of another store is bound only on their signed code (proof they are here)."""
    with ws.db.transaction() as s:
        add_member(s, ws.cipher, member_id="m-b", store_id="store-b", card_no="8800000098", name="何琳",
                   phone="13300008888")  # fmt: skip
    assert refused(ws, bind_member, member_id="m-b", guide=store.guide, now=T0) == "member_other_store"
    with ws.db.transaction() as s:
        outcome = bind_member(
            s, member_id="m-b", guide=store.guide, now=T0, code="GDM1:signed-code-as-scanned"
        )
    assert outcome.kind == "create"


def test_a_member_enrolled_here_can_be_bound_before_hq_confirms(ws, store):
    """The walk-in just enrolled offline gets their guide at once."""
    with ws.db.transaction() as s:
        record_mutation(s, name=Mutation.MEMBER_ENROLL, args={"member_id": "m-new", "name": "钱多多"},
                        guide_id="g-li", now=T0, member_id="m-new")  # fmt: skip
    assert bind(ws, "m-new", store.guide).kind == "create"


def test_a_rejected_bind_shows_who_won_and_the_member_is_then_protected(ws, store):
    """When HQ says another store bound the shopper first, the card says who, and a retry is refused."""
    outcome = bind(ws, "m-1", store.guide)
    details = {"winner_guide_name": "陈静", "winner_store_name": "北京三里屯店", "winner_guide_id": "g-chen",
               "winner_store_id": "store-b"}  # fmt: skip
    with ws.db.transaction() as s:
        s.execute(
            update(Outbox)
            .where(Outbox.id == outcome.outbox_id)
            .values(
                state="rejected",
                result={"status": "rejected", "code": "member_already_bound", "details": details},
            )
        )
    b = card(ws, "m-1", store.guide).binding
    assert (b.state, b.winner_guide_name, b.winner_store_name) == ("rejected", "陈静", "北京三里屯店")
    assert refused(ws, bind_member, member_id="m-1", guide=store.other_guide, now=T0) == "bound_other_store"
    set_policy(ws, cross_store_transfer=True)
    assert refused(ws, bind_member, member_id="m-1", guide=store.other_guide, now=T0) == "protected"


# ---------------------------------------------------------------- transfer by manager approval


def ask(ws, member_id, guide, note="顾客要求"):
    with ws.db.transaction() as s:
        return request_transfer(s, member_id=member_id, to_guide=guide, reason_note=note, now=T0)


def test_manager_approves_a_transfer_request(ws, store):
    """A guide asks for a colleague's protected member; only a manager can approve; then it moves."""
    request = ask(ws, "m-3", store.guide)
    assert (request.state, request.from_guide_name, request.to_guide_name, request.member_name) == (
        "open",
        "张伟",
        "李娜",
        "孙丽",
    )
    assert counts(ws) == (0, 1, 0, 1), "a request is local: an audit row, nothing for HQ"
    with ws.db.read() as s:
        assert [r.id for r in list_transfer_requests(s, store_id="store-a")] == [request.id]
        assert list_transfer_requests(s, store_id="store-b") == ()
    assert (
        refused(ws, approve_transfer, request_id=request.id, manager=store.other_guide, now=T0)
        == "manager_required"
    )
    with ws.db.transaction() as s:
        outcome = approve_transfer(s, request_id=request.id, manager=store.manager, now=T0)
        row = s.get(Outbox, outcome.outbox_id)
        activity = s.scalars(select(Activity)).one()
    assert (row.name, row.guide_id) == (Mutation.BINDING_TRANSFER, "g-mgr")
    assert row.args == {
        "binding_id": outcome.binding_id,
        "member_id": "m-3",
        "from_binding_id": "b-3",
        "to_guide_id": "g-li",
        "reason": "manager_approved",
        "approved_by": "g-mgr",
    }
    assert (activity.kind, activity.guide_id, activity.outbox_id) == ("transfer", "g-li", outcome.outbox_id)
    assert counts(ws) == (1, 2, 1, 1)
    with ws.db.read() as s:
        assert list_transfer_requests(s, store_id="store-a") == ()
        (approved,) = list_transfer_requests(s, store_id="store-a", state="approved")
    assert (approved.decided_by, approved.outbox_id) == ("g-mgr", outcome.outbox_id)
    b = card(ws, "m-3", store.guide).binding
    assert (b.relation, b.state) == ("mine", "pending")
    assert (
        refused(ws, approve_transfer, request_id=request.id, manager=store.manager, now=T0)
        == "request_closed"
    )


def test_rejected_request_changes_no_binding(ws, store):
    """A manager may say no; nothing is sent to HQ and the member stays with the colleague."""
    request = ask(ws, "m-3", store.guide)
    with ws.db.transaction() as s:
        view = reject_transfer(s, request_id=request.id, manager=store.manager, now=T0)
    assert (view.state, view.decided_by) == ("rejected", "g-mgr")
    assert counts(ws) == (0, 2, 0, 1)
    with ws.db.read() as s:
        assert list_transfer_requests(s, store_id="store-a") == ()
    assert card(ws, "m-3", store.guide).binding.guide_name == "张伟"


@pytest.mark.parametrize(
    ("label", "code"),
    [("unbound", "not_bound"), ("mine", "already_bound_to_you"), ("foreign", "bound_other_store")],
)
def test_transfer_requests_that_make_no_sense_are_refused(ws, store, label, code):
    """No request for an unbound member (just bind), one's own member, or another store's member."""
    assert (
        refused(
            ws, request_transfer, member_id=store.members[label], to_guide=store.guide, reason_note="", now=T0
        )
        == code
    )


def test_one_open_request_per_member(ws, store):
    """A second request for the same member waits for the first to be decided."""
    ask(ws, "m-3", store.guide)
    assert (
        refused(ws, request_transfer, member_id="m-3", to_guide=store.manager, reason_note="", now=T0)
        == "transfer_requested"
    )


def test_an_overlong_reason_is_refused(ws, store):
    """The reason is a short note, not a document."""
    assert (
        refused(ws, request_transfer, member_id="m-3", to_guide=store.guide, reason_note="长" * 201, now=T0)
        == "reason_note_too_long"
    )


def test_approval_is_refused_when_the_binding_changed_since_the_request(ws, store):
    """Compare-and-set: the member was taken over meanwhile, so the approval would fail at HQ anyway."""
    request = ask(ws, "m-5", store.guide)
    bind(ws, "m-5", store.manager)  # the lapsed member is taken by someone else first
    assert (
        refused(ws, approve_transfer, request_id=request.id, manager=store.manager, now=T0) == "bind_pending"
    )
    with ws.db.transaction() as s:
        s.execute(update(Outbox).values(state="acked"))
        s.execute(update(Binding).where(Binding.id == "b-5").values(active=False))
    add_binding(ws, "b-5b", "m-5", store.manager, "上海南京西路店", days_ago=0)
    assert (
        refused(ws, approve_transfer, request_id=request.id, manager=store.manager, now=T0)
        == "binding_changed"
    )


def test_another_stores_manager_cannot_see_or_decide_a_request(ws, store):
    """Requests belong to the store; a manager of another store gets "unknown request"."""
    request = ask(ws, "m-3", store.guide)
    outsider = GuideRef(id="g-bmgr", store_id="store-b", employee_no="B009", name="外店长", role="manager")
    assert refused(ws, approve_transfer, request_id=request.id, manager=outsider, now=T0) == "unknown_request"
    assert refused(ws, reject_transfer, request_id=request.id, manager=outsider, now=T0) == "unknown_request"


# ---------------------------------------------------------------- departure


def test_departing_guide_members_move_to_a_colleague(ws, store):
    """离职继承: every member of the leaving guide moves, one transfer mutation and one ledger row each."""
    with ws.db.transaction() as s:
        outcome = transfer_departing_guide(
            s, from_guide_id="g-zhang", to_guide=store.guide, manager=store.manager, now=T0
        )
    assert outcome.count == 2  # m-3 and m-5
    assert counts(ws) == (2, 2, 2, 0)
    with ws.db.read() as s:
        rows = s.execute(select(Outbox.id, Outbox.name, Outbox.args).order_by(Outbox.id)).all()
        activity = s.execute(select(Activity.kind, Activity.guide_id)).all()
    assert [r.id for r in rows] == list(range(outcome.first_outbox_id, outcome.last_outbox_id + 1))
    assert {(r.args["member_id"], r.args["from_binding_id"]) for r in rows} == {
        ("m-3", "b-3"),
        ("m-5", "b-5"),
    }
    assert {(r.name, r.args["reason"], r.args["to_guide_id"], r.args["approved_by"]) for r in rows} == {
        (Mutation.BINDING_TRANSFER, "departure", "g-li", "g-mgr")
    }
    assert set(activity) == {("transfer", "g-li")}
    assert card(ws, "m-3", store.guide).binding.relation == "mine"
    with ws.db.transaction() as s:  # run again: everything has already moved
        again = transfer_departing_guide(
            s, from_guide_id="g-zhang", to_guide=store.guide, manager=store.manager, now=T0
        )
    assert (again.count, again.first_outbox_id) == (0, None)


def test_departure_moves_effective_bindings(ws, store):
    """A bind the leaving guide made today (still pending at HQ) moves too, replacing that pending
    binding; a member already being moved away by a pending transfer stays with that transfer."""
    pending = bind(ws, "m-1", store.other_guide)
    request = ask(ws, "m-3", store.guide)
    with ws.db.transaction() as s:
        approve_transfer(s, request_id=request.id, manager=store.manager, now=T0)
        outcome = transfer_departing_guide(
            s, from_guide_id="g-zhang", to_guide=store.manager, manager=store.manager, now=T0
        )
        moved = {
            r.args["member_id"]: r.args["from_binding_id"]
            for r in s.scalars(select(Outbox).where(Outbox.id >= outcome.first_outbox_id))
        }
    assert moved == {"m-1": pending.binding_id, "m-5": "b-5"}


def test_departure_reads_in_a_fixed_number_of_queries(ws, store):
    """A guide with hundreds of members is moved without a query per member (10,000 must stay fast)."""

    def selects_for_departure(n: int) -> int:
        with ws.db.transaction() as s:
            for i in range(n):
                add_member(s, ws.cipher, member_id=f"x{n}-{i}", store_id="store-a",
                           card_no=f"77{n:04d}{i:04d}", name="某", phone=f"133{n:04d}{i:04d}")  # fmt: skip
            s.flush()
            s.add_all(
                Binding(id=f"bx{n}-{i}", member_id=f"x{n}-{i}", guide_id=f"g-leave{n}", store_id="store-a",
                        bound_at=T0 - timedelta(days=5))
                for i in range(n)
            )  # fmt: skip
            s.add(Guide(id=f"g-leave{n}", store_id="store-a", employee_no=f"L{n}", name="走", pin_hash="x"))
        statements: list[str] = []

        def capture(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        event.listen(ws.db.engine, "before_cursor_execute", capture)
        try:
            with ws.db.transaction() as s:
                outcome = transfer_departing_guide(
                    s, from_guide_id=f"g-leave{n}", to_guide=store.guide, manager=store.manager, now=T0
                )
        finally:
            event.remove(ws.db.engine, "before_cursor_execute", capture)
        assert outcome.count == n
        return len(statements)

    assert selects_for_departure(3) == selects_for_departure(300)


def test_departure_needs_a_manager_and_guides_of_the_store(ws, store):
    """A guide cannot move a colleague's members; members go only to an active colleague of the store."""
    base = {"from_guide_id": "g-zhang", "manager": store.manager, "now": T0}
    assert refused(
        ws, transfer_departing_guide, **{**base, "manager": store.other_guide}, to_guide=store.guide
    ) == ("manager_required")
    assert refused(ws, transfer_departing_guide, **base, to_guide=store.foreign_guide) == "unknown_guide"
    assert refused(ws, transfer_departing_guide, **base, to_guide=store.other_guide) == "same_guide"
    assert (
        refused(ws, transfer_departing_guide, **{**base, "from_guide_id": "g-chen"}, to_guide=store.guide)
        == "unknown_guide"
    )
    with ws.db.transaction() as s:
        s.execute(update(Guide).where(Guide.id == "g-li").values(active=False))
    assert refused(ws, transfer_departing_guide, **base, to_guide=store.guide) == "guide_inactive"
