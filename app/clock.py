"""Time for the core: one injectable clock, so services and tests agree on "now" and on the store's day.

Timestamps are stored as timezone-aware UTC. Days (for stats and "today") are the store's local calendar
day (`contract.storetime`, shared with HQ).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from contract.storetime import STORE_TZ, day_start, store_day

__all__ = ["STORE_TZ", "Clock", "FixedClock", "SystemClock", "day_start", "store_day", "utc"]


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float:
        """Seconds on a clock that setting the PC's date and time does not move (lock-outs count on it)."""
        ...


class SystemClock:
    """Wall-clock UTC now."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass
class FixedClock:
    """A clock that stands still until moved: for tests and the demo generator."""

    at: datetime
    mono: float = 1_000.0

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.mono

    def advance(self, **delta: float) -> None:
        """Time passes: the wall clock and the monotonic clock move together."""
        step = timedelta(**delta)
        self.at = self.at + step
        self.mono += step.total_seconds()

    def set_wall(self, at: datetime) -> None:
        """Someone sets the PC's date and time: only the wall clock moves."""
        self.at = at


def utc(at: datetime) -> datetime:
    """Normalise to aware UTC; naive values (as SQLite returns them) are taken to be UTC already."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
