"""JSON out: orjson encoding (several times faster than json on pull pages) and the two fields every
response carries, `server_time` and `server_epoch`."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from hq.clock import iso
from hq.runtime import HqRuntime

__all__ = ["JsonResponse", "iso", "ok", "runtime_of", "stamp", "stamped"]


class JsonResponse(JSONResponse):
    """A JSONResponse subclass (not a bare Response) so that FastAPI documents routes' response models in
    the OpenAPI schema instead of `{"type": "string"}`."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def runtime_of(request: Request) -> HqRuntime:
    runtime: HqRuntime = request.app.state.runtime
    return runtime


def stamp(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    return stamped(runtime_of(request), body)


def stamped(runtime: HqRuntime, body: dict[str, Any]) -> dict[str, Any]:
    body["server_time"] = iso(runtime.now())
    body["server_epoch"] = runtime.facts.epoch
    return body


def ok(request: Request, body: dict[str, Any], status_code: int = 200) -> JsonResponse:
    return JsonResponse(stamp(request, body), status_code=status_code)
