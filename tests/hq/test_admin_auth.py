"""The admin surface can issue enrollment codes — a whole store's data — so it is guarded like one
(security review, finding 4): a weak admin token stops HQ from starting, failed admin authentications
are rate-limited per address, and the admin API can live on its own listener."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hq.cli import main as hq_cli
from tests.hq.harness import ADMIN_TOKEN, T0, Hq


@pytest.mark.parametrize(
    "weak", ["admin-test-token", "passwordpasswordpassword12345678", "abcdefghijklmnopqrstuvwxyz012345"]
)
def test_a_weak_admin_token_stops_hq_from_starting(hq_sqlite: Hq, weak: str) -> None:
    """Short, repeated or sequential admin tokens are refused at start. Fails on the code before the fix:
    HQ served the admin API with any token, 16 characters included."""
    from hq.config import ConfigError

    with pytest.raises(ConfigError):
        Hq.start(replace(hq_sqlite.settings, admin_token=weak), at=T0).close()


def test_serve_refuses_a_weak_token_before_any_worker_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`guidedesk-hq serve` says why and exits 2 instead of serving. Fails before the fix (it served)."""
    import hq.serving

    monkeypatch.setenv("GUIDEDESK_HQ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GUIDEDESK_HQ_ADMIN_TOKEN", "admin-test-token")
    served: list[object] = []
    monkeypatch.setattr(hq.serving, "serve", lambda **kw: served.append(kw))
    assert hq_cli(["serve", "--port", "1"]) == 2
    assert "too weak" in capsys.readouterr().err and served == []
    token: list[str] = []
    assert hq_cli(["gen-token"], out=token.append) == 0
    monkeypatch.setenv("GUIDEDESK_HQ_ADMIN_TOKEN", token[0])
    assert hq_cli(["serve", "--port", "1"], out=lambda _s: None) == 0 and len(served) == 1


def test_failed_admin_authentications_lock_the_address_out(hq_sqlite: Hq) -> None:
    """After 10 wrong admin tokens from one address, even the right one is refused (429, Retry-After)
    until the window passes; another address is unaffected. Fails on the code before the fix: a guesser
    could try tokens as fast as HQ answered (every answer 401, the right one 200)."""
    hq = hq_sqlite
    for n in range(10):
        wrong = hq.client.get("/v1/admin/stores", headers={"Authorization": f"Bearer wrong-{n}"})
        assert wrong.status_code == 401
    right = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    locked = hq.client.get("/v1/admin/stores", headers=right)
    assert locked.status_code == 429 and locked.json()["error"] == "rate_limited"
    assert int(locked.headers["Retry-After"]) > 0
    elsewhere = TestClient(hq.client.app, client=("10.9.8.7", 5000))
    assert elsewhere.get("/v1/admin/stores", headers=right).status_code == 200
    hq.clock.advance(seconds=hq.settings.admin_failure_window_s + 1)
    assert hq.client.get("/v1/admin/stores", headers=right).status_code == 200


def test_the_admin_api_can_be_served_on_its_own_listener(hq_sqlite: Hq) -> None:
    """With `admin_listen` set, the workstations' listener has no admin API or console, and the staff
    listener has nothing of the devices'. Fails before the fix: one app served everything."""
    from hq.app import create_app

    settings = replace(hq_sqlite.settings, admin_listen="127.0.0.1:8766")
    right = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    devices = TestClient(create_app(settings, runtime=hq_sqlite.runtime))
    staff = TestClient(create_app(settings, runtime=hq_sqlite.runtime, surface="staff"))
    assert devices.get("/v1/admin/stores", headers=right).status_code == 404
    assert devices.get("/console/sign-in").status_code == 404
    assert devices.get("/v1/health").status_code == 200
    assert staff.get("/v1/admin/stores", headers=right).status_code == 200
    assert staff.post("/v1/enroll", json={"code": "ABCD-EFGH-JKLM", "hostname": "x"}).status_code == 404
    assert staff.get("/v1/health").status_code == 200
    assert staff.get("/console/sign-in").status_code == 200
