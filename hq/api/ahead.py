"""What the handlers that answer ahead of FastAPI share (hq/api/idle_pulls.py, hq/api/fast_pushes.py):
the buffered body, handed on unchanged when they let a request through to its route, and the bearer
token of a JSON request, read as the route's dependencies would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from hq.api.auth import MAX_TOKEN

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]


async def buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a `receive` that hands the same messages on to the route."""
    messages: list[Message] = []
    while True:  # BodyLimits, outside these handlers, has capped and buffered the body already
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return body, replay


def json_bearer(scope: Scope) -> str | None:
    """The bearer token of an `application/json` request, when the route's `device_token` would accept
    it; else None (the route then gives its own answer)."""
    token = content_type = None
    for key, value in scope["headers"]:  # the first of each, as Starlette's headers.get() reads them
        if key == b"authorization" and token is None:
            token = value
        elif key == b"content-type" and content_type is None:
            content_type = value
    if token is None or content_type is None:
        return None
    if content_type.split(b";")[0].strip().lower() != b"application/json":
        return None
    scheme, _, credentials = token.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not credentials or len(credentials) > MAX_TOKEN:
        return None
    return credentials
