"""Effective state = replica + pending outbox: the small shared reads every service needs to see what the
guide did here before HQ has confirmed it (a member enrolled offline, a bind not yet pushed), and the
member's effective binding (the replica's, overridden by a bind made here, renewed by visits, or who won
when a bind made here lost at HQ)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Row, String, bindparam, false, func, or_, select, true
from sqlalchemy.orm import Session

from app.db.models import Binding, BindingConflict, Guide, Member, MemberTag, Outbox, Store, Visit
from app.services.outbox import PENDING_STATES
from app.services.policy import policy_of
from contract.policy import PolicyValues
from contract.wire import Mutation


def pending_enrollment(session: Session, member_id: str) -> dict[str, Any] | None:
    """The stored args of a not-yet-confirmed enrollment of this member made here, if any."""
    row = session.execute(
        select(Outbox.args).where(
            Outbox.member_id == member_id,
            Outbox.name == Mutation.MEMBER_ENROLL,
            Outbox.state.in_(PENDING_STATES),
        )
    ).first()
    return None if row is None else dict(row[0])


def pending_enrollment_by_phone(session: Session, phone_index: str) -> str | None:
    """The member id of a pending enrollment with this phone blind index, if any."""
    return session.scalar(
        select(Outbox.member_id).where(
            Outbox.lookup_key == phone_index,
            Outbox.name == Mutation.MEMBER_ENROLL,
            Outbox.state.in_(PENDING_STATES),
        )
    )


def member_known(session: Session, member_id: str) -> bool:
    """True when the member is in the replica or was enrolled here and is still pending at HQ."""
    if session.scalar(select(Member.id).where(Member.id == member_id)) is not None:
        return True
    return pending_enrollment(session, member_id) is not None


def overlay_tags(
    replica: Iterable[str], pending: Iterable[tuple[str, dict[str, Any]]]
) -> tuple[set[str], set[str]]:
    """Tags now = replica tags, plus pending adds, minus pending removes, in the order made; and which of
    them are pending adds. `pending` holds (mutation name, args) of unsettled outbox rows, oldest first;
    rows of other mutations are ignored."""
    ids = set(replica)
    added: set[str] = set()
    for name, args in pending:
        if name == Mutation.TAG_ADD:
            if args["tag_id"] not in ids:
                added.add(args["tag_id"])
            ids.add(args["tag_id"])
        elif name == Mutation.TAG_REMOVE:
            ids.discard(args["tag_id"])
            added.discard(args["tag_id"])
    return ids, added


def effective_tag_ids(session: Session, member_id: str) -> tuple[set[str], set[str]]:
    """The member's tags now and which of them are pending adds (see `overlay_tags`)."""
    replica = session.scalars(select(MemberTag.tag_id).where(MemberTag.member_id == member_id))
    pending = session.execute(
        select(Outbox.name, Outbox.args)
        .where(
            Outbox.member_id == member_id,
            Outbox.name.in_((Mutation.TAG_ADD, Mutation.TAG_REMOVE)),
            Outbox.state.in_(PENDING_STATES),
        )
        .order_by(Outbox.id)
    )
    return overlay_tags(replica, ((name, args) for name, args in pending))


# ---------------------------------------------------------------- effective binding

BIND_MUTATIONS = (Mutation.BINDING_CREATE, Mutation.BINDING_TRANSFER)


@dataclass(frozen=True)
class EffectiveBinding:
    """The binding that counts for rules and display, after the pending overlay and renewals.

    `binding_id` is None with a `guide_id` only when HQ told us who won a bind made here before the
    winner's binding reached the replica: bound, but not to a binding this counter can name.
    """

    binding_id: str | None
    guide_id: str | None
    guide_name: str
    store_id: str | None
    store_name: str
    bound_at: datetime | None
    protected_until: datetime | None
    state: str  # confirmed | pending | rejected | none
    winner_guide_name: str = ""
    winner_store_name: str = ""
    rejected_code: str = ""


_o, _b, _v = Outbox.__table__, Binding.__table__, Visit.__table__
_MEMBER: BindParameter[str] = bindparam("member_id", type_=String)
# Everything not yet settled for the member, plus every bind made here (settled ones tell whether the
# last bind lost at HQ). One index search on (member_id, state).
_OUTBOX_ROWS = (
    select(_o.c.id, _o.c.name, _o.c.args, _o.c.created_at, _o.c.guide_id, _o.c.state, _o.c.result)
    .where(_o.c.member_id == _MEMBER, or_(_o.c.state.in_(PENDING_STATES), _o.c.name.in_(BIND_MUTATIONS)))
    .order_by(_o.c.id)
)
_ACTIVE_BINDING = (
    select(
        _b.c.id,
        _b.c.guide_id,
        _b.c.guide_name,
        _b.c.store_id,
        _b.c.store_name,
        _b.c.bound_at,
        _b.c.protected_until,
    )
    # `active = 1` (not `IS 1`) so SQLite can use the partial index ix_bindings_member_active.
    .where(_b.c.member_id == _MEMBER, _b.c.active == true())
    .order_by(_b.c.bound_at.desc())
    .limit(1)
)
_LAST_VISITS = (
    select(_v.c.guide_id, func.max(_v.c.at)).where(_v.c.member_id == _MEMBER).group_by(_v.c.guide_id)
)
_bc = BindingConflict.__table__
_CONFLICT = (
    select(_bc.c.winning_guide_name, _bc.c.winning_store_name)
    .where(
        _bc.c.member_id == _MEMBER,
        _bc.c.resolved == false(),
        _bc.c.losing_store_id == bindparam("store_id"),
    )
    .order_by(_bc.c.created_at.desc())
    .limit(1)
)
_g, _s = Guide.__table__, Store.__table__
_GUIDE_STORE = (
    select(_g.c.name, _g.c.store_id, _s.c.name)
    .join(_s, _s.c.id == _g.c.store_id)
    .where(_g.c.id == bindparam("guide_id"))
)


def outbox_rows(session: Session, member_id: str) -> list[Row[Any]]:
    """The member's unsettled mutations and every bind made here, oldest first."""
    return list(session.connection().execute(_OUTBOX_ROWS, {"member_id": member_id}))


def last_visits(session: Session, member_id: str) -> dict[str, datetime]:
    """Latest local visit per guide for the member (renewal reads the bound guide's, the card the max)."""
    return {guide: at for guide, at in session.connection().execute(_LAST_VISITS, {"member_id": member_id})}


def effective_binding(
    session: Session,
    *,
    member_id: str,
    now: datetime,
    rows: list[Row[Any]] | None = None,
    visits: dict[str, datetime] | None = None,
    viewer_store_id: str | None = None,
    policy: PolicyValues | None = None,
) -> EffectiveBinding:
    """Replica binding, overridden by a pending bind/transfer made here; protection renewed by the bound
    guide's local visits when the policy says so; who won when the last bind made here lost at HQ.

    `rows`, `visits` and `policy` may be passed by a caller that already read them (the card does).
    `viewer_store_id` adds binding conflicts this store lost (HQ's record of a lost race)."""
    conn = session.connection()
    policy = policy_of(session) if policy is None else policy
    rows = outbox_rows(session, member_id) if rows is None else rows
    binds = [r for r in rows if r.name in BIND_MUTATIONS]
    pending = [r for r in binds if r.state in PENDING_STATES]
    if pending:
        last = pending[-1]
        to_guide = last.args.get("to_guide_id") or last.guide_id
        # Binds are made by guides of this store, transfers go to them: their names are in the replica.
        guide = conn.execute(_GUIDE_STORE, {"guide_id": to_guide}).first()
        return EffectiveBinding(
            binding_id=last.args.get("binding_id"),
            guide_id=to_guide,
            guide_name=guide[0] if guide else "",
            store_id=guide[1] if guide else None,
            store_name=guide[2] if guide else "",
            bound_at=last.created_at,
            protected_until=last.created_at + timedelta(days=policy.protection_days),
            state="pending",
        )
    lost_code, lost = _lost_bind(binds)
    b = conn.execute(_ACTIVE_BINDING, {"member_id": member_id}).first()
    if not lost_code and viewer_store_id is not None:
        conflict = conn.execute(_CONFLICT, {"member_id": member_id, "store_id": viewer_store_id}).first()
        if conflict is not None:
            lost_code = "member_already_bound"
            lost = {"winner_guide_name": conflict[0], "winner_store_name": conflict[1]}
    outcome = {
        "state": "rejected" if lost_code else "confirmed",
        "winner_guide_name": lost.get("winner_guide_name", ""),
        "winner_store_name": lost.get("winner_store_name", ""),
        "rejected_code": lost_code,
    }
    if b is None:
        # HQ may have named the winner before the winner's binding is pulled: show who, protection
        # unknown. Otherwise the member is unbound here.
        winner_id = lost.get("winner_guide_id")
        return EffectiveBinding(
            binding_id=None,
            guide_id=winner_id,
            guide_name=outcome["winner_guide_name"] if winner_id else "",
            store_id=lost.get("winner_store_id") if winner_id else None,
            store_name=outcome["winner_store_name"] if winner_id else "",
            bound_at=None,
            protected_until=None,
            **{**outcome, "state": "rejected" if lost_code else "none"},
        )
    protected = b.protected_until
    if policy.renew_on_service:
        visited = (last_visits(session, member_id) if visits is None else visits).get(b.guide_id)
        if visited is not None and visited > b.bound_at:
            renewed = visited + timedelta(days=policy.protection_days)
            protected = renewed if protected is None else max(protected, renewed)
    return EffectiveBinding(
        binding_id=b.id,
        guide_id=b.guide_id,
        guide_name=b.guide_name,
        store_id=b.store_id,
        store_name=b.store_name,
        bound_at=b.bound_at,
        protected_until=protected,
        **outcome,
    )


def _lost_bind(binds: list[Row[Any]]) -> tuple[str, dict[str, Any]]:
    """HQ's code and details if the last settled bind made here for the member was rejected (a later
    bind that was applied clears it)."""
    settled = [r for r in binds if r.state not in PENDING_STATES]
    if not settled or settled[-1].state != "rejected":
        return "", {}
    result = settled[-1].result or {}
    return str(result.get("code") or "rejected"), dict(result.get("details") or {})
