"""A test-only sync run that is SIGKILLed right after pulled page <n>, for the negative control in
tests/e2e/test_controls.py. The engine is swapped from here; production code has no flag for this.

    python -m tests.e2e.broken_client <one_transaction|cursor_first> <page> <limit> <data dir>

- `one_transaction` — the real engine: each page is applied in one transaction with its cursor; the
  kill lands after page <n> committed whole;
- `cursor_first` — the bug: the engine's transaction saves only the cursor (the page's changes are set
  aside), and the changes are applied in a second transaction afterwards; the kill lands between the
  two for page <n>, so its cursor is on disk and its changes are not.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import app.sync.engine as engine
from app.sync.applier import apply_changes
from app.sync.device import open_client
from app.sync.engine import SyncEngine, SyncProgress
from app.workstation import Workstation


def main(argv: list[str]) -> None:
    order, kill_after, limit, data_dir = argv
    if order not in ("one_transaction", "cursor_first"):
        raise SystemExit(f"order must be one_transaction or cursor_first, not {order!r}")
    ws = Workstation.open(Path(data_dir))
    set_aside: list[Any] = []
    if order == "cursor_first":
        engine.apply_changes = lambda _session, changes, **_kw: set_aside.append(changes)  # type: ignore[assignment]

    def progress(p: SyncProgress) -> None:
        if p.phase != "pull":
            return
        if p.pages == int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)  # the power cut, right after the page's transaction
        while set_aside:  # the bug's second transaction: the page, after its cursor
            with ws.db.transaction() as s:
                apply_changes(s, set_aside.pop(0), cipher=ws.cipher)

    SyncEngine(ws, open_client(ws), on_progress=progress, pull_limit=int(limit)).run()
    raise SystemExit("the run ended before the page it was to die after")


if __name__ == "__main__":
    main(sys.argv[1:])
