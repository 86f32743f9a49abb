"""HQ load benchmark: simulated workstations against a real `guidedesk-hq serve` (uvicorn, N workers) on
PostgreSQL, all on 127.0.0.1. Measures, per phase, requests/s and p50/p99 latency of

- `floor`  — GET /v1/health (one `SELECT 1`): what any request costs here, the bare-endpoint floor;
- `pull`   — empty pulls from an up-to-date cursor: the idle cost of every till, every 45 s;
- `push`   — binding pushes (`binding.create.v1` of a fresh member, one mutation per push).

    .venv/bin/python -m benchmarks.hq_load [--workers 2] [--devices 20] [--seconds 10] \
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--out docs/benchmarks-hq.md]

A scratch database `guidedesk_bench_<random>` is created on the server and dropped at the end; the HQ
is set up through its own admin API (stores, guides, member import, enrollment codes). Bounded: at most
200 devices and 120 s per phase. The client (asyncio + httpx, one connection per device, each device
sending its next request when the last one answered) shares the machine's cores with the server, so the
numbers are a floor for a dedicated HQ, not a ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.sync.protocol import Mutation, payload_sha256

ADMIN_TOKEN = "bench-admin-" + secrets.token_hex(8)
DEVICES_PER_STORE = 5
MAX_DEVICES, MAX_SECONDS = 200, 120
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # the server; a scratch db is made on it


@dataclass
class Device:
    id: str
    token: str
    guide_id: str
    members: list[str]
    cursor: str | None = None
    next_id: int = 1

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def row(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"| {self.name} | 0 | – | – | {self.errors} |"
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = len(lat) / self.seconds
        return f"| {self.name} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {self.errors} |"


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
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"HQ exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("HQ did not come up")


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
                         {"employee_no": f"E{s:03d}{d}", "name": f"导购{d}", "pin": "2468"})  # fmt: skip
            enroll_code = call("POST", "/enrollment-codes", {"store": code})["enrollment_code"]["code"]
            enrolled = httpx.post(f"{base}/v1/enroll", json={"code": enroll_code, "hostname": f"till-{d}"})
            enrolled.raise_for_status()
            body = enrolled.json()
            mine = ids[d * members_per_device : (d + 1) * members_per_device]
            out.append(Device(body["device_id"], body["token"], guide["guide"]["id"], mine))
    admin.close()
    return out


async def _catch_up(client: httpx.AsyncClient, device: Device) -> None:
    while True:
        answer = await client.post("/v1/sync/pull", headers=device.headers,
                                   json={"device_id": device.id, "cursor": device.cursor})  # fmt: skip
        answer.raise_for_status()
        body = answer.json()
        device.cursor = body["cursor"]
        if not body["has_more"]:
            return


Request = Callable[[httpx.AsyncClient, Device], Awaitable[bool]]


async def _health(client: httpx.AsyncClient, _device: Device) -> bool:
    return (await client.get("/v1/health")).status_code == 200


async def _empty_pull(client: httpx.AsyncClient, device: Device) -> bool:
    answer = await client.post("/v1/sync/pull", headers=device.headers,
                               json={"device_id": device.id, "cursor": device.cursor})  # fmt: skip
    return answer.status_code == 200 and not answer.json()["changes"]


async def _bind_push(client: httpx.AsyncClient, device: Device) -> bool:
    if not device.members:
        return False
    args = {"binding_id": str(uuid.uuid4()), "member_id": device.members.pop()}
    name = Mutation.BINDING_CREATE
    mutation = {"id": device.next_id, "name": name, "sha256": payload_sha256(name, args), "args": args,
                "client_time": datetime.now(UTC).isoformat(), "guide_id": device.guide_id}  # fmt: skip
    answer = await client.post("/v1/sync/push", headers=device.headers,
                               json={"device_id": device.id, "mutations": [mutation]})  # fmt: skip
    if answer.status_code != 200:
        return False
    device.next_id += 1
    return bool(answer.json()["results"][0]["status"] == "applied")


async def _phase(base: str, devices: list[Device], name: str, request: Request, seconds: float) -> Phase:
    phase = Phase(name)
    limits = httpx.Limits(max_connections=len(devices) + 5)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        if name == "pull":
            await asyncio.gather(*(_catch_up(client, d) for d in devices))
        stop = time.monotonic() + seconds

        async def run(device: Device) -> None:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    good = await request(client, device)
                except httpx.HTTPError:
                    good = False
                if good:
                    phase.latencies.append(time.perf_counter() - t0)
                else:
                    phase.errors += 1
                    if name == "push" and not device.members:
                        return

        start = time.monotonic()
        await asyncio.gather(*(run(d) for d in devices))
        phase.seconds = time.monotonic() - start
    return phase


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--members-per-device", type=int, default=400)
    parser.add_argument("--pg", default=os.environ.get("GUIDEDESK_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--out", type=Path, help="append the results table to this markdown file")
    args = parser.parse_args(argv)
    devices_n = max(1, min(args.devices, MAX_DEVICES))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    db_url, drop = _scratch_db(args.pg)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start_hq(db_url, port, args.workers)
    try:
        _wait_up(base, proc)
        t0 = time.monotonic()
        devices = _setup(base, devices_n, args.members_per_device)
        print(f"set up {len(devices)} devices in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        phases = [
            asyncio.run(_phase(base, devices, "floor", _health, seconds)),
            asyncio.run(_phase(base, devices, "pull", _empty_pull, seconds)),
            asyncio.run(_phase(base, devices, "push", _bind_push, seconds)),
        ]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        drop()
    table = [
        f"**{args.workers} worker(s), {devices_n} devices, {seconds:.0f} s per phase** "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores shared by client and server)",
        "",
        "| phase | requests/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|",
        *(p.row() for p in phases),
        "",
    ]
    print("\n".join(table))
    if args.out:
        with args.out.open("a", encoding="utf-8") as f:
            f.write("\n".join(table) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
