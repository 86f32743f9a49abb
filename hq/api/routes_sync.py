"""/v1/sync/push, /v1/sync/pull and /v1/sync/snapshot: the wire side of hq/sync/push.py, hq/sync/pull.py
and hq/sync/snapshot.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from contract.wire import MAX_PUSH_BATCH
from hq.api.auth import checked_device, device_token, require_device
from hq.api.errors import ApiError, Unavailable
from hq.api.responses import JsonResponse, ok, runtime_of
from hq.api.schemas import ERRORS, PullIn, PullOut, PushIn, PushOut, SnapshotIn
from hq.runtime import HqRuntime
from hq.services.devices import identify
from hq.sync.pull import pull_page
from hq.sync.push import (
    DeviceRevoked,
    PayloadMismatch,
    PushGap,
    TransientFailure,
    push_batch,
)
from hq.sync.snapshot import snapshot_lines

router = APIRouter(prefix="/v1/sync", tags=["sync"])

PUSH_ERRORS = {
    **ERRORS,
    409: {"model": ERRORS[400]["model"], "description": "mutation_gap, with the expected id"},
    422: {"model": ERRORS[400]["model"], "description": "idempotency_payload_mismatch, with the id"},
}


@router.post(
    "/push",
    response_model=PushOut,
    responses=PUSH_ERRORS,
    summary="ordered batch of mutations → one result per mutation",
)
def push(body: PushIn, request: Request, token: str = Depends(device_token)) -> JsonResponse:
    # A well-formed push was answered before it got here (hq/api/fast_pushes.py), by push_answer too.
    return ok(request, push_answer(runtime_of(request), token, body))


def push_answer(runtime: HqRuntime, token: str, body: PushIn) -> dict[str, Any]:
    """The push's answer, or the ApiError it gets. Blocking: runs in the threadpool."""
    device = checked_device(identify(runtime.db, token), device_id=body.device_id)
    if len(body.mutations) > MAX_PUSH_BATCH:
        raise ApiError(
            400, "batch_too_large", "too many mutations in one push", details={"max": MAX_PUSH_BATCH}
        )
    try:
        answer = push_batch(
            runtime, device_id=device.device_id, mutations=body.mutations, seen_last=device.last_mutation_id
        )
    except PushGap as gap:
        raise ApiError(
            409,
            "mutation_gap",
            "mutation ids must follow last_mutation_id without a gap",
            details={"expected": gap.expected},
            extra={"expected": gap.expected},
        ) from None
    except PayloadMismatch as mismatch:
        raise ApiError(
            422,
            "idempotency_payload_mismatch",
            "this mutation id was already used with another payload",
            details={"id": mismatch.mutation_id},
            extra={"id": mismatch.mutation_id},
        ) from None
    except DeviceRevoked:
        raise ApiError(403, "device_revoked", "this device was revoked; enroll again") from None
    except TransientFailure as failure:
        raise Unavailable(details={"failed_id": failure.mutation_id}) from None
    return {"last_mutation_id": answer.last_mutation_id, "results": answer.results}


@router.post(
    "/pull",
    response_model=PullOut,
    responses=ERRORS,
    summary="opaque cursor → page of changes, new cursor, has_more (or reset_required)",
)
async def pull(body: PullIn, request: Request, token: str = Depends(device_token)) -> JsonResponse:
    # An idle till's pull was answered before it got here (hq/api/idle_pulls.py); any other is
    # answered in the threadpool like every endpoint that works with the database.
    page = await run_in_threadpool(_pull_page, runtime_of(request), token, body)
    return ok(request, page)


def _pull_page(runtime: HqRuntime, token: str, body: PullIn) -> dict[str, Any]:
    with runtime.db.read() as session:
        device = require_device(session, token, device_id=body.device_id)
        return pull_page(session, runtime=runtime, device=device, cursor=body.cursor, limit=body.limit)


@router.post(
    "/snapshot",
    responses={**ERRORS, 200: {"content": {"application/x-ndjson": {}}}},
    summary="first sync: the store's scope at one version, streamed as NDJSON chunks (hq/sync/snapshot.py)",
)
async def snapshot(
    body: SnapshotIn, request: Request, token: str = Depends(device_token)
) -> StreamingResponse:
    runtime = runtime_of(request)
    lines = _snapshot_lines(runtime, token, body)
    # The first line is read before the answer starts, so a bad token or device is an error status, not
    # a broken stream.
    first = await run_in_threadpool(next, lines)
    return StreamingResponse(_stream(first, lines), media_type="application/x-ndjson")


def _snapshot_lines(runtime: HqRuntime, token: str, body: SnapshotIn) -> Generator[bytes, None, None]:
    with runtime.db.read() as session:
        device = require_device(session, token, device_id=body.device_id)
        yield from snapshot_lines(
            session, runtime=runtime, device=device, position=body.position, chunk_rows=body.limit
        )


async def _stream(first: bytes, lines: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """Each line is built in the threadpool (it reads the database); the read transaction stays open
    across them and is closed in the threadpool too, also when the workstation hangs up half way."""
    try:
        yield first
        while (line := await run_in_threadpool(next, lines, None)) is not None:
            yield line
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(lines.close)
