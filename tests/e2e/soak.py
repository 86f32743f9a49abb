"""The fault soak: many seeds of tests/e2e/test_faults.py, each appending one JSON line to a log, then
the totals (seeds, faults injected by kind, stale originals delivered, mutations checked, results).

    python -m tests.e2e.soak --seeds 100-1099 --log /tmp/soak.jsonl

Seeds run in chunks, one pytest process each, so a crash loses one chunk, not the soak; seeds already
in the log are not run again, so an interrupted soak resumes with the same command. `--totals` only
totals the log. Exit status 1 if any seed violated an invariant or never reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def parse_seeds(text: str) -> list[int]:
    """ "100-1099" or "1,5,9" or a mix: "0-9,42"."""
    seeds: list[int] = []
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        seeds.extend(range(int(low), int(high or low) + 1))
    if not seeds:
        raise SystemExit("no seeds given")
    return seeds


def read_log(log: Path) -> dict[int, dict[str, Any]]:
    """The last line of each seed (a rerun seed counts once, as it last ended)."""
    if not log.exists():
        return {}
    lines = (json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip())
    return {int(line["seed"]): line for line in lines}


def run_chunk(seeds: list[int], log: Path) -> int:
    env = dict(
        os.environ,
        GUIDEDESK_FAULT_SEEDS=",".join(map(str, seeds)),
        GUIDEDESK_SOAK_LOG=str(log),
        PYTHONPATH=str(ROOT),
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header"]
    command += ["tests/e2e/test_faults.py", "-k", "nothing_lost"]
    return subprocess.call(command, cwd=ROOT, env=env)


def totals(seeds: list[int], lines: dict[int, dict[str, Any]]) -> dict[str, Any]:
    ran = [lines[s] for s in seeds if s in lines]
    faults: Counter[str] = Counter()
    stale: Counter[str] = Counter()
    for line in ran:
        faults.update(line["faults"])
        stale.update(line["stale"])
    results = Counter(line["result"] for line in ran)
    return {
        "seeds": len(seeds),
        "reported": len(ran),
        "results": dict(results),
        "faults": dict(sorted(faults.items())),
        "faults_total": sum(faults.values()),
        "stale_delivered": dict(sorted(stale.items())),
        "requests": sum(line["requests"] for line in ran),
        "mutations_checked": sum(line["mutations"] for line in ran),
        "unreported": [s for s in seeds if s not in lines],
        "failed": {
            line["seed"]: f"{line['result']}: {line['error']}" for line in ran if line["result"] != "ok"
        },
        "first": min((line["at"] for line in ran), default=None),
        "last": max((line["at"] for line in ran), default=None),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="100-1099", help='e.g. "100-1099" or "3,17,40-45"')
    parser.add_argument("--log", type=Path, default=Path("soak.jsonl"), help="one JSON line per seed")
    parser.add_argument("--chunk", type=int, default=50, help="seeds per pytest process")
    parser.add_argument("--totals", action="store_true", help="only total what the log holds")
    args = parser.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    log = args.log.resolve()
    if not args.totals:
        todo = [s for s in seeds if s not in read_log(log)]
        for start in range(0, len(todo), args.chunk):
            run_chunk(todo[start : start + args.chunk], log)
    summary = totals(seeds, read_log(log))
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    broken = summary["results"].get("violation", 0) or summary["unreported"]
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
