"""The HQ console's dashboard at chain scale: 365 days over 1,000 stores × 1,000 members (DESIGN.md §7:
≤ 300 ms), timed through `hq.services.dashboard.dashboard` exactly as the console calls it.

    .venv/bin/python -m benchmarks.hq_dashboard [--stores 1000] [--members-per-store 1000] [--runs 7]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--keep DIR]

Builds a migrated HQ database (SQLite in a temp dir; with --pg a scratch PostgreSQL database, dropped at
the end) holding, over the 365 days before "now": per store 10 guides, 2 devices, `members-per-store`
members (created and enrolled by a guide on a random day, 10 % paid), 0.4 declines and 0.6 bindings per
member, and 0.3 task items per member (half done, some overdue). Then times, as medians of `--runs`:

- **dashboard** — the page's numbers as the console asks: per store, the first 100 guides of the
  ranking, devices online, trend per day;
- **dashboard without trend** — the same without the per-day series;
- **floor** — what the dashboard cannot do without: one grouped sum over the roll-up's whole months
  of the range (hq/db/rollup.py), per store and guide, as a single raw statement;
- **one count from a source table** — for comparison, what the dashboard did before the roll-ups, for
  one of its six figures: members enrolled in the range per store and guide, counted from `members`.

Then what the roll-ups cost the writers: a one-binding transaction timed with the triggers and without,
and the time to count every roll-up afresh (the upgrade's backfill).

The roll-ups are written by the database's triggers while the seed inserts, as they are in use.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from hq.config import sqlite_url
from hq.console.pages_core import PAGE_ROWS
from hq.db import rollup
from hq.db.database import HqDatabase, make_engine
from hq.db.migrate import migrate
from hq.db.models import Binding, Decline, Device, Guide, Member, Store, TaskItem
from hq.services import dashboard

NOW = datetime(2026, 11, 19, 2, 0, tzinfo=UTC)


def seed(db: HqDatabase, *, stores: int, per_store: int, seed_value: int = 7) -> dict[str, int]:
    """The chain's year, written as it happens: stores, guides and devices first, then each day's
    members, declines, bindings and task items in one transaction per day, in time order — so the
    roll-up triggers fire per row and their tables grow in day order, as on an HQ in use."""
    rng = random.Random(seed_value)
    year = 365 * 24 * 3600
    facts: dict[Any, list[dict[str, Any]]] = {Member: [], Decline: [], Binding: [], TaskItem: []}

    def soon_after(at: datetime, days: int) -> datetime:
        room = min(days * 86400, int((NOW - at).total_seconds()))
        return at + timedelta(seconds=rng.randrange(room + 1))

    with db.engine.begin() as conn:
        for s in range(stores):
            sid = str(uuid.UUID(int=rng.getrandbits(128)))
            conn.execute(
                insert(Store),
                [{"id": sid, "code": f"S{s:05d}", "name": f"门店{s:05d}", "active": True,
                  "created_at": NOW - timedelta(days=400)}],
            )  # fmt: skip
            guides = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(10)]
            conn.execute(
                insert(Guide),
                [{"id": g, "store_id": sid, "employee_no": f"E{s:05d}{i:02d}", "name": f"导购{i}",
                  "role": "guide", "pin_hash": "x", "active": True, "created_at": NOW - timedelta(days=400)}
                 for i, g in enumerate(guides)],
            )  # fmt: skip
            conn.execute(
                insert(Device),
                [{"id": str(uuid.UUID(int=rng.getrandbits(128))), "store_id": sid,
                  "token_hash": uuid.uuid4().hex * 2, "status": "active", "last_mutation_id": 0,
                  "hostname": f"till-{i}", "app_version": "0.1.0", "reset_requested": False,
                  "enrolled_at": NOW - timedelta(days=300),
                  "last_seen_at": NOW - timedelta(minutes=rng.choice((1, 5, 30, 600)))}
                 for i in range(2)],
            )  # fmt: skip
            for m in range(per_store):
                mid = str(uuid.UUID(int=rng.getrandbits(128)))
                at = NOW - timedelta(seconds=rng.randrange(year))
                guide = rng.choice(guides)
                facts[Member].append(
                    {"id": mid, "store_id": sid, "card_no": f"C{s:05d}{m:05d}", "name": f"会员{m}",
                     "phone": None, "level": "普卡", "stage": "registered", "is_paid": rng.random() < 0.1,
                     "online": False, "enrolled_at": at, "enrolled_by_guide_id": guide, "created_at": at}
                )  # fmt: skip
                if rng.random() < 0.4:
                    facts[Decline].append(
                        {"id": str(uuid.uuid4()), "store_id": sid, "guide_id": guide, "reason": None,
                         "at": NOW - timedelta(seconds=rng.randrange(year)), "received_at": NOW}
                    )  # fmt: skip
                if rng.random() < 0.6:
                    facts[Binding].append(
                        {"id": str(uuid.uuid4()), "member_id": mid, "guide_id": guide, "store_id": sid,
                         "active": True, "bound_at": soon_after(at, 30)}
                    )  # fmt: skip
                if rng.random() < 0.3:
                    created = soon_after(at, 30)
                    done = rng.random() < 0.5 and created + timedelta(days=1) < NOW
                    facts[TaskItem].append(
                        {"id": str(uuid.uuid4()), "list_id": None, "store_id": sid, "member_id": mid,
                         "kind": "call", "assigned_guide_id": guide, "due_at": created + timedelta(days=7),
                         "state": "done" if done else "open", "outcome": "reached" if done else None,
                         "completed_at": created + timedelta(days=1) if done else None,
                         "completed_by_guide_id": guide if done else None, "flagged": False,
                         "created_at": created}
                    )  # fmt: skip
    when = {Member: "created_at", Decline: "at", Binding: "bound_at", TaskItem: "created_at"}
    by_day: dict[int, dict[Any, list[dict[str, Any]]]] = {}
    for model, rows in facts.items():
        for row in rows:
            by_day.setdefault((NOW - row[when[model]]).days, {}).setdefault(model, []).append(row)
    for ago in sorted(by_day, reverse=True):
        with db.engine.begin() as conn:
            for model in facts:  # members before the bindings and items that refer to them
                rows = sorted(by_day[ago].get(model, ()), key=lambda r, col=when[model]: r[col])
                if rows:
                    conn.execute(insert(model), rows)
    if db.is_sqlite:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return {
        "stores": stores,
        "guides": stores * 10,
        "devices": stores * 2,
        **{model.__tablename__: len(rows) for model, rows in facts.items()},
    }


def _median_ms(fn: Any, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (on SQLite the query runs in-process, so the
    CPU figure is the work itself even when other jobs share the cores)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def write_cost(db: HqDatabase, *, writes: int = 400) -> dict[str, float]:
    """What the roll-ups cost the writers: the median of one-binding transactions (a push's counted
    write) with the triggers and without them, and the time to count the roll-ups afresh from every
    row — the upgrade's backfill (migration 0007), which also puts the triggers back."""
    with db.read() as s:
        members = s.execute(
            select(Member.id, Member.store_id, Member.enrolled_by_guide_id).limit(writes)
        ).all()

    def median_write_ms() -> float:
        times = []
        for member_id, store_id, guide_id in members:
            row = {"id": str(uuid.uuid4()), "member_id": member_id, "guide_id": guide_id,
                   "store_id": store_id, "active": False, "bound_at": NOW}  # fmt: skip
            start = time.perf_counter()
            with db.engine.begin() as conn:
                conn.execute(insert(Binding), [row])
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    with_triggers = median_write_ms()
    with db.engine.begin() as conn:
        for statement in rollup.drop_ddl(conn.dialect.name):
            conn.exec_driver_sql(statement)
    without = median_write_ms()
    start = time.perf_counter()
    with db.engine.begin() as conn:
        rollup.install(conn)
        rollup.rebuild(conn)
    return {"with": with_triggers, "without": without, "rebuild_s": time.perf_counter() - start}


def measure(db: HqDatabase, *, runs: int) -> dict[str, tuple[float, float]]:
    end = dashboard.store_today(NOW)
    start = end - timedelta(days=364)

    def full() -> None:
        with db.read() as s:
            board = dashboard.dashboard(s, start=start, end=end, now=NOW, top_guides=PAGE_ROWS)
            assert board.totals.enrolled > 0

    def no_days() -> None:
        with db.read() as s:
            dashboard.dashboard(s, start=start, end=end, now=NOW, with_days=False, top_guides=PAGE_ROWS)

    lo, hi = dashboard.day_bounds(start, end)
    floor_sql = text(
        "SELECT store_id, guide_id, sum(enrolled) FROM stats_months "
        "WHERE month >= :first AND month < :last GROUP BY store_id, guide_id"
    )
    floor_params = {"first": start.replace(day=1), "last": end.replace(day=1)}
    source_sql = text(
        "SELECT store_id, enrolled_by_guide_id, count(*) FROM members "
        "WHERE enrolled_at >= :lo AND enrolled_at < :hi GROUP BY store_id, enrolled_by_guide_id"
    )
    params = {"lo": lo.astimezone(UTC).replace(tzinfo=None), "hi": hi.astimezone(UTC).replace(tzinfo=None)}

    def floor() -> None:
        with db.read() as s:
            s.execute(floor_sql, floor_params).all()

    def source() -> None:
        with db.read() as s:
            s.execute(source_sql, params).all()

    full()  # warm the caches once, as a console that is in use would be
    return {
        "dashboard": _median_ms(full, runs),
        "dashboard without trend": _median_ms(no_days, runs),
        "floor (one grouped sum of the months)": _median_ms(floor, runs),
        "one count from a source table": _median_ms(source, runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--members-per-store", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server URL (a scratch database is made)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the SQLite database in this dir")
    args = parser.parse_args(argv)
    args.stores = max(1, min(args.stores, 5000))
    args.members_per_store = max(1, min(args.members_per_store, 5000))
    scratch = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.pg:
            from sqlalchemy.engine import make_url

            server = make_url(args.pg)
            scratch = f"guidedesk_bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(server.render_as_string(hide_password=False), pool_size=1)
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{scratch}"')
            url = server.set(database=scratch).render_as_string(hide_password=False)
        else:
            folder = args.keep or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            url = sqlite_url(folder / "hq-dashboard.sqlite3")
        try:
            db = HqDatabase(url, pool_size=2)
            migrate(db.engine)
            started = time.perf_counter()
            counts = seed(db, stores=args.stores, per_store=args.members_per_store)
            seeded = time.perf_counter() - started
            print(
                f"database: {db.engine.dialect.name}; seeded in {seeded:.0f} s: "
                + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            )
            results = measure(db, runs=args.runs)
            floor, cpu_floor = results["floor (one grouped sum of the months)"]
            print(
                f"365 days over {args.stores:,} stores "
                f"(medians of {args.runs}; load {os.getloadavg()[0]:.1f}):"
            )
            for name, (median, cpu) in results.items():
                print(
                    f"  {name:34s} wall {median:8.1f} ms ({median / floor:4.1f}x floor)   "
                    f"cpu {cpu:8.1f} ms ({cpu / cpu_floor:4.1f}x floor)"
                )
            cost = write_cost(db)
            print(
                f"a one-binding transaction: {cost['with']:.2f} ms with the roll-up triggers, "
                f"{cost['without']:.2f} ms without (medians of 400); "
                f"roll-ups counted afresh from every row in {cost['rebuild_s']:.1f} s"
            )
            db.dispose()
        finally:
            if scratch:
                with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
                admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
