"""The idle pull answered ahead of FastAPI: a till whose cursor is up to date gets its empty page from
a plain ASGI handler, without routing, dependency solving or body-model validation.

Every till pulls once per sync interval, and nearly every one of those pulls is idle, so this answer is
most of what HQ does all day (docs/operations.md §12). In process, an idle pull through FastAPI cost
~140 µs of CPU, of which dependency solving and validation were ~26 % and routing ~13 %
(docs/benchmarks-hq.md); the page itself is one indexed statement and the cursor's HMAC
(`hq.sync.pull.idle_page`).

This handler only ever *answers the idle page*. It answers when the request is exactly what the
`/v1/sync/pull` route would accept — a JSON object body whose `device_id`, `cursor` and `limit` pass
`PullIn`'s checks, and a bearer token `device_token` would pass — and `idle_page` finds the device
active, its cursor current and no reset asked. Anything else, an error included, goes on unchanged to
the route, which gives the usual answer; so the route's own errors and non-idle pages are untouched, and
a revoked device is refused on its very next request as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from hq.api.ahead import Scope, buffered, json_bearer
from hq.api.responses import JsonResponse, stamped
from hq.runtime import HqRuntime
from hq.sync.pull import idle_page

PATH = "/v1/sync/pull"
# PullIn's bounds (hq/api/schemas.py); tests/hq/test_idle_pulls.py checks they agree.
MAX_DEVICE_ID, MAX_CURSOR, MAX_LIMIT = 64, 4096, 1_000_000


def _request(scope: Scope, body: bytes) -> tuple[str, str, str] | None:
    """(token, device_id, cursor) of a pull the route would accept with a cursor, else None."""
    credentials = json_bearer(scope)
    if credentials is None:
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    device_id, cursor, limit = data.get("device_id"), data.get("cursor"), data.get("limit", 1)
    if not (isinstance(device_id, str) and 0 < len(device_id) <= MAX_DEVICE_ID):
        return None
    if not (isinstance(cursor, str) and len(cursor) <= MAX_CURSOR):
        return None  # no cursor: a first pull, never idle
    if type(limit) is not int or not 1 <= limit <= MAX_LIMIT:  # strict: not a bool, not a float
        return None
    return credentials, device_id, cursor


class IdlePulls:
    def __init__(self, app: Any, *, runtime: HqRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        body, replay = await buffered(receive)
        wanted = _request(scope, body)
        page = None
        if wanted is not None:
            token, device_id, cursor = wanted
            page = idle_page(self.runtime, token, device_id=device_id, cursor=cursor)
        if page is not None:
            await JsonResponse(stamped(self.runtime, page))(scope, receive, send)
            return
        await self.app(scope, replay, send)
