"""Manager stats per guide per day, from the counter's ledger: what the store manager reviews each day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from app.db.models import Guide, Member, TaskItem, TaskList
from app.errors import InvalidInput
from app.services.ledger import count_activity, void_activity_of
from app.services.outbox import record_mutation
from app.services.stats import guide_day_stats
from app.sync.applier import apply_changes
from contract.wire import Change, Mutation
from tests.conftest import T0
from tests.factories import seed

TODAY = date(2026, 11, 19)  # T0 in the store's time zone


@pytest.fixture
def store(ws):
    return seed(ws)


def log(ws, kind, guide_id, days_ago=0, outbox_id=None, at=None):
    with ws.db.transaction() as s:
        when = at or T0 - timedelta(days=days_ago)
        count_activity(s, kind=kind, guide_id=guide_id, at=when, outbox_id=outbox_id)


def report(ws, start=date(2026, 11, 1), end=date(2026, 11, 30), now=T0):
    with ws.db.read() as s:
        return guide_day_stats(s, store_id="store-a", start=start, end=end, now=now)


def row_of(r, day, guide_id):
    return next(row for row in r.rows if row.day == day and row.guide_id == guide_id)


def test_counts_per_guide_per_day_with_join_rate(ws, store):
    """Each guide's day: served, bindings, enrollments, paid, declines, join rate, tasks, transfers."""
    for kind in ["served", "served", "bind", "enroll", "enroll", "paid", "decline", "task_done", "transfer"]:
        log(ws, kind, "g-li")
    log(ws, "served", "g-li", days_ago=1)
    log(ws, "enroll", "g-li", days_ago=3)
    log(ws, "decline", "g-zhang")
    log(ws, "decline", "g-zhang", days_ago=1)
    log(ws, "served", "g-mgr", days_ago=1)  # id sorts after g-li, employee number before
    r = report(ws)

    today = row_of(r, TODAY, "g-li")
    assert (today.employee_no, today.guide_name) == ("A002", "李娜")
    assert (today.served, today.bindings, today.enrollments, today.paid, today.declines) == (2, 1, 2, 1, 1)
    assert (today.tasks_done, today.transfers) == (1, 1)
    assert today.join_rate == pytest.approx(2 / 3)
    yesterday = row_of(r, TODAY - timedelta(days=1), "g-li")
    assert (yesterday.served, yesterday.enrollments, yesterday.join_rate) == (1, 0, None)
    assert row_of(r, TODAY - timedelta(days=3), "g-li").join_rate == 1.0
    assert row_of(r, TODAY, "g-zhang").join_rate == 0.0, "declines only: 0 %, not 'no rate'"

    assert [(row.day, row.employee_no) for row in r.rows] == [
        (TODAY - timedelta(days=3), "A002"),
        (TODAY - timedelta(days=1), "A001"),
        (TODAY - timedelta(days=1), "A002"),
        (TODAY - timedelta(days=1), "A003"),
        (TODAY, "A002"),
        (TODAY, "A003"),
    ], "days without activity have no row; rows run by day, then employee number"

    totals = {t.guide_id: t for t in r.totals}
    assert [t.employee_no for t in r.totals] == ["A001", "A002", "A003"]
    li = totals["g-li"]
    assert (li.served, li.bindings, li.enrollments, li.paid, li.declines) == (3, 1, 3, 1, 1)
    assert li.join_rate == pytest.approx(3 / 4)
    assert (totals["g-zhang"].declines, totals["g-zhang"].join_rate) == (2, 0.0)
    assert totals["g-mgr"].join_rate is None, "no walk-ins: no rate, not 0 %"
    assert (r.store_id, r.start, r.end, r.generated_at) == (
        "store-a",
        date(2026, 11, 1),
        date(2026, 11, 30),
        T0,
    )


def test_days_are_store_days_and_the_range_is_inclusive(ws, store):
    """23:30 in Shanghai is still that day; the first and last day of the range both count."""
    log(ws, "served", "g-li", at=datetime(2026, 11, 1, 15, 30, tzinfo=T0.tzinfo))  # 23:30 on Nov 1
    log(ws, "served", "g-li", at=datetime(2026, 11, 1, 16, 30, tzinfo=T0.tzinfo))  # 00:30 on Nov 2
    log(ws, "served", "g-li", at=datetime(2026, 10, 31, 15, 0, tzinfo=T0.tzinfo))  # Oct 31: outside
    r = report(ws, start=date(2026, 11, 1), end=date(2026, 11, 2))
    assert [(row.day, row.served) for row in r.rows] == [(date(2026, 11, 1), 1), (date(2026, 11, 2), 1)]


def test_a_voided_action_stops_counting(ws, store):
    """A bind or enrollment that HQ rejected is not in the manager's numbers, nor in the join rate."""
    log(ws, "bind", "g-li", outbox_id=7)
    log(ws, "bind", "g-li", outbox_id=8)
    log(ws, "enroll", "g-li", outbox_id=9)
    log(ws, "decline", "g-li", outbox_id=10)
    with ws.db.transaction() as s:
        void_activity_of(s, 7)
        void_activity_of(s, 9)
    today = row_of(report(ws), TODAY, "g-li")
    assert (today.bindings, today.enrollments, today.declines, today.join_rate) == (1, 0, 1, 0.0)


def test_a_day_whose_only_action_was_voided_has_no_row(ws, store):
    """Nothing left on a day means no row, not a row of zeros."""
    log(ws, "bind", "g-zhang", days_ago=2, outbox_id=5)
    with ws.db.transaction() as s:
        void_activity_of(s, 5)
    r = report(ws)
    assert r.rows == ()
    assert next(t for t in r.totals if t.guide_id == "g-zhang").bindings == 0


def test_only_the_stores_guides_are_reported(ws, store):
    """Another store's guide (e.g. the winner of a transfer) never appears in this store's report."""
    with ws.db.transaction() as s:
        s.add(Guide(id="g-chen", store_id="store-b", employee_no="B001", name="陈静", pin_hash="x"))
    log(ws, "transfer", "g-chen")
    log(ws, "served", "g-li")
    r = report(ws)
    assert {row.guide_id for row in r.rows} == {"g-li"}
    assert "g-chen" not in {t.guide_id for t in r.totals}


def test_a_guide_who_left_stays_in_the_totals_only_with_numbers(ws, store):
    """Departed guides keep their history in the range, and do not clutter a range they were not in."""
    with ws.db.transaction() as s:
        s.execute(update(Guide).where(Guide.id == "g-zhang").values(active=False))
    assert "g-zhang" not in {t.guide_id for t in report(ws).totals}
    log(ws, "served", "g-zhang", days_ago=5)
    zhang = next(t for t in report(ws).totals if t.guide_id == "g-zhang")
    assert (zhang.served, zhang.active) == (1, False)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 11, 2), date(2026, 11, 1)),  # backwards
        (date(2025, 11, 19), date(2026, 11, 20)),  # 367 days
        (datetime(2026, 11, 1, tzinfo=T0.tzinfo), date(2026, 11, 2)),  # an instant, not a day
    ],
)
def test_bad_ranges_are_refused(ws, store, start, end):
    """A range is at most 366 days of store days and runs forwards."""
    with pytest.raises(InvalidInput) as exc:
        report(ws, start=start, end=end)
    assert exc.value.code == "bad_range"


def test_a_full_year_and_a_single_day_are_fine(ws, store):
    """366 days (a leap year's worth) and start == end are valid ranges."""
    log(ws, "served", "g-li", days_ago=365)
    year = report(ws, start=TODAY - timedelta(days=365), end=TODAY)
    assert [row.day for row in year.rows] == [TODAY - timedelta(days=365)]
    assert report(ws, start=TODAY, end=TODAY).rows == ()


def add_task(s, task_id, *, guide_id, due, state="open"):
    s.add(
        TaskItem(
            id=task_id,
            list_id="l1",
            member_id="m-6",
            assigned_guide_id=guide_id,
            due_at=due,
            state=state,
            created_at=T0 - timedelta(days=7),
        )
    )


def test_overdue_tasks_per_guide(ws, store):
    """Open tasks past due count against the assigned guide as of now; done, not yet due, undated and
    completed-here-but-not-yet-synced ones do not."""
    with ws.db.transaction() as s:
        s.add(TaskList(id="l1", store_id="store-a", title="沉睡会员唤醒", created_at=T0))
        s.flush()
        add_task(s, "t-late", guide_id="g-li", due=T0 - timedelta(days=1))
        add_task(s, "t-just-late", guide_id="g-li", due=T0 - timedelta(minutes=1))
        add_task(s, "t-future", guide_id="g-li", due=T0 + timedelta(hours=1))
        add_task(s, "t-undated", guide_id="g-li", due=None)
        add_task(s, "t-done", guide_id="g-li", due=T0 - timedelta(days=2), state="done")
        add_task(s, "t-completed-here", guide_id="g-li", due=T0 - timedelta(days=3))
        add_task(s, "t-zhang", guide_id="g-zhang", due=T0 - timedelta(days=3))
        record_mutation(
            s,
            name=Mutation.TASK_COMPLETE,
            args={"task_id": "t-completed-here", "outcome": "reached", "completed_at": T0.isoformat()},
            guide_id="g-li",
            now=T0,
            member_id="m-6",
            lookup_key="t-completed-here",  # as complete_task writes it
        )
    totals = {t.guide_id: t.tasks_overdue for t in report(ws).totals}
    assert totals == {"g-mgr": 0, "g-li": 2, "g-zhang": 1}
    later = {t.guide_id: t.tasks_overdue for t in report(ws, now=T0 + timedelta(hours=2)).totals}
    assert later["g-li"] == 3, "overdue is as of `now`"


def test_online_rate_follows_the_replica(ws, store):
    """在线率 = members reachable online ÷ members of the store, kept current as members change."""
    assert report(ws).online_rate == 0.0
    with ws.db.transaction() as s:
        s.execute(update(Member).where(Member.id.in_(["m-1", "m-2", "m-3"])).values(online=True))
    assert report(ws).online_rate == pytest.approx(3 / 6)
    with ws.db.transaction() as s:
        apply_changes(s, [Change("member", "m-1", "remove", 99)], cipher=ws.cipher)
    assert report(ws).online_rate == pytest.approx(2 / 5)
    with ws.db.transaction() as s:
        s.execute(update(Member).where(Member.id == "m-2").values(store_id="store-b"))
    assert report(ws).online_rate == pytest.approx(1 / 4)


def test_online_rate_is_none_without_members(ws, store):
    """A store with no members yet has no online rate (not 0 %)."""
    with ws.db.transaction() as s:
        s.execute(delete(Member))
    assert report(ws).online_rate is None
