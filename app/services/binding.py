"""Bindings (专属导购) at the counter: bind with one key, transfer with a manager's approval, and hand a
departing guide's members to a colleague (离职继承).

The rules of DESIGN.md §5 are checked here on the effective binding (replica + pending outbox, with
protection renewed by service) for the guide's immediate feedback; HQ checks them again and decides. A
bind made here is "pending HQ" until the sync says applied, merged or rejected. A refused rule raises a
typed error before anything is written.

Transfer requests are local intent (`transfer_requests`): nothing reaches HQ until a manager approves,
and the approval is one `binding.transfer.v1`, compare-and-set on the binding it replaces.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, cast

from sqlalchemy import select, true
from sqlalchemy.orm import Session, aliased

from app.changes import NOTHING, Changes, of_mutation
from app.db.models import Binding, Guide, Member, Outbox, TransferRequest
from app.errors import AuthError, InvalidInput, MemberNotFound, RuleRefused
from app.services.common import GuideRef, new_id
from app.services.effective import (
    BIND_MUTATIONS,
    EffectiveBinding,
    effective_binding,
    outbox_rows,
    pending_enrollment,
)
from app.services.ledger import count_activity
from app.services.outbox import PENDING_STATES, append_audit, record_mutation
from app.services.policy import policy_of
from contract.policy import PolicyValues
from contract.wire import Mutation

MAX_REASON_NOTE = 200
BindKind = Literal["create", "lapsed_takeover"]
RequestState = Literal["open", "approved", "rejected"]


@dataclass(frozen=True)
class BindOutcome:
    binding_id: str
    member_id: str
    guide_id: str
    outbox_id: int
    kind: BindKind
    protected_until: datetime
    state: Literal["pending"] = "pending"  # until HQ answers
    changes: Changes = NOTHING


@dataclass(frozen=True)
class TransferRequestView:
    id: str
    member_id: str
    member_name: str
    from_binding_id: str
    from_guide_id: str
    from_guide_name: str
    to_guide_id: str
    to_guide_name: str
    reason_note: str
    state: RequestState
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    outbox_id: int | None = None
    changes: Changes = NOTHING  # set when returned by a mutation (request, reject)


@dataclass(frozen=True)
class TransferOutcome:
    request_id: str
    member_id: str
    binding_id: str  # the new binding, pending at HQ
    to_guide_id: str
    outbox_id: int
    changes: Changes = NOTHING


@dataclass(frozen=True)
class BulkTransferOutcome:
    count: int
    first_outbox_id: int | None
    last_outbox_id: int | None
    changes: Changes = NOTHING


# ---------------------------------------------------------------- rules


def _member_store(session: Session, member_id: str) -> str | None:
    """The member's store, or None if the member is not on this workstation. A member enrolled here and
    still pending at HQ belongs to this counter's store."""
    store = session.scalar(select(Member.store_id).where(Member.id == member_id))
    if store is None and pending_enrollment(session, member_id) is not None:
        return _ENROLLED_HERE
    return store


_ENROLLED_HERE = "\0enrolled_here"


def _checked_binding(
    session: Session,
    member_id: str,
    guide: GuideRef,
    now: datetime,
    policy: PolicyValues,
    *,
    code: str | None = None,
) -> EffectiveBinding:
    """The member's effective binding, after the rules that refuse any bind or transfer request by this
    guide: unknown member, member of another store without the shopper's signed code (HQ accepts a
    visiting member's bind only with the code as proof of presence), already this guide's, a bind still
    pending."""
    store = _member_store(session, member_id)
    if store is None:
        raise MemberNotFound("member_not_local", member_id=member_id)
    if store not in (guide.store_id, _ENROLLED_HERE) and not code:
        raise RuleRefused("member_other_store", member_id=member_id)
    rows = outbox_rows(session, member_id)
    current = effective_binding(
        session, member_id=member_id, now=now, rows=rows, viewer_store_id=guide.store_id, policy=policy
    )
    if current.guide_id == guide.id:
        raise RuleRefused("already_bound_to_you", protected_until=current.protected_until)
    if any(r.name in BIND_MUTATIONS and r.state in PENDING_STATES for r in rows):
        raise RuleRefused("bind_pending", guide_name=current.guide_name)
    return current


def _refuse_other_store(current: EffectiveBinding, guide: GuideRef, cross_store_transfer: bool) -> None:
    # Another store's member stays there unless HQ allows cross-store transfers, protected or not.
    if current.store_id not in (None, guide.store_id) and not cross_store_transfer:
        raise RuleRefused("bound_other_store", guide_name=current.guide_name, store_name=current.store_name)


def bind_member(
    session: Session, *, member_id: str, guide: GuideRef, now: datetime, code: str | None = None
) -> BindOutcome:
    """Bind the member to this guide, or raise `RuleRefused` saying why not. An unbound member gets a
    `binding.create.v1`; a member whose protection has lapsed moves by `binding.transfer.v1`
    (protection_lapsed). One outbox row, its audit row and one "bind" in the ledger; flushes only."""
    policy = policy_of(session)
    current = _checked_binding(session, member_id, guide, now, policy, code=code)
    binding_id = new_id()
    if current.guide_id is None:
        args: dict[str, object] = {"binding_id": binding_id, "member_id": member_id}
        if code:
            args["code"] = code
        kind: BindKind = "create"
        name = Mutation.BINDING_CREATE
    else:
        _refuse_other_store(current, guide, policy.cross_store_transfer)
        # A winner HQ named but the replica does not hold yet has no binding to replace: protected.
        if current.binding_id is None or (
            current.protected_until is not None and current.protected_until > now
        ):
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
    return BindOutcome(
        binding_id=binding_id,
        member_id=member_id,
        guide_id=guide.id,
        outbox_id=outbox_id,
        kind=kind,
        protected_until=now + timedelta(days=policy.protection_days),
        changes=of_mutation(name, members=[member_id]),
    )


def unbound_members(session: Session, *, limit: int = 200) -> tuple[str, ...]:
    """Ids of up to `limit` members of the replica with no active binding (the demo picks a shopper)."""
    bound = select(Binding.member_id).where(Binding.active.is_(True))
    return tuple(session.scalars(select(Member.id).where(Member.id.not_in(bound)).limit(limit)))


# ---------------------------------------------------------------- transfer by manager approval

_to, _from = aliased(Guide), aliased(Guide)
_REQUESTS = (
    select(TransferRequest, Member.name, _from.name, _to.name)
    .join(_to, _to.id == TransferRequest.to_guide_id)
    .outerjoin(_from, _from.id == TransferRequest.from_guide_id)
    .outerjoin(Member, Member.id == TransferRequest.member_id)
)


def _view(
    r: TransferRequest, member_name: str | None, from_name: str | None, to_name: str | None
) -> TransferRequestView:
    return TransferRequestView(
        id=r.id,
        member_id=r.member_id,
        member_name=member_name or "",
        from_binding_id=r.from_binding_id,
        from_guide_id=r.from_guide_id,
        from_guide_name=from_name or "",
        to_guide_id=r.to_guide_id,
        to_guide_name=to_name or "",
        reason_note=r.reason_note,
        state=cast(RequestState, r.state),  # the column holds only these
        created_at=r.created_at,
        decided_at=r.decided_at,
        decided_by=r.decided_by,
        outbox_id=r.outbox_id,
    )


def _request_view(session: Session, request_id: str) -> TransferRequestView:
    r, member, from_name, to_name = session.execute(_REQUESTS.where(TransferRequest.id == request_id)).one()
    return _view(r, member, from_name, to_name)


def request_transfer(
    session: Session, *, member_id: str, to_guide: GuideRef, reason_note: str, now: datetime
) -> TransferRequestView:
    """A guide asks to take over a colleague's member; a manager decides. A local row and an audit row;
    nothing goes to HQ until approval."""
    note = reason_note.strip()
    if len(note) > MAX_REASON_NOTE:
        raise InvalidInput("reason_note_too_long", max_length=MAX_REASON_NOTE)
    policy = policy_of(session)
    current = _checked_binding(session, member_id, to_guide, now, policy)
    if current.guide_id is None:
        raise RuleRefused("not_bound")  # an unbound member is simply bound, no approval needed
    _refuse_other_store(current, to_guide, policy.cross_store_transfer)
    if current.binding_id is None:
        raise RuleRefused("binding_not_synced", guide_name=current.guide_name)
    already = session.scalar(
        select(TransferRequest.id).where(
            TransferRequest.state == "open", TransferRequest.member_id == member_id
        )
    )
    if already is not None:
        raise RuleRefused("transfer_requested", request_id=already)
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
    append_audit(
        session,
        action="transfer.request",
        guide_id=to_guide.id,
        now=now,
        subject_id=member_id,
        details={"request_id": request.id, "from_guide_id": current.guide_id},
    )
    session.flush()
    return replace(
        _request_view(session, request.id),
        changes=Changes.of("transfer_request", "audit", members=[member_id]),
    )


def list_transfer_requests(
    session: Session, *, store_id: str, state: str = "open"
) -> tuple[TransferRequestView, ...]:
    """Requests of the store's guides in this state, oldest first (the manager's queue)."""
    rows = session.execute(
        _REQUESTS.where(TransferRequest.state == state, _to.store_id == store_id).order_by(
            TransferRequest.created_at
        )
    )
    return tuple(_view(*row) for row in rows)


def _open_request(session: Session, request_id: str, manager: GuideRef) -> TransferRequest:
    if not manager.is_manager:
        raise AuthError("manager_required")
    request = session.get(TransferRequest, request_id)
    store = (
        None
        if request is None
        else session.scalar(select(Guide.store_id).where(Guide.id == request.to_guide_id))
    )
    # Another store's request is as unknown as a missing one.
    if request is None or store != manager.store_id:
        raise InvalidInput("unknown_request", request_id=request_id)
    if request.state != "open":
        raise RuleRefused("request_closed", request_id=request_id, state=request.state)
    return request


def approve_transfer(
    session: Session, *, request_id: str, manager: GuideRef, now: datetime
) -> TransferOutcome:
    """The manager approves: a `binding.transfer.v1` (manager_approved), compare-and-set at HQ on the
    binding the request named. Refused here already if that binding has changed since the request."""
    request = _open_request(session, request_id, manager)
    rows = outbox_rows(session, request.member_id)
    if any(r.name in BIND_MUTATIONS and r.state in PENDING_STATES for r in rows):
        raise RuleRefused("bind_pending")
    current = effective_binding(session, member_id=request.member_id, now=now, rows=rows)
    if current.binding_id != request.from_binding_id:
        raise RuleRefused("binding_changed", guide_name=current.guide_name)
    to_guide_active = session.scalar(
        select(Guide.active).where(Guide.id == request.to_guide_id, Guide.store_id == manager.store_id)
    )
    if not to_guide_active:
        raise RuleRefused("guide_inactive", guide_id=request.to_guide_id)
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
    changes = of_mutation(Mutation.BINDING_TRANSFER, members=[request.member_id])
    return TransferOutcome(request.id, request.member_id, binding_id, request.to_guide_id, outbox_id, changes)


def reject_transfer(
    session: Session, *, request_id: str, manager: GuideRef, now: datetime
) -> TransferRequestView:
    """The manager says no: the request is closed, the binding stays; an audit row, nothing for HQ."""
    request = _open_request(session, request_id, manager)
    request.state, request.decided_at, request.decided_by = "rejected", now, manager.id
    append_audit(
        session,
        action="transfer.reject",
        guide_id=manager.id,
        now=now,
        subject_id=request.member_id,
        details={"request_id": request.id},
    )
    session.flush()
    changes = Changes.of("transfer_request", "audit", members=[request.member_id])
    return replace(_request_view(session, request.id), changes=changes)


# ---------------------------------------------------------------- departure (离职继承)


def departing_bindings(session: Session, guide_id: str) -> list[tuple[str, str]]:
    """(member id, binding id) of every effective binding of a guide: the replica's active bindings not
    being moved away by a pending mutation made here, plus members bound to the guide here and still
    pending at HQ (the transfer then replaces the pending binding: HQ applies mutations in order).

    Two reads whatever the number of bindings."""
    held: dict[str, str] = {
        member_id: binding_id
        for member_id, binding_id in session.execute(
            select(Binding.member_id, Binding.id).where(
                Binding.guide_id == guide_id, Binding.active == true()
            )
        )
    }
    pending = session.execute(
        select(Outbox.member_id, Outbox.guide_id, Outbox.args)
        .where(Outbox.state.in_(PENDING_STATES), Outbox.name.in_(BIND_MUTATIONS))
        .order_by(Outbox.id)
    )
    for member_id, acting_guide, args in pending:  # the last pending bind of a member wins
        if (args.get("to_guide_id") or acting_guide) == guide_id:
            held[member_id] = args["binding_id"]
        else:
            held.pop(member_id, None)
    return sorted(held.items())


def transfer_departing_guide(
    session: Session,
    *,
    from_guide_id: str,
    to_guide: GuideRef,
    manager: GuideRef,
    now: datetime,
    only: Collection[str] | None = None,
) -> BulkTransferOutcome:
    """Move every effective binding of a departing guide to a colleague: one `binding.transfer.v1`
    (departure) and one "transfer" in the ledger per member, all in the caller's one transaction.
    `only`: just these members of the guide (a hand-over split among several colleagues)."""
    if not manager.is_manager:
        raise AuthError("manager_required")
    store_guides: dict[str, bool] = {
        gid: active
        for gid, active in session.execute(
            select(Guide.id, Guide.active).where(
                Guide.id.in_((from_guide_id, to_guide.id)), Guide.store_id == manager.store_id
            )
        )
    }
    if from_guide_id not in store_guides:
        raise InvalidInput("unknown_guide", guide_id=from_guide_id)
    if to_guide.id not in store_guides or to_guide.store_id != manager.store_id:
        raise InvalidInput("unknown_guide", guide_id=to_guide.id)
    if from_guide_id == to_guide.id:
        raise InvalidInput("same_guide", guide_id=to_guide.id)
    if not store_guides[to_guide.id]:
        raise RuleRefused("guide_inactive", guide_id=to_guide.id)
    moved = departing_bindings(session, from_guide_id)
    if only is not None:
        wanted = set(only)
        moved = [(m, b) for m, b in moved if m in wanted]
    first = last = None
    for member_id, binding_id in moved:
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
    session.flush()
    changes = of_mutation(Mutation.BINDING_TRANSFER, members=[m for m, _ in moved]) if moved else NOTHING
    return BulkTransferOutcome(len(moved), first, last, changes)
