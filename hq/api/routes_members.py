"""/v1/members/lookup: a member scanned at a counter but not in its replica (another store's member, or
one not synced yet). Authorised by the member's signed code — the shopper showing it is the consent —
and answered with the changes the workstation applies to its replica: the member (without the phone:
another store's counter does not need it), its home store, its card codes, tags and active binding.
Every lookup is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hq.api.auth import device_token, require_device
from hq.api.errors import ApiError
from hq.api.responses import JsonResponse, ok, runtime_of
from hq.api.schemas import ERRORS, LookupOut
from hq.db.models import AuditEvent, Binding, Guide, Member, MemberCode, MemberTag, Store
from hq.services.policy import current_policy
from hq.services.qrkeys import CodeRejected, claim_code_use, verify_member_code
from hq.sync.payloads import binding_data, member_data
from hq.sync.scopes import member_tag_id

router = APIRouter(prefix="/v1/members", tags=["members"])


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
    with runtime.db.write() as session:
        device = require_device(session, token)
        try:
            claims = verify_member_code(
                session, code, now=now, tolerance_s=current_policy(session).clock_tolerance_seconds
            )
            # One code, one till: a code seen at another device is refused (replayed or photographed).
            claim_code_use(
                session,
                claims,
                device_id=device.device_id,
                now=now,
                keep_s=runtime.settings.code_offline_grace_s,
            )
        except CodeRejected as exc:
            raise ApiError(
                400, "member_code_invalid", "member code refused", details={"reason": exc.code}
            ) from None
        member = session.get(Member, claims.member_id)
        if member is None:
            raise ApiError(404, "member_not_found", "no such member")
        if member.erased_at is not None:
            raise ApiError(410, "member_erased", "this member was erased")
        changes = _member_changes(session, member)
        session.add(
            AuditEvent(
                at=now, store_id=device.store_id, device_id=device.device_id, actor="device",
                action="member.lookup", subject_id=member.id,
                details={"member_store": member.store_id, "key_id": claims.key_id},
            )
        )  # fmt: skip
    return ok(request, {"member_id": member.id, "changes": changes})


def _member_changes(session: Any, member: Member) -> list[dict[str, Any]]:
    store = session.get(Store, member.store_id)
    out: list[dict[str, Any]] = [
        {
            "t": "store",
            "id": store.id,
            "op": "put",
            "v": 0,
            "data": {"id": store.id, "code": store.code, "name": store.name},
        },
        {"t": "member", "id": member.id, "op": "put", "v": 0, "data": member_data(member, with_phone=False)},
    ]
    for code, kind in session.execute(
        select(MemberCode.code, MemberCode.kind).where(MemberCode.member_id == member.id)
    ):
        out.append(
            {
                "t": "member_code",
                "id": code,
                "op": "put",
                "v": 0,
                "data": {"code": code, "member_id": member.id, "kind": kind},
            }
        )
    for (tag_id,) in session.execute(select(MemberTag.tag_id).where(MemberTag.member_id == member.id)):
        key = member_tag_id(member.id, tag_id)
        out.append(
            {
                "t": "member_tag",
                "id": key,
                "op": "put",
                "v": 0,
                "data": {"member_id": member.id, "tag_id": tag_id},
            }
        )
    bound = session.execute(
        select(Binding, Guide.name, Store.name)
        .join(Guide, Guide.id == Binding.guide_id)
        .join(Store, Store.id == Binding.store_id)
        .where(Binding.member_id == member.id, Binding.active.is_(True))
    ).first()
    if bound is not None:
        binding, guide_name, store_name = bound
        out.append(
            {
                "t": "binding",
                "id": binding.id,
                "op": "put",
                "v": 0,
                "data": binding_data(binding, guide_name, store_name),
            }
        )
    return out
