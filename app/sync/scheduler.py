"""When to sync (DESIGN.md §5 "Loop"), decided without Qt: after a local write (debounced ~2 s), on a
timer (45 s), when the network comes back, or on "Sync now"; after a failure, exponential backoff with
jitter capped at 5 minutes. The UI asks `due(now)` from its timer and runs the engine on its network lane.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DEBOUNCE_S = 2.0
INTERVAL_S = 45.0
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0


@dataclass
class SyncScheduler:
    """Times are monotonic seconds supplied by the caller, so tests drive it without sleeping."""

    rng: random.Random = field(default_factory=random.Random)
    running: bool = False
    failures: int = 0
    _next_at: float = 0.0  # due immediately at start
    _retry_at: float = 0.0  # no run before this while backing off

    def local_write(self, now: float) -> None:
        """A guide action was committed: sync soon, but let a burst of actions settle first."""
        self._next_at = min(self._next_at, now + DEBOUNCE_S) if self._next_at > now else now + DEBOUNCE_S

    def network_regained(self, now: float) -> None:
        self._retry_at = now
        self._next_at = now

    def sync_now(self, now: float) -> None:
        """The guide pressed "Sync now": ignores backoff, never a second run at once."""
        self._retry_at = now
        self._next_at = now

    def due(self, now: float) -> bool:
        return not self.running and now >= max(self._next_at, self._retry_at)

    def started(self) -> None:
        self.running = True

    def finished(self, now: float, *, ok: bool) -> None:
        self.running = False
        if ok:
            self.failures = 0
            self._retry_at = now
            self._next_at = now + INTERVAL_S
            return
        self.failures += 1
        delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (self.failures - 1))
        self._retry_at = now + delay * (
            0.5 + self.rng.random() / 2
        )  # full-ish jitter: stores don't stampede HQ
        self._next_at = self._retry_at

    def seconds_until_due(self, now: float) -> float:
        return max(0.0, max(self._next_at, self._retry_at) - now)
