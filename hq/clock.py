"""HQ's notion of "now": one injectable callable, so tests can move time (code expiry, retention)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(at: datetime) -> str:
    """The wire form of a time: ISO-8601 in UTC with its offset (`datetime.fromisoformat` reads it)."""
    return at.astimezone(UTC).isoformat()


@dataclass
class ManualClock:
    """A clock that stands still until moved (tests, demos). Thread-safe enough: one attribute."""

    at: datetime = field(default_factory=utc_now)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)
