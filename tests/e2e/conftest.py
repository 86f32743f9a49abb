"""End-to-end fixtures: a real HQ process (uvicorn) on 127.0.0.1 over a real SQLite file, seeded the way
an HQ admin would, and real workstation data dirs that enroll with it and sync over HTTP.

The HQ process is started with a bounded wait and killed at the end; nothing leaves loopback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from app.services.common import GuideRef
from app.sync.device import enroll_device, open_client
from app.sync.engine import SyncEngine, SyncReport
from app.workstation import Workstation
from hq.config import Settings, sqlite_url
from hq.db.database import make_engine
from hq.db.migrate import migrate
from hq.services.guides import GuideView
from hq.services.stores import StoreView
from tests.hq.harness import Hq

ROOT = Path(__file__).resolve().parents[2]
PIN = "246824"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_SERVE = """
import sys, uvicorn
from hq.app import create_app
from hq.config import Settings
uvicorn.run(create_app(Settings.from_env()), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@dataclass
class HqProcess:
    """A running HQ server plus an admin handle on its database for seeding and checking."""

    admin: Hq
    url: str
    process: subprocess.Popen[bytes]
    stores: dict[str, StoreView] = field(default_factory=dict)
    guides: dict[str, GuideView] = field(default_factory=dict)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def start_hq(
    data_dir: Path, port: int | None = None, *, entry: tuple[str, ...] = ("-c", _SERVE)
) -> tuple[subprocess.Popen[bytes], str]:
    """`entry` is what runs HQ (given the port last); the negative controls pass a broken one."""
    port = port or _free_port()
    env = dict(os.environ, GUIDEDESK_HQ_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, *entry, str(port)], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(process, url)
    except BaseException:
        process.kill()  # never leave an HQ behind a failed start (one outlived a CI run that way)
        process.wait(timeout=30)
        raise
    return process, url


def _wait_healthy(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"HQ exited with {process.returncode}")
        try:
            if requests.get(url + "/v1/health", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or slow on a busy machine
            time.sleep(0.1)
    raise RuntimeError("HQ did not answer /v1/health within 30 s")


@pytest.fixture
def hq_server(tmp_path: Path) -> Iterator[HqProcess]:
    """HQ with two stores (SH001 上海南京西路店, BJ001 北京三里屯店), a guide in each, members of SH001."""
    data_dir = tmp_path / "hq"
    data_dir.mkdir()
    engine = make_engine(sqlite_url(data_dir / "hq.sqlite3"))
    migrate(engine)
    engine.dispose()
    admin = Hq.start(Settings.from_env({"GUIDEDESK_HQ_DATA_DIR": str(data_dir)}), at=datetime.now(UTC))
    process, url = start_hq(data_dir)
    server = HqProcess(admin, url, process)
    try:
        server.stores["A"] = admin.store("SH001", "上海南京西路店")
        server.stores["B"] = admin.store("BJ001", "北京三里屯店")
        server.guides["A"] = admin.guide(server.stores["A"], "李娜", pin=PIN)
        server.guides["B"] = admin.guide(server.stores["B"], "陈静", pin=PIN)
        yield server
    finally:
        server.stop()
        admin.close()


def workstation(tmp_path: Path, name: str, server: HqProcess, store: str) -> Workstation:
    """A new workstation data dir enrolled with HQ for one store (as the first-run wizard does)."""
    ws = Workstation.open(tmp_path / name)
    enroll_device(ws, hq_url=server.url, code=server.admin.enrollment_code(server.stores[store]))
    return ws


def sync(ws: Workstation) -> SyncReport:
    client = open_client(ws)
    try:
        report = SyncEngine(ws, client).run()
    finally:
        client.close()
    assert report.error is None, report.error
    return report


def guide_ref(server: HqProcess, store: str) -> GuideRef:
    g = server.guides[store]
    return GuideRef(id=g.id, store_id=server.stores[store].id, employee_no=g.employee_no, name=g.name)
