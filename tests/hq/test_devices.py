"""Enrollment, authentication, hello and revocation (DESIGN.md §5, §6)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from contract.pins import verify_pin
from hq.services.devices import revoke_device
from hq.services.guides import add_guide
from tests.hq.harness import Hq


def test_enrollment_gives_a_device_of_the_codes_store(hq: Hq) -> None:
    """A store's code enrolls a device of that store; the answer is the wire contract's shape."""
    store = hq.store("BJ01", "北京三里屯店")
    answer = hq.client.post(
        "/v1/enroll", json={"code": hq.enrollment_code(store), "hostname": "till", "app_version": "1"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["store"] == {"id": store.id, "code": "BJ01", "name": "北京三里屯店"}
    assert body["token"] and body["device_id"]
    assert body["server_epoch"] == hq.runtime.facts.epoch and body["server_time"].startswith(
        "2026-11-19T02:00"
    )


def test_an_enrollment_code_works_once(hq: Hq) -> None:
    """A leaked, already used code must not enroll a second device."""
    store = hq.store()
    code = hq.enrollment_code(store)
    assert hq.client.post("/v1/enroll", json={"code": code}).status_code == 200
    again = hq.client.post("/v1/enroll", json={"code": code})
    assert again.status_code == 400 and again.json()["error"] == "enrollment_code_used"


def test_codes_are_forgiving_of_case_and_dashes(hq: Hq) -> None:
    """Codes are typed by people: lower case and missing dashes still work."""
    store = hq.store()
    code = hq.enrollment_code(store).lower().replace("-", "")
    assert hq.client.post("/v1/enroll", json={"code": code}).status_code == 200


def test_an_expired_code_is_refused(hq: Hq) -> None:
    """A code found in an old e-mail weeks later enrolls nothing."""
    store = hq.store()
    code = hq.enrollment_code(store, ttl=timedelta(hours=1))
    hq.clock.advance(hours=1, seconds=1)
    answer = hq.client.post("/v1/enroll", json={"code": code})
    assert answer.status_code == 400 and answer.json()["error"] == "enrollment_code_expired"


def test_guessing_codes_is_rate_limited_even_for_a_right_code(hq: Hq) -> None:
    """After 10 failures an address is locked out for the window: a right code then gets 429 too (no
    oracle), and the window passing lets it through."""
    store = hq.store()
    good = hq.enrollment_code(store, ttl=timedelta(days=1))
    for i in range(10):
        wrong = hq.client.post("/v1/enroll", json={"code": f"AAAA-BBBB-CC{i:02d}"})
        assert wrong.status_code == 400 and wrong.json()["error"] == "enrollment_code_invalid"
    locked = hq.client.post("/v1/enroll", json={"code": good})
    assert locked.status_code == 429 and locked.json()["error"] == "rate_limited"
    assert int(locked.headers["Retry-After"]) > 0
    hq.clock.advance(seconds=hq.settings.enroll_failure_window_s + 1)
    assert hq.client.post("/v1/enroll", json={"code": good}).status_code == 200


def test_two_devices_racing_with_one_code_get_one_enrollment(hq: Hq) -> None:
    """Single use holds under concurrency: the claim is a conditional UPDATE, not a check-then-act."""
    store = hq.store()
    code = hq.enrollment_code(store)
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def enroll() -> None:
        barrier.wait()
        statuses.append(hq.client.post("/v1/enroll", json={"code": code}).status_code)

    threads = [threading.Thread(target=enroll) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(statuses) == [200, 400, 400, 400]


def test_hello_answers_ok_with_the_window_and_last_mutation_id(hq: Hq) -> None:
    """A healthy device is told to go on, with the limits it must respect."""
    device = hq.device(hq.store())
    body = device.hello().json()
    assert body["action"] == "ok"
    assert body["last_mutation_id"] == 0
    assert (body["max_push_batch"], body["max_pull_limit"]) == (100, 1000)
    assert body["server_epoch"] == hq.runtime.facts.epoch


def test_an_old_protocol_is_told_to_upgrade(hq: Hq) -> None:
    """A client speaking another protocol must stop and upgrade rather than push garbage."""
    device = hq.device(hq.store())
    assert device.hello(protocol=0).json()["action"] == "upgrade_required"
    assert device.hello(schema_version=99).json()["action"] == "upgrade_required"


def test_a_revoked_device_is_told_everywhere(hq: Hq) -> None:
    """A stolen till, once revoked, gets device_revoked from hello and 403 device_revoked from every
    other call — and so wipes its replica."""
    device = hq.device(hq.store())
    with hq.tx() as (s, _changes):
        assert revoke_device(s, device_id=device.device_id, now=hq.clock())
    assert device.hello().json()["action"] == "device_revoked"
    for answer in (
        device.push([]),
        device.pull(None),
        hq.client.get("/v1/members/lookup", params={"code": "GDM1:x.y"}, headers=device.headers),
    ):
        assert answer.status_code == 403
        assert answer.json()["error"] == "device_revoked"


@pytest.mark.parametrize("path", ["/v1/sync/hello", "/v1/sync/push", "/v1/sync/pull"])
def test_calls_without_a_valid_token_are_refused(hq: Hq, path: str) -> None:
    """No token, or a made-up one: 401 with the error shape, before any work."""
    body = {"device_id": "x", "protocol": 1, "mutations": [], "cursor": None}
    none = hq.client.post(path, json=body)
    assert none.status_code == 401 and none.json()["error"] == "unauthorized"
    forged = hq.client.post(path, json=body, headers={"Authorization": "Bearer gdt_forged"})
    assert forged.status_code == 401 and forged.json()["error"] == "invalid_token"


def test_a_body_naming_another_device_is_refused(hq: Hq) -> None:
    """The token is the principal: a device_id in the body that is not the token's is an error."""
    device = hq.device(hq.store())
    other = hq.device(hq.store())
    answer = device.post("/v1/sync/hello", {"device_id": other.device_id, "protocol": 1})
    assert answer.status_code == 403 and answer.json()["error"] == "device_mismatch"


def test_health_needs_no_token(hq: Hq) -> None:
    """Load balancers probe /v1/health without credentials."""
    body = hq.client.get("/v1/health").json()
    assert body["status"] == "ok" and body["database"] == "ok" and "server_epoch" in body


def test_errors_have_one_shape_even_for_unknown_routes_and_bad_json(hq: Hq) -> None:
    """Clients switch on `error`; every failure must carry it, with server time and epoch."""
    for answer in (
        hq.client.get("/v1/nope"),
        hq.client.post("/v1/enroll", content=b"{not json", headers={"Content-Type": "application/json"}),
        hq.client.post("/v1/enroll", json={"code": 12}),
    ):
        body = answer.json()
        assert answer.status_code in (400, 404)
        assert set(body) >= {"error", "message", "details", "server_time", "server_epoch"}


def test_pin_hashes_made_at_hq_verify_on_the_workstation(hq: Hq) -> None:
    """Offline login depends on HQ writing the exact hash format the workstation checks."""
    store = hq.store()
    with hq.tx() as (s, changes):
        guide = add_guide(
            s, store=store.id, employee_no="E1", name="陈静", pin="864208", now=hq.clock(), changes=changes
        )
        from hq.db.models import Guide

        stored = s.get(Guide, guide.id)
        assert stored is not None
        assert verify_pin("864208", stored.pin_hash) and not verify_pin("864207", stored.pin_hash)


def test_the_openapi_document_describes_every_device_endpoint(hq: Hq) -> None:
    """/docs is how integrators and fuzzers learn the API: it must build and list every v1 endpoint."""
    spec = hq.client.get("/openapi.json").json()
    assert {
        "/v1/enroll",
        "/v1/sync/hello",
        "/v1/sync/push",
        "/v1/sync/pull",
        "/v1/members/lookup",
        "/v1/health",
    } <= set(spec["paths"])
    push = spec["paths"]["/v1/sync/push"]["post"]
    assert {"409", "422", "503"} <= set(push["responses"])
    assert hq.client.get("/docs").status_code == 200


def test_an_idle_hello_writes_nothing(hq: Hq) -> None:
    """Tills say hello every 30–60 s: HQ records when it last saw a device at most once a minute, so
    thousands of idle tills do not queue on the database's write lock."""
    from sqlalchemy import event

    device = hq.device(hq.store())
    device.hello()
    statements: list[str] = []
    listener = lambda _c, _cur, statement, *_a: statements.append(statement.upper())  # noqa: E731
    event.listen(hq.runtime.db.engine, "before_cursor_execute", listener)
    try:
        hq.clock.advance(seconds=30)
        device.hello()
        quiet = list(statements)
        hq.clock.advance(seconds=31)
        device.hello()
    finally:
        event.remove(hq.runtime.db.engine, "before_cursor_execute", listener)
    assert not [s for s in quiet if s.startswith(("UPDATE", "INSERT", "BEGIN IMMEDIATE"))]
    assert any(s.startswith("UPDATE DEVICES") for s in statements[len(quiet) :])
