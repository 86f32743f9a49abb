"""A member scanned at a counter but not in its replica (another store's member, or one not synced yet),
looked up at HQ: authorised by the member's signed code — the shopper showing it is the consent — and
answered with the changes the workstation applies to its replica: the member (without the phone: another
store's counter does not need it), its home store, its card codes, tags and active binding. Every lookup
is audited. The route (hq/api/routes_members.py) only speaks HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.db.models import AuditEvent, Binding, Guide, Member, MemberCode, MemberTag, Store
from hq.errors import HqError, Invalid, NotFound
from hq.services.policy import current_policy
from hq.services.qrkeys import CodeRejected, claim_code_use, verify_member_code
from hq.sync.payloads import binding_data, member_data
from hq.sync.scopes import member_tag_id


class Gone(HqError):
    status = 410


@dataclass(frozen=True)
class LookupAnswer:
    member_id: str
    changes: list[dict[str, Any]]  # pull-page changes (store, member, codes, tags, binding)


def lookup_member(
    session: Session, *, code: str, store_id: str, device_id: str, now: datetime, code_keep_s: int
) -> LookupAnswer:
    """The member a signed code names, as changes for the replica of the asking device (of `store_id`);
    audited; the code is claimed for this device (one code, one till). Raises
    Invalid("member_code_invalid", reason), NotFound("member_not_found") or Gone("member_erased")."""
    try:
        claims = verify_member_code(
            session, code, now=now, tolerance_s=current_policy(session).clock_tolerance_seconds
        )
        # One code, one till: a code seen at another device is refused (replayed or photographed).
        claim_code_use(session, claims, device_id=device_id, now=now, keep_s=code_keep_s)
    except CodeRejected as exc:
        raise Invalid("member_code_invalid", reason=exc.code) from None
    member = session.get(Member, claims.member_id)
    if member is None:
        raise NotFound("member_not_found")
    if member.erased_at is not None:
        raise Gone("member_erased")
    changes = _member_changes(session, member)
    session.add(
        AuditEvent(
            at=now, store_id=store_id, device_id=device_id, actor="device",
            action="member.lookup", subject_id=member.id,
            details={"member_store": member.store_id, "key_id": claims.key_id},
        )
    )  # fmt: skip
    return LookupAnswer(member.id, changes)


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
