"""Device authentication: `Authorization: Bearer <device token>`. The token names the device and so the
store; a body's `device_id` must agree with it and a body never names the store (DESIGN.md §5, §6)."""

from __future__ import annotations

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from hq.api.errors import ApiError
from hq.services.devices import DeviceAuth, authenticate

bearer = HTTPBearer(auto_error=False, scheme_name="device_token", description="device token from /v1/enroll")
MAX_TOKEN = 200


def device_token(credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> str:  # noqa: B008
    """The bearer token, or 401 before any database work."""
    if credentials is None or not credentials.credentials or len(credentials.credentials) > MAX_TOKEN:
        raise ApiError(401, "unauthorized", "device token required", headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


def require_device(
    session: Session, token: str, *, device_id: str | None = None, allow_revoked: bool = False
) -> DeviceAuth:
    device = authenticate(session, token)
    if device is None:
        raise ApiError(401, "invalid_token", "unknown device token", headers={"WWW-Authenticate": "Bearer"})
    if device.revoked and not allow_revoked:
        raise ApiError(403, "device_revoked", "this device was revoked; enroll again")
    if device_id is not None and device_id != device.device_id:
        raise ApiError(403, "device_mismatch", "device_id does not match the token")
    return device


def client_address(request: Request, *, trust_forwarded: bool) -> str:
    if trust_forwarded:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first[:64]
    return request.client.host if request.client else "unknown"
