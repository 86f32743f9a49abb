"""When the workstation syncs: soon after a guide's action, regularly when idle, gently when HQ is down."""

from __future__ import annotations

import random

from app.sync.scheduler import BACKOFF_CAP_S, DEBOUNCE_S, INTERVAL_S, SyncScheduler


def test_first_run_is_due_at_start_then_every_interval():
    """A workstation syncs on start and then on the timer."""
    s = SyncScheduler()
    assert s.due(0.0)
    s.started()
    assert not s.due(0.0), "never two runs at once"
    s.finished(1.0, ok=True)
    assert not s.due(1.0 + INTERVAL_S - 0.1)
    assert s.due(1.0 + INTERVAL_S)


def test_a_burst_of_writes_syncs_once_shortly_after_the_first():
    """Ten quick binds produce one sync about two seconds later, not ten."""
    s = SyncScheduler()
    s.started()
    s.finished(0.0, ok=True)
    for i in range(10):
        s.local_write(10.0 + i * 0.1)
    assert not s.due(10.0 + DEBOUNCE_S - 0.01)
    assert s.due(10.0 + DEBOUNCE_S)


def test_failures_back_off_with_jitter_up_to_five_minutes():
    """While HQ is down, retries spread out and never exceed the cap."""
    s = SyncScheduler(rng=random.Random(7))
    now, delays = 0.0, []
    for _ in range(12):
        s.started()
        s.finished(now, ok=False)
        delay = s.seconds_until_due(now)
        delays.append(delay)
        now += delay
    assert delays[1] > delays[0]
    assert max(delays) <= BACKOFF_CAP_S
    assert delays[-1] >= BACKOFF_CAP_S / 2


def test_sync_now_and_network_regained_skip_the_backoff():
    """A guide pressing "Sync now" after the network is back does not wait out the backoff."""
    s = SyncScheduler(rng=random.Random(1))
    for _ in range(8):
        s.started()
        s.finished(0.0, ok=False)
    assert not s.due(1.0)
    s.sync_now(1.0)
    assert s.due(1.0)
    s.started()
    s.finished(2.0, ok=False)
    s.network_regained(3.0)
    assert s.due(3.0)
