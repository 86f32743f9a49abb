"""Manager stats per guide per store day: served, new bindings, enrollments, paid members, declines,
join rate (入会率 = enrollments ÷ (enrollments + declines)), tasks done, transfers; per-guide totals
over the range with tasks overdue now; and the store's online rate (在线率).

Everything on this path is a small read, whatever the size of the store (DESIGN §7: a year over a
million bindings ≤ 50 ms):
- counts come from the `daily_stats` roll-up that triggers keep in step with the activity ledger
  (migration 0002; app/services/ledger.py), so a year is at most 366 × guides × kinds rows — never a
  scan of `activity` or `bindings`;
- the online rate reads `store_member_counts`, kept by triggers on `members` (migration 0004). Counting
  a million members instead took ~300 ms here (~80 ms even with a covering (store_id, online) index);
- overdue tasks go through ix_task_items_guide_state_due, one guide at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import DailyStat, Guide, Outbox, StoreMemberCount, TaskItem
from app.errors import InvalidInput
from app.services.outbox import PENDING_STATES
from app.sync.protocol import Mutation

MAX_RANGE_DAYS = 366
METRICS = ("served", "bindings", "enrollments", "paid", "declines", "tasks_done", "transfers")
# activity kind (ledger) -> metric name (report)
_KIND_TO_METRIC = {
    "served": "served",
    "bind": "bindings",
    "enroll": "enrollments",
    "paid": "paid",
    "decline": "declines",
    "task_done": "tasks_done",
    "transfer": "transfers",
}


def join_rate(enrollments: int, declines: int) -> float | None:
    """入会率: enrollments ÷ (enrollments + walk-ins who declined); None when nobody was asked."""
    total = enrollments + declines
    return None if total == 0 else enrollments / total


@dataclass(frozen=True)
class StatsRow:
    """One guide's store day; only days on which something was counted have a row."""

    day: date
    guide_id: str
    employee_no: str
    guide_name: str
    served: int = 0
    bindings: int = 0
    enrollments: int = 0
    paid: int = 0
    declines: int = 0
    tasks_done: int = 0
    transfers: int = 0

    @property
    def join_rate(self) -> float | None:
        return join_rate(self.enrollments, self.declines)


@dataclass(frozen=True)
class GuideTotals:
    """One guide over the whole range, plus open tasks past due as of the report's `generated_at`."""

    guide_id: str
    employee_no: str
    guide_name: str
    active: bool
    served: int = 0
    bindings: int = 0
    enrollments: int = 0
    paid: int = 0
    declines: int = 0
    tasks_done: int = 0
    transfers: int = 0
    tasks_overdue: int = 0

    @property
    def join_rate(self) -> float | None:
        return join_rate(self.enrollments, self.declines)


@dataclass(frozen=True)
class StatsReport:
    store_id: str
    start: date
    end: date
    rows: tuple[StatsRow, ...]  # by day, then employee number
    totals: tuple[GuideTotals, ...]  # by employee number: active guides, and any other with numbers
    online_rate: float | None  # None when the store has no members on this workstation
    generated_at: datetime


def _overdue(session: Session, guide_ids: list[str], now: datetime) -> dict[str, int]:
    """Open replica tasks past due per assigned guide, less those completed here and not yet settled
    by HQ (the guide did the work; the replica just has not heard)."""
    task_id = func.json_extract(Outbox.args, "$.task_id")
    # NOT IN over a NULL would silently count nothing: keep NULLs out of the list.
    completed_here = select(task_id).where(
        Outbox.name == Mutation.TASK_COMPLETE, Outbox.state.in_(PENDING_STATES), task_id.is_not(None)
    )
    counts: dict[str, int] = {}
    for guide_id in guide_ids:  # one index range (guide, 'open', < now) each; a store has tens of guides
        n = session.scalar(
            select(func.count())
            .select_from(TaskItem)
            .where(
                TaskItem.assigned_guide_id == guide_id,
                TaskItem.state == "open",
                TaskItem.due_at < now,
                TaskItem.id.not_in(completed_here),
            )
        )
        if n:
            counts[guide_id] = n
    return counts


def online_rate(session: Session, *, store_id: str) -> float | None:
    """在线率: members reachable online ÷ members of the store; None when there are none."""
    counts = session.get(StoreMemberCount, store_id)
    if counts is None or counts.members <= 0:
        return None
    return counts.online / counts.members


def guide_day_stats(session: Session, *, store_id: str, start: date, end: date, now: datetime) -> StatsReport:
    """The manager's numbers for store days `start`..`end` inclusive (at most 366 days, forwards;
    otherwise InvalidInput("bad_range")). Read-only."""
    if (
        not isinstance(start, date)
        or not isinstance(end, date)
        or isinstance(start, datetime)  # a datetime is a date too, but not a store day
        or isinstance(end, datetime)
        or end < start
        or (end - start).days + 1 > MAX_RANGE_DAYS
    ):
        raise InvalidInput("bad_range", start=str(start), end=str(end), max_days=MAX_RANGE_DAYS)

    guides = {
        gid: (employee_no, name, bool(active))
        for gid, employee_no, name, active in session.execute(
            select(Guide.id, Guide.employee_no, Guide.name, Guide.active).where(Guide.store_id == store_id)
        )
    }
    # The roll-up's primary key (day, guide_id, kind) makes this a range read of the days asked for.
    cells: dict[tuple[str, str], dict[str, int]] = {}
    sums: dict[str, dict[str, int]] = {}
    rollup = (
        select(DailyStat.day, DailyStat.guide_id, DailyStat.kind, DailyStat.count)
        .join(Guide, Guide.id == DailyStat.guide_id)
        .where(
            Guide.store_id == store_id,
            DailyStat.day >= start.isoformat(),
            DailyStat.day <= end.isoformat(),
            DailyStat.count > 0,  # a row voided back to zero is no activity
        )
    )
    for day, guide_id, kind, count in session.execute(rollup):
        metric = _KIND_TO_METRIC.get(kind)
        if metric is None:
            continue
        cell = cells.setdefault((day, guide_id), {})
        cell[metric] = cell.get(metric, 0) + count
        total = sums.setdefault(guide_id, {})
        total[metric] = total.get(metric, 0) + count

    rows = tuple(
        StatsRow(date.fromisoformat(day), gid, guides[gid][0], guides[gid][1], **metrics)
        for (day, gid), metrics in sorted(cells.items(), key=lambda kv: (kv[0][0], guides[kv[0][1]][0]))
    )
    overdue = _overdue(session, list(guides), now)
    totals = tuple(
        GuideTotals(gid, employee_no, name, active, **sums.get(gid, {}), tasks_overdue=overdue.get(gid, 0))
        for gid, (employee_no, name, active) in sorted(guides.items(), key=lambda kv: kv[1][0])
        # A guide who has left stays in the totals only while they have numbers in the range.
        if active or gid in sums or gid in overdue
    )
    return StatsReport(
        store_id=store_id,
        start=start,
        end=end,
        rows=rows,
        totals=totals,
        online_rate=online_rate(session, store_id=store_id),
        generated_at=now,
    )
