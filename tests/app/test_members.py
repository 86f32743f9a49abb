"""Enrolling walk-ins, declines, tags, notes and visits: each one durable mutation, refusals write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db.models import Activity, Base, Outbox, Visit
from app.errors import InvalidInput, MemberNotFound, RuleRefused
from app.services.cards import member_card
from app.services.effective import member_known, pending_enrollment_by_phone
from app.services.members import (
    Consent,
    add_note,
    add_tag,
    enroll_member,
    record_decline,
    record_visit,
    remove_tag,
)
from app.services.outbox import SEALED_KEY, list_outbox, wire_args
from contract.wire import payload_sha256
from tests.conftest import T0
from tests.factories import seed

CONSENT = Consent(given=True, text_version="privacy-2026-01")


@pytest.fixture
def store(ws):
    return seed(ws)


def rows(ws) -> tuple[int, ...]:
    """Outbox, activity and visit rows, then every table's count (audit, roll-up, replica…)."""
    tables = [Outbox.__table__, Activity.__table__, Visit.__table__, *Base.metadata.sorted_tables]
    with ws.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0 for t in tables)


def refused(ws, fn, **kwargs) -> str:
    before = rows(ws)
    with pytest.raises((RuleRefused, InvalidInput, MemberNotFound)) as exc, ws.db.transaction() as s:
        fn(s, **kwargs)
    assert rows(ws) == before, "a refused action wrote rows"
    return exc.value.code


def enroll(ws, store, **over):
    kwargs = dict(
        guide=store.guide,
        name="钱多多",
        phone="18600001234",
        consent=CONSENT,
        paid=False,
        now=T0,
        cipher=ws.cipher,
    )
    kwargs.update(over)
    with ws.db.transaction() as s:
        return enroll_member(s, **kwargs)


def test_enroll_a_walk_in_is_served_counted_and_on_a_card(ws, store):
    """拉新: the new member has a card at once, counts for the guide, and is served today."""
    outcome = enroll(ws, store, paid=True)
    assert outcome.card_no.startswith("GD") and len(outcome.card_no) == 12
    with ws.db.read() as s:
        kinds = sorted(s.scalars(select(Activity.kind)))
        card = member_card(s, member_id=outcome.member_id, viewer=store.guide, now=T0)
        [entry] = list_outbox(s)
    assert kinds == ["enroll", "paid", "served"]
    assert (card.name, card.phone_masked, card.is_paid, card.pending_enrollment) == (
        "钱多多",
        "186****1234",
        True,
        True,
    )
    assert wire_args(entry, ws.cipher)["phone"] == "18600001234"
    assert entry.args["consent"]["text_version"] == "privacy-2026-01"


def test_the_phone_never_reaches_the_disk_in_the_clear(ws, store):
    """PIPL: the enrolled phone is sealed in the outbox; neither the database nor its WAL holds the digits."""
    enroll(ws, store, phone="18677778888")
    raw = b"".join(p.read_bytes() for p in ws.data_dir.glob("guidedesk.sqlite3*"))
    assert b"18677778888" not in raw
    assert "18677778888".encode("utf-16-le") not in raw


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"consent": Consent(given=False, text_version="v1")}, "consent_required"),
        ({"name": "   "}, "bad_name"),
        ({"name": "名" * 51}, "bad_name"),
        ({"name": "a\x00b"}, "bad_name"),
        ({"phone": "12345678901"}, "bad_phone"),
        ({"phone": "1380000111"}, "bad_phone"),
        ({"phone": "13800001111"}, "phone_already_member"),
    ],
)
def test_enroll_refusals(ws, store, over, code):
    """Consent, a real name and a mainland mobile are required; an existing member is not enrolled twice."""
    kwargs = dict(
        guide=store.guide,
        name="钱多多",
        phone="18600001234",
        consent=CONSENT,
        paid=False,
        now=T0,
        cipher=ws.cipher,
    )
    kwargs.update(over)
    assert refused(ws, enroll_member, **kwargs) == code


def test_a_phone_enrolled_offline_is_not_enrolled_again(ws, store):
    """Two guides enrolling the same walk-in before a sync get a clear answer the second time."""
    first = enroll(ws, store)
    with pytest.raises(RuleRefused) as exc:
        enroll(ws, store, guide=store.other_guide)
    assert exc.value.details["member_id"] == first.member_id


def test_decline_counts_for_the_join_rate(ws, store):
    """A walk-in who said no is recorded (no personal data) for 入会率."""
    with ws.db.transaction() as s:
        record_decline(s, guide=store.guide, now=T0, reason="不需要")
    with ws.db.read() as s:
        assert list(s.scalars(select(Activity.kind))) == ["decline"]


def test_tags_add_remove_and_no_op(ws, store):
    """Adding a tag twice writes once; removing a tag the member lacks writes nothing."""
    with ws.db.transaction() as s:
        assert add_tag(s, member_id="m-1", tag_id="t-vip", guide=store.guide, now=T0).changed
        assert not add_tag(s, member_id="m-1", tag_id="t-vip", guide=store.guide, now=T0).changed
        assert not remove_tag(s, member_id="m-1", tag_id="t-bag", guide=store.guide, now=T0).changed
        assert remove_tag(s, member_id="m-2", tag_id="t-skin", guide=store.guide, now=T0).changed
    assert rows(ws)[0] == 2
    assert refused(ws, add_tag, member_id="m-1", tag_id="t-none", guide=store.guide, now=T0) == "unknown_tag"
    assert (
        refused(ws, add_tag, member_id="m-x", tag_id="t-vip", guide=store.guide, now=T0) == "member_not_local"
    )


def test_notes(ws, store):
    """A note is stripped, bounded, and shows on the card at once."""
    with ws.db.transaction() as s:
        add_note(s, member_id="m-1", body="  喜欢玫瑰香型  ", guide=store.guide, now=T0)
        card = member_card(s, member_id="m-1", viewer=store.guide, now=T0)
    assert card.recent_notes[0].body == "喜欢玫瑰香型"
    assert refused(ws, add_note, member_id="m-1", body=" ", guide=store.guide, now=T0) == "bad_note"
    assert refused(ws, add_note, member_id="m-1", body="x" * 501, guide=store.guide, now=T0) == "bad_note"


def test_served_counts_once_per_member_guide_and_store_day(ws, store):
    """Scanning the same shopper three times a day counts one served; the store day is Beijing time."""
    late = datetime(2026, 11, 19, 15, 59, tzinfo=UTC)  # 23:59 in the store
    with ws.db.transaction() as s:
        assert record_visit(s, member_id="m-1", guide=store.guide, source="scan", now=late).first_today
        assert not record_visit(s, member_id="m-1", guide=store.guide, source="card", now=late).first_today
        next_day = late + timedelta(minutes=2)  # 00:01 the next store day
        assert record_visit(s, member_id="m-1", guide=store.guide, source="scan", now=next_day).first_today
        assert record_visit(
            s, member_id="m-1", guide=store.other_guide, source="scan", now=next_day
        ).first_today
    with ws.db.read() as s:
        served = sorted(
            s.execute(select(Activity.day, Activity.guide_id).where(Activity.kind == "served")).all()
        )
    assert served == [("2026-11-19", "g-li"), ("2026-11-20", "g-li"), ("2026-11-20", "g-zhang")]


def test_enroll_credits_the_enrolling_guide_and_a_member_known_at_once(ws, store):
    """The enrolling guide is the mutation's guide and gets every ledger row; the new member can be tagged
    and found by phone before HQ confirms."""
    outcome = enroll(ws, store, guide=store.other_guide, phone="１８６００００５６７８", paid=False)
    assert outcome.paid is False
    with ws.db.transaction() as s:
        assert member_known(s, outcome.member_id)
        assert pending_enrollment_by_phone(s, ws.cipher.blind_index("18600005678")) == outcome.member_id
        tag = add_tag(s, member_id=outcome.member_id, tag_id="t-vip", guide=store.other_guide, now=T0)
        ledger = sorted(s.execute(select(Activity.kind, Activity.guide_id, Activity.member_id)).all())
        envelopes = {(o.name, o.guide_id) for o in list_outbox(s)}
        visits = s.execute(select(Visit.source, Visit.guide_id, Visit.day)).all()
    assert tag.changed and tag.outbox_id is not None
    assert ledger == [
        ("enroll", "g-zhang", outcome.member_id),
        ("served", "g-zhang", outcome.member_id),
    ]  # no "paid" row for an unpaid member
    assert envelopes == {
        ("member.enroll.v1", "g-zhang"),
        ("tag.add.v1", "g-zhang"),
    }
    assert visits == [("enroll", "g-zhang", "2026-11-19")]


def test_enroll_args_follow_the_protocol_table(ws, store):
    """member.enroll.v1 carries member_id, card_no, name, phone, consent {at, text_version, channel}, paid."""
    outcome = enroll(ws, store, name="  钱多多 ", paid=True, consent=Consent(True, "v7", "mini_program"))
    with ws.db.read() as s:
        entry = list_outbox(s)[0]
    wire = wire_args(entry, ws.cipher)
    assert {"member_id", "card_no", "name", "phone", "consent", "paid"} <= wire.keys()
    assert (wire["member_id"], wire["card_no"], wire["name"], wire["paid"]) == (
        outcome.member_id,
        outcome.card_no,
        "钱多多",
        True,
    )
    assert wire["consent"] == {"at": T0.isoformat(), "text_version": "v7", "channel": "mini_program"}
    assert "phone" not in entry.args  # only the sealed form is stored
    assert outcome.card_no[2:].isdigit()


def test_the_byte_scan_would_see_a_clear_phone(ws, store):
    """Guards the PIPL test above: the same byte scan does find text the enrollment stores in the clear."""
    outcome = enroll(ws, store, phone="18677778888")
    raw = b"".join(p.read_bytes() for p in ws.data_dir.glob("guidedesk.sqlite3*"))
    assert outcome.card_no.encode() in raw  # the outbox args, wherever SQLite put them (file or WAL)
    assert b"186****8888" in raw
    assert b"18677778888" not in raw


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"consent": Consent(given=True, text_version="v1", channel="phone_call")}, "bad_consent"),
        ({"consent": Consent(given=True, text_version="  ")}, "bad_consent"),
        ({"name": ""}, "bad_name"),
        ({"name": "a\u202eb"}, "bad_name"),  # a bidi override makes a name display reversed
        ({"name": "a\nb"}, "bad_name"),
        ({"phone": "138000011112"}, "bad_phone"),
        ({"phone": "+8613800001111"}, "bad_phone"),
        ({"phone": "1380000111a"}, "bad_phone"),
        ({"phone": ""}, "bad_phone"),
    ],
)
def test_more_enroll_refusals(ws, store, over, code):
    """Bad consent records, control characters in names, non-mobile numbers: refused, nothing written."""
    kwargs = dict(guide=store.guide, name="钱多多", phone="18600001234", consent=CONSENT, paid=True, now=T0)
    kwargs.update(over)
    assert refused(ws, enroll_member, cipher=ws.cipher, **kwargs) == code


def test_name_of_fifty_characters_is_accepted(ws, store):
    """The name bound is inclusive: 50 characters enroll."""
    outcome = enroll(ws, store, name="名" * 50)
    assert outcome.member_id


def test_phone_of_a_replica_member_names_that_member(ws, store):
    """An existing member's phone is refused with the member's id, so the counter can open their card."""
    with pytest.raises(RuleRefused) as exc:
        enroll(ws, store, phone=store.phones["mine"])
    assert exc.value.details == {"member_id": store.members["mine"]}


def test_decline_reason_is_bounded_and_optional(ws, store):
    """A decline needs no reason; a reason over 100 characters is refused and nothing is written."""
    with ws.db.transaction() as s:
        first = record_decline(s, guide=store.guide, now=T0)
        second = record_decline(s, guide=store.guide, now=T0, reason="  没时间 ")
        entries = list_outbox(s)
    assert first.decline_id != second.decline_id
    assert [e.args for e in entries] == [
        {"decline_id": first.decline_id},
        {"decline_id": second.decline_id, "reason": "没时间"},
    ]
    assert refused(ws, record_decline, guide=store.guide, now=T0, reason="x" * 101) == "bad_reason"


def test_tag_already_in_the_replica_is_a_no_op(ws, store):
    """赵敏 already has 护肤 from HQ: adding it again writes nothing; a pending removal is then undone."""
    with ws.db.transaction() as s:
        assert not add_tag(s, member_id="m-2", tag_id="t-skin", guide=store.guide, now=T0).changed
    assert rows(ws)[0] == 0
    with ws.db.transaction() as s:
        assert remove_tag(s, member_id="m-2", tag_id="t-skin", guide=store.guide, now=T0).changed
        assert add_tag(s, member_id="m-2", tag_id="t-skin", guide=store.guide, now=T0).changed
        assert not add_tag(s, member_id="m-2", tag_id="t-skin", guide=store.guide, now=T0).changed
    assert rows(ws)[0] == 2


def test_note_of_500_characters_and_unknown_member(ws, store):
    """The note bound is inclusive; a note for a member not on this workstation is refused."""
    with ws.db.transaction() as s:
        note = add_note(s, member_id="m-1", body="字" * 500, guide=store.guide, now=T0)
    assert note.outbox_id
    assert refused(ws, add_note, member_id="m-x", body="hi", guide=store.guide, now=T0) == "member_not_local"


def test_visit_source_is_checked_and_each_visit_is_a_mutation(ws, store):
    """Every visit is pushed (it renews protection at HQ) even when it is not the first today."""
    with ws.db.transaction() as s:
        a = record_visit(s, member_id="m-1", guide=store.guide, source="scan", now=T0)
        b = record_visit(s, member_id="m-1", guide=store.guide, source="phone", now=T0 + timedelta(hours=1))
        entries = list_outbox(s)
    assert (a.first_today, b.first_today) == (True, False)
    assert [(e.name, e.args["visit_id"], e.args["source"]) for e in entries] == [
        ("visit.record.v1", a.visit_id, "scan"),
        ("visit.record.v1", b.visit_id, "phone"),
    ]
    assert (
        refused(ws, record_visit, member_id="m-1", guide=store.guide, source="wechat", now=T0) == "bad_source"
    )


def test_served_day_boundary_is_utc_plus_8(ws, store):
    """15:59 and 16:01 UTC on the same UTC date are two store days: both visits count as served."""
    with ws.db.transaction() as s:
        at = datetime(2026, 11, 20, 15, 59, tzinfo=UTC)
        assert record_visit(s, member_id="m-3", guide=store.guide, source="scan", now=at).first_today
        later = datetime(2026, 11, 20, 16, 1, tzinfo=UTC)
        assert record_visit(s, member_id="m-3", guide=store.guide, source="scan", now=later).first_today
        # …while 16:01 UTC and 15:59 UTC the next UTC date are the same store day.
        same = datetime(2026, 11, 21, 15, 59, tzinfo=UTC)
        assert not record_visit(s, member_id="m-3", guide=store.guide, source="scan", now=same).first_today
        days = list(s.scalars(select(Activity.day).where(Activity.kind == "served").order_by(Activity.id)))
    assert days == ["2026-11-20", "2026-11-21"]


def test_the_stored_payload_hash_does_not_give_the_phone_away(ws, store):
    """PIPL: everything else about an enrollment is stored in the clear, so its payload hash must not let
    the sealed phone be guessed (the mask leaves only 10^4 candidates)."""
    enroll(ws, store, phone="18677778888")
    with ws.db.read() as s:
        entry = list_outbox(s)[0]
    clear = {k: v for k, v in entry.args.items() if k != SEALED_KEY}
    guesses = (f"186{i:04d}8888" for i in range(10_000))
    assert not any(payload_sha256(entry.name, {**clear, "phone": p}) == entry.sha256 for p in guesses)
