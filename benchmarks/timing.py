"""Timing: each operation timed alone with `perf_counter_ns`, subject and floor interleaved in rounds.

The machine is shared and noisy, so a subject and its floor are never measured minutes apart: the
iterations are split into rounds and every round runs a block of each case in turn (the order rotating),
so a burst of load from a neighbour hits both. Inputs are prepared before timing; only the call itself
is inside the clock. The GC stays enabled (the app runs with it on).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stats:
    n: int
    median_us: float
    p99_us: float
    mean_us: float
    min_us: float
    max_us: float

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> Stats:
        ordered = sorted(samples_ns)
        n = len(ordered)
        return cls(
            n=n,
            median_us=_quantile(ordered, 0.5) / 1000,
            p99_us=_quantile(ordered, 0.99) / 1000,
            mean_us=sum(ordered) / n / 1000,
            min_us=ordered[0] / 1000,
            max_us=ordered[-1] / 1000,
        )


def _quantile(ordered: Sequence[int], q: float) -> float:
    """Nearest-rank quantile: the smallest sample with at least q of the samples at or below it."""
    rank = max(1, math.ceil(round(q * len(ordered), 9)))  # round: 0.07 * 100 is 7.000000000000001
    return float(ordered[min(rank, len(ordered)) - 1])


@dataclass
class Case:
    """One thing to time: `op(arg)` for each prepared argument (warm-up arguments first)."""

    name: str
    op: Callable[[Any], Any]
    args: Sequence[Any]
    warmup: int
    samples_ns: list[int] | None = None


def run_interleaved(cases: Sequence[Case], *, rounds: int = 10) -> dict[str, Stats]:
    """Warm every case up, then time them in `rounds` interleaved blocks; return stats per case."""
    for case in cases:
        for arg in case.args[: case.warmup]:
            case.op(arg)
        case.samples_ns = []
    cursors = {case.name: case.warmup for case in cases}
    perf = time.perf_counter_ns
    for r in range(rounds):
        order = list(cases[r % len(cases) :]) + list(cases[: r % len(cases)])
        for case in order:
            total = len(case.args) - case.warmup
            end = case.warmup + total * (r + 1) // rounds
            samples = case.samples_ns
            assert samples is not None
            op = case.op
            for arg in case.args[cursors[case.name] : end]:
                t0 = perf()
                op(arg)
                samples.append(perf() - t0)
            cursors[case.name] = end
    return {case.name: Stats.of(case.samples_ns or [0]) for case in cases}


def sql_breakdown(engine: Any, op: Callable[[Any], Any], args: Sequence[Any]) -> dict[str, float]:
    """An untimed diagnostic pass (the listeners cost time): how many SQL statements one call issues
    and how much of the call is spent in `cursor.execute` — the rest is Python around the queries
    (statement building, ORM, result objects) and the commit."""
    from sqlalchemy import event

    perf = time.perf_counter_ns
    counted = {"statements": 0, "sql_ns": 0}

    def before(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        conn.info["bench_started"] = perf()

    def after(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        counted["sql_ns"] += perf() - conn.info.pop("bench_started", perf())
        counted["statements"] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    total = 0
    try:
        for arg in args:
            t0 = perf()
            op(arg)
            total += perf() - t0
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    n = max(len(args), 1)
    return {
        "calls": len(args),
        "statements_per_call": round(counted["statements"] / n, 1),
        "sql_execute_us_per_call": round(counted["sql_ns"] / n / 1000, 1),
        "call_us_with_listeners": round(total / n / 1000, 1),
    }
