"""HQ load benchmark: simulated workstations against a real `guidedesk-hq serve` (uvicorn, N workers) on
PostgreSQL, all on 127.0.0.1. Measures, per phase, requests/s and p50/p99 latency of

- `bare`   — GET of an endpoint with no database, served by the same `hq.serving` stack with the same
  number of workers (benchmarks/hq_load.py's `bare_app`): the floor DESIGN.md §7 takes ratios to;
- `health` — GET /v1/health (one `SELECT 1` through the threadpool and the connection pool);
- `pull`   — empty pulls from an up-to-date cursor: the idle cost of every till, every 45 s;
- `push`   — binding pushes (`binding.create.v1` of a fresh member, one mutation per push), each device
  sending its next as soon as the last was answered: the most HQ takes (its p99 is mostly the queue of
  20 devices waiting on a saturated server: latency ≈ devices / rate);
- `push@R` — the same pushes offered at R per second in all (`--push-rate`, default 300: the budget's
  evening peak), each device on its own fixed schedule; latency is counted from the scheduled send time,
  so a server that falls behind is charged for the wait (no coordinated omission).

    .venv/bin/python -m benchmarks.hq_load [--workers 2] [--devices 20] [--seconds 10] \
        [--client-procs 2] [--push-rate 300] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] \
        [--out docs/benchmarks-hq.md]

A scratch database `guidedesk_bench_<random>` is created on the server and dropped at the end; the HQ
is set up through its own admin API (stores, guides, member import, enrollment codes). Bounded: at most
200 devices, 8 client processes and 120 s per phase.

The client: each device is a thread with its own keep-alive `http.client` connection, sending its next
request as soon as the last one answered (closed loop); the devices are spread over `--client-procs`
processes so that the client is not one GIL. An asyncio + httpx client was tried first and measured
here at ~150 requests/s against a bare endpoint that serves ~2,000/s (6 ms of client CPU per request
with 20 connections in one pool): it benchmarked itself. This one costs ~0.25 ms of CPU per request,
about as much as the server's bare floor, and still shares the machine's cores with the server and
PostgreSQL: every figure is a floor for a dedicated HQ, not its capacity.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.output import publish
from contract.wire import Mutation, payload_sha256

ROOT = Path(__file__).resolve().parents[1]
ADMIN_TOKEN = secrets.token_urlsafe(32)
DEVICES_PER_STORE = 5
MAX_DEVICES, MAX_SECONDS, MAX_CLIENT_PROCS = 200, 120, 8
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # the server; a scratch db is made on it
BARE_PATH = "/v1/bare"
LOG_DIR = Path(tempfile.gettempdir())
PHASES = ("bare", "health", "pull", "push", "push@")  # pushes last: they use up the devices' members


def bare_app() -> Any:
    """The floor: one async endpoint, no database, answered through HQ's JSON response class with the
    fields every HQ answer carries. Served by `hq.serving.serve` exactly as HQ is."""
    from fastapi import FastAPI

    from hq.api.responses import JsonResponse

    app = FastAPI(default_response_class=JsonResponse)
    epoch = uuid.uuid4().hex

    @app.get(BARE_PATH)
    async def bare() -> JsonResponse:
        return JsonResponse(
            {"status": "ok", "server_time": datetime.now(UTC).isoformat(), "server_epoch": epoch}
        )

    return app


@dataclass
class Device:
    id: str
    token: str
    guide_id: str
    members: list[str]
    cursor: str | None = None
    next_id: int = 1


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    server_cpu_s: float | None = None

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def row(self, floor: float) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"| {self.name} | 0 | – | – | – | – | {self.errors.total()} |"
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        ratio = f"{self.rate / floor:.0%}" if floor else "–"
        cpu = f"{self.server_cpu_s / len(lat) * 1e6:,.0f}" if self.server_cpu_s is not None else "–"
        errors = self.errors.total()
        return f"| {self.name} | {self.rate:,.0f} | {p50:.1f} | {p99:.1f} | {ratio} | {cpu} | {errors} |"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scratch_db(server_url: str) -> tuple[str, Callable[[], None]]:
    server = make_url(server_url)
    name = f"guidedesk_bench_{secrets.token_hex(4)}"
    admin = create_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def _start_hq(db_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GUIDEDESK_HQ_SECRET": secrets.token_hex(32),
        "GUIDEDESK_HQ_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    hq = Path(sys.executable).with_name("guidedesk-hq")
    cmd = [str(hq), "--db-url", db_url, "serve", "--port", str(port), "--workers", str(workers)]
    # stderr to a file, not a pipe nobody reads: a full pipe would stall the server's logging.
    with _log_file("hq") as log:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)


def _start_bare(port: int, workers: int) -> subprocess.Popen[bytes]:
    code = (
        "from hq.serving import serve; "
        f"serve(app='benchmarks.hq_load:bare_app', host='127.0.0.1', port={port}, workers={workers}, "
        "trust_forwarded=False)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with _log_file("bare") as log:
        return subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log
        )


def _log_file(name: str) -> Any:
    return open(LOG_DIR / f"guidedesk_bench_{name}.log", "wb")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}); see {LOG_DIR}/guidedesk_bench_*.log")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not come up")


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn's workers), from /proc; 0 elsewhere."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        for p in [str(pid), *children]:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    except (OSError, ValueError):
        return 0.0
    return total / tick


def _setup(base: str, devices: int, members_per_device: int) -> list[Device]:
    """Stores, guides, members and enrolled tills, made through the admin API as an operator would."""
    admin = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=120)

    def call(method: str, path: str, body: Any = None) -> dict[str, Any]:
        answer = admin.request(method, f"/v1/admin{path}", json=body)
        answer.raise_for_status()
        out: dict[str, Any] = answer.json()
        return out

    out: list[Device] = []
    stores = (devices + DEVICES_PER_STORE - 1) // DEVICES_PER_STORE
    for s in range(stores):
        code = f"B{s:03d}"
        call("POST", "/stores", {"code": code, "name": f"压测门店{s}"})
        in_store = min(DEVICES_PER_STORE, devices - s * DEVICES_PER_STORE)
        rows = [{"store": code, "name": f"会员{i}"} for i in range(in_store * members_per_device)]
        ids = call("POST", "/members/import", rows)["member_ids"]
        for d in range(in_store):
            guide = call("POST", f"/stores/{code}/guides",
                         {"employee_no": f"E{s:03d}{d}", "name": f"导购{d}", "pin": "246813"})  # fmt: skip
            enroll_code = call("POST", "/enrollment-codes", {"store": code})["enrollment_code"]["code"]
            enrolled = httpx.post(f"{base}/v1/enroll", json={"code": enroll_code, "hostname": f"till-{d}"})
            enrolled.raise_for_status()
            body = enrolled.json()
            mine = ids[d * members_per_device : (d + 1) * members_per_device]
            out.append(Device(body["device_id"], body["token"], guide["guide"]["id"], mine))
    admin.close()
    return out


# --- the client: threads of keep-alive connections in a few processes ------------------------------


class Till:
    """One device's connection. `call` returns (status, decoded body or None)."""

    def __init__(self, port: int, device: Device | None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.device = device
        self.headers = {"Content-Type": "application/json"}
        if device is not None:
            self.headers["Authorization"] = f"Bearer {device.token}"

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = None if body is None else orjson.dumps(body)
        self.conn.request(method, path, body=payload, headers=self.headers)
        answer = self.conn.getresponse()
        data = answer.read()
        return answer.status, (orjson.loads(data) if data else None)

    def pull(self) -> dict[str, Any] | None:
        assert self.device is not None
        status, body = self.call(
            "POST", "/v1/sync/pull", {"device_id": self.device.id, "cursor": self.device.cursor}
        )
        return body if status == 200 else None

    def catch_up(self) -> None:
        while True:
            body = self.pull()
            if body is None:
                raise RuntimeError("catch-up pull failed")
            assert self.device is not None
            self.device.cursor = body["cursor"]
            if not body["has_more"]:
                return

    def once(self, phase: str) -> str | None:
        """One request of the phase: None if it was answered as expected, else what went wrong."""
        if phase in ("bare", "health"):
            status = self.call("GET", BARE_PATH if phase == "bare" else "/v1/health")[0]
            return None if status == 200 else f"http {status}"
        if phase == "pull":
            assert self.device is not None
            status, body = self.call(
                "POST", "/v1/sync/pull", {"device_id": self.device.id, "cursor": self.device.cursor}
            )
            if status != 200:
                return f"http {status} {body and body.get('error')}"
            return "pull not empty" if body["changes"] else None
        return self._bind_push()

    def _bind_push(self) -> str | None:
        device = self.device
        assert device is not None
        if not device.members:
            return "no members left"
        args = {"binding_id": str(uuid.uuid4()), "member_id": device.members.pop()}
        name = Mutation.BINDING_CREATE
        mutation = {"id": device.next_id, "name": name, "sha256": payload_sha256(name, args), "args": args,
                    "client_time": datetime.now(UTC).isoformat(), "guide_id": device.guide_id}  # fmt: skip
        status, body = self.call("POST", "/v1/sync/push", {"device_id": device.id, "mutations": [mutation]})
        if status != 200:
            return f"http {status} {body and body.get('error')}"
        device.next_id += 1
        result = body["results"][0]
        return None if result["status"] == "applied" else f"{result['status']} {result.get('code')}"


def _client_process(
    port: int, phase: str, devices: list[Device], seconds: float, ready: Any, results: Any, interval: float
) -> None:
    """Runs in a client process: one thread per device, all released together by `ready` (a barrier
    across every client process and the parent), each looping until its deadline; with `interval`, each
    device sends on a fixed schedule (a random phase within the first interval) instead of back to back."""
    tills = [Till(port, d) for d in devices]
    if phase == "pull":
        for till in tills:
            till.catch_up()
            till.conn.close()  # idle until every process is ready: HQ's keep-alive timeout would close it
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()

    def run(till: Till, offset: float) -> None:
        mine: list[float] = []
        bad: Counter[str] = Counter()
        stop = time.monotonic() + seconds
        due = time.monotonic() + offset
        while time.monotonic() < stop:
            if interval:
                time.sleep(max(0.0, due - time.monotonic()))
                t0, due = due, due + interval  # the scheduled time, even when this device is late
            else:
                t0 = time.monotonic()
            try:
                error = till.once(phase)
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
                till.conn.close()  # http.client reconnects on the next request
            if error is None:
                mine.append(time.monotonic() - t0)
                continue
            bad[error] += 1
            if error == "no members left":
                break
        with lock:
            latencies.extend(mine)
            errors.update(bad)

    rng = random.Random(len(tills))
    threads = [threading.Thread(target=run, args=(t, rng.uniform(0, interval))) for t in tills]
    ready.wait(timeout=120)
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    # the devices' state goes back with the figures: the next phase's processes start from it
    results.put((latencies, dict(errors), time.monotonic() - start, devices))


def _phase(
    port: int, name: str, devices: list[Device], seconds: float, procs: int, server_pid: int, rate: float = 0
) -> Phase:
    """One phase over every device; `rate` > 0 offers that many requests per second in all."""
    interval = len(devices) / rate if rate else 0.0
    ctx = mp.get_context("spawn")  # no inherited engine, sockets or threads from this process
    procs = max(1, min(procs, len(devices)))
    ready = ctx.Barrier(procs + 1)
    results = ctx.Queue()
    shares = [devices[i::procs] for i in range(procs)]
    workers = [
        ctx.Process(
            target=_client_process,
            args=(port, name, share, seconds, ready, results, interval),
            daemon=True,
        )
        for share in shares
    ]
    for w in workers:
        w.start()
    phase = Phase(f"{name}{rate:.0f}/s offered" if rate else name)
    try:
        ready.wait(timeout=120)
        cpu0 = _tree_cpu_seconds(server_pid)
        spans: list[float] = []
        for _ in workers:
            latencies, errors, elapsed, moved = results.get(timeout=seconds + 120)
            by_id = {d.id: d for d in moved}
            for d in devices:
                if (back := by_id.get(d.id)) is not None:
                    d.members, d.next_id, d.cursor = back.members, back.next_id, back.cursor
            phase.latencies += latencies
            phase.errors.update(errors)
            spans.append(elapsed)
        # The busiest process's wall time: requests in flight at the deadline finish and are counted.
        phase.seconds = max(elapsed for elapsed in spans) if spans else seconds
        phase.server_cpu_s = _tree_cpu_seconds(server_pid) - cpu0 or None
    finally:
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.kill()
    return phase


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--client-procs", type=int, default=2, help="client processes (default: 2)")
    parser.add_argument("--members-per-device", type=int, default=1500)
    parser.add_argument("--push-rate", type=float, default=300.0, help="pushes/s offered in the push@ phase")
    parser.add_argument("--pg", default=os.environ.get("GUIDEDESK_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--out", type=Path, help="append the results table to this markdown file")
    args = parser.parse_args(argv)
    devices_n = max(1, min(args.devices, MAX_DEVICES))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    procs = max(1, min(args.client_procs, MAX_CLIENT_PROCS))
    load_before = os.getloadavg()

    phases: list[Phase] = []
    port = _free_port()
    bare = _start_bare(port, args.workers)
    try:
        _wait_up(f"http://127.0.0.1:{port}{BARE_PATH}", bare)
        nobody = [Device("", "", "", [])] * devices_n
        phases.append(_phase(port, "bare", nobody, seconds, procs, bare.pid))
    finally:
        _stop(bare)

    db_url, drop = _scratch_db(args.pg)
    port = _free_port()
    proc = _start_hq(db_url, port, args.workers)
    try:
        _wait_up(f"http://127.0.0.1:{port}/v1/health", proc)
        t0 = time.monotonic()
        devices = _setup(f"http://127.0.0.1:{port}", devices_n, args.members_per_device)
        print(f"set up {len(devices)} devices in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        for name in PHASES[1:]:
            rate = args.push_rate if name.endswith("@") else 0
            phases.append(_phase(port, name, devices, seconds, procs, proc.pid, rate))
    finally:
        _stop(proc)
        drop()
    floor = phases[0].rate
    load_after = os.getloadavg()
    table = [
        f"**{args.workers} worker(s), {devices_n} devices in {procs} client processes, {seconds:.0f} s per "
        f"phase** ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores shared by client, "
        f"server and PostgreSQL; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)",
        "",
        "| phase | requests/s | p50 ms | p99 ms | × bare | server CPU µs/request | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(p.row(floor) for p in phases),
        "",
    ]
    for p in phases:
        if p.errors:
            print(f"{p.name} errors: {dict(p.errors)}", file=sys.stderr)
    publish("\n".join(table), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
