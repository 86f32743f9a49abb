"""A well-formed push answered ahead of FastAPI: the same validation model, the same answer function
as the `/v1/sync/push` route (`push_answer`), without FastAPI's routing, dependency solving and
response handling: 3.66 → 3.10 ms of CPU a push in process (docs/benchmarks-hq.md).

It takes a push only when the route would accept the request as far as its shape goes: a JSON body that
`PushIn` validates and a bearer token `device_token` would pass. Anything else goes on unchanged to the
route, which gives its usual answer (400 invalid_request, 401, …). The answer itself — the device
looked up on this very request, so a revoked one is refused at once; the batch applied in the
threadpool, since its transactions can wait on row locks — and its errors are the route's: an ApiError
is rendered by the same `error_response`, and anything unexpected propagates to the app's own handler
for it (500, or 503 when transient), as from the route.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hq.api.ahead import Receive, Scope, buffered, json_bearer
from hq.api.errors import ApiError, error_response
from hq.api.responses import JsonResponse, stamped
from hq.api.routes_sync import push_answer
from hq.api.schemas import PushIn
from hq.runtime import HqRuntime

PATH = "/v1/sync/push"


def _push(body: bytes) -> PushIn | None:
    """The body as the route would validate it (JSON decoded, then the model), or None."""
    try:
        return PushIn.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError):
        return None


class FastPushes:
    def __init__(self, app: Any, *, runtime: HqRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        body, replay = await buffered(receive)
        token = json_bearer(scope)
        push = _push(body) if token is not None else None
        if token is None or push is None:
            await self.app(scope, replay, send)
            return
        try:
            answer = await run_in_threadpool(push_answer, self.runtime, token, push)
        except ApiError as error:
            await error_response(Request(scope), error)(scope, replay, send)
            return
        await JsonResponse(stamped(self.runtime, answer))(scope, replay, send)
