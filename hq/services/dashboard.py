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

The counts are read from the roll-ups the database keeps per store day, month and year
(hq/db/rollup.py), a range cut into the fewest of them (hq/services/periods.py): a year over 1,000 stores
reads a few rows per store and guide instead of every member; see docs/benchmarks-hq.md.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, func, or_, select, union_all
from sqlalchemy.orm import Session

from contract.measures import join_rate
from contract.storetime import STORE_TZ
from hq.db.models import Device, Guide, StatsDay, StatsMonth, StatsTrend, StatsYear, Store, TaskItem
from hq.services.admin import day_bounds
from hq.services.periods import DAY, MONTH, YEAR, Term, cover, weighted
from hq.services.stores import find_store

ONLINE_WINDOW = timedelta(minutes=15)
METRICS = ("new_members", "enrolled", "declined", "bound", "paid", "tasks_done", "tasks_overdue")
RANK_BY = (*METRICS, "join_rate")
_POSITION = {m: i for i, m in enumerate(METRICS)}
Counts = tuple[int, ...]  # one per METRICS, in its order


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
    guides: tuple[GuideFigures, ...]  # ranked guides with activity (of the store asked for, if any)
    guides_active: int  # how many guides had activity (`guides` may hold only the first of them)
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
    top_guides: int | None = None,
) -> Dashboard:
    """The figures of [start, end]; `top_guides`: only that many of the ranked guides (a page shows
    the first hundred of 10,000; an export asks for all)."""
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

    # Tuples, not lists: 11,000 of them live through this loop, and tuples of numbers are the containers
    # the cyclic collector stops tracking (lists here cost more in collections than in arithmetic).
    store_counts: dict[str, Counts] = {}
    guide_counts: dict[tuple[str, str | None], Counts] = {}
    for (sid, gid), counts in per.items():
        summed = store_counts.get(sid)
        store_counts[sid] = counts if summed is None else tuple(map(int.__add__, summed, counts))
        if any(counts[1:]):  # 拉新 (first) is the store's, not a guide's
            guide_counts[(sid, gid)] = (0, *counts[1:]) if counts[0] else counts
    stores = [
        StoreFigures(sid, code, name, Figures(*store_counts.get(sid, ())), *devices.get(sid, (0, 0)))
        for sid, code, name in store_rows
    ]
    no_counts = (0,) * len(METRICS)
    stores.sort(key=lambda s: (_rank_key(store_counts.get(s.store_id, no_counts), rank_by), s.code))
    totals = Figures()
    for s in stores:
        totals = totals.plus(s.figures)
    names.update(_guide_names(session, {g for _s, g in guide_counts if g is not None and g not in names}))
    unnamed = ("", "")

    def guide_rank(key: tuple[str, str | None]) -> tuple[float, str]:
        return _rank_key(guide_counts[key], rank_by), names.get(key[1] or "", unnamed)[0]

    ranked = (
        sorted(guide_counts, key=guide_rank)
        if top_guides is None
        else heapq.nsmallest(top_guides, guide_counts, key=guide_rank)
    )
    guides = [
        GuideFigures(gid, sid, *names.get(gid or "", unnamed), Figures(*guide_counts[(sid, gid)]))
        for sid, gid in ranked
    ]
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
        len(guide_counts),
        days,
    )


_LEVELS: dict[str, tuple[Any, Any]] = {
    YEAR: (StatsYear, StatsYear.year),
    MONTH: (StatsMonth, StatsMonth.month),
    DAY: (StatsDay, StatsDay.day),
}


def _per_guide(
    session: Session,
    start: date,
    end: date,
    today: date,
    store_id: str | None,
    names: dict[str, tuple[str, str]],
) -> dict[tuple[str, str | None], Counts]:
    """Counts per (store, guide) in `METRICS` order from the roll-ups, in one statement; overdue items
    up to yesterday (today's are counted live). Fills `names` with each guide's (employee no, name).

    Over every store the range is read as whole years, months and days (hq/services/periods.py), each
    figure with its own range: overdue items stop at yesterday. One store's days are few: read as days."""
    overdue_end = min(end, today - timedelta(days=1))
    if store_id is None:
        counted, overdue = cover(start, end, today), cover(start, overdue_end, today)
    else:
        counted = [Term(DAY, start, end, 1)]
        overdue = [Term(DAY, start, overdue_end, 1)] if start <= overdue_end else []
    parts = []
    for level, (table, unit) in _LEVELS.items():
        for (weight, overdue_weight), spans in weighted(level, (counted, overdue)).items():
            part = select(
                table.store_id,
                table.guide_id,
                *(_times(getattr(table, m), weight) for m in METRICS[:-1]),
                _times(table.tasks_open, overdue_weight),
            ).where(
                or_(*(unit.between(a, b) for a, b in spans))
                if level == DAY
                else unit.in_([a for a, _ in spans])
            )
            parts.append(part if store_id is None else part.where(table.store_id == store_id))
    if not parts:
        return {}
    rows = union_all(*parts).subquery()
    summed = (
        select(rows.c[0], rows.c[1], *(func.sum(rows.c[i]).label(m) for i, m in enumerate(METRICS, start=2)))
        .group_by(rows.c[0], rows.c[1])
        .subquery()
    )
    query = select(summed, Guide.employee_no, Guide.name).outerjoin(Guide, Guide.id == summed.c[1])
    per: dict[tuple[str, str | None], Counts] = {}
    for row in session.connection().execute(query).all():
        counts = tuple(row[2:-2])
        if any(counts):
            per[(row[0], row[1] or None)] = counts
        if row[-2] is not None:
            names[row[1]] = (row[-2], row[-1])
    return per


def _times(column: Any, weight: int) -> Any:
    return column if weight == 1 else column * weight


def _add_overdue_today(
    session: Session,
    per: dict[tuple[str, str | None], Counts],
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
        counts = per.get((sid, gid or None), (0,) * len(METRICS))
        per[(sid, gid or None)] = (*counts[:-1], counts[-1] + n)


def _int() -> Any:
    return Integer()


def _rank_key(counts: Counts, rank_by: str) -> float:
    """Descending by the metric (negated, so one ascending sort ranks), None join rates last."""
    if rank_by == "join_rate":
        rate = join_rate(counts[1], counts[2])
        return 1.0 if rate is None else -rate
    return -float(counts[_POSITION.get(rank_by, 1)])


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
