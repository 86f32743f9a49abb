"""HQ's own CPU per idle pull and per bind push, in process: the real app (`hq.app.create_app`) over a
scratch PostgreSQL database, each request handed to it as uvicorn hands it one (an ASGI call on one
event loop, one request at a time), with no HTTP, no load client and no other HQ process on the cores.

    .venv/bin/python -m benchmarks.hq_inprocess [--pulls 20000] [--pushes 800] [--rounds 5] \
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--out FILE]

`benchmarks.hq_load` measures what two cores shared by client, server and PostgreSQL take; its
figures move by a third between runs on this VM. This one measures the cost of a change to the request
path: run it on both commits, alternated, and compare. Per round, `--pulls / --rounds` idle pulls of an
up-to-date till, then `--pushes / --rounds` bind pushes (`binding.create.v1` of an unbound member, one
mutation a push); the table gives the median round and the range of rounds. "PostgreSQL CPU" is the
scratch database's backends' user + system time from /proc (blank when the server is not on this
machine): HQ's process and PostgreSQL's are both on the cores of a real deployment. A 1-store demo
chain is seeded (`hq.demo`, enough members for the pushes); the scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, text

from benchmarks.hq_load import DEFAULT_PG
from benchmarks.hq_scale import enrollment, seeded_hq
from benchmarks.output import publish
from contract.wire import Mutation, payload_sha256

MAX_PULLS, MAX_PUSHES, MAX_ROUNDS = 200_000, 5_000, 20
WARM_UP = 50  # requests of each kind before measuring: statements prepared, connections opened


@dataclass
class Round:
    requests: int
    hq_cpu_s: float
    pg_cpu_s: float | None
    wall_s: float


class Backends:
    """User + system CPU of the scratch database's PostgreSQL backends, read from /proc."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")

    def seconds(self) -> float | None:
        with self.engine.connect() as conn:
            pids = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            total = 0.0
            for pid in pids:
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    return None  # the server is not on this machine
                total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        return total


class Till:
    """An enrolled till of the demo store, talking to the app as uvicorn would hand it requests."""

    def __init__(self, app: Any, code: str, guide_id: str, unbound: list[str]) -> None:
        self.app, self.code, self.guide_id, self.unbound = app, code, guide_id, unbound
        self.device_id = self.token = ""
        self.cursor: str | None = None
        self.next_id = 1

    async def call(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        raw = orjson.dumps(body)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
        if self.token:
            headers.append((b"authorization", f"Bearer {self.token}".encode()))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
                 "query_string": b"", "headers": headers, "client": ("127.0.0.1", 40000),
                 "server": ("127.0.0.1", 8000), "state": {}}  # fmt: skip
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        status = sent[0]["status"]
        return status, orjson.loads(b"".join(m.get("body", b"") for m in sent[1:]))

    async def ok(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await self.call(path, body)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status} {answer}")
        return answer

    async def enroll(self) -> None:
        enrolled = await self.ok("/v1/enroll", {"code": self.code, "hostname": "inprocess"})
        self.device_id, self.token = enrolled["device_id"], enrolled["token"]

    async def catch_up(self) -> None:
        """Pull until the cursor is current (after pushes, whose changes come back to the till)."""
        while True:
            page = await self.ok(
                "/v1/sync/pull", {"device_id": self.device_id, "cursor": self.cursor, "limit": 1000}
            )
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return

    async def idle_pulls(self, n: int) -> None:
        body = {"device_id": self.device_id, "cursor": self.cursor, "limit": 1000}
        for _ in range(n):
            status, answer = await self.call("/v1/sync/pull", body)
            if status != 200 or answer["changes"]:
                raise RuntimeError(f"pull not idle: HTTP {status} {answer}")

    async def bind_pushes(self, n: int) -> None:
        for _ in range(n):
            args = {"binding_id": str(uuid.uuid4()), "member_id": self.unbound.pop()}
            name = Mutation.BINDING_CREATE
            mutation = {"id": self.next_id, "name": name, "sha256": payload_sha256(name, args), "args": args,
                        "client_time": datetime.now(UTC).isoformat(), "guide_id": self.guide_id}  # fmt: skip
            status, answer = await self.call(
                "/v1/sync/push", {"device_id": self.device_id, "mutations": [mutation]}
            )
            if status != 200 or answer["results"][0]["status"] != "applied":
                raise RuntimeError(f"push not applied: HTTP {status} {answer}")
            self.next_id += 1


@contextmanager
def _till(server: str, members: int) -> Iterator[tuple[Till, Backends]]:
    """A migrated scratch database with a 1-store demo chain, the app over it, and a till of that store
    with its enrollment code (it enrolls and catches up in `_measure`)."""
    from hq.app import create_app

    with ExitStack() as stack:
        url, runtime, demo = seeded_hq(stack, server, stores=1, members=members)
        code, guide, unbound = enrollment(runtime, demo.stores[0].id)
        till = Till(create_app(runtime.settings, runtime=runtime), code, guide, unbound)
        backends = Backends(url)
        stack.callback(backends.engine.dispose)
        yield till, backends


async def _timed(backends: Backends, work: Any, n: int) -> Round:
    pg0, cpu0, wall0 = backends.seconds(), time.process_time(), time.perf_counter()
    await work(n)
    cpu, wall, pg1 = time.process_time() - cpu0, time.perf_counter() - wall0, backends.seconds()
    return Round(n, cpu, None if pg0 is None or pg1 is None else pg1 - pg0, wall)


async def _measure(
    till: Till, backends: Backends, rounds: int, pulls: int, pushes: int
) -> tuple[list[Round], list[Round]]:
    """(pull rounds, push rounds), alternated so that a slow minute of the VM touches both."""
    await till.enroll()
    await till.catch_up()
    await till.idle_pulls(WARM_UP)
    await till.bind_pushes(WARM_UP)
    pull_rounds, push_rounds = [], []
    for _ in range(rounds):
        await till.catch_up()
        pull_rounds.append(await _timed(backends, till.idle_pulls, pulls))
        push_rounds.append(await _timed(backends, till.bind_pushes, pushes))
    return pull_rounds, push_rounds


def _row(name: str, rounds: list[Round]) -> str:
    def us(values: list[float]) -> str:
        return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"

    per = [r.requests for r in rounds]
    hq = [r.hq_cpu_s / n * 1e6 for r, n in zip(rounds, per, strict=True)]
    wall = [r.wall_s / n * 1e6 for r, n in zip(rounds, per, strict=True)]
    pg_rounds = [r.pg_cpu_s / n * 1e6 for r, n in zip(rounds, per, strict=True) if r.pg_cpu_s is not None]
    pg = us(pg_rounds) if len(pg_rounds) == len(rounds) else "–"
    return f"| {name} | {sum(per):,} in {len(rounds)} | {us(hq)} | {pg} | {us(wall)} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pulls", type=int, default=20_000)
    parser.add_argument("--pushes", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("GUIDEDESK_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--out", type=Path, help="append the results table to this markdown file")
    args = parser.parse_args(argv)
    rounds = max(1, min(args.rounds, MAX_ROUNDS))
    pulls = max(rounds, min(args.pulls, MAX_PULLS)) // rounds
    pushes = max(rounds, min(args.pushes, MAX_PUSHES)) // rounds
    members = max(1_000, 3 * (pushes * rounds + WARM_UP))  # the demo binds ~60 %: enough left unbound
    load = os.getloadavg()
    with _till(args.pg, members) as (till, backends):
        pull_rounds, push_rounds = asyncio.run(_measure(till, backends, rounds, pulls, pushes))
    lines = [
        f"**In process** ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL, one request at a time; "
        f"load average {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after)",
        "",
        "| request | count | HQ CPU µs, median round (range) | PostgreSQL CPU µs | wall µs |",
        "|---|---:|---:|---:|---:|",
        _row("idle pull", pull_rounds),
        _row("bind push", push_rounds),
        "",
    ]
    publish("\n".join(lines), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
