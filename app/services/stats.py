"""Manager stats per guide per store day: served, new bindings, enrollments, paid members, declines,
join rate (入会率 = enrollments ÷ (enrollments + declines)), tasks done, transfers; tasks overdue now;
the store's online rate (在线率).

Counts come from the `daily_stats` roll-up that triggers keep in step with the activity ledger, so a
year over a million bindings is a read of at most 366 × guides × kinds small rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import DailyStat, Guide, Outbox, StoreMemberCount, TaskItem
from app.errors import InvalidInput
from app.services.outbox import PENDING_STATES
from app.sync.protocol import Mutation

MAX_RANGE_DAYS = 366
METRICS = ("served", "bindings", "enrollments", "paid", "declines", "tasks_done", "transfers")
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
    total = enrollments + declines
    return None if total == 0 else enrollments / total


@dataclass(frozen=True)
class StatsRow:
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
    guide_id: str
    employee_no: str
    guide_name: str
    served: int
    bindings: int
    enrollments: int
    paid: int
    declines: int
    tasks_done: int
    transfers: int
    tasks_overdue: int

    @property
    def join_rate(self) -> float | None:
        return join_rate(self.enrollments, self.declines)


@dataclass(frozen=True)
class StatsReport:
    store_id: str
    start: date
    end: date
    rows: tuple[StatsRow, ...]
    totals: tuple[GuideTotals, ...]
    online_rate: float | None
    generated_at: datetime


def _overdue_by_guide(session: Session, now: datetime) -> dict[str, int]:
    completed_here = {
        args.get("task_id")
        for (args,) in session.execute(
            select(Outbox.args).where(Outbox.name == Mutation.TASK_COMPLETE, Outbox.state.in_(PENDING_STATES))
        )
    }
    overdue: dict[str, int] = {}
    for task_id, guide_id in session.execute(
        select(TaskItem.id, TaskItem.assigned_guide_id).where(TaskItem.state == "open", TaskItem.due_at < now)
    ):
        if guide_id is not None and task_id not in completed_here:
            overdue[guide_id] = overdue.get(guide_id, 0) + 1
    return overdue


def guide_day_stats(session: Session, *, store_id: str, start: date, end: date, now: datetime) -> StatsReport:
    if end < start or (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput("bad_range", start=start, end=end, max_days=MAX_RANGE_DAYS)
    guides = {
        g.id: (g.employee_no, g.name)
        for g in session.execute(
            select(Guide.id, Guide.employee_no, Guide.name).where(Guide.store_id == store_id)
        )
    }
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for day, guide_id, kind, count in session.execute(
        select(DailyStat.day, DailyStat.guide_id, DailyStat.kind, DailyStat.count).where(
            DailyStat.day >= start.isoformat(), DailyStat.day <= end.isoformat()
        )
    ):
        if guide_id in guides and kind in _KIND_TO_METRIC and count:
            cells.setdefault((day, guide_id), {})[_KIND_TO_METRIC[kind]] = count
    rows = tuple(
        StatsRow(date.fromisoformat(day), gid, *guides[gid], **metrics)
        for (day, gid), metrics in sorted(cells.items(), key=lambda kv: (kv[0][0], guides[kv[0][1]][0]))
    )
    overdue = _overdue_by_guide(session, now)
    totals = []
    for gid, (employee_no, name) in sorted(guides.items(), key=lambda kv: kv[1][0]):
        sums = {m: sum(getattr(r, m) for r in rows if r.guide_id == gid) for m in METRICS}
        totals.append(GuideTotals(gid, employee_no, name, **sums, tasks_overdue=overdue.get(gid, 0)))
    counts = session.get(StoreMemberCount, store_id)
    members, online = (counts.members, counts.online) if counts else (0, 0)
    return StatsReport(
        store_id=store_id,
        start=start,
        end=end,
        rows=rows,
        totals=tuple(totals),
        online_rate=None if not members else online / members,
        generated_at=now,
    )
