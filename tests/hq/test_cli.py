"""guidedesk-hq: zero set-up on a SQLite file, the admin commands an operator needs on day one, and
`serve` with several workers answering from one database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.qr import parse_member_code, verify_signature, verifying_key
from hq.app import create_app
from hq.cli import main
from hq.config import DB_FILENAME, Settings
from hq.db.database import HqDatabase
from hq.db.models import Device, QrKey
from hq.services.members import add_member
from hq.serving import _no_delay
from hq.sync.changes import ChangeSet, record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GUIDEDESK_HQ_DATA_DIR", str(tmp_path / "hq"))
    monkeypatch.delenv("GUIDEDESK_HQ_DB_URL", raising=False)
    monkeypatch.delenv("GUIDEDESK_HQ_SECRET", raising=False)
    return tmp_path / "hq"


def _run(*argv: str) -> tuple[int, list[str]]:
    lines: list[str] = []
    return main(list(argv), out=lines.append), lines


def test_a_fresh_install_needs_no_set_up(data_dir: Path) -> None:
    """`migrate` (or any first command) creates the SQLite file in the data dir."""
    code, lines = _run("migrate")
    assert code == 0 and "epoch" in lines[0]
    assert (data_dir / DB_FILENAME).exists()


def test_day_one_commands_make_a_store_a_till_can_enroll_in(data_dir: Path, tmp_path: Path) -> None:
    """create-store, add-guide, enroll-code, member-code and revoke-device do what an operator expects,
    and the enrollment code they print works at /v1/enroll."""
    assert _run("create-store", "SZ01", "深圳海岸城店")[0] == 0
    code, lines = _run("add-guide", "SZ01", "E1001", "陈静", "--role", "manager", "--generate-pin")
    assert code == 0 and "pin=" in lines[0]
    code, lines = _run("enroll-code", "SZ01", "--ttl-hours", "2")
    enrollment = lines[0].split()[2]
    settings = Settings.from_env()
    with TestClient(create_app(settings)) as client:
        answer = client.post("/v1/enroll", json={"code": enrollment})
    assert answer.status_code == 200 and answer.json()["store"]["code"] == "SZ01"

    db = HqDatabase(settings.db_url, pool_size=1)
    with db.write() as s:
        changes = ChangeSet()
        member = add_member(s, store="SZ01", name="刘洋", now=settings.clock(), changes=changes)
        record(s, changes, now=settings.clock())
    png = tmp_path / "m.png"
    code, lines = _run("member-code", member.card_no, "--out", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    signed = parse_member_code(lines[0])
    assert signed.compact and len(lines[0]) == 149, "HQ mints the compact code by default"
    with db.read() as s:
        keys = [(k, pub) for k, pub in s.execute(select(QrKey.key_id, QrKey.public_key))]
    assert verifying_key(signed, keys) is not None and verifying_key(signed, keys)[1]
    assert signed.claims.member_id == member.id
    code, lines = _run("member-code", member.card_no, "--out", str(png), "--format", "gdm1")
    signed = parse_member_code(lines[0])
    with db.read() as s:
        public = s.scalar(select(QrKey.public_key).where(QrKey.key_id == signed.claims.key_id))
    assert public is not None and verify_signature(signed, public) and signed.claims.member_id == member.id

    device_id = answer.json()["device_id"]
    assert _run("revoke-device", device_id) == (0, [f"device {device_id} revoked"])
    with db.read() as s:
        assert s.scalar(select(Device.status).where(Device.id == device_id)) == "revoked"
    db.dispose()


def test_mistakes_are_reported_with_a_code_and_exit_2(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A duplicate store code or an unknown store is an error message, not a traceback."""
    _run("create-store", "GZ01", "广州店")
    assert _run("create-store", "GZ01", "又一个")[0] == 2
    assert _run("enroll-code", "NOPE")[0] == 2
    err = capsys.readouterr().err
    assert "store_code_taken" in err and "unknown_store" in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_with_two_workers_answers_from_one_database(tmp_path: Path) -> None:
    """Several uvicorn workers share nothing but the database: enroll on one, pull on any."""
    port = _free_port()
    env = {**os.environ, "GUIDEDESK_HQ_DATA_DIR": str(tmp_path / "hq")}
    env.pop("GUIDEDESK_HQ_DB_URL", None)
    assert (
        subprocess.run(
            [sys.executable, "-m", "hq.cli", "create-store", "WX01", "无锡店"], env=env, cwd=ROOT, check=False
        ).returncode
        == 0
    )
    made = subprocess.run(
        [sys.executable, "-m", "hq.cli", "enroll-code", "WX01"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    enrollment = made.stdout.split()[2]
    server = subprocess.Popen(
        [sys.executable, "-m", "hq.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "HQ did not come up"
            time.sleep(0.2)
        enrolled = httpx.post(f"{base}/v1/enroll", json={"code": enrollment}, timeout=10).json()
        headers = {"Authorization": f"Bearer {enrolled['token']}"}
        epochs = set()
        for _ in range(6):  # new connections: both workers get their turn
            pull = {"device_id": enrolled["device_id"], "cursor": None}
            body = httpx.post(f"{base}/v1/sync/pull", json=pull, headers=headers, timeout=10).json()
            assert {c["t"] for c in body["changes"]} >= {"store", "policy", "qr_key"}
            epochs.add(body["server_epoch"])
        assert len(epochs) == 1
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def test_connections_are_served_without_nagle() -> None:
    """Catches the delayed-ACK trap of uvicorn's multi-worker sockets (44 ms per keep-alive request,
    measured): HQ's protocol turns TCP_NODELAY on for every accepted connection."""

    class Transport:
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

        def get_extra_info(self, name: str, default: object = None) -> object:
            return self.sock if name == "socket" else default

    with socket.socket() as sock:  # proto 0, like uvicorn's bind_socket(): asyncio would leave Nagle on
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        _no_delay(Transport(sock))  # type: ignore[arg-type]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
