"""Members' rights on the workstation (issue 15, docs/privacy.md). Each test was run against the code
before its change and failed there: the applier ignored the `erasure` change (member, visits and pending
outbox rows stayed)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.db.models import Activity, AuditEvent, Member, MemberTag, Note, Outbox, SyncState, Visit
from app.errors import AuthError, RuleRefused
from app.services.cards import member_card
from app.services.export import export_stats
from app.services.guides import reveal_phone
from app.services.member_export import export_members
from app.services.members import add_note, record_visit
from app.services.privacy import withdraw_consent
from app.services.stats import guide_day_stats
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


def test_retention_purges_what_is_older_than_the_policy_and_keeps_the_rest(ws: Workstation, capsys) -> None:
    """`guidedesk purge` (what the window's idle timer runs): visits, audit rows and notes older than the
    policy's retention_days (400) go, newer ones stay, an old settled mutation keeps only its ids, a
    pending one is untouched. Failed before the change: no purge existed, everything stayed."""
    seeded = seed(ws)
    member_id = seeded.members["mine"]
    now = ws.clock.now()
    old = now - timedelta(days=401)
    with ws.db.transaction() as s:
        for at, tag in ((old, "old"), (now, "new")):
            s.add(
                Visit(id=f"v-{tag}", member_id=member_id, guide_id=seeded.guide.id, at=at, day="2025-10-14")
            )
            s.add(
                Note(
                    id=f"n-{tag}",
                    member_id=member_id,
                    guide_id=seeded.guide.id,
                    body=f"备注{tag}",
                    created_at=at,
                )
            )
            s.add(
                AuditEvent(at=at, guide_id=seeded.guide.id, action="pii.reveal_phone", subject_id=member_id)
            )
        settled = add_note(s, member_id=member_id, body="去年的备注", guide=seeded.guide, now=old)
        waiting = add_note(s, member_id=member_id, body="还没同步", guide=seeded.guide, now=old)
        s.get(Outbox, settled.outbox_id).state = "acked"
    assert main(["--data-dir", str(ws.data_dir), "purge", "--json"]) == 0
    purged = json.loads(capsys.readouterr().out)
    assert (purged["visits"], purged["notes"], purged["outbox"]) == (1, 1, 1)
    with ws.db.read() as s:
        assert {v.id for v in s.scalars(select(Visit))} == {"v-new"}
        assert {n.id for n in s.scalars(select(Note))} == {"n-new"}
        assert "去年的备注" not in str(s.get(Outbox, settled.outbox_id).args)
        assert s.get(Outbox, waiting.outbox_id).args["body"] == "还没同步"
        old_audit = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.at < old + timedelta(days=1))
        )
        assert s.scalar(old_audit.where(AuditEvent.outbox_id.is_(None))) == 0
        assert s.scalar(old_audit.where(AuditEvent.outbox_id == waiting.outbox_id)) == 1


def test_a_stale_workstation_shows_names_only_and_refuses_reveal_and_export(
    ws: Workstation, tmp_path
) -> None:
    """No sync for more than the policy's stale_days (45): the card keeps the name (and binding) and masks
    the rest; a phone reveal and a stats export are refused with workstation_stale; a sync lifts it.
    Failed before the change: the card showed everything and both went through."""
    seeded = seed(ws)
    member_id, manager = seeded.members["mine"], seeded.manager
    now = ws.clock.now()
    with ws.db.transaction() as s:
        s.add(
            SyncState(id=1, device_id="d-1", store_id=seeded.store_id, last_sync_at=now - timedelta(days=46))
        )
    with ws.db.transaction() as s:
        card = member_card(s, member_id=member_id, viewer=seeded.guide, now=now)
        assert card.restricted and card.name == "赵敏"
        assert (card.phone_masked, card.card_no, card.tags) == ("", "", ())
        with pytest.raises(RuleRefused) as reveal:
            reveal_phone(s, member_id=member_id, guide=seeded.guide, now=now, cipher=ws.cipher)
        assert reveal.value.code == "workstation_stale"
        report = guide_day_stats(s, store_id=manager.store_id, start=now.date(), end=now.date(), now=now)
        with pytest.raises(RuleRefused) as export:
            export_stats(
                s, report=report, path=tmp_path / "s.csv", fmt="csv", headers=None, guide=manager, now=now
            )
        assert export.value.code == "workstation_stale"
    with ws.db.transaction() as s:  # what a successful sync records
        s.get(SyncState, 1).last_sync_at = now
    with ws.db.transaction() as s:
        card = member_card(s, member_id=member_id, viewer=seeded.guide, now=now)
        assert not card.restricted and card.phone_masked == "139****2222"
        revealed = reveal_phone(s, member_id=member_id, guide=seeded.guide, now=now, cipher=ws.cipher)
        assert revealed.phone == "13900002222"


def test_the_manager_export_masks_phones_unless_a_purpose_is_given(ws: Workstation, tmp_path) -> None:
    """The member export carries 139****2222, never the number, unless the manager gives a purpose; then
    full numbers, audited here and queued for HQ with the purpose. A guide may not export. Failed before
    the change: there was no member export to minimise."""
    seeded = seed(ws)
    now = ws.clock.now()
    masked, full = tmp_path / "masked.csv", tmp_path / "full.csv"
    with ws.db.transaction() as s:
        result = export_members(s, path=masked, fmt="csv", manager=seeded.manager, now=now, cipher=ws.cipher)
        export_members(s, path=full, fmt="csv", manager=seeded.manager, now=now, cipher=ws.cipher,
                       reveal_purpose="年度会员回访外呼")  # fmt: skip
        with pytest.raises(AuthError):
            export_members(s, path=masked, fmt="csv", manager=seeded.guide, now=now, cipher=ws.cipher)
    text = masked.read_text(encoding="utf-8-sig")
    assert result.rows == 6 and not result.phones_revealed
    assert "139****2222" in text and "13900002222" not in text
    assert "13900002222" in full.read_text(encoding="utf-8-sig")
    with ws.db.read() as s:
        audits = s.scalars(select(AuditEvent.details).where(AuditEvent.action == "members.export")).all()
        queued = [r.args for r in s.scalars(select(Outbox).where(Outbox.name == Mutation.AUDIT_APPEND))]
    assert [a["phones"] for a in audits] == ["masked", "revealed"]
    assert audits[1]["purpose"] == "年度会员回访外呼"
    assert any(q.get("details", {}).get("purpose") == "年度会员回访外呼" for q in queued)
