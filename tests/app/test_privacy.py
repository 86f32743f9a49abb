"""Members' rights on the workstation (issue 15, docs/privacy.md). Each test was run against the code
before its change and failed there: the applier ignored the `erasure` change (member, visits and pending
outbox rows stayed)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db.models import Activity, AuditEvent, Member, MemberTag, Note, Outbox, Visit
from app.errors import RuleRefused
from app.services.cards import member_card
from app.services.members import add_note, record_visit
from app.services.privacy import withdraw_consent
from app.services.tasks import contact_budget, create_task
from app.sync.applier import apply_changes
from app.workstation import Workstation
from contract.wire import Mutation
from tests.factories import seed


def test_an_erasure_purges_the_member_and_drops_its_pending_work_without_losing_the_rest(
    ws: Workstation,
) -> None:
    """The pulled `erasure` deletes the member with its tags and notes, its visits; counted activity
    stays without the member; a pending note about it becomes an audit line under the same outbox id (ids
    stay contiguous for HQ) while another member's pending note is untouched."""
    seeded = seed(ws)
    gone, kept = seeded.members["mine"], seeded.members["unbound"]
    now = ws.clock.now()
    with ws.db.transaction() as s:
        s.add(Note(id="n-1", member_id=gone, guide_id=seeded.guide.id, body="对坚果过敏", created_at=now))
        record_visit(s, member_id=gone, guide=seeded.guide, source="scan", now=now)
        dropped = add_note(s, member_id=gone, body="想要新款口红", guide=seeded.guide, now=now)
        other = add_note(s, member_id=kept, body="周末再来", guide=seeded.guide, now=now)
    with ws.db.transaction() as s:
        erasure = {"t": "erasure", "id": gone, "op": "put", "v": 9, "data": {"member_id": gone}}
        applied = apply_changes(s, [erasure], cipher=ws.cipher)
    assert applied.erased == (gone,)
    with ws.db.read() as s:
        assert s.get(Member, gone) is None and s.get(Member, kept) is not None
        for model in (MemberTag, Note, Visit):
            assert s.scalar(select(func.count()).select_from(model).where(model.member_id == gone)) == 0
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.member_id == gone)) == 0
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.kind == "served")) == 1
        row = s.get(Outbox, dropped.outbox_id)
        assert (row.name, row.state) == (Mutation.AUDIT_APPEND, "pending")
        assert "想要新款口红" not in str(row.args) and row.args["action"] == "erasure.outbox_dropped"
        untouched = s.get(Outbox, other.outbox_id)
        assert (untouched.name, untouched.args["body"]) == (Mutation.NOTE_ADD, "周末再来")
        ids = s.scalars(select(Outbox.id).order_by(Outbox.id)).all()
        assert ids == list(range(ids[0], ids[0] + len(ids)))
        details = s.scalars(select(AuditEvent.details).where(AuditEvent.subject_id == gone)).all()
        assert not any("想要新款口红" in str(d) for d in details)
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == gone)).all()
        assert {"erasure.outbox_dropped", "member.erased"} <= set(actions)


def test_consent_withdrawn_at_the_counter_shows_on_the_card_zeroes_the_budget_and_stops_follow_ups(
    ws: Workstation,
) -> None:
    """Withdrawal at the counter: one mutation; the card says so, the contact budget reads zero, a new
    follow-up is refused (consent_withdrawn), a second withdrawal is refused (consent_already_withdrawn).
    Failed before the change: no such service, no card field, the budget read the policy's 4."""
    seeded = seed(ws)
    member_id = seeded.members["mine"]
    now = ws.clock.now()
    with ws.db.transaction() as s:
        assert contact_budget(s, member_id=member_id, now=now).remaining == 4
        done = withdraw_consent(s, member_id=member_id, guide=seeded.guide, now=now)
    with ws.db.read() as s:
        assert s.get(Outbox, done.outbox_id).name == Mutation.MEMBER_CONSENT_WITHDRAW
        assert member_card(s, member_id=member_id, viewer=seeded.guide, now=now).consent_withdrawn
        assert not member_card(
            s, member_id=seeded.members["unbound"], viewer=seeded.guide, now=now
        ).consent_withdrawn
        budget = contact_budget(s, member_id=member_id, now=now)
    assert (budget.limit, budget.remaining, budget.consent_withdrawn) == (0, 0, True)
    with ws.db.transaction() as s, pytest.raises(RuleRefused) as refused:
        create_task(s, member_id=member_id, kind="call", due_at=None, assigned_guide_id=None, note=None,
                    guide=seeded.guide, now=now)  # fmt: skip
    assert refused.value.code == "consent_withdrawn"
    with ws.db.transaction() as s, pytest.raises(RuleRefused) as again:
        withdraw_consent(s, member_id=member_id, guide=seeded.guide, now=now)
    assert again.value.code == "consent_already_withdrawn"
