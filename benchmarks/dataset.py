"""The benchmark's demo workstation: built once per (member count, generator version, seed) under
`.bench-data/` at the repo root, then copied afresh for every run.

The copy matters: the write benchmarks bind, enroll and complete tasks, and the scan benchmark spends
nonces, so a second run on the same files would measure a different database (and find fewer unbound
members). Copying ~2 GB takes seconds; generating a million members takes about two minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory

from app.db import member_index
from app.db.database import DB_FILENAME, MIGRATIONS
from app.workstation import Workstation
from demo.workstation import DEMO_KEY_FILENAME, GENERATOR_VERSION, generate

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATA = ROOT / ".bench-data"
STAMP = "dataset.json"
SEED = 1


@dataclass(frozen=True)
class Dataset:
    path: Path  # the pristine generated data dir
    members: int
    now: datetime  # the generator's "now": benchmarks run at this instant
    generation_seconds: float
    reused: bool
    summary: dict[str, Any]


def _key(members: int) -> str:
    # The schema revision too: a dataset made before a migration would be upgraded on every run's copy
    # (and data that migration backfills would not have been made the way the app makes it).
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    return f"m{members}-g{GENERATOR_VERSION}-s{SEED}-r{head}"


def ensure_dataset(members: int, *, rebuild: bool = False) -> Dataset:
    """The pristine dataset for `members`, generated now unless a complete one is already there."""
    path = BENCH_DATA / _key(members)
    stamp = path / STAMP
    if stamp.exists() and not rebuild:
        info = json.loads(stamp.read_text())
        return Dataset(path, members, datetime.fromisoformat(info["now"]), info["seconds"], True, info)
    building = BENCH_DATA / (_key(members) + ".building")
    shutil.rmtree(building, ignore_errors=True)
    shutil.rmtree(path, ignore_errors=True)
    building.mkdir(parents=True)
    # Whole minutes: the dataset's "now" is written down and reused by every later run.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ws = Workstation.open(building)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"\r  generating: {done * 100 // max(total, 1):3d} %", end="", file=sys.stderr, flush=True)

    try:
        summary = generate(
            ws.db,
            ws.cipher,
            members=members,
            seed=SEED,
            now=now,
            # "Manager stats for 365 days over 1,000,000 bindings": as many "bind" ledger rows in the
            # year as there are members (bindings that ended since are kept as history).
            activity_bindings=members,
            task_items=5000,
            on_progress=progress,
        )
        # The generator bulk-loads the replica without the pull applier, which keeps the members list's
        # derived columns (tags, bound guide, last four phone digits): fill them once, as it would have.
        conn = ws.db.raw()
        try:
            conn.execute("BEGIN")
            member_index.refresh_all(conn)
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    finally:
        ws.close()
    seconds = time.perf_counter() - started
    print(file=sys.stderr)
    info = {
        "now": now.isoformat(),
        "seconds": round(seconds, 1),
        "phone_crypto_seconds": summary.phone_crypto_seconds,
        "generator_version": GENERATOR_VERSION,
        "seed": SEED,
        "members": summary.members,
        "bindings_active": summary.bindings,
        "bindings_ended": summary.ended_bindings,
        "member_tags": summary.member_tags,
        "task_items": summary.task_items,
        "activity": summary.activity,
        "bind_activity": summary.bind_activity,
        "store_id": summary.store_id,
        "key_id": summary.key_id,
        "db_bytes": (building / DB_FILENAME).stat().st_size,
    }
    (building / STAMP).write_text(json.dumps(info, indent=2))
    os.replace(building, path)
    return Dataset(path, members, now, info["seconds"], False, info)


def fresh_copy(dataset: Dataset) -> Path:
    """A throw-away copy of the dataset's data dir for one run (database, phone key, demo HQ key)."""
    run = BENCH_DATA / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    # Every file of the data dir: the database, the phone key (a file: see __main__), the demo HQ key.
    for item in dataset.path.iterdir():
        if item.is_file() and item.name != STAMP:
            shutil.copy2(item, run / item.name)
    if not (run / DB_FILENAME).exists() or not (run / DEMO_KEY_FILENAME).exists():
        raise FileNotFoundError(f"incomplete benchmark dataset in {dataset.path}; rerun with --rebuild")
    return run
