"""Read services the screens and the CLI stand on: a scan records the visit in the same call, a member's
notes and visits page newest first, the tag picker, and the workstation's conflicts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.db.models import BindingConflict, SyncState
from app.services.history import member_notes, member_visits
from app.services.members import add_note, record_visit
from app.services.scan import scan_at_counter
from app.services.station import list_conflicts, station_info, tag_picker
from tests.factories import seed


@pytest.fixture
def store(ws):
    seeded = seed(ws)
    with ws.db.transaction() as s:
        s.add(SyncState(id=1, store_id=seeded.store_id))
    return seeded


def test_a_scan_that_shows_a_card_has_recorded_the_visit(ws, store):
    """No caller can show a card and forget "served": the stats count it from the one call."""
    with ws.db.transaction() as s:
        scanned = scan_at_counter(
            s, text=store.cards["mine"], guide=store.guide, now=ws.clock.now(), code_now=ws.clock.now(),
            cipher=ws.cipher,
        )  # fmt: skip
    assert scanned.card.name == "赵敏" and scanned.visit.first_today
    assert scanned.changes.touches("visit") and scanned.changes.touches_member(store.members["mine"])
    with ws.db.read() as s:
        [visit] = member_visits(s, member_id=store.members["mine"]).visits
    assert (visit.source, visit.guide_name) == ("card", "李娜")


def test_notes_and_visits_page_newest_first_with_pending_notes_merged(ws, store):
    """The card caps notes at 3; the history shows all of them, the ones still pending at HQ included."""
    m, t0 = store.members["mine"], ws.clock.now()
    with ws.db.transaction() as s:
        for i in range(5):
            add_note(s, member_id=m, body=f"第{i}次", guide=store.guide, now=t0 + timedelta(minutes=i))
            record_visit(s, member_id=m, guide=store.guide, source="scan", now=t0 + timedelta(minutes=i))
    with ws.db.read() as s:
        first = member_notes(s, member_id=m, limit=2)
        second = member_notes(s, member_id=m, after=first.next, limit=2)
        last = member_notes(s, member_id=m, after=second.next, limit=2)
        visits = member_visits(s, member_id=m, limit=3)
        rest = member_visits(s, member_id=m, after=visits.next, limit=3)
    bodies = [n.body for page in (first, second, last) for n in page.notes]
    assert bodies == ["第4次", "第3次", "第2次", "第1次", "第0次"] and last.next is None
    assert all(n.pending for n in first.notes)
    assert len(visits.visits) == 3 and len(rest.visits) == 2 and rest.next is None
    assert visits.visits[0].at > rest.visits[0].at


def test_the_tag_picker_and_the_conflicts_of_this_store(ws, store):
    """Tags come grouped in HQ's order; conflicts this store lost count in the status, newest first."""
    now = ws.clock.now()
    with ws.db.transaction() as s:
        for i, (loser, winner) in enumerate(
            [("store-a", "store-b"), ("store-b", "store-a"), ("store-x", "store-y")]
        ):
            s.add(BindingConflict(
                id=f"c-{i}", member_id="m-1", losing_guide_id="g-li", losing_store_id=loser,
                winning_guide_id="g-chen", winning_store_id=winner, winning_guide_name="陈静",
                winning_store_name="北京三里屯店", created_at=now - timedelta(hours=i),
            ))  # fmt: skip
    with ws.db.read() as s:
        groups = tag_picker(s)
        conflicts = list_conflicts(s)
        info = station_info(s)
    assert [(g.name, [t.name for t in g.tags]) for g in groups] == [
        ("兴趣", ["护肤", "箱包"]),
        ("价值", ["高价值"]),
    ]
    assert [c.id for c in conflicts] == ["c-0", "c-1"], "newest first; another pair of stores' left out"
    assert (conflicts[0].member_name, conflicts[0].losing_guide_name) == ("刘洋", "李娜")
    assert info.open_conflicts == 1
