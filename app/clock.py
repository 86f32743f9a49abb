"""Time for the core: one injectable clock, so services and tests agree on "now" and on the store's day.

Timestamps are stored as timezone-aware UTC. Days (for stats and "today") are the store's local calendar
day; China has a single zone, so the default is Asia/Shanghai (UTC+8, no DST).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

STORE_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock UTC now."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until moved: for tests and the demo generator."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


def store_day(at: datetime) -> date:
    """The store's calendar day of an instant."""
    return at.astimezone(STORE_TZ).date()


def day_start(day: date) -> datetime:
    """The UTC instant at which a store day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=STORE_TZ).astimezone(UTC)


def utc(at: datetime) -> datetime:
    """Normalise to aware UTC; naive values (as SQLite returns them) are taken to be UTC already."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
