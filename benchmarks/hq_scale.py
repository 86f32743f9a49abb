"""HQ at chain scale (issue 11.3): does an idle pull, a bind push and a 1,000-change page cost the same
when HQ holds 10,000 stores × 1,000 members as when it holds 3 stores?

    .venv/bin/python -m benchmarks.hq_scale [--stores 10000] [--members-per-store 1000] \
        [--shape one-tag|demo] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] \
        [--out docs/benchmarks-hq.md]

1. A scratch PostgreSQL database (dropped at the end) is seeded by `hq.demo` with 3 stores of
   `--members-per-store` members, served by `guidedesk-hq serve` (1 worker) on 127.0.0.1, and three tills
   are enrolled through `/v1/enroll`.
2. Measured, one request at a time over one keep-alive connection: idle pulls, the first 1,000-change
   page of a store (`cursor: null`, the same page each time), and bind pushes of unbound members. For each:
   the median and p99 latency, and HQ's CPU per request (the server process, /proc).
3. The database grows to `--stores` stores: the other stores are written straight into the tables in SQL
   (`generate_series`, ~30 seconds per million members here) with the shape a store takes: members with a
   card code and one tag each (`--shape demo`: 1-8 tags, 4.5 on average, and 60 % bound to one of the
   store's guides, as `hq.demo` makes them), five guides and five tills per store, the change-index rows and
   counters of every store scope, and removes: a tag taken off one member in ten, over 180 days. Triggers
   are off for this load, so the filler stores have no dashboard roll-ups (nothing measured reads them).
   ANALYZE, then step 2 again on the same tills, the same server.
4. The retention prune (`prune_removes`) on that database, timed, beside what finding the same old
   removes cost without their partial index (the index dropped inside a rolled-back transaction).
5. Step 2 once more on a second, fresh 3-store HQ made right after, so the VM's drift in speed between
   the first and the big round shows as the difference between the two small rounds.
6. Sizes: the database, the change index and its rows, at both points.

The filler's ids are uuid-shaped and ordered (so the load appends to every index); the measured stores'
ids are random uuid4s, as HQ makes them, and sit among them. Bounded: every phase has a request count
and the server is stopped and the database dropped on every exit path. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, text

from benchmarks.hq_load import (
    DEFAULT_PG,
    _free_port,
    _scratch_db,
    _start_hq,
    _stop,
    _tree_cpu_seconds,
    _wait_up,
)
from benchmarks.output import publish

MAX_STORES = 20_000
IDLE_PULLS, PAGES, PUSHES = 2_000, 60, 300


@dataclass
class Till:
    device_id: str
    token: str
    guide_id: str
    unbound: list[str]
    cursor: str | None = None
    next_id: int = 1


@dataclass
class Measured:
    name: str
    latencies: list[float] = field(default_factory=list)
    cpu_s: float = 0.0

    def cells(self) -> str:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        cpu = self.cpu_s / len(ordered) * 1e6
        return f"{statistics.median(ordered) * 1000:.2f} / {p99 * 1000:.2f} ms, {cpu:,.0f} µs"


class Connection:
    def __init__(self, port: int, till: Till) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {till.token}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.conn.request("POST", path, body=orjson.dumps(body), headers=self.headers)
        answer = self.conn.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{path}: HTTP {answer.status} {data[:200]!r}")
        out: dict[str, Any] = orjson.loads(data)
        return out


def _measure(name: str, server_pid: int, count: int, request: Callable[[], None]) -> Measured:
    measured = Measured(name)
    cpu0 = _tree_cpu_seconds(server_pid)
    for _ in range(count):
        t0 = time.perf_counter()
        request()
        measured.latencies.append(time.perf_counter() - t0)
    measured.cpu_s = _tree_cpu_seconds(server_pid) - cpu0
    return measured


def _round(port: int, pid: int, tills: list[Till]) -> list[Measured]:
    """Idle pulls (till 0), a store's first page (till 1), bind pushes (the three tills in turn, each of
    its own store's unbound members). Till 0 first catches up with what the last round pushed."""
    connections = [Connection(port, t) for t in tills]
    idle, paging = connections[0], connections[1]
    while True:
        page = idle.post("/v1/sync/pull", {"device_id": tills[0].device_id, "cursor": tills[0].cursor})
        tills[0].cursor = page["cursor"]
        if not page["has_more"]:
            break

    def idle_pull() -> None:
        page = idle.post("/v1/sync/pull", {"device_id": tills[0].device_id, "cursor": tills[0].cursor})
        assert not page["changes"], "an idle pull brought changes"

    def first_page() -> None:
        page = paging.post("/v1/sync/pull", {"device_id": tills[1].device_id, "cursor": None, "limit": 1000})
        assert page["has_more"] and len(page["changes"]) > 900, len(page["changes"])  # whole versions

    turn = iter(range(PUSHES))

    def push() -> None:
        n = next(turn) % len(tills)
        till = tills[n]
        args = {"binding_id": str(uuid.uuid4()), "member_id": till.unbound.pop()}
        name = "binding.create.v1"
        mutation = {
            "id": till.next_id,
            "name": name,
            "sha256": _payload_sha256(name, args),
            "args": args,
            "client_time": datetime.now(UTC).isoformat(),
            "guide_id": till.guide_id,
        }
        answer = connections[n].post("/v1/sync/push", {"device_id": till.device_id, "mutations": [mutation]})
        assert answer["results"][0]["status"] == "applied", answer
        till.next_id += 1

    for warm in (idle_pull, first_page):
        for _ in range(20):
            warm()
    return [
        _measure("idle pull", pid, IDLE_PULLS, idle_pull),
        _measure("first page (limit 1,000)", pid, PAGES, first_page),
        _measure("bind push", pid, PUSHES, push),
    ]


def _payload_sha256(name: str, args: dict[str, Any]) -> str:
    from contract.wire import payload_sha256

    return payload_sha256(name, args)


def _sizes(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "stores": conn.execute(text("SELECT count(*) FROM stores")).scalar_one(),
                "members": conn.execute(text("SELECT count(*) FROM members")).scalar_one(),
                "change_rows": conn.execute(text("SELECT count(*) FROM change_index")).scalar_one(),
                "db": conn.execute(
                    text("SELECT pg_size_pretty(pg_database_size(current_database()))")
                ).scalar_one(),
                "change_index": conn.execute(
                    text("SELECT pg_size_pretty(pg_total_relation_size('change_index'))")
                ).scalar_one(),
            }
    finally:
        engine.dispose()


@dataclass
class Pruned:
    """The daily retention prune (`guidedesk-hq prune`'s first step) on one database."""

    dropped: int
    seconds: float
    rows_before: int
    rows_after: int
    scan_ms: float  # the same rows found without the removes' own index, as before migration 0008

    def cells(self) -> str:
        return (
            f"{self.dropped:,} of {self.rows_before:,} rows in {self.seconds:.2f} s "
            f"(finding them by a scan, as before: {self.scan_ms:,.0f} ms)"
        )


_OLD_REMOVES = (
    "SELECT scope, max(version) FROM change_index WHERE op = 'remove' AND changed_at < :before GROUP BY scope"
)


def _prune(url: str) -> Pruned:
    """Times `prune_removes` over removes past the 90-day retention. First, inside a transaction that is
    rolled back, the removes' index is dropped and the statement that found old removes before it existed
    is run with EXPLAIN ANALYZE: the same rows, read the old way."""
    from hq.config import Settings
    from hq.db.database import HqDatabase
    from hq.sync.changes import prune_removes

    before = datetime.now(UTC) - timedelta(days=Settings.retention_days)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows_before = conn.execute(text("SELECT count(*) FROM change_index")).scalar_one()
            conn.execute(text("DROP INDEX ix_change_index_removes"))  # in the count's transaction
            plan = conn.execute(text("EXPLAIN (ANALYZE) " + _OLD_REMOVES), {"before": before}).scalars().all()
            conn.rollback()
            scan_ms = next(float(line.split()[2]) for line in plan if line.startswith("Execution Time"))
        db = HqDatabase(url, pool_size=1)
        try:
            t0 = time.perf_counter()
            dropped = prune_removes(db, before=before)
            seconds = time.perf_counter() - t0
        finally:
            db.dispose()
        with engine.connect() as conn:
            rows_after = conn.execute(text("SELECT count(*) FROM change_index")).scalar_one()
    finally:
        engine.dispose()
    return Pruned(dropped, seconds, rows_before, rows_after, scan_ms)


# The other stores, in the shape a store takes. :first is the first filler store's number, :n stores of
# :m members; ids are uuid-shaped and ordered: 'f0000000-0000-4000-8000-' + 12 hex digits of a number
# that is unique per kind (stores, members, guides, devices each have their own high digit).
_ID = "'f0000000-0000-4000-8' || {kind} || '00-' || lpad(to_hex({n}), 12, '0')"
_STORE = _ID.format(kind="1", n="s")
_MEMBER = _ID.format(kind="2", n="(s::bigint * :m + i)")
_CODE = "'F' || lpad((s::bigint * :m + i)::text, 11, '0')"
# :tags_max tags at most a member (member i has 1 + i % :tags_max of them, distinct while the chain has at
# least that many tags), spread over the chain's tags; member i is bound when i % 5 < :bound_fifths.
_TAG = "_tags.ids[1 + (i + k) % array_length(_tags.ids, 1)]"
_TAGS_OF = "generate_series(1, :m) i, generate_series(1, :tags_max) k WHERE k <= 1 + i % :tags_max"
_BINDING = _ID.format(kind="5", n="(s::bigint * :m + i)")
_BOUND = "generate_series(1, :m) i WHERE i % 5 < :bound_fifths"
_TAGS = "CREATE TEMP TABLE _tags ON COMMIT DROP AS SELECT array_agg(id ORDER BY id) AS ids FROM tags"
_FILL = [
    f"""INSERT INTO stores (id, code, name, active, created_at)
        SELECT {_STORE}, 'F' || lpad(s::text, 6, '0'), '门店' || s, true, now()
        FROM generate_series(:first, :first + :n - 1) s""",
    f"""INSERT INTO guides (id, store_id, employee_no, name, role, pin_hash, active, created_at)
        SELECT {_ID.format(kind="3", n="(s::bigint * 5 + g)")}, {_STORE}, 'F' || s || '-' || g, '导购' || g,
               'guide', 'scrypt$filler', true, now()
        FROM generate_series(:first, :first + :n - 1) s, generate_series(1, 5) g""",
    f"""INSERT INTO devices (id, store_id, token_hash, status, last_mutation_id, hostname, app_version,
                             reset_requested, enrolled_at, last_seen_at)
        SELECT {_ID.format(kind="4", n="(s::bigint * 5 + d)")}, {_STORE},
               md5('t' || s || ':' || d) || md5('u' || s || ':' || d), 'active', 0, 'till-' || d, 'filler',
               false, now(), now()
        FROM generate_series(:first, :first + :n - 1) s, generate_series(1, 5) d""",
    f"""INSERT INTO members (id, store_id, card_no, name, phone, level, stage, is_paid, online, enrolled_at,
                             created_at, consent_withdrawn)
        SELECT {_MEMBER}, {_STORE}, 'F' || lpad((s::bigint * :m + i)::text, 11, '0'), '会员' || i,
               '0' || lpad((s::bigint * :m + i)::text, 10, '0'), '普卡', 'registered', i % 10 = 0, false,
               now() - make_interval(days => (i % 365)), now(), false
        FROM generate_series(:first, :first + :n - 1) s, generate_series(1, :m) i""",
    f"""INSERT INTO member_codes (code, member_id, kind)
        SELECT {_CODE}, {_MEMBER}, 'card'
        FROM generate_series(:first, :first + :n - 1) s, generate_series(1, :m) i""",
    f"""INSERT INTO member_tags (member_id, tag_id, added_at)
        SELECT {_MEMBER}, {_TAG}, now()
        FROM _tags, generate_series(:first, :first + :n - 1) s, {_TAGS_OF}""",
    f"""INSERT INTO bindings (id, member_id, guide_id, store_id, active, bound_at)
        SELECT {_BINDING}, {_MEMBER}, {_ID.format(kind="3", n="(s::bigint * 5 + 1 + i % 5)")}, {_STORE}, true,
               now() - make_interval(days => (i % 365))
        FROM generate_series(:first, :first + :n - 1) s, {_BOUND}""",
    f"""INSERT INTO change_index (scope, entity_type, entity_id, version, op, changed_at)
        SELECT 'store:' || {_STORE}, t.entity_type, t.entity_id, 1, 'put', now()
        FROM _tags, generate_series(:first, :first + :n - 1) s
        CROSS JOIN LATERAL (
            SELECT 'store', {_STORE}
            UNION ALL SELECT 'guide', {_ID.format(kind="3", n="(s::bigint * 5 + g)")}
                FROM generate_series(1, 5) g
            UNION ALL SELECT 'member', {_MEMBER} FROM generate_series(1, :m) i
            UNION ALL SELECT 'member_code', {_CODE} FROM generate_series(1, :m) i
            UNION ALL SELECT 'member_tag', {_MEMBER} || ':' || {_TAG} FROM {_TAGS_OF}
            UNION ALL SELECT 'binding', {_BINDING} FROM {_BOUND}
        ) AS t(entity_type, entity_id)""",
    # Tags taken off over the last 180 days, :m / 10 removes per store, the oldest
    # first in version order, so half are past the 90-day retention when the prune is measured.
    f"""INSERT INTO change_index (scope, entity_type, entity_id, version, op, changed_at)
        SELECT 'store:' || {_STORE}, 'member_tag', {_MEMBER} || '-gone', 1 + i, 'remove',
               now() - make_interval(days => 180 * (:m / 10 - i) / (:m / 10))
        FROM generate_series(:first, :first + :n - 1) s, generate_series(1, :m / 10) i""",
    f"""INSERT INTO counters (scope, version, pruned_through)
        SELECT 'store:' || {_STORE}, 1 + :m / 10, 0 FROM generate_series(:first, :first + :n - 1) s""",
]


# --shape: (tags a member at most, fifths of the members bound)
SHAPES = {"one-tag": (1, 0), "demo": (8, 3)}


def _fill(url: str, stores: int, members: int, shape: str, *, batch: int = 250) -> float:
    """Stores 1..`stores` of filler, in batches of `batch` stores, each batch one transaction."""
    tags_max, bound_fifths = SHAPES[shape]
    engine = create_engine(url)
    started = time.monotonic()
    try:
        for first in range(1, stores + 1, batch):
            n = min(batch, stores + 1 - first)
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL synchronous_commit = off"))  # a load, not a till's write
                # Triggers off for the load (the dashboard's roll-ups: ~1.4 ms a member row, 4 hours for
                # 10 M members). No request measured here reads the filler stores' roll-ups.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(_TAGS))
                for statement in _FILL:
                    params = {"first": first, "n": n, "m": members}
                    params |= {"tags_max": tags_max, "bound_fifths": bound_fifths}
                    conn.execute(text(statement), params)
            done = first + n - 1
            rate = done * members / (time.monotonic() - started)
            print(f"filler: {done:,}/{stores:,} stores ({rate:,.0f} members/s)", file=sys.stderr, flush=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return time.monotonic() - started


def seeded_hq(stack: ExitStack, server: str, *, stores: int, members: int) -> tuple[str, Any, Any]:
    """(database url, runtime, demo summary): a migrated scratch database on `server` with a demo chain,
    and an HQ runtime over it; both undone when `stack` closes."""
    from hq.config import Settings
    from hq.db.database import make_engine
    from hq.db.migrate import migrate
    from hq.demo import seed_demo
    from hq.runtime import HqRuntime

    url, drop = _scratch_db(server)
    stack.callback(drop)
    engine = make_engine(url, pool_size=1)
    migrate(engine)
    engine.dispose()
    data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    runtime = HqRuntime.open(Settings(db_url=url, data_dir=data_dir))
    stack.callback(runtime.close)
    return url, runtime, seed_demo(runtime, stores=stores, members_per_store=members, seed=1)


def enrollment(runtime: Any, store_id: str) -> tuple[str, str, list[str]]:
    """(enrollment code, an active guide, the unbound members) of a store, for a till to enroll and bind."""
    from sqlalchemy import select

    from hq.db.models import Binding, Guide, Member
    from hq.services.devices import issue_enrollment_code

    with runtime.db.write() as s:
        code = issue_enrollment_code(s, store=store_id, now=runtime.now(), ttl=timedelta(hours=1)).code
    with runtime.db.read() as s:
        bound = select(Binding.member_id).where(Binding.active)
        unbound = s.scalars(select(Member.id).where(Member.store_id == store_id, Member.id.not_in(bound)))
        guide = s.scalar(select(Guide.id).where(Guide.store_id == store_id, Guide.active).limit(1))
        return code, str(guide), list(unbound)


@contextmanager
def _hq(server: str, members: int) -> Iterator[tuple[str, int, int, list[Till]]]:
    """A seeded 3-store HQ served on a free port, with one enrolled till per store."""
    with ExitStack() as stack:
        url, runtime, demo = seeded_hq(stack, server, stores=3, members=members)
        port = _free_port()
        process = _start_hq(url, port, 1)
        stack.callback(_stop, process)
        _wait_up(f"http://127.0.0.1:{port}/v1/health", process)
        tills = [_enroll(runtime, port, store.id) for store in demo.stores]
        yield url, port, process.pid, tills


def _enroll(runtime: Any, port: int, store_id: str) -> Till:
    code, guide, unbound = enrollment(runtime, store_id)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/v1/enroll", body=orjson.dumps({"code": code, "hostname": "scale"}),
                 headers={"Content-Type": "application/json"})  # fmt: skip
    answer = orjson.loads(conn.getresponse().read())
    conn.close()
    return Till(answer["device_id"], answer["token"], guide, unbound)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--members-per-store", type=int, default=1_000)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="one-tag", help="the filler stores' shape")
    parser.add_argument("--pg", default=os.environ.get("GUIDEDESK_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--out", type=Path, help="append the report to this markdown file")
    args = parser.parse_args(argv)
    stores = max(4, min(args.stores, MAX_STORES))
    members = max(1_000, min(args.members_per_store, 10_000))  # ~400 unbound a store: two rounds of pushes
    load = os.getloadavg()
    with _hq(args.pg, members) as (url, port, pid, tills):
        small_sizes = _sizes(url)
        small = _round(port, pid, tills)
        small_prune = _prune(url)
        print("3 stores measured; filling …", file=sys.stderr, flush=True)
        fill_s = _fill(url, stores - 3, members, args.shape)
        big_sizes = _sizes(url)
        big = _round(port, pid, tills)
        print("measured; pruning …", file=sys.stderr, flush=True)
        big_prune = _prune(url)
    # This VM's speed drifts by a third within minutes: a second small HQ measured right after the big
    # one tells scale from drift.
    with _hq(args.pg, members) as (again_url, port, pid, tills):
        again = _round(port, pid, tills)
        again_prune = _prune(again_url)
    lines = [
        f"**{small_sizes['stores']:,} stores → {big_sizes['stores']:,} stores**, {members:,} members each, "
        f"filler shape `{args.shape}` "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, 1 worker, PostgreSQL, 2 cores; load average "
        f"{load[0]:.2f} before, {os.getloadavg()[0]:.2f} after; filler written in {fill_s / 60:.1f} min)",
        "",
        "| request | 3 stores: median / p99, HQ CPU | "
        + f"{big_sizes['stores']:,} stores: median / p99, HQ CPU | 3 stores again, a fresh HQ right after |",
        "|---|---|---|---|",
        *(
            f"| {a.name} ({len(a.latencies):,}) | {a.cells()} | {b.cells()} | {c.cells()} |"
            for a, b, c in zip(small, big, again, strict=True)
        ),
        "| prune: removes past 90 days | "
        + " | ".join(p.cells() for p in (small_prune, big_prune, again_prune))
        + " |",
        "",
        "| size | 3 stores | " + f"{big_sizes['stores']:,} stores |",
        "|---|---:|---:|",
        f"| members | {small_sizes['members']:,} | {big_sizes['members']:,} |",
        f"| change-index rows | {small_sizes['change_rows']:,} | {big_sizes['change_rows']:,} |",
        f"| change index (table + indexes) | {small_sizes['change_index']} | {big_sizes['change_index']} |",
        f"| database | {small_sizes['db']} | {big_sizes['db']} |",
        "",
    ]
    publish("\n".join(lines), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
