"""A local HQ for the demo: `guidedesk-hq` run as a child process on 127.0.0.1 over a SQLite file, seeded
once with a demo chain, so `python run.py app` shows a workstation that really enrolls and syncs.

The HQ is a separate program (the `hq` package, installed beside the client in the dev environment); this
module only starts it, talks to its admin CLI and waits for its health endpoint. It never imports `hq`:
the workstation and HQ share nothing but the wire protocol.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import __version__
from app.errors import GuideDeskError
from app.sync.client import HqClient, HqEndpoint, SyncError

DEMO_FILE = "demo.json"  # what the demo printed once: enrollment codes and PINs (a demo, on loopback)
CONSOLE_FILE = "console.json"  # the demo HQ console's admin sign-in, made once (0600, like DEMO_FILE)
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class DemoLogin:
    store_code: str
    employee_no: str
    name: str
    role: str
    pin: str


@dataclass(frozen=True)
class DemoChain:
    store_code: str  # the store this workstation belongs to
    enrollment_code: str
    logins: tuple[DemoLogin, ...]  # that store's guides and manager


class LocalHq:
    """One local HQ: its data under `root`, served on a free loopback port while `start()`ed."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.db_url = f"sqlite:///{self.root / 'hq.sqlite3'}"
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------ admin CLI

    def cli(self, *args: str, show_progress: bool = False) -> str:
        """Run one `guidedesk-hq` command against this HQ's database; its stdout, or a GuideDeskError
        carrying the HQ's own error message. With `show_progress` its stderr (progress, and any error)
        goes straight to the terminal instead."""
        done = subprocess.run(
            [sys.executable, "-m", "hq.cli", "--db-url", self.db_url, *args],
            stdout=subprocess.PIPE,
            stderr=None if show_progress else subprocess.PIPE,
            text=True,
            env=self._env(),
            check=False,
        )
        if done.returncode != 0:
            message = (done.stderr or "").strip()[-500:]
            raise GuideDeskError("local_hq_failed", command=args[0], message=message)
        return done.stdout

    def demo_chain(self, *, members_per_store: int) -> DemoChain:
        """The demo chain, seeded on first use; later runs read what the first one printed."""
        saved = self.root / DEMO_FILE
        if not saved.exists():
            out = self.cli(
                "demo",
                "--stores",
                "3",
                "--members-per-store",
                str(members_per_store),
                "--json",
                show_progress=True,
            )
            facts = json.loads(out)
            _write_private(saved, json.dumps(facts, ensure_ascii=False, indent=2))
        return _chain_of(json.loads(saved.read_text(encoding="utf-8")))

    def member_code(self, member_id: str) -> str:
        """A fresh signed dynamic member code, as the member's phone would show it."""
        png = self.root / "member-code.png"
        return self.cli("member-code", member_id, "--out", str(png)).splitlines()[0].strip()

    # ------------------------------------------------------------ HQ console (owned by the console area)

    def console_login(self) -> tuple[str, str]:
        """The demo HQ console's admin (user name, password): made with `guidedesk-hq add-user` on first
        use, then read back from CONSOLE_FILE."""
        saved = self.root / CONSOLE_FILE
        if not saved.exists():
            username, password = "admin", "demo-" + secrets.token_urlsafe(9)
            command = ["add-user", username, "--role", "admin", "--name", "演示管理员", "--password-stdin"]
            done = subprocess.run(
                [sys.executable, "-m", "hq.cli", "--db-url", self.db_url, *command],
                input=password + "\n",
                capture_output=True,
                text=True,
                env=self._env(),
                check=False,
            )
            if done.returncode != 0:
                raise GuideDeskError(
                    "local_hq_failed", command="add-user", message=done.stderr.strip()[-500:]
                )
            _write_private(saved, json.dumps({"username": username, "password": password}))
        facts = json.loads(saved.read_text(encoding="utf-8"))
        return str(facts["username"]), str(facts["password"])

    # ------------------------------------------------------------ serving

    def start(self) -> str:
        """Serve on a free loopback port; returns the base URL once HQ answers its health check."""
        port = _free_port()
        log = open(self.root / "hq.log", "ab")  # noqa: SIM115 - the child writes it for its whole life
        self._process = subprocess.Popen(
            [sys.executable, "-m", "hq.cli", "--db-url", self.db_url, "serve", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self._env(),
        )
        log.close()
        self.url = f"http://127.0.0.1:{port}"
        self._wait_healthy()
        return self.url

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def _wait_healthy(self) -> None:
        client = HqClient(HqEndpoint(self.url), app_version=__version__)
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while self._process is not None and self._process.poll() is None and time.monotonic() < deadline:
                try:
                    client.health()
                    return
                except SyncError:
                    time.sleep(0.2)  # not listening yet
        finally:
            client.close()
        self.stop()
        raise GuideDeskError("local_hq_failed", command="serve", log=str(self.root / "hq.log"))

    def _env(self) -> dict[str, str]:
        return {**os.environ, "GUIDEDESK_HQ_DATA_DIR": str(self.root)}


def _chain_of(facts: dict[str, Any]) -> DemoChain:
    store = facts["stores"][0]
    logins = tuple(
        DemoLogin(x["store_code"], x["employee_no"], x["name"], x["role"], x["pin"])
        for x in facts["logins"]
        if x["store_code"] == store["code"]
    )
    return DemoChain(store["code"], store["enrollment_code"], logins)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
