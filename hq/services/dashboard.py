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

Each count is one grouped range scan of a covering index (hq/db/models.py, `*_stats` indexes), so a year
over 1,000 stores reads index pages only; see docs/benchmarks-hq.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, func, null, select
from sqlalchemy.orm import Session

from contract.measures import join_rate
from contract.storetime import STORE_TZ
from hq.db.models import Binding, Decline, Device, Guide, Member, Store, TaskItem
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


_STORE_OFFSET = STORE_TZ.utcoffset(None)


def _day(session: Session, column: Any) -> Any:
    """The store day (contract's STORE_TZ, a fixed offset) of a UTC timestamp column, as text YYYY-MM-DD
    on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column + _STORE_OFFSET, "YYYY-MM-DD")
    return func.date(column, f"+{_STORE_OFFSET.total_seconds() / 3600:g} hours")


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
    per: dict[tuple[str, str | None], dict[str, int]] = {}

    def count(metric: str, query: Any, store_col: Any, *extra_metrics: str) -> None:
        if store_id is not None:
            query = query.where(store_col == store_id)
        for row in session.execute(query):
            bucket = per.setdefault((row[0], row[1]), {})
            bucket[metric] = bucket.get(metric, 0) + row[2]
            for i, extra in enumerate(extra_metrics, start=3):
                bucket[extra] = bucket.get(extra, 0) + int(row[i] or 0)

    in_range = lambda col: (col >= lo, col < hi)  # noqa: E731
    count(
        "new_members",
        select(Member.store_id, null(), func.count())
        .where(*in_range(Member.created_at))
        .group_by(Member.store_id),
        Member.store_id,
    )
    count(
        "enrolled",
        select(
            Member.store_id,
            Member.enrolled_by_guide_id,
            func.count(),
            func.sum(func.cast(Member.is_paid, _int())),
        )
        .where(*in_range(Member.enrolled_at), Member.enrolled_by_guide_id.is_not(None))
        .group_by(Member.store_id, Member.enrolled_by_guide_id),
        Member.store_id,
        "paid",
    )
    count(
        "declined",
        select(Decline.store_id, Decline.guide_id, func.count())
        .where(*in_range(Decline.at))
        .group_by(Decline.store_id, Decline.guide_id),
        Decline.store_id,
    )
    count(
        "bound",
        select(Binding.store_id, Binding.guide_id, func.count())
        .where(*in_range(Binding.bound_at))
        .group_by(Binding.store_id, Binding.guide_id),
        Binding.store_id,
    )
    count(
        "tasks_done",
        select(TaskItem.store_id, TaskItem.completed_by_guide_id, func.count())
        .where(*in_range(TaskItem.completed_at), TaskItem.state == "done")
        .group_by(TaskItem.store_id, TaskItem.completed_by_guide_id),
        TaskItem.store_id,
    )
    overdue_hi = min(hi, now)
    if overdue_hi > lo:
        count(
            "tasks_overdue",
            select(TaskItem.store_id, TaskItem.assigned_guide_id, func.count())
            .where(TaskItem.state == "open", TaskItem.due_at >= lo, TaskItem.due_at < overdue_hi)
            .group_by(TaskItem.store_id, TaskItem.assigned_guide_id),
            TaskItem.store_id,
        )

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

    store_figs: dict[str, Figures] = {}
    guide_figs: dict[tuple[str, str | None], Figures] = {}
    for (sid, gid), counts in per.items():
        figures = Figures(**counts)
        store_figs[sid] = store_figs.get(sid, Figures()).plus(figures)
        if gid is not None or counts.keys() - {"new_members"}:
            key = (sid, gid)
            guide_figs[key] = guide_figs.get(key, Figures()).plus(replace(figures, new_members=0))
    stores = [
        StoreFigures(sid, code, name, store_figs.get(sid, Figures()), *devices.get(sid, (0, 0)))
        for sid, code, name in store_rows
    ]
    stores.sort(key=lambda s: (_rank_key(s.figures, rank_by), s.code), reverse=False)
    totals = Figures()
    for s in stores:
        totals = totals.plus(s.figures)
    guide_names = _guide_names(session, {g for _s, g in guide_figs if g is not None})
    guides = sorted(
        (
            GuideFigures(gid, sid, *guide_names.get(gid or "", ("", "")), figures)
            for (sid, gid), figures in guide_figs.items()
        ),
        key=lambda g: (_rank_key(g.figures, rank_by), g.employee_no),
    )
    days = _days(session, start, end, lo, hi, store_id) if with_days else ()
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


def _days(
    session: Session, start: date, end: date, lo: datetime, hi: datetime, store_id: str | None
) -> tuple[DayFigures, ...]:
    per: dict[str, dict[str, int]] = {}

    def count(metric: str, column: Any, store_col: Any, *where: Any) -> None:
        day = _day(session, column)
        query = select(day, func.count()).where(column >= lo, column < hi, *where)
        if store_id is not None:
            query = query.where(store_col == store_id)
        for d, n in session.execute(query.group_by(day)):
            per.setdefault(str(d), {})[metric] = n

    count("new_members", Member.created_at, Member.store_id)
    count("enrolled", Member.enrolled_at, Member.store_id, Member.enrolled_by_guide_id.is_not(None))
    count("declined", Decline.at, Decline.store_id)
    count("bound", Binding.bound_at, Binding.store_id)
    out = []
    day = start
    while day <= end:
        c = per.get(day.isoformat(), {})
        out.append(
            DayFigures(
                day, c.get("new_members", 0), c.get("enrolled", 0), c.get("declined", 0), c.get("bound", 0)
            )
        )
        day += timedelta(days=1)
    return tuple(out)


def store_today(now: datetime) -> date:
    return now.astimezone(STORE_TZ).date()
