"""`python -m benchmarks [--members 1000000] [--quick] [--rebuild] [--no-write]`: build or reuse the demo
workstation, run every benchmark against a fresh copy of it, print the table and write docs/."""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

# Benchmark data dirs are throw-away copies: their phone key lives in a file beside the database, so a
# copy can still decrypt, and the developer's OS keyring is never touched.
os.environ["GUIDEDESK_KEYRING"] = "file"  # read when a workstation opens, not at import

from app.clock import FixedClock
from app.workstation import Workstation
from benchmarks import report
from benchmarks.cases import Bench, Result, bench_commits, bench_scan, bench_stats
from benchmarks.dataset import ROOT, ensure_dataset, fresh_copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000, help="dataset size (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a look, not a result)")
    parser.add_argument("--iterations", type=int, default=None, help="timed iterations per case")
    parser.add_argument("--rebuild", action="store_true", help="regenerate the dataset even if cached")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    args = parser.parse_args(argv)
    iterations = args.iterations or (300 if args.quick else 2000)
    rounds = 5 if args.quick else 10

    load_before = report.load()
    print(f"dataset: {args.members:,} members …", file=sys.stderr, flush=True)
    dataset = ensure_dataset(args.members, rebuild=args.rebuild)
    print(
        f"dataset: {'reused' if dataset.reused else 'generated'} ({dataset.generation_seconds:.0f} s to "
        f"generate); copying for this run …",
        file=sys.stderr,
        flush=True,
    )
    run_dir = fresh_copy(dataset)
    ws = Workstation.open(run_dir, clock=FixedClock(dataset.now))
    bench = Bench(ws=ws, now=dataset.now, iterations=iterations, rounds=rounds, rng=random.Random(7))
    results: list[Result] = []
    try:
        # Read-only first: the write benchmarks add ledger rows the stats would then include.
        for name, step in (
            ("manager stats", lambda: bench_stats(bench)),
            ("scan → card", lambda: bench_scan(bench, dataset.path)),
            ("durable commits", lambda: bench_commits(bench)),
        ):
            print(f"running: {name} …", file=sys.stderr, flush=True)
            results += step()
    finally:
        bench.close()
        ws.close()

    info = {
        "date": report.now_text(),
        "machine": report.machine(),
        "load_before": load_before,
        "load_after": report.load(),
        "dataset": dataset.summary,
        "dataset_reused": dataset.reused,
        "iterations": iterations,
        "rounds": rounds,
        "quick": args.quick,
    }
    print(report.markdown(results, info))
    for r in results:
        if r.status == "error":
            print(f"--- {r.key} failed:\n{r.details.get('traceback', r.note)}", file=sys.stderr)
    if not args.no_write:
        report.write(results, info, ROOT / "docs")
        print(f"wrote {Path('docs/benchmarks.md')} and {Path('docs/benchmarks.json')}", file=sys.stderr)
    return 1 if any(r.status == "error" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
