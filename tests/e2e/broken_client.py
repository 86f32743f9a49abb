"""A test-only first sync that is SIGKILLed right after snapshot chunk <n> of bindings, for the negative
control in tests/e2e/test_controls.py. The loader is swapped from here; production code has no flag for
this.

    python -m tests.e2e.broken_client <one_transaction|position_first> <n> <rows per chunk> <data dir>

- `one_transaction` — the real loader: each chunk is applied in one transaction with its position; the
  kill lands after binding chunk <n> committed whole;
- `position_first` — the bug: the loader's transaction saves only the position (the chunk's rows are set
  aside), and the rows are applied in a second transaction afterwards; the kill lands between the two
  for binding chunk <n>, so its position is on disk and its rows are not. Bindings are what nothing
  else references, so the replica's keys stay whole and only the checker can tell.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import app.sync.bootstrap as bootstrap
from app.sync.applier import apply_rows
from app.sync.device import open_client
from app.sync.engine import SyncEngine, SyncProgress
from app.workstation import Workstation


def main(argv: list[str]) -> None:
    order, kill_after, rows, data_dir = argv
    if order not in ("one_transaction", "position_first"):
        raise SystemExit(f"order must be one_transaction or position_first, not {order!r}")
    ws = Workstation.open(Path(data_dir))
    set_aside: list[tuple[Any, ...]] = []
    if order == "position_first":

        def later(_session: Any, t: str, fields: list[str], chunk: list[list[Any]], **_kw: Any) -> int:
            set_aside.append((t, fields, chunk))
            return len(chunk)

        bootstrap.apply_rows = later  # type: ignore[assignment]
    bindings = 0

    def progress(p: SyncProgress) -> None:
        nonlocal bindings
        if p.phase != "pull":
            return
        if p.changes.touches("binding"):
            bindings += 1
            if bindings == int(kill_after):
                os.kill(os.getpid(), signal.SIGKILL)  # the power cut, right after the chunk's transaction
        while set_aside:  # the bug's second transaction: the chunk, after its position
            with ws.db.bulk_transaction() as s:
                t, fields, chunk = set_aside.pop(0)
                apply_rows(s, t, fields, chunk, cipher=ws.cipher)

    SyncEngine(ws, open_client(ws), on_progress=progress, snapshot_rows=int(rows)).run()
    raise SystemExit("the run ended before the chunk it was to die after")


if __name__ == "__main__":
    main(sys.argv[1:])
