"""Time for the core: one injectable clock, so services and tests agree on "now" and on the store's day.

Timestamps are stored as timezone-aware UTC. Days (for stats and "today") are the store's local calendar
day (`contract.storetime`, shared with HQ).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from contract.storetime import STORE_TZ, day_start, store_day

__all__ = ["STORE_TZ", "Clock", "FixedClock", "SystemClock", "day_start", "store_day", "utc"]


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


def utc(at: datetime) -> datetime:
    """Normalise to aware UTC; naive values (as SQLite returns them) are taken to be UTC already."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
