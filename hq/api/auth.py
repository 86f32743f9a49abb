"""Device authentication: `Authorization: Bearer <device token>`. The token names the device and so the
store; a body's `device_id` must agree with it and a body never names the store (DESIGN.md §5, §6)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hq.api.errors import ApiError
from hq.db.models import EnrollFailure
from hq.services.devices import DeviceAuth, authenticate

bearer = HTTPBearer(auto_error=False, scheme_name="device_token", description="device token from /v1/enroll")
MAX_TOKEN = 200


async def device_token(credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> str:  # noqa: B008
    """The bearer token, or 401 before any database work. `async`: FastAPI runs a plain `def`
    dependency in the threadpool, and that hop was half of an idle pull's CPU (~150 of ~300 µs in
    process); this one does no I/O."""
    if credentials is None or not credentials.credentials or len(credentials.credentials) > MAX_TOKEN:
        raise ApiError(401, "unauthorized", "device token required", headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


def require_device(
    session: Session, token: str, *, device_id: str | None = None, allow_revoked: bool = False
) -> DeviceAuth:
    return checked_device(authenticate(session, token), device_id=device_id, allow_revoked=allow_revoked)


def checked_device(
    device: DeviceAuth | None, *, device_id: str | None = None, allow_revoked: bool = False
) -> DeviceAuth:
    """The device a token named, or the error every device endpoint gives for it."""
    if device is None:
        raise ApiError(401, "invalid_token", "unknown device token", headers={"WWW-Authenticate": "Bearer"})
    if device.revoked and not allow_revoked:
        raise ApiError(403, "device_revoked", "this device was revoked; enroll again")
    if device_id is not None and device_id != device.device_id:
        raise ApiError(403, "device_mismatch", "device_id does not match the token")
    return device


def _trusted(host: str, proxies: tuple[str, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(p, strict=False) for p in proxies)


def client_address(request: Request, *, trust_forwarded: bool, proxies: tuple[str, ...] | None = None) -> str:
    """The address a rate limit counts: the TCP peer, or — behind trusted reverse proxies — the rightmost
    `X-Forwarded-For` hop that is not one of them. Each proxy appends the address it saw, so everything
    left of the last trusted hop is whatever the client wrote: taking the leftmost entry let a client
    pick its own address (dodging the enrollment limit, or aiming it at a store's till)."""
    peer = request.client.host if request.client else "unknown"
    if proxies is None:
        proxies = request.app.state.runtime.settings.trusted_proxies
    if not trust_forwarded or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return hops[0][:64] if hops else peer


# ---------------------------------------------------------------- failed admin authentication
# Counted per client address in the table enrollment's limit uses (rows survive restarts and are
# shared by every worker), under their own source prefix so the two limits never mix.


def _admin_source(request: Request) -> str:
    settings = request.app.state.runtime.settings
    return ("admin:" + client_address(request, trust_forwarded=settings.trust_forwarded))[:64]


def refuse_if_admin_locked_out(request: Request) -> None:
    """429 while this address has failed admin authentication too often: checked before the credential,
    so not even a right guess gets through during a lock-out (no oracle)."""
    runtime = request.app.state.runtime
    settings = runtime.settings
    since = runtime.now() - timedelta(seconds=settings.admin_failure_window_s)
    with runtime.db.read() as session:
        failures = session.scalar(
            select(func.count())
            .select_from(EnrollFailure)
            .where(EnrollFailure.source == _admin_source(request), EnrollFailure.at > since)
        )
    if (failures or 0) >= settings.admin_max_failures:
        retry = settings.admin_failure_window_s
        raise ApiError(429, "rate_limited", "too many failed admin authentications",
                       details={"retry_after": retry}, headers={"Retry-After": str(retry)})  # fmt: skip


def record_admin_failure(request: Request) -> None:
    runtime = request.app.state.runtime
    now = runtime.now()
    with runtime.db.write() as session:
        session.add(EnrollFailure(source=_admin_source(request), at=now))
        session.execute(delete(EnrollFailure).where(EnrollFailure.at < now - timedelta(days=1)))
