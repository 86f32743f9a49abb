"""First-sync benchmark (issue 11: a 100,000-member store from a loopback HQ in ≤ 10 s, ingest ≥ 70,000
rows/s, resumable, client RSS ≤ 400 MB).

    .venv/bin/python -m benchmarks.first_sync [--members 100000] [--runs 3] [--seed 1] [--hq-dir DIR]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--pages] [--out docs/benchmarks-sync.md]

The first sync is HQ's streamed snapshot (hq/sync/snapshot.py, app/sync/bootstrap.py) followed by pull
pages from its cursor; `--pages` measures the page-by-page path instead (what a workstation does with
an HQ from before snapshots), the floor this work is compared with. A "unit" below is a snapshot chunk
(5,000 rows) or a pull page (1,000 changes).

1. An HQ database (SQLite in a temp dir by default; with `--pg`, a scratch `guidedesk_bench_<random>`
   database on that server, dropped at the end) is seeded by `hq.demo` with one store of N members, and
   served by `guidedesk-hq serve` (one worker) on 127.0.0.1. `--hq-dir` keeps a SQLite HQ between
   invocations (seeded only when empty): seeding 100,000 members took 1–3 minutes on the shared VM.
2. `--runs` times: a fresh workstation data dir enrolls with a new code and runs its first sync in a
   child process (`python -m benchmarks.first_sync child DIR`), which reports every committed unit on
   stdout. Measured: the sync's wall time inside the child, units, rows ingested per second, the time
   between two committed units, for pages the round trip of each pull (HQ's answer + transfer + the
   client's JSON decode), the child's peak RSS (its own VmHWM, reported with every unit, so it is known
   even for a killed child), the CPU of the child and of HQ's server process (/proc).
3. Resume: a fresh workstation's child is SIGKILLed right after a unit chosen at random (`--seed`)
   commits; a second child resumes. Checked: the resumed run loaded exactly the rows the fresh run had
   left after that unit (not from zero), and the replica ends equal to a fresh one.

Bounded: every child and the server are killed after `CHILD_TIMEOUT_S`; temp dirs, the scratch
database and the HQ process are cleaned up on every exit path. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.output import publish

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S, BUDGET_ROWS_S, BUDGET_RSS_MB = 10.0, 70_000.0, 400.0
CHILD_TIMEOUT_S = 600
MAX_MEMBERS = 1_000_000
DEFAULT_OUT = ROOT / "docs" / "benchmarks-sync.md"


# ---------------------------------------------------------------- the child: one sync, page by page


def child(data_dir: Path, kill_after: int, pages: bool) -> None:
    """Run one sync of an enrolled workstation; print a JSON line per committed unit and a last one with
    the report. `kill_after` > 0: SIGKILL this process right after that unit committed (a power cut).
    `pages`: the workstation finds no snapshot endpoint and pulls page by page."""
    from app.sync.client import SyncError
    from app.sync.device import open_client
    from app.sync.engine import SyncEngine, SyncProgress
    from app.workstation import Workstation

    ws = Workstation.open(data_dir)
    client = open_client(ws)
    pull_s: list[float] = []
    pull = client.pull

    def timed_pull(body: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return pull(body)
        finally:
            pull_s.append(time.perf_counter() - started)

    def no_snapshot(_body: dict[str, Any]) -> Any:
        raise SyncError("refused", "http_404", status=404)

    client.pull = timed_pull  # type: ignore[method-assign]
    if pages:
        client.snapshot = no_snapshot  # type: ignore[method-assign]
    started = time.perf_counter()
    last = [started, 0]

    def progress(p: SyncProgress) -> None:
        if p.phase != "pull" or p.pages == last[1]:
            return
        now = time.perf_counter()
        unit = {"unit": p.pages, "pulled": p.pulled, "unit_s": now - last[0],
                "pull_s": pull_s[-1] if pages and pull_s else None, "hwm_mb": _own_peak_rss_mb()}  # fmt: skip
        last[0], last[1] = now, p.pages
        print(json.dumps(unit), flush=True)
        if kill_after and p.pages >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    report = SyncEngine(ws, client, on_progress=progress).run()
    seconds = time.perf_counter() - started
    client.close()
    ws.close()
    error = None if report.error is None else str(report.error)
    done = {"done": True, "ok": report.ok, "error": error, "pages": report.pages, "pulled": report.pulled,
            "pulls": report.pulls, "seconds": seconds, "hwm_mb": _own_peak_rss_mb()}  # fmt: skip
    print(json.dumps(done), flush=True)


def _own_peak_rss_mb() -> float | None:
    """This process's own peak RSS (VmHWM, per address space, reset at exec). Not rusage: Linux carries the
    pre-exec high-water mark of the forked parent into the child's ru_maxrss, which made a child spawned
    by a parent that had just seeded 100,000 members report ~680 MB it never used."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None  # not Linux: the parent falls back to rusage


# ---------------------------------------------------------------- the parent


@dataclass
class Run:
    seconds: float = 0.0  # the sync inside the child (engine.run)
    process_s: float = 0.0  # spawn to exit: + interpreter start and imports
    pages: int = 0
    pulled: int = 0
    peak_rss_mb: float = 0.0
    cpu_s: float = 0.0  # the child's user + system CPU: what the load of other work inflates least
    hq_cpu_s: float = 0.0
    killed: bool = False
    page_rows: list[dict[str, Any]] = field(default_factory=list)
    done: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass
class Hq:
    url: str
    process: subprocess.Popen[bytes]
    issue_code: Callable[[], str]


def _spawn_child(data_dir: Path, hq: Hq, *, pages: bool, kill_after: int = 0) -> Run:
    from benchmarks.hq_load import _tree_cpu_seconds

    env = dict(os.environ, PYTHONPATH=str(ROOT), GUIDEDESK_KEYRING="file")
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.first_sync",
        "child",
        str(data_dir),
        "--kill-after",
        str(kill_after),
        *(["--pages"] if pages else []),
    ]
    hq_cpu = _tree_cpu_seconds(hq.process.pid)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    timer = threading.Timer(CHILD_TIMEOUT_S, proc.kill)  # bounded, whatever happens to the sync
    timer.start()
    run = Run()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            row = json.loads(line)
            if row.get("done"):
                run.done = row
            else:
                run.page_rows.append(row)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        timer.cancel()
    run.process_s = time.perf_counter() - started
    run.hq_cpu_s = _tree_cpu_seconds(hq.process.pid) - hq_cpu
    own = [r["hwm_mb"] for r in [*run.page_rows, run.done or {}] if r.get("hwm_mb") is not None]
    run.peak_rss_mb = max(own) if own else usage.ru_maxrss / 1024  # rusage: KiB on Linux
    run.cpu_s = usage.ru_utime + usage.ru_stime
    run.killed = proc.returncode == -signal.SIGKILL
    if run.done:
        if not run.done["ok"]:
            raise RuntimeError(f"sync failed: {run.done['error']}")
        run.seconds, run.pages, run.pulled = run.done["seconds"], run.done["pages"], run.done["pulled"]
    elif run.killed and kill_after:
        run.pages = len(run.page_rows)
        run.pulled = run.page_rows[-1]["pulled"] if run.page_rows else 0
    else:
        raise RuntimeError(f"sync child exited with {proc.returncode} before reporting")
    return run


def _enrolled_workstation(path: Path, hq: Hq) -> Path:
    from app.sync.device import enroll_device
    from app.workstation import Workstation

    ws = Workstation.open(path)
    try:
        enroll_device(ws, hq_url=hq.url, code=hq.issue_code())
    finally:
        ws.close()
    return path


def _replica_counts(path: Path) -> dict[str, int]:
    from sqlalchemy import func, select

    from app.db import models
    from app.workstation import Workstation

    ws = Workstation.open(path)
    try:
        with ws.db.read() as s:
            return {
                m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0)
                for m in (models.Member, models.MemberCode, models.MemberTag, models.Binding, models.TaskItem)
            }
    finally:
        ws.close()


@contextmanager
def _hq(members: int, seed: int, pg: str | None, hq_dir: Path | None, work: Path) -> Iterator[Hq]:
    """A seeded HQ served on a free loopback port; stopped (and a scratch database dropped) on exit."""
    from sqlalchemy import select

    from benchmarks.hq_load import _free_port, _scratch_db, _stop, _wait_up
    from hq.config import Settings, sqlite_url
    from hq.db.database import make_engine
    from hq.db.migrate import migrate
    from hq.db.models import Store
    from hq.demo import seed_demo
    from hq.runtime import HqRuntime
    from hq.services.devices import issue_enrollment_code

    with ExitStack() as stack:
        data_dir = hq_dir or work / "hq"
        data_dir.mkdir(parents=True, exist_ok=True)
        if pg:
            url, drop = _scratch_db(pg)
            stack.callback(drop)
        else:
            url = sqlite_url(data_dir / "hq.sqlite3")
        engine = make_engine(url, pool_size=1)
        migrate(engine)
        engine.dispose()
        settings = Settings(db_url=url, data_dir=data_dir)  # secret: generated in the database, shared
        runtime = HqRuntime.open(settings)
        stack.callback(runtime.close)
        with runtime.db.read() as s:
            store_id = s.scalar(select(Store.id).limit(1))
        if store_id is None:
            print(f"seeding HQ with {members:,} members …", file=sys.stderr, flush=True)
            demo = seed_demo(runtime, stores=1, members_per_store=members, seed=seed,
                             progress=lambda line: print(line, file=sys.stderr, flush=True))  # fmt: skip
            store_id = demo.stores[0].id
            print(f"seeded in {demo.seconds:.1f} s", file=sys.stderr, flush=True)

        def issue_code() -> str:
            with runtime.db.write() as s:
                return issue_enrollment_code(
                    s, store=store_id, now=runtime.now(), ttl=timedelta(hours=1)
                ).code

        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUIDEDESK_HQ_")}
        env["GUIDEDESK_HQ_DATA_DIR"] = str(data_dir)
        hq_bin = Path(sys.executable).with_name("guidedesk-hq")
        log = stack.enter_context(open(work / "hq.log", "wb"))
        process = subprocess.Popen(
            [str(hq_bin), "--db-url", url, "serve", "--port", str(port), "--workers", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        stack.callback(_stop, process)
        _wait_up(f"http://127.0.0.1:{port}/v1/health", process)
        yield Hq(f"http://127.0.0.1:{port}", process, issue_code)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _ms(values: list[float]) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered) * 1000:.1f} / {p95 * 1000:.1f}"


def _load_note() -> str:
    load = os.getloadavg()
    return f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min)"


def benchmark(args: argparse.Namespace) -> str:
    if not 1 <= args.members <= MAX_MEMBERS:
        raise SystemExit(f"--members must be 1..{MAX_MEMBERS}")
    work = Path(tempfile.mkdtemp(prefix="guidedesk_first_sync_"))
    try:
        with _hq(args.members, args.seed, args.pg, args.hq_dir, work) as hq:
            load_before = _load_note()
            runs: list[Run] = []
            for i in range(args.runs):
                run = _spawn_child(_enrolled_workstation(work / f"fresh-{i}", hq), hq, pages=args.pages)
                print(f"fresh run {i + 1}: {run.seconds:.1f} s, {run.pages} units, {run.pulled:,} rows, "
                      f"peak RSS {run.peak_rss_mb:.0f} MB", file=sys.stderr, flush=True)  # fmt: skip
                runs.append(run)
            fresh = runs[0]
            kill_at = random.Random(args.seed).randrange(1, max(2, fresh.pages))
            till = _enrolled_workstation(work / "killed", hq)
            killed = _spawn_child(till, hq, pages=args.pages, kill_after=kill_at)
            resumed = _spawn_child(till, hq, pages=args.pages)
            counts_fresh, counts_resumed = _replica_counts(work / "fresh-0"), _replica_counts(till)
            load_after = _load_note()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _report(
        args, runs, killed, resumed, kill_at, counts_fresh, counts_resumed, load_before, load_after
    )


def _report(
    args: argparse.Namespace,
    runs: list[Run],
    killed: Run,
    resumed: Run,
    kill_at: int,
    counts_fresh: dict[str, int],
    counts_resumed: dict[str, int],
    load_before: str,
    load_after: str,
) -> str:
    fresh = runs[0]
    seconds = _median([r.seconds for r in runs])
    rss = _median([r.peak_rss_mb for r in runs])
    rows_s = _median([r.pulled / r.seconds for r in runs if r.seconds])
    members = counts_fresh["members"]
    pull_s = [p["pull_s"] for r in runs for p in r.page_rows if p.get("pull_s") is not None]
    unit_s = [p["unit_s"] for r in runs for p in r.page_rows]
    hq_cpu_ms = _median([r.hq_cpu_s / r.pages * 1000 for r in runs if r.pages])
    exact = resumed.pulled == fresh.pulled - killed.pulled
    db = "PostgreSQL" if args.pg else "SQLite"
    unit = "page" if args.pages else "chunk"
    path = "page by page (`--pages`)" if args.pages else "snapshot"
    lines = [
        f"## First sync of a {members:,}-member store ({db} HQ, {path})",
        "",
        f"    .venv/bin/python -m benchmarks.first_sync --members {args.members} --runs {args.runs} "
        f"--seed {args.seed}" + (f" --pg {args.pg}" if args.pg else "") + (" --pages" if args.pages else ""),
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other work, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}; {load_before} before the "
        f"runs, {load_after} after.",
        "",
        "| what | median of runs | budget | ratio to budget |",
        "|---|---|---|---|",
        f"| first sync (engine.run in the child) | {seconds:.1f} s | {BUDGET_S:.0f} s "
        f"| {seconds / BUDGET_S:.2f} |",
        f"| rows ingested per second | {rows_s:,.0f} | {BUDGET_ROWS_S:,.0f} | {rows_s / BUDGET_ROWS_S:.2f} |",
        f"| peak RSS of the client process | {rss:.0f} MB | {BUDGET_RSS_MB:.0f} MB "
        f"| {rss / BUDGET_RSS_MB:.2f} |",
        f"| process wall (+ interpreter start, imports) | {_median([r.process_s for r in runs]):.1f} s | | |",
        f"| {unit}s / rows | {fresh.pages:,} / {fresh.pulled:,} | | |",
        f"| time between two committed {unit}s, median / p95 | {_ms(unit_s)} ms | | |",
        f"| pull round trip per page, median / p95 (HQ + transfer + JSON decode) | {_ms(pull_s)} ms | | |",
        f"| HQ CPU per {unit} (server process, /proc) | {hq_cpu_ms:.1f} ms | | |",
        f"| CPU seconds: client process + HQ process | {_median([r.cpu_s for r in runs]):.1f} s + "
        f"{_median([r.hq_cpu_s for r in runs]):.1f} s | | |",
        "",
        "Runs: " + "; ".join(f"{r.seconds:.1f} s, {r.peak_rss_mb:.0f} MB" for r in runs) + ".",
        "",
        f"Replica after the first sync: {counts_fresh}.",
        "",
        f"**Resume.** A fresh workstation's sync was SIGKILLed right after {unit} {kill_at} of {fresh.pages} "
        f"committed ({killed.pulled:,} rows applied, peak RSS {killed.peak_rss_mb:.0f} MB). The next run "
        f"loaded {resumed.pulled:,} rows in {resumed.pages:,} {unit}s in {resumed.seconds:.1f} s, against "
        f"{fresh.pulled - killed.pulled:,} that a fresh sync had left after that {unit}: "
        f"{'exactly the remainder, not from zero' if exact else 'NOT the remainder'}. Replica "
        f"after the resume: {counts_resumed} "
        f"({'equal to' if counts_resumed == counts_fresh else 'DIFFERENT from'} the fresh one).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.first_sync", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode")
    c = sub.add_parser("child", help="internal: one sync of an enrolled data dir")
    c.add_argument("data_dir", type=Path)
    c.add_argument("--kill-after", type=int, default=0)
    c.add_argument("--pages", action="store_true")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", help="PostgreSQL server URL; a scratch database is made on it")
    parser.add_argument("--hq-dir", type=Path, help="keep a SQLite HQ here between invocations")
    parser.add_argument("--pages", action="store_true", help="the page-by-page path, without the snapshot")
    parser.add_argument("--out", type=Path, help=f"append the report to this file (e.g. {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.mode == "child":
        child(args.data_dir, args.kill_after, args.pages)
        return 0
    if args.pg and args.hq_dir:
        parser.error("--hq-dir keeps a SQLite HQ; it does not go with --pg")
    publish(benchmark(args), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
