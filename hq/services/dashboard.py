"""The HQ dashboard's numbers for a range of store days: per store and per guide, a ranking of stores and
a trend per day, counted from HQ's own tables.

What is counted (store days in China's one zone, `end` inclusive):

- 拉新 `new_members` — members created in the range with this home store (any channel: counter, import).
- 入会 `enrolled` — members enrolled at a counter in the range (per enrolling guide); of them `paid` had
  paid for membership (the enrolling guide's commission).
- 拒绝 `declined` — walk-ins who declined; 入会率 = enrolled ÷ (enrolled + declined).
- 绑定 `bound` — bindings made to a guide of the store.
- 任务 `tasks_done` (completed in the range) and `tasks_overdue` (still open, due in the range and
  before now).
- 在线率 — of a store's active devices, those that synced within `ONLINE_WINDOW` (now, not over the range).

The counts are read from the roll-ups the database keeps per store day and month (hq/db/rollup.py): a
range is cut into whole months and the days around them, so a year over 1,000 stores reads ~12 month
rows and ~30 day rows per store and guide instead of every member; see docs/benchmarks-hq.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from contract.measures import join_rate
from contract.storetime import STORE_TZ
from hq.db.models import Device, Guide, StatsDay, StatsMonth, StatsTrend, Store, TaskItem
from hq.services.admin import day_bounds
from hq.services.stores import find_store

ONLINE_WINDOW = timedelta(minutes=15)
METRICS = ("new_members", "enrolled", "declined", "bound", "paid", "tasks_done", "tasks_overdue")
RANK_BY = (*METRICS, "join_rate")


@dataclass(frozen=True)
class Figures:
    new_members: int = 0
    enrolled: int = 0
    declined: int = 0
    bound: int = 0
    paid: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0

    @property
    def join_rate(self) -> float | None:
        """入会率: enrollments ÷ (enrollments + declines); None when there was neither."""
        return join_rate(self.enrolled, self.declined)

    def plus(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, m) + getattr(other, m) for m in METRICS))


@dataclass(frozen=True)
class StoreFigures:
    store_id: str
    code: str
    name: str
    figures: Figures
    devices: int
    devices_online: int

    @property
    def online_rate(self) -> float | None:
        return self.devices_online / self.devices if self.devices else None


@dataclass(frozen=True)
class GuideFigures:
    guide_id: str | None  # None: not attributed to a guide (imports, unassigned overdue items)
    store_id: str
    employee_no: str
    name: str
    figures: Figures


@dataclass(frozen=True)
class DayFigures:
    day: date
    new_members: int
    enrolled: int
    declined: int
    bound: int

    @property
    def join_rate(self) -> float | None:
        return join_rate(self.enrolled, self.declined)


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    store_id: str | None  # the one store asked for, or None: every store
    totals: Figures
    devices: int
    devices_online: int
    stores: tuple[StoreFigures, ...]  # ranked
    guides: tuple[GuideFigures, ...]  # every guide with activity (of the store asked for, if any)
    days: tuple[DayFigures, ...] = field(default=())

    @property
    def online_rate(self) -> float | None:
        return self.devices_online / self.devices if self.devices else None


def dashboard(
    session: Session,
    *,
    start: date,
    end: date,
    now: datetime,
    store: str | None = None,
    rank_by: str = "enrolled",
    with_days: bool = True,
) -> Dashboard:
    lo, hi = day_bounds(start, end)
    store_id = find_store(session, store).id if store else None
    names: dict[str, tuple[str, str]] = {}
    per = _per_guide(session, start, end, store_today(now), store_id, names)
    _add_overdue_today(session, per, lo, hi, now, store_id)

    # Stores: every active store is ranked (a store with no activity ranks last, visibly).
    store_rows = session.execute(
        select(Store.id, Store.code, Store.name).where(Store.active.is_(True))
        if store_id is None
        else select(Store.id, Store.code, Store.name).where(Store.id == store_id)
    ).all()
    dev_query = select(
        Device.store_id,
        func.count(),
        func.sum(func.cast(Device.last_seen_at >= now - ONLINE_WINDOW, _int())),
    ).where(Device.status == "active")
    if store_id is not None:
        dev_query = dev_query.where(Device.store_id == store_id)
    devices = {
        r[0]: (int(r[1]), int(r[2] or 0)) for r in session.execute(dev_query.group_by(Device.store_id))
    }

    store_counts: dict[str, list[int]] = {}
    guide_figs: dict[tuple[str, str | None], Figures] = {}
    for (sid, gid), counts in per.items():
        summed = store_counts.setdefault(sid, [0] * len(METRICS))
        summed[:] = map(int.__add__, summed, counts)
        if any(counts[1:]):  # 拉新 (first) is the store's, not a guide's
            guide_figs[(sid, gid)] = Figures(0, *counts[1:])
    store_figs = {sid: Figures(*counts) for sid, counts in store_counts.items()}
    stores = [
        StoreFigures(sid, code, name, store_figs.get(sid, Figures()), *devices.get(sid, (0, 0)))
        for sid, code, name in store_rows
    ]
    stores.sort(key=lambda s: (_rank_key(s.figures, rank_by), s.code), reverse=False)
    totals = Figures()
    for s in stores:
        totals = totals.plus(s.figures)
    names.update(_guide_names(session, {g for _s, g in guide_figs if g is not None and g not in names}))
    guides = sorted(
        (
            GuideFigures(gid, sid, *names.get(gid or "", ("", "")), figures)
            for (sid, gid), figures in guide_figs.items()
        ),
        key=lambda g: (_rank_key(g.figures, rank_by), g.employee_no),
    )
    days = _days(session, start, end, store_id) if with_days else ()
    return Dashboard(
        start,
        end,
        store_id,
        totals,
        sum(s.devices for s in stores),
        sum(s.devices_online for s in stores),
        tuple(stores),
        tuple(guides),
        days,
    )


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _spans(start: date, end: date, today: date) -> tuple[list[date], list[tuple[date, date]]]:
    """[start, end] cut into whole months (read from `stats_months`) and runs of days (`stats_days`).
    Today's month is read by days: its overdue items are counted only up to yesterday."""
    months: list[date] = []
    days: list[tuple[date, date]] = []
    first = _month_start(start)
    while first <= end:
        after = _next_month(first)
        a, b = max(first, start), min(after - timedelta(days=1), end)
        if a == first and b == after - timedelta(days=1) and not first <= today < after:
            months.append(first)
        elif days and days[-1][1] + timedelta(days=1) == a:
            days[-1] = (days[-1][0], b)
        else:
            days.append((a, b))
        first = after
    return months, days


def _per_guide(
    session: Session,
    start: date,
    end: date,
    today: date,
    store_id: str | None,
    names: dict[str, tuple[str, str]],
) -> dict[tuple[str, str | None], list[int]]:
    """Counts per (store, guide) in `METRICS` order from the roll-ups, in one statement; overdue items
    up to yesterday (today's are counted live). Fills `names` with each guide's (employee no, name)."""
    months, day_runs = _spans(start, end, today) if store_id is None else ([], [(start, end)])
    parts = []
    if months:
        parts.append(
            select(*_counts(StatsMonth, StatsMonth.month < _month_start(today))).where(
                StatsMonth.month.in_(months)
            )
        )
    if day_runs:
        part = select(*_counts(StatsDay, StatsDay.day < today)).where(
            or_(*(StatsDay.day.between(a, b) for a, b in day_runs))
        )
        parts.append(part if store_id is None else part.where(StatsDay.store_id == store_id))
    rows = union_all(*parts).subquery()
    summed = (
        select(rows.c.store_id, rows.c.guide_id, *(func.sum(rows.c[m]).label(m) for m in METRICS))
        .group_by(rows.c.store_id, rows.c.guide_id)
        .subquery()
    )
    query = select(summed, Guide.employee_no, Guide.name).outerjoin(Guide, Guide.id == summed.c.guide_id)
    per: dict[tuple[str, str | None], list[int]] = {}
    for sid, gid, *counts, employee_no, name in session.execute(query):
        per[(sid, gid or None)] = [int(c) for c in counts]
        if employee_no is not None:
            names[gid] = (employee_no, name)
    return per


def _counts(table: Any, overdue: Any) -> list[Any]:
    """store, guide and the `METRICS` of a roll-up's rows; `tasks_open` counts as overdue where `overdue`."""
    return [
        table.store_id,
        table.guide_id,
        *(getattr(table, m) for m in METRICS[:-1]),
        case((overdue, table.tasks_open), else_=0).label("tasks_overdue"),
    ]


def _add_overdue_today(
    session: Session,
    per: dict[tuple[str, str | None], list[int]],
    lo: datetime,
    hi: datetime,
    now: datetime,
    store_id: str | None,
) -> None:
    """Items due earlier today and still open: today is not over, so the roll-up cannot say which."""
    today_lo, _ = day_bounds(store_today(now), store_today(now))
    since, until = max(lo, today_lo), min(hi, now)
    if until <= since:
        return
    query = (
        select(TaskItem.store_id, TaskItem.assigned_guide_id, func.count())
        .where(TaskItem.state == "open", TaskItem.due_at >= since, TaskItem.due_at < until)
        .group_by(TaskItem.store_id, TaskItem.assigned_guide_id)
    )
    if store_id is not None:
        query = query.where(TaskItem.store_id == store_id)
    for sid, gid, n in session.execute(query):
        per.setdefault((sid, gid or None), [0] * len(METRICS))[-1] += n


def _int() -> Any:
    return Integer()


def _rank_key(figures: Figures, rank_by: str) -> float:
    """Descending by the metric (negated, so one ascending sort ranks), None join rates last."""
    if rank_by == "join_rate":
        rate = figures.join_rate
        return 1.0 if rate is None else -rate
    return -float(getattr(figures, rank_by if rank_by in METRICS else "enrolled"))


def _guide_names(session: Session, ids: set[str]) -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), 1000):
        for gid, no, name in session.execute(
            select(Guide.id, Guide.employee_no, Guide.name).where(Guide.id.in_(wanted[i : i + 1000]))
        ):
            names[gid] = (no, name)
    return names


def _days(session: Session, start: date, end: date, store_id: str | None) -> tuple[DayFigures, ...]:
    trend = ("new_members", "enrolled", "declined", "bound")
    if store_id is None:
        query = select(StatsTrend.day, *(func.sum(getattr(StatsTrend, m)) for m in trend)).where(
            StatsTrend.day.between(start, end)
        )
        query = query.group_by(StatsTrend.day)
    else:
        query = (
            select(StatsDay.day, *(func.sum(getattr(StatsDay, m)) for m in trend))
            .where(StatsDay.store_id == store_id, StatsDay.day.between(start, end))
            .group_by(StatsDay.day)
        )
    per = {day: [int(c or 0) for c in counts] for day, *counts in session.execute(query)}
    out = []
    day = start
    while day <= end:
        out.append(DayFigures(day, *per.get(day, (0, 0, 0, 0))))
        day += timedelta(days=1)
    return tuple(out)


def store_today(now: datetime) -> date:
    return now.astimezone(STORE_TZ).date()
