"""Request bodies before any endpoint sees them: a size cap per path (a push ≤ 256 KiB, anything else
≤ 16 KiB) and gzip request bodies (the workstation compresses large pushes) inflated under the same cap,
so neither a huge body nor a decompression bomb reaches the JSON parser. Pure ASGI, no buffering beyond
the cap."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import orjson

from contract.wire import MAX_PUSH_BYTES
from hq.api.responses import iso
from hq.runtime import HqRuntime

DEFAULT_LIMIT = 16 * 1024
PATH_LIMITS = {
    "/v1/sync/push": MAX_PUSH_BYTES,
    "/v1/admin/members/import": 4 * 1024 * 1024,
    # The console's forms: an upload, and a composer that may name every store.
    "/console/members/import": 4 * 1024 * 1024 + 64 * 1024,
    "/console/tasks/new": 256 * 1024,
}

Scope = dict[str, Any]
Message = dict[str, Any]


class BodyLimits:
    def __init__(self, app: Any, *, runtime: HqRuntime, limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.runtime = runtime
        self.limits = PATH_LIMITS if limits is None else limits

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], DEFAULT_LIMIT)
        headers = [(k.lower(), v) for k, v in scope["headers"]]
        encoding = next(
            (v.decode("latin-1").strip().lower() for k, v in headers if k == b"content-encoding"), ""
        )
        if encoding not in ("", "identity", "gzip"):
            await self._refuse(send, 415, "unsupported_content_encoding", {"supported": ["gzip"]})
            return
        declared = next((v for k, v in headers if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, 413, "payload_too_large", {"max_bytes": limit})
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, 413, "payload_too_large", {"max_bytes": limit})
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if encoding == "gzip":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                inflated = inflater.decompress(body, limit + 1)
            except zlib.error:
                await self._refuse(send, 400, "bad_content_encoding", {})
                return
            if len(inflated) > limit or inflater.unconsumed_tail:
                await self._refuse(send, 413, "payload_too_large", {"max_bytes": limit})
                return
            body = inflated
        new_headers = [(k, v) for k, v in headers if k not in (b"content-encoding", b"content-length")]
        new_headers.append((b"content-length", str(len(body)).encode()))
        scope = {**scope, "headers": new_headers}
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(
        self, send: Callable[..., Any], status: int, code: str, details: dict[str, Any]
    ) -> None:
        payload = orjson.dumps(
            {
                "error": code,
                "message": code.replace("_", " "),
                "details": details,
                "server_time": iso(self.runtime.now()),
                "server_epoch": self.runtime.facts.epoch,
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
