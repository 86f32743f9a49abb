"""Manager stats per guide per store day: served, new bindings, enrollments, paid members, declines,
join rate (入会率 = enrollments ÷ (enrollments + declines)), tasks done, transfers; per-guide totals
over the range with tasks overdue now; and the store's online rate (在线率).

Everything on this path is a read whose size does not grow with members or bindings (DESIGN §7: a year
over a million bindings ≤ 50 ms):
- counts come from the `daily_stats` roll-up that triggers keep in step with the activity ledger
  (migration 0002; app/services/ledger.py): a year is at most 366 × guides × kinds rows, never a scan
  of `activity` or `bindings`. It is pivoted in SQL and read through Core, not the ORM;
- the online rate reads `store_member_counts`, kept by triggers on `members` (migration 0004). Counting
  a million members instead took ~300 ms here (~80 ms even with a covering (store_id, online) index);
- overdue tasks are one GROUP BY over ix_task_items_guide_state_due.

Measured on the 1,000,000-member demo store (20 guides, 35,439 roll-up rows in the year, 1,000,000
`bind` rows in the ledger) on the shared 2-core machine: a year 54–80 ms in-process depending on the
load (today ~3 ms), 1.2–1.8× the raw sqlite3 read of the same roll-up rows in the same runs (30–48 ms);
~160 ms before the pivot, when 35,000 rows went through the ORM. What remains is SQLite stepping and
aggregating 35,000 narrow rows (~30 ms) and building 6,400 frozen rows (~11 ms). A roll-up with one wide
row per (day, guide) would be read in ~7 ms (measured on a copy): a schema change for its owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Guide, StoreMemberCount
from app.errors import InvalidInput
from app.services.tasks import overdue_by_guide
from contract.measures import join_rate

MAX_RANGE_DAYS = 366
METRICS = ("served", "bindings", "enrollments", "paid", "declines", "tasks_done", "transfers")
# The ledger's activity kind behind each metric, in METRICS order.
_METRIC_KINDS = ("served", "bind", "enroll", "paid", "decline", "task_done", "transfer")
_NOTHING = [0] * len(METRICS)


class StatsRow(NamedTuple):
    """One guide's store day; only days on which something was counted have a row.

    Immutable like the services' frozen dataclasses, but a NamedTuple: a year is ~6,400 rows, and a
    frozen dataclass's __init__ (one object.__setattr__ per field) cost 8 ms of the 50 ms budget here,
    a tuple ~1.6 ms."""

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


# One row per (day, guide) with a column per metric, in METRICS order: the roll-up is already one wide
# row per guide day. The filter to the store's guides is left to the caller's dict: a join looked up
# the guide once per roll-up row and cost more than it saved.
_ROLLUP_SQL = f"SELECT day, guide_id, {', '.join(_METRIC_KINDS)} FROM daily_stats WHERE day >= ? AND day <= ?"


def _rollup(session: Session, start: date, end: date) -> list[tuple[Any, ...]]:
    # Plain driver rows on the session's own connection (same transaction): SQLAlchemy's Row objects
    # doubled the read of a year (8 → 16 ms).
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        return cursor.execute(_ROLLUP_SQL, (start.isoformat(), end.isoformat())).fetchall()
    finally:
        cursor.close()


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
    rows: list[StatsRow] = []
    per_guide: dict[str, list[tuple[int, ...]]] = {gid: [] for gid in guides}
    days: dict[str, date] = {}  # 365 distinct days among thousands of rows
    for day, guide_id, *counts in _rollup(session, start, end):
        of_guide = per_guide.get(guide_id)
        if of_guide is None or not any(counts):  # another store's guide; a day voided back to zero
            continue
        of_guide.append(tuple(counts))
        when = days.get(day) or days.setdefault(day, date.fromisoformat(day))
        employee_no, name, _ = guides[guide_id]
        rows.append(StatsRow(when, guide_id, employee_no, name, *counts))
    sums = {
        gid: [sum(column) for column in zip(*counts, strict=True)]
        for gid, counts in per_guide.items()
        if counts
    }
    rows.sort(key=lambda r: (r.day, r.employee_no))
    overdue = overdue_by_guide(session, guide_ids=list(guides), now=now)
    totals = tuple(
        GuideTotals(
            gid,
            employee_no,
            name,
            active,
            **dict(zip(METRICS, sums.get(gid, _NOTHING), strict=True)),
            tasks_overdue=overdue.get(gid, 0),
        )
        for gid, (employee_no, name, active) in sorted(guides.items(), key=lambda kv: kv[1][0])
        # A guide who has left stays in the totals only while they have numbers in the range.
        if active or gid in sums or gid in overdue
    )
    return StatsReport(
        store_id=store_id,
        start=start,
        end=end,
        rows=tuple(rows),
        totals=totals,
        online_rate=online_rate(session, store_id=store_id),
        generated_at=now,
    )
