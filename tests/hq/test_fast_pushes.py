"""A push answered ahead of FastAPI (hq/api/fast_pushes.py) must be the route's answer, byte for byte
but the clock: the same status, body and headers for every outcome a till can meet, and the route's own
answer for anything it does not take."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from contract.wire import MAX_PUSH_BATCH, Mutation
from hq.api import fast_pushes, routes_sync
from hq.services.devices import revoke_device
from tests.hq.harness import Hq


def _both(hq: Hq, monkeypatch: pytest.MonkeyPatch, send: Any) -> tuple[httpx.Response, httpx.Response]:
    """`send()` answered by the fast path, then again with the fast path standing aside (the route)."""
    fast = send()
    with monkeypatch.context() as m:
        m.setattr(fast_pushes, "_push", lambda _body: None)
        route = send()
    return fast, route


def _same(fast: httpx.Response, route: httpx.Response) -> None:
    assert fast.status_code == route.status_code
    assert fast.headers.get("www-authenticate") == route.headers.get("www-authenticate")
    assert fast.headers.get("retry-after") == route.headers.get("retry-after")
    fast_body, route_body = fast.json(), route.json()
    for body in (fast_body, route_body):
        body.pop("server_time")
    assert fast_body == route_body


def test_a_well_formed_push_is_answered_without_the_route(hq: Hq, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches the fast path standing aside for the pushes it exists for (the route then answers them,
    at ~0.8 ms more CPU each)."""
    store = hq.store()
    guide, member, device = hq.guide(store), hq.member(store), hq.device(store)

    def route_reached(*_args: Any) -> None:
        raise AssertionError("the route answered a well-formed push")

    monkeypatch.setattr(routes_sync, "push_answer", route_reached)
    result = device.send(
        Mutation.BINDING_CREATE, {"binding_id": str(uuid.uuid4()), "member_id": member.id}, guide.id
    )
    assert result["status"] == "applied"


def test_every_outcome_is_the_routes_answer(hq: Hq, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches an answer ahead of FastAPI that differs from the route's: statuses, error codes, the
    fields a till switches on (`expected`, `id`), WWW-Authenticate."""
    store, other = hq.store(), hq.store()
    guide = hq.guide(store)
    device, stranger = hq.device(store), hq.device(other)
    members = [hq.member(store) for _ in range(3)]

    def bind(member_index: int, id: int) -> dict[str, Any]:
        args = {
            "binding_id": f"00000000-0000-4000-8000-{member_index:012d}",
            "member_id": members[member_index].id,
        }
        return device.mutation(Mutation.BINDING_CREATE, args, guide.id, id=id)

    applied = bind(0, 1)
    cases: dict[str, Any] = {
        "applied, then its replay": lambda: device.push([applied]),
        "a gap": lambda: device.push([bind(1, 5)]),
        "a payload mismatch": lambda: device.push([bind(2, 1)]),
        "an empty batch": lambda: device.push([]),
        "too large a batch": lambda: device.push([bind(1, 2)] * (MAX_PUSH_BATCH + 1)),
        "another device's id": lambda: stranger.post(
            "/v1/sync/push", {"device_id": device.device_id, "mutations": []}
        ),
        "an unknown token": lambda: hq.client.post(
            "/v1/sync/push",
            json={"device_id": device.device_id, "mutations": []},
            headers={"Authorization": "Bearer " + "x" * 40},
        ),
    }
    for name, send in cases.items():
        fast, route = _both(hq, monkeypatch, send)
        assert fast.status_code in (200, 400, 401, 403, 409, 422), name
        _same(fast, route)
    with hq.runtime.db.write() as s:
        assert revoke_device(s, device_id=device.device_id, now=hq.clock())
    fast, route = _both(hq, monkeypatch, lambda: device.push([bind(1, 2)]))
    assert fast.status_code == 403 and fast.json()["error"] == "device_revoked"  # on the very next request
    _same(fast, route)


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b'{"device_id": "x"}', b'{"device_id": "x", "mutations": [{"id": "one"}]}'],
)
def test_what_the_fast_path_does_not_take_gets_the_routes_answer(hq: Hq, body: bytes) -> None:
    """Malformed bodies are the route's to refuse, with its 400 invalid_request."""
    device = hq.device(hq.store())
    answer = hq.client.post(
        "/v1/sync/push", content=body, headers={**device.headers, "Content-Type": "application/json"}
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
