"""Health, enrollment and hello: how a workstation becomes a device and learns, at the start of each
sync, whether it may go on (ok), must upgrade, must reset its replica, or was revoked."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request

from contract.wire import (
    ACTION_OK,
    ACTION_RESET,
    ACTION_REVOKED,
    ACTION_UPGRADE,
    MAX_PULL_LIMIT,
    MAX_PUSH_BATCH,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
)
from hq.api.auth import client_address, device_token, require_device
from hq.api.errors import ApiError
from hq.api.responses import JsonResponse, ok, runtime_of
from hq.api.schemas import ERRORS, EnrollIn, EnrollOut, HealthOut, HelloIn, HelloOut
from hq.db.database import ALIVE
from hq.services.devices import EnrollRefused, enroll_device, needs_touch, touch_device

router = APIRouter(prefix="/v1")
MIN_PROTOCOL = MAX_PROTOCOL = PROTOCOL_VERSION
SCHEMA_VERSIONS = frozenset({SCHEMA_VERSION})


@router.get("/health", response_model=HealthOut, tags=["device"], summary="liveness, no auth")
def health(request: Request) -> JsonResponse:
    runtime = runtime_of(request)
    try:
        runtime.db.fetch(ALIVE, {})
    except Exception:  # the answer *is* the failure: a load balancer takes this worker out
        return ok(request, {"status": "degraded", "database": "unavailable"}, status_code=503)
    return ok(request, {"status": "ok", "database": "ok"})


@router.post(
    "/enroll",
    response_model=EnrollOut,
    responses={**ERRORS, 429: ERRORS[400]},
    tags=["device"],
    summary="one-time enrollment code → device id and token",
)
def enroll(body: EnrollIn, request: Request) -> JsonResponse:
    runtime = runtime_of(request)
    settings = runtime.settings
    with runtime.db.write() as session:
        outcome = enroll_device(
            session,
            code=body.code,
            hostname=body.hostname,
            app_version=body.app_version,
            source=client_address(request, trust_forwarded=settings.trust_forwarded),
            now=runtime.now(),
            max_failures=settings.enroll_max_failures,
            window=timedelta(seconds=settings.enroll_failure_window_s),
        )
    if isinstance(outcome, EnrollRefused):
        if outcome.code == "rate_limited":
            raise ApiError(
                429,
                "rate_limited",
                "too many failed enrollment attempts",
                details={"retry_after": outcome.retry_after_s},
                headers={"Retry-After": str(outcome.retry_after_s)},
            )
        raise ApiError(400, outcome.code, "enrollment code refused")
    return ok(
        request,
        {
            "device_id": outcome.device_id,
            "token": outcome.token,
            "store": {"id": outcome.store_id, "code": outcome.store_code, "name": outcome.store_name},
        },
    )


@router.post(
    "/sync/hello",
    response_model=HelloOut,
    responses=ERRORS,
    tags=["sync"],
    summary="version window, clock, last_mutation_id and what to do",
)
def hello(body: HelloIn, request: Request, token: str = Depends(device_token)) -> JsonResponse:
    runtime = runtime_of(request)
    with runtime.db.lookup() as session:
        device = require_device(session, token, device_id=body.device_id, allow_revoked=True)
    if device.revoked:
        action = ACTION_REVOKED
    elif not MIN_PROTOCOL <= body.protocol <= MAX_PROTOCOL or body.schema_version not in SCHEMA_VERSIONS:
        action = ACTION_UPGRADE
    elif device.reset_requested:
        action = ACTION_RESET
    else:
        action = ACTION_OK
    now = runtime.now()
    if not device.revoked and needs_touch(device, app_version=body.app_version, now=now):
        with runtime.db.write() as session:
            touch_device(session, device_id=device.device_id, app_version=body.app_version, now=now)
    return ok(
        request,
        {
            "action": action,
            "last_mutation_id": device.last_mutation_id,
            "max_push_batch": MAX_PUSH_BATCH,
            "max_pull_limit": MAX_PULL_LIMIT,
            "min_protocol": MIN_PROTOCOL,
            "max_protocol": MAX_PROTOCOL,
        },
    )
