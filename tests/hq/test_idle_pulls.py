"""The idle pull answered ahead of FastAPI (hq/api/idle_pulls.py) says exactly what the `/v1/sync/pull`
route says: the same idle page for an up-to-date till, and for everything else — bad bodies, bad tokens,
a revoked or mismatched device — the route's own answer, because the handler passes it on.

Each comparison runs the same request against HQ as served and against the same HQ with the handler
taken out of its middleware."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from hq.api import idle_pulls
from hq.api.idle_pulls import IdlePulls
from hq.api.schemas import PullIn
from hq.app import create_app
from hq.services.devices import revoke_device
from tests.hq.harness import DeviceClient, Hq, idle_device


@pytest.fixture
def route_only(hq: Hq) -> Iterator[TestClient]:
    """The same HQ (runtime, database, clock) without the idle-pull handler."""
    app = create_app(hq.settings, runtime=hq.runtime)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not IdlePulls]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def idle(hq: Hq) -> DeviceClient:
    return idle_device(hq)


def _post(client: TestClient, device: DeviceClient, body: Any, **headers: str) -> httpx.Response:
    sent = {"Authorization": f"Bearer {device.token}", "Content-Type": "application/json", **headers}
    content = body if isinstance(body, bytes) else httpx.Request("POST", "/", json=body).content
    return client.post("/v1/sync/pull", content=content, headers=sent)


def _same(served: httpx.Response, route: httpx.Response) -> None:
    assert served.status_code == route.status_code, (served.text, route.text)
    a, b = served.json(), route.json()
    for answer in (a, b):  # a fresh cursor carries the second it was made in
        answer.pop("server_time", None)
        answer["cursor"] = "cursor" if answer.pop("cursor", None) else None
    assert a == b
    assert served.headers["content-type"] == route.headers["content-type"]


def test_the_handlers_bounds_are_the_pull_schemas() -> None:
    def bound(field: str, name: str) -> Any:
        return next(getattr(m, name) for m in PullIn.model_fields[field].metadata if hasattr(m, name))

    assert bound("device_id", "max_length") == idle_pulls.MAX_DEVICE_ID
    assert bound("cursor", "max_length") == idle_pulls.MAX_CURSOR
    assert bound("limit", "le") == idle_pulls.MAX_LIMIT


def test_an_idle_till_gets_the_routes_page_without_the_route(
    hq: Hq, idle: DeviceClient, route_only: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"device_id": idle.device_id, "cursor": idle.cursor, "limit": 500, "unknown": 1}
    route = _post(route_only, idle, body)
    monkeypatch.setattr("hq.api.routes_sync._pull_page", _not_reached)
    served = _post(hq.client, idle, body)
    _same(served, route)
    assert served.json()["changes"] == [] and served.json()["cursor"] == idle.cursor


def _not_reached(*_args: Any) -> None:
    raise AssertionError("the idle pull reached the route")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"limit": True}, {}),
        ({"limit": 0}, {}),
        ({"limit": 1.0}, {}),
        ({"device_id": ""}, {}),
        ({"device_id": "d" * 65}, {}),
        ({"cursor": "c" * 4097}, {}),
        ({"cursor": None}, {}),
        ({}, {"Content-Type": "text/plain"}),
        ({}, {"Authorization": "Basic abc"}),
        ({}, {"Authorization": "Bearer " + "t" * 201}),
        ({}, {"Authorization": "Bearer unknown-token"}),
        ({"device_id": "another-device"}, {}),
        (b"[1, 2]", {}),
        (b"{not json", {}),
    ],
)
def test_what_the_route_would_refuse_or_page_gets_the_routes_answer(
    hq: Hq, idle: DeviceClient, route_only: TestClient, body: Any, headers: dict[str, str]
) -> None:
    if isinstance(body, dict):
        body = {"device_id": idle.device_id, "cursor": idle.cursor, **body}
    _same(_post(hq.client, idle, body, **headers), _post(route_only, idle, body, **headers))


def test_a_second_authorization_header_is_read_as_the_route_reads_it(
    hq: Hq, idle: DeviceClient, route_only: TestClient
) -> None:
    """Two bearer headers, a wrong one first: the route reads the first and refuses; so must the handler."""
    body = httpx.Request("POST", "/", json={"device_id": idle.device_id, "cursor": idle.cursor}).content
    headers = [
        ("Content-Type", "application/json"),
        ("Authorization", "Bearer not-a-token"),
        ("Authorization", f"Bearer {idle.token}"),
    ]
    served = hq.client.post("/v1/sync/pull", content=body, headers=headers)
    _same(served, route_only.post("/v1/sync/pull", content=body, headers=headers))
    assert served.status_code == 401


def test_a_revoked_till_is_refused_on_its_next_idle_pull(
    hq: Hq, idle: DeviceClient, route_only: TestClient
) -> None:
    body = {"device_id": idle.device_id, "cursor": idle.cursor}
    assert _post(hq.client, idle, body).status_code == 200
    with hq.tx() as (s, _changes):
        assert revoke_device(s, device_id=idle.device_id, now=hq.clock())
    served = _post(hq.client, idle, body)
    _same(served, _post(route_only, idle, body))
    assert served.status_code == 403 and served.json()["error"] == "device_revoked"
