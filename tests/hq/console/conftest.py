"""Console fixtures: an in-process HQ (tests/hq/harness.py, clock under test control) with one console
user per role, and a helper that signs a TestClient in through the real sign-in form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hq.services import users
from tests.hq.harness import Hq

PASSWORD = "Correct-horse-9"


@dataclass
class Console:
    hq: Hq

    def client(self) -> TestClient:
        return TestClient(self.hq.client.app, raise_server_exceptions=False, base_url="http://testserver")

    def sign_in(self, username: str, password: str = PASSWORD) -> tuple[TestClient, str]:
        """A client holding a session of `username`, and the session's CSRF token."""
        client = self.client()
        answer = client.post(
            "/console/sign-in", data={"username": username, "password": password}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text
        return client, csrf_of(client.get("/console/"))


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at n=2^10 instead of 2^14 in these tests (the format records n, so checks still verify)."""
    monkeypatch.setattr(users, "_N", 2**10)


@pytest.fixture
def console(sqlite_db_url: str, tmp_path: Path) -> Iterator[Console]:
    from hq.config import Settings

    hq = Hq.start(Settings(db_url=sqlite_db_url, data_dir=tmp_path))
    with hq.runtime.db.write() as s:
        for role in users.ROLES:
            users.create_user(s, username=role, password=PASSWORD, role=role, now=hq.clock())
    try:
        yield Console(hq)
    finally:
        hq.close()
