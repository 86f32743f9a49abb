"""Enrolling walk-ins, declines, tags, notes and visits: each one durable mutation, refusals write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db.models import Activity, Outbox, Visit
from app.errors import InvalidInput, MemberNotFound, RuleRefused
from app.services.cards import member_card
from app.services.members import (
    Consent,
    add_note,
    add_tag,
    enroll_member,
    record_decline,
    record_visit,
    remove_tag,
)
from app.services.outbox import list_outbox, wire_args
from tests.conftest import T0
from tests.factories import seed

CONSENT = Consent(given=True, text_version="privacy-2026-01")


@pytest.fixture
def store(ws):
    return seed(ws)


def rows(ws) -> tuple[int, int, int]:
    with ws.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Outbox, Activity, Visit))


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
        [entry, _visit] = list_outbox(s)
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
