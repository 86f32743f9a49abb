"""Behind a reverse proxy, the address a rate limit counts is the one the proxy saw, not one the client
wrote (security review, finding 7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.hq.harness import Hq

PROXY = ("127.0.0.1", 44321)  # the reverse proxy is the TCP peer


def test_a_client_cannot_choose_the_address_the_enrollment_limit_counts(hq_sqlite: Hq) -> None:
    """A guesser writing a fresh X-Forwarded-For entry on every try is still locked out after 10 (the
    proxy appends the address it saw, and that rightmost hop is counted), and a guesser naming a till's
    address does not lock the till out. Fails on the code before the fix: the leftmost, client-written
    entry was taken, so the 11th try with a right code was answered 200, and the till got 429."""
    hq = Hq.start(replace(hq_sqlite.settings, trust_forwarded=True))
    behind_proxy = TestClient(hq.client.app, client=PROXY)
    store = hq.store()
    attacker, till = "203.0.113.9", "198.51.100.7"
    for i in range(10):
        spoofed = {"X-Forwarded-For": f"{till}, 10.0.{i}.1, {attacker}"}
        answer = behind_proxy.post("/v1/enroll", json={"code": f"AAAA-BBBB-CC{i:02d}"}, headers=spoofed)
        assert answer.status_code == 400
    good = hq.enrollment_code(store, ttl=timedelta(days=1))
    locked = behind_proxy.post(
        "/v1/enroll", json={"code": good}, headers={"X-Forwarded-For": f"9.9.9.9, {attacker}"}
    )
    assert locked.status_code == 429
    enrolled = behind_proxy.post("/v1/enroll", json={"code": good}, headers={"X-Forwarded-For": till})
    assert enrolled.status_code == 200
    hq.close()


def test_forwarded_headers_count_only_from_the_configured_proxies(hq_sqlite: Hq) -> None:
    """A peer that is not a configured proxy is counted by its own address, whatever it writes."""
    hq = Hq.start(replace(hq_sqlite.settings, trust_forwarded=True, trusted_proxies=("10.0.0.0/8",)))
    direct = TestClient(hq.client.app, client=("192.0.2.50", 5000))
    for i in range(10):
        headers = {"X-Forwarded-For": f"198.51.100.{i}"}
        assert direct.post("/v1/enroll", json={"code": "AAAA-BBBB-CCCC"}, headers=headers).status_code == 400
    assert direct.post("/v1/enroll", json={"code": "AAAA-BBBB-CCCC"}).status_code == 429
    hq.close()
