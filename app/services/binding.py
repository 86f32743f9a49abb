"""Bindings (专属导购) at the counter: bind with one key, transfer with a manager's approval, and hand a
departing guide's members to a colleague (离职继承).

The rules of DESIGN.md §5 are checked here for the guide's immediate feedback and checked again at HQ,
which decides: a bind made here is "pending HQ" until the sync says applied, merged or rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app.db.models import Binding, Guide, Member, Outbox, TransferRequest
from app.errors import AuthError, InvalidInput, MemberNotFound, RuleRefused
from app.services.cards import BIND_MUTATIONS, EffectiveBinding, effective_binding
from app.services.common import GuideRef, new_id
from app.services.effective import pending_enrollment
from app.services.ledger import count_activity
from app.services.outbox import PENDING_STATES, append_audit, record_mutation
from app.services.policy import policy_of
from app.sync.protocol import Mutation


@dataclass(frozen=True)
class BindOutcome:
    binding_id: str
    member_id: str
    guide_id: str
    outbox_id: int
    kind: str  # create | lapsed_takeover
    protected_until: datetime
    state: str = "pending"


@dataclass(frozen=True)
class TransferRequestView:
    id: str
    member_id: str
    member_name: str
    from_guide_id: str
    to_guide_id: str
    reason_note: str
    state: str
    created_at: datetime


@dataclass(frozen=True)
class TransferOutcome:
    request_id: str
    binding_id: str
    outbox_id: int


@dataclass(frozen=True)
class BulkTransferOutcome:
    count: int
    first_outbox_id: int | None
    last_outbox_id: int | None


def _member_store(session: Session, member_id: str) -> str | None:
    store = session.scalar(select(Member.store_id).where(Member.id == member_id))
    if store is not None:
        return store
    return None if pending_enrollment(session, member_id) is None else "enrolled_here"


def _check_bindable(session: Session, member_id: str, guide: GuideRef, now: datetime) -> EffectiveBinding:
    store = _member_store(session, member_id)
    if store is None:
        raise MemberNotFound("member_not_local", member_id=member_id)
    if store not in (guide.store_id, "enrolled_here"):
        raise RuleRefused("member_other_store", member_id=member_id)
    pending = session.scalar(
        select(Outbox.id).where(
            Outbox.member_id == member_id, Outbox.name.in_(BIND_MUTATIONS), Outbox.state.in_(PENDING_STATES)
        )
    )
    current = effective_binding(session, member_id=member_id, now=now)
    if current.guide_id == guide.id:
        raise RuleRefused("already_bound_to_you", protected_until=current.protected_until)
    if pending is not None:
        raise RuleRefused("bind_pending", guide_name=current.guide_name)
    return current


def bind_member(
    session: Session, *, member_id: str, guide: GuideRef, now: datetime, code: str | None = None
) -> BindOutcome:
    """Bind the member to this guide, or explain why not. One outbox row; flushes, never commits."""
    current = _check_bindable(session, member_id, guide, now)
    policy = policy_of(session)
    protected_until = now + timedelta(days=policy.protection_days)
    binding_id = new_id()
    if current.guide_id is None:
        args = {"binding_id": binding_id, "member_id": member_id}
        if code:
            args["code"] = code
        name, kind = Mutation.BINDING_CREATE, "create"
    else:
        if current.store_id not in (None, guide.store_id) and not policy.cross_store_transfer:
            raise RuleRefused(
                "bound_other_store", guide_name=current.guide_name, store_name=current.store_name
            )
        if current.protected_until is not None and current.protected_until > now:
            raise RuleRefused(
                "protected",
                guide_name=current.guide_name,
                store_name=current.store_name,
                protected_until=current.protected_until,
            )
        args = {
            "binding_id": binding_id,
            "member_id": member_id,
            "from_binding_id": current.binding_id,
            "to_guide_id": guide.id,
            "reason": "protection_lapsed",
        }
        name, kind = Mutation.BINDING_TRANSFER, "lapsed_takeover"
    outbox_id = record_mutation(
        session, name=name, args=args, guide_id=guide.id, now=now, member_id=member_id
    )
    count_activity(session, kind="bind", guide_id=guide.id, at=now, member_id=member_id, outbox_id=outbox_id)
    return BindOutcome(binding_id, member_id, guide.id, outbox_id, kind, protected_until)


def request_transfer(
    session: Session, *, member_id: str, to_guide: GuideRef, reason_note: str, now: datetime
) -> TransferRequestView:
    """A guide asks to take over a colleague's member; a manager decides. Nothing goes to HQ yet."""
    current = _check_bindable(session, member_id, to_guide, now)
    if current.binding_id is None or current.guide_id is None:
        raise RuleRefused("not_bound")  # an unbound member is simply bound
    note = reason_note.strip()
    if len(note) > 200:
        raise InvalidInput("bad_note")
    request = TransferRequest(
        id=new_id(),
        member_id=member_id,
        from_binding_id=current.binding_id,
        from_guide_id=current.guide_id,
        to_guide_id=to_guide.id,
        reason_note=note,
        state="open",
        created_at=now,
    )
    session.add(request)
    append_audit(session, action="transfer.request", guide_id=to_guide.id, now=now, subject_id=member_id)
    session.flush()
    return _request_view(session, request)


def _request_view(session: Session, r: TransferRequest) -> TransferRequestView:
    name = session.scalar(select(Member.name).where(Member.id == r.member_id)) or ""
    return TransferRequestView(
        r.id, r.member_id, name, r.from_guide_id, r.to_guide_id, r.reason_note, r.state, r.created_at
    )


def list_transfer_requests(
    session: Session, *, store_id: str, state: str = "open"
) -> tuple[TransferRequestView, ...]:
    rows = session.scalars(
        select(TransferRequest)
        .join(Guide, Guide.id == TransferRequest.to_guide_id)
        .where(TransferRequest.state == state, Guide.store_id == store_id)
        .order_by(TransferRequest.created_at)
    )
    return tuple(_request_view(session, r) for r in rows)


def _open_request(session: Session, request_id: str, manager: GuideRef) -> TransferRequest:
    if not manager.is_manager:
        raise AuthError("manager_required")
    request = session.get(TransferRequest, request_id)
    if request is None or request.state != "open":
        raise InvalidInput("unknown_request", request_id=request_id)
    return request


def approve_transfer(
    session: Session, *, request_id: str, manager: GuideRef, now: datetime
) -> TransferOutcome:
    """The manager approves: the binding moves (compare-and-set on the binding it replaces, at HQ)."""
    request = _open_request(session, request_id, manager)
    binding_id = new_id()
    outbox_id = record_mutation(
        session,
        name=Mutation.BINDING_TRANSFER,
        args={
            "binding_id": binding_id,
            "member_id": request.member_id,
            "from_binding_id": request.from_binding_id,
            "to_guide_id": request.to_guide_id,
            "reason": "manager_approved",
            "approved_by": manager.id,
        },
        guide_id=manager.id,
        now=now,
        member_id=request.member_id,
    )
    count_activity(
        session,
        kind="transfer",
        guide_id=request.to_guide_id,
        at=now,
        member_id=request.member_id,
        outbox_id=outbox_id,
    )
    request.state, request.decided_at, request.decided_by, request.outbox_id = (
        "approved",
        now,
        manager.id,
        outbox_id,
    )
    session.flush()
    return TransferOutcome(request.id, binding_id, outbox_id)


def reject_transfer(session: Session, *, request_id: str, manager: GuideRef, now: datetime) -> None:
    request = _open_request(session, request_id, manager)
    request.state, request.decided_at, request.decided_by = "rejected", now, manager.id
    append_audit(
        session, action="transfer.reject", guide_id=manager.id, now=now, subject_id=request.member_id
    )
    session.flush()


def transfer_departing_guide(
    session: Session, *, from_guide_id: str, to_guide: GuideRef, manager: GuideRef, now: datetime
) -> BulkTransferOutcome:
    """Move every active binding of a departing guide to a colleague: one mutation each, one transaction."""
    if not manager.is_manager:
        raise AuthError("manager_required")
    if from_guide_id == to_guide.id or to_guide.store_id != manager.store_id:
        raise InvalidInput("unknown_guide", guide_id=to_guide.id)
    if (
        session.scalar(select(Guide.id).where(Guide.id == from_guide_id, Guide.store_id == manager.store_id))
        is None
    ):
        raise InvalidInput("unknown_guide", guide_id=from_guide_id)
    bindings = session.execute(
        select(Binding.id, Binding.member_id).where(
            Binding.guide_id == from_guide_id, Binding.active == true()
        )
    ).all()
    # Members already moving by a pending transfer made here keep that one.
    moving = set(
        session.scalars(
            select(Outbox.member_id).where(Outbox.name.in_(BIND_MUTATIONS), Outbox.state.in_(PENDING_STATES))
        )
    )
    first = last = None
    count = 0
    for binding_id, member_id in bindings:
        if member_id in moving:
            continue
        last = record_mutation(
            session,
            name=Mutation.BINDING_TRANSFER,
            args={
                "binding_id": new_id(),
                "member_id": member_id,
                "from_binding_id": binding_id,
                "to_guide_id": to_guide.id,
                "reason": "departure",
                "approved_by": manager.id,
            },
            guide_id=manager.id,
            now=now,
            member_id=member_id,
        )
        count_activity(
            session, kind="transfer", guide_id=to_guide.id, at=now, member_id=member_id, outbox_id=last
        )
        first = first or last
        count += 1
    return BulkTransferOutcome(count, first, last)
