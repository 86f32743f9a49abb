"""Binding mutations, arbitrated at HQ (DESIGN.md §5 "Conflicts"):

- the first bind to **commit** wins: the partial unique index (one active binding per member) decides,
  so two HQ workers racing cannot both win; the loser's insert fails inside a savepoint, it reads the
  winner and is stored as a `binding_conflict` (visible to the member's store, the losing store and
  the winning store), and its result is `rejected member_already_bound` with the winner's guide and
  store (ids and names: the losing counter shows who won);
- the same member bound to the same guide again is `merged`;
- a transfer is compare-and-set on the binding it replaces (`from_binding_id` must still be the active
  one), and HQ re-checks the policy: protection (renewed by the bound guide's visits), cross-store rules,
  and a manager for approved transfers and departures;
- a binding confirmed at HQ is never taken away by a later sync.

Binding a member of another store needs the shopper's signed member code (proof of presence); without
it such a member is indistinguishable from one that does not exist.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.sync.protocol import MutationResult
from hq.clock import iso
from hq.db.models import Binding, BindingConflict, Guide, Member, Store
from hq.db.upsert import rowcount
from hq.services.qrkeys import CodeRejected, verify_member_code
from hq.sync.changes import store_scope
from hq.sync.handlers.base import Context, Rejected
from hq.sync.scopes import conflict_scopes

TRANSFER_REASONS = frozenset({"manager_approved", "protection_lapsed", "departure"})
MAX_CODE = 512


def active_binding(ctx: Context, member_id: str) -> Binding | None:
    return ctx.session.scalar(select(Binding).where(Binding.member_id == member_id, Binding.active.is_(True)))


def _member_for_bind(ctx: Context, member_id: str) -> Member:
    """The member, if this store may bind it: its own member, or another store's member whose signed
    code the shopper showed here."""
    member = ctx.session.get(Member, member_id)
    if member is not None and member.store_id == ctx.store_id:
        return member
    code = ctx.args.get("code")
    if code is None:
        raise Rejected("unknown_member")
    if not isinstance(code, str) or len(code) > MAX_CODE:
        raise Rejected("invalid_args", field="code")
    try:
        claims = verify_member_code(
            ctx.session,
            code,
            now=ctx.now,
            tolerance_s=ctx.policy.clock_tolerance_seconds,
            grace_s=ctx.settings.code_offline_grace_s,
        )
    except CodeRejected as exc:
        raise Rejected("member_code_invalid", reason=exc.code) from exc
    if claims.member_id != member_id:
        raise Rejected("member_code_invalid", reason="other_member")
    if member is None:
        raise Rejected("unknown_member")
    return member


def _lose(
    ctx: Context, member: Member, losing_binding_id: str, winner: Binding, *, code: str, **extra: object
) -> MutationResult:
    """Keep the losing bind as a conflict both stores see, and tell the device who won."""
    winner_guide = ctx.session.get(Guide, winner.guide_id)
    winner_store = ctx.session.get(Store, winner.store_id)
    assert winner_guide is not None and winner_store is not None
    conflict = BindingConflict(
        id=str(uuid.uuid4()),
        member_id=member.id,
        member_store_id=member.store_id,
        losing_binding_id=losing_binding_id,
        losing_guide_id=ctx.guide.id,
        losing_store_id=ctx.store_id,
        winning_binding_id=winner.id,
        winning_guide_id=winner_guide.id,
        winning_store_id=winner_store.id,
        winning_guide_name=winner_guide.name,
        winning_store_name=winner_store.name,
        mutation_name=ctx.name,
        device_id=ctx.device_id,
        mutation_id=ctx.mutation_id,
        created_at=ctx.now,
        resolved=False,
    )
    ctx.session.add(conflict)
    ctx.session.flush()
    ctx.changes.put_all(
        conflict_scopes(member.store_id, ctx.store_id, winner_store.id), "binding_conflict", conflict.id
    )
    return ctx.rejected(
        code,
        winner_guide_id=winner_guide.id,
        winner_guide_name=winner_guide.name,
        winner_store_id=winner_store.id,
        winner_store_name=winner_store.name,
        conflict_id=conflict.id,
        **extra,
    )


def _insert_binding(
    ctx: Context, member: Member, binding_id: str, guide: Guide, replaces: str | None
) -> bool:
    """Insert the new active binding; False if another active binding committed first."""
    try:
        with ctx.session.begin_nested():
            ctx.session.add(
                Binding(
                    id=binding_id,
                    member_id=member.id,
                    guide_id=guide.id,
                    store_id=guide.store_id,
                    active=True,
                    bound_at=ctx.now,
                    protected_until=ctx.now + timedelta(days=ctx.policy.protection_days),
                    replaces_binding_id=replaces,
                    device_id=ctx.device_id,
                )
            )
            ctx.session.flush()
    except IntegrityError:
        if ctx.session.get(Binding, binding_id) is not None:
            raise Rejected("duplicate_id", field="binding_id") from None
        return False
    ctx.changes.put(store_scope(member.store_id), "binding", binding_id)
    return True


def _already(ctx: Context, binding_id: str, member_id: str, guide_id: str) -> MutationResult | None:
    """A binding id seen before: the same bind again is merged, anything else is a client bug."""
    prior = ctx.session.get(Binding, binding_id)
    if prior is None:
        return None
    if prior.member_id == member_id and prior.guide_id == guide_id:
        return ctx.merged(binding_id=binding_id)
    raise Rejected("duplicate_id", field="binding_id")


def binding_create(ctx: Context) -> MutationResult:
    binding_id, member_id = ctx.req_id("binding_id"), ctx.req_id("member_id")
    member = _member_for_bind(ctx, member_id)
    if not ctx.guide.active:
        raise Rejected("guide_inactive")
    seen = _already(ctx, binding_id, member_id, ctx.guide.id)
    if seen is not None:
        return seen
    for _attempt in range(3):
        current = active_binding(ctx, member_id)
        if current is not None:
            if current.guide_id == ctx.guide.id:
                return ctx.merged(binding_id=current.id)
            return _lose(ctx, member, binding_id, current, code="member_already_bound")
        if _insert_binding(ctx, member, binding_id, ctx.guide, None):
            return ctx.applied(
                binding_id=binding_id,
                protected_until=iso(ctx.now + timedelta(days=ctx.policy.protection_days)),
            )
    raise Rejected("binding_contended")  # three rounds of winners ending at once: give the guide an answer


def binding_transfer(ctx: Context) -> MutationResult:
    binding_id, member_id = ctx.req_id("binding_id"), ctx.req_id("member_id")
    from_id, to_guide_id = ctx.req_id("from_binding_id"), ctx.req_id("to_guide_id")
    reason = ctx.choice_arg("reason", TRANSFER_REASONS)
    approved_by = ctx.id_arg("approved_by", required=False)
    to_guide = ctx.store_guide(to_guide_id)
    member = ctx.session.get(Member, member_id)
    replaced = ctx.session.get(Binding, from_id)
    if member is None or (
        member.store_id != ctx.store_id and (replaced is None or replaced.store_id != ctx.store_id)
    ):
        raise Rejected("unknown_member")
    if replaced is None or replaced.member_id != member_id:
        raise Rejected("unknown_binding")
    seen = _already(ctx, binding_id, member_id, to_guide.id)
    if seen is not None:
        return seen
    if reason in ("manager_approved", "departure"):
        manager = ctx.store_guide(approved_by) if approved_by else None
        if manager is None or manager.role != "manager":
            raise Rejected("manager_required")
    elif to_guide.id != ctx.guide.id and ctx.guide.role != "manager":
        raise Rejected("not_allowed")  # a guide takes over a lapsed member for themself only
    current = active_binding(ctx, member_id)
    if current is not None and current.guide_id == to_guide.id:
        return ctx.merged(binding_id=current.id)
    if current is None:
        raise Rejected("binding_changed")  # what it replaced ended; the member is free to bind afresh
    if current.id != from_id:
        return _lose(ctx, member, binding_id, current, code="binding_changed")
    if current.store_id != ctx.store_id and not ctx.policy.cross_store_transfer:
        return _lose(ctx, member, binding_id, current, code="bound_other_store")
    if (
        reason == "protection_lapsed"
        and current.protected_until is not None
        and current.protected_until > ctx.now
    ):
        return _lose(
            ctx, member, binding_id, current, code="protected", protected_until=iso(current.protected_until)
        )
    ended = ctx.session.execute(
        update(Binding)
        .where(Binding.id == from_id, Binding.active.is_(True))
        .values(active=False, ended_at=ctx.now, ended_reason=reason)
    )
    if rowcount(ended) != 1:  # ended by a concurrent transfer that committed first
        winner = active_binding(ctx, member_id)
        if winner is None:
            raise Rejected("binding_changed")
        return _lose(ctx, member, binding_id, winner, code="binding_changed")
    ctx.changes.put(store_scope(member.store_id), "binding", from_id)
    if not _insert_binding(ctx, member, binding_id, to_guide, from_id):
        raise Rejected("binding_changed")  # cannot happen while we hold the ended row; never half-apply
    return ctx.applied(binding_id=binding_id)


def binding_end(ctx: Context) -> MutationResult:
    binding_id, member_id = ctx.req_id("binding_id"), ctx.req_id("member_id")
    reason = ctx.text_arg("reason", max_len=32)
    binding = ctx.session.get(Binding, binding_id)
    member = ctx.session.get(Member, member_id)
    if binding is None or member is None or binding.member_id != member_id:
        raise Rejected("unknown_binding")
    if binding.store_id != ctx.store_id and member.store_id != ctx.store_id:
        raise Rejected("unknown_binding")
    if binding.guide_id != ctx.guide.id and ctx.guide.role != "manager":
        raise Rejected("manager_required")
    ended = ctx.session.execute(
        update(Binding)
        .where(Binding.id == binding_id, Binding.active.is_(True))
        .values(active=False, ended_at=ctx.now, ended_reason=reason)
    )
    if rowcount(ended) != 1:
        return ctx.merged("already_ended")
    ctx.changes.put(store_scope(member.store_id), "binding", binding_id)
    return ctx.applied()
