"""One sync at a time per workstation, even with the app opened twice."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.sync.lock import SyncLock, SyncLockBusy


def test_a_second_sync_in_another_process_is_refused(tmp_path):
    """Two app instances on one PC must never push the same outbox concurrently."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from app.sync.lock import SyncLock\n"
            "with SyncLock(sys.argv[1]):\n print('held', flush=True); time.sleep(30)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SyncLockBusy), SyncLock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait(timeout=10)
    with SyncLock(tmp_path):  # the OS released it with the dead process
        pass
