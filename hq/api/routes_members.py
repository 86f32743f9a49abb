"""/v1/members/lookup: the HTTP side of hq/services/lookup.py (a member outside the counter's replica,
authorised by its signed member code)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from hq.api.auth import device_token, require_device
from hq.api.errors import ApiError
from hq.api.responses import JsonResponse, ok, runtime_of
from hq.api.schemas import ERRORS, LookupOut
from hq.errors import HqError
from hq.services.lookup import lookup_member

router = APIRouter(prefix="/v1/members", tags=["members"])
_MESSAGES = {
    "member_code_invalid": "member code refused",
    "member_not_found": "no such member",
    "member_erased": "this member was erased",
}


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(
        max_length=512, description="the dynamic member code the shopper showed (compact m1. or GDM1)"
    )


@router.post(
    "/lookup",
    response_model=LookupOut,
    responses={**ERRORS, 404: ERRORS[400], 410: ERRORS[400]},
    summary="a member outside the replica, authorised by its signed member code (in the body)",
)
def lookup(body: LookupIn, request: Request, token: str = Depends(device_token)) -> JsonResponse:
    """The code travels in the body, not the URL: URLs end up in proxies' and servers' access logs."""
    return _lookup(request, body.code, token)


@router.get(
    "/lookup",
    response_model=LookupOut,
    responses={**ERRORS, 404: ERRORS[400], 410: ERRORS[400]},
    summary="the same, with the code in the query string (clients before the POST; deprecated)",
    deprecated=True,
)
def lookup_by_query(
    request: Request,
    code: str = Query(max_length=512, description="the dynamic member code (deprecated: POST it)"),
    token: str = Depends(device_token),
) -> JsonResponse:
    return _lookup(request, code, token)


def _lookup(request: Request, code: str, token: str) -> JsonResponse:
    runtime = runtime_of(request)
    now = runtime.now()
    try:
        with runtime.db.write() as session:
            device = require_device(session, token)
            answer = lookup_member(
                session,
                code=code,
                store_id=device.store_id,
                device_id=device.device_id,
                now=now,
                code_keep_s=runtime.settings.code_offline_grace_s,
            )
    except HqError as exc:
        raise ApiError(exc.status, exc.code, _MESSAGES.get(exc.code, exc.code), details=exc.details) from None
    return ok(request, {"member_id": answer.member_id, "changes": answer.changes})
