"""Manager stats per guide per day, from the counter's ledger: what the store manager reviews each day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from app.db.models import Member, TaskItem, TaskList
from app.errors import InvalidInput
from app.services.ledger import count_activity, void_activity_of
from app.services.stats import guide_day_stats
from app.sync.applier import apply_changes
from app.sync.protocol import Change
from tests.conftest import T0
from tests.factories import seed


@pytest.fixture
def store(ws):
    return seed(ws)


def log(ws, kind, guide, days_ago=0, outbox_id=None):
    with ws.db.transaction() as s:
        count_activity(s, kind=kind, guide_id=guide.id, at=T0 - timedelta(days=days_ago), outbox_id=outbox_id)


def report(ws, start=date(2026, 11, 1), end=date(2026, 11, 30)):
    with ws.db.read() as s:
        return guide_day_stats(s, store_id="store-a", start=start, end=end, now=T0)


def test_counts_per_guide_per_day_with_join_rate(ws, store):
    """Each guide's day: served, bindings, enrollments, paid, declines, join rate, tasks, transfers."""
    for kind in ["served", "served", "bind", "enroll", "enroll", "paid", "decline", "task_done", "transfer"]:
        log(ws, kind, store.guide)
    log(ws, "served", store.guide, days_ago=1)
    log(ws, "decline", store.other_guide)
    r = report(ws)
    today = next(row for row in r.rows if row.day == date(2026, 11, 19) and row.guide_id == "g-li")
    assert (today.served, today.bindings, today.enrollments, today.paid, today.declines) == (2, 1, 2, 1, 1)
    assert (today.tasks_done, today.transfers) == (1, 1)
    assert today.join_rate == pytest.approx(2 / 3)
    zhang = next(row for row in r.rows if row.guide_id == "g-zhang")
    assert zhang.join_rate == 0.0
    li_total = next(t for t in r.totals if t.guide_id == "g-li")
    assert (li_total.served, li_total.guide_name) == (3, "李娜")
    manager_total = next(t for t in r.totals if t.guide_id == "g-mgr")
    assert manager_total.join_rate is None, "no walk-ins: no rate, not 0 %"


def test_a_bind_rejected_at_hq_stops_counting(ws, store):
    """A bind that lost at HQ is not a binding in the manager's numbers."""
    log(ws, "bind", store.guide, outbox_id=7)
    log(ws, "bind", store.guide, outbox_id=8)
    with ws.db.transaction() as s:
        void_activity_of(s, 7)
    assert sum(row.bindings for row in report(ws).rows) == 1


def test_range_limits(ws, store):
    """A range is at most a year (366 days) and runs forwards."""
    with pytest.raises(InvalidInput):
        report(ws, start=date(2026, 11, 2), end=date(2026, 11, 1))
    with pytest.raises(InvalidInput):
        report(ws, start=date(2025, 11, 1), end=date(2026, 11, 2))
    assert report(ws, start=date(2025, 11, 20), end=date(2026, 11, 20)).rows == ()


def test_overdue_tasks_per_guide(ws, store):
    """Open tasks past their due time count against the assigned guide."""
    with ws.db.transaction() as s:
        s.add(TaskList(id="l1", store_id="store-a", title="沉睡会员唤醒", created_at=T0))
        s.flush()
        for i, due in enumerate([T0 - timedelta(days=1), T0 + timedelta(days=1), T0 - timedelta(hours=1)]):
            s.add(
                TaskItem(
                    id=f"t{i}",
                    list_id="l1",
                    member_id="m-6",
                    assigned_guide_id="g-li",
                    due_at=due,
                    state="open",
                    created_at=T0,
                )
            )
    totals = {t.guide_id: t.tasks_overdue for t in report(ws).totals}
    assert totals["g-li"] == 2 and totals["g-zhang"] == 0


def test_online_rate_follows_the_replica(ws, store):
    """在线率 = members reachable online ÷ members of the store, kept current as members change."""
    assert report(ws).online_rate == 0.0
    with ws.db.transaction() as s:
        s.execute(update(Member).where(Member.id.in_(["m-1", "m-2", "m-3"])).values(online=True))
    assert report(ws).online_rate == pytest.approx(3 / 6)
    with ws.db.transaction() as s:
        apply_changes(s, [Change("member", "m-1", "remove", 99)], cipher=ws.cipher)
    assert report(ws).online_rate == pytest.approx(2 / 5)
