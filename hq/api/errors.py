"""The one error shape of the HQ API, `{"error": code, "message": text, "details": {...}}` plus
`server_time` and `server_epoch` (DESIGN.md §5), and the handlers that make every failure take it —
validation errors, unknown routes, transient database failures (503) and bugs (500) alike.

Messages are English for operators and logs; workstations switch on `error` and never show `message`.
Validation errors name the field and the problem but never echo the input back.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hq.api.responses import JsonResponse, stamp
from hq.db.errors import is_transient
from hq.logsafe import log_failure

log = logging.getLogger("hq.api")

RETRY_AFTER_S = 2


class ApiError(Exception):
    """An answer other than success. `extra` lands at the top level of the body (the wire contract puts
    `expected` of a gap and `id` of a payload mismatch there)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str = "",
        *,
        details: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message or code.replace("_", " ")
        self.details = details or {}
        self.extra = extra or {}
        self.headers = headers or {}


class Unavailable(ApiError):
    """A transient failure: nothing after it was applied; the client retries later."""

    def __init__(self, message: str = "database busy, retry", *, details: dict[str, Any] | None = None):
        super().__init__(
            503,
            "temporarily_unavailable",
            message,
            details={"retry_after": RETRY_AFTER_S, **(details or {})},
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )


def error_response(request: Request, error: ApiError) -> JsonResponse:
    body: dict[str, Any] = {"error": error.code, "message": error.message, "details": error.details}
    body.update(error.extra)
    return JsonResponse(stamp(request, body), status_code=error.status, headers=error.headers)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JsonResponse:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JsonResponse:
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type", "invalid")}
            for e in exc.errors()[:20]
        ]
        return error_response(
            request,
            ApiError(
                400, "invalid_request", "request does not match the schema", details={"problems": problems}
            ),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        headers = dict(exc.headers or {})
        return error_response(request, ApiError(exc.status_code, code, str(exc.detail), headers=headers))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
        if is_transient(exc):
            log.warning("transient database failure on %s: %s", request.url.path, type(exc).__name__)
            return error_response(request, Unavailable())
        log_failure(log, "unexpected failure on %s", request.url.path, exc=exc)  # no values: PII
        return error_response(request, ApiError(500, "internal_error", "unexpected server error"))
