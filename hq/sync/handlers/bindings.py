"""Binding mutations, arbitrated at HQ (DESIGN.md §5 "Conflicts"):

- the first bind to **commit** wins: the partial unique index (one active binding per member) decides,
  so two HQ workers racing cannot both win; the loser's insert does nothing (`ON CONFLICT DO NOTHING`),
  it reads the winner and is stored as a `binding_conflict` (visible to the member's store, the losing
  store and the winning store), and its result is `rejected member_already_bound` with the winner's
  guide and store (ids and names: the losing counter shows who won);
- the same member bound to the same guide again is `merged`;
- a transfer is compare-and-set on the binding it replaces (`from_binding_id` must still be the active
  one), and HQ re-checks the policy: protection (renewed by the bound guide's visits), cross-store rules,
  and a manager for approved transfers and departures;
- a binding confirmed at HQ is never taken away by a later sync.

Binding a member of another store needs the shopper's signed member code (proof of presence); without
it such a member is indistinguishable from one that does not exist.

The hot path, a free member of the device's store bound by an active guide, is one statement: the insert
itself, which checks the member's store as it inserts (`INSERT … SELECT … FROM members … ON CONFLICT DO
NOTHING RETURNING`, no savepoint). Only when it inserts nothing do the checks run, in their usual order,
so every other case (another store's member and its code, a reused id, a held member) is answered as
before. Core statements on the tables throughout: the ORM's loads and flushes cost several times their
SQL (profiled under benchmarks/hq_load.py).
"""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from contract.wire import MutationResult
from hq.clock import iso
from hq.db.models import Binding, BindingConflict, Guide, Member, Store
from hq.db.upsert import rowcount
from hq.services.qrkeys import CodeRejected, claim_code_use, verify_member_code
from hq.sync.changes import store_scope
from hq.sync.handlers.base import ActingGuide, Context, Rejected
from hq.sync.scopes import conflict_scopes

TRANSFER_REASONS = frozenset({"manager_approved", "protection_lapsed", "departure"})
MAX_CODE = 512

_b, _bc, _g, _m, _s = (cast(Table, m.__table__) for m in (Binding, BindingConflict, Guide, Member, Store))
AnyRow = Row[*tuple[Any, ...]]  # a Core row of any columns

# Statements built once: building them per call cost more CPU than running them (profiled).
_BINDING = select(_b.c.id, _b.c.member_id, _b.c.guide_id, _b.c.store_id, _b.c.protected_until)
_ACTIVE = _BINDING.where(_b.c.member_id == bindparam("member_id"), _b.c.active.is_(True))
_BY_ID = _BINDING.where(_b.c.id == bindparam("binding_id"))
_MEMBER = select(_m.c.id, _m.c.store_id, _m.c.erased_at).where(_m.c.id == bindparam("member_id"))
_NEW = (
    "id",
    "guide_id",
    "store_id",
    "active",
    "bound_at",
    "protected_until",
    "replaces_binding_id",
    "device_id",
)


@functools.cache
def _insert(dialect: str) -> Insert:
    """A new active binding of the member, if the member is of the store given (`member_store`):
    `INSERT … SELECT … FROM members`, `ON CONFLICT DO NOTHING` (where a failed insert would need a
    savepoint), `RETURNING` its id."""
    values = select(_m.c.id, *(bindparam(f"b_{name}", type_=_b.c[name].type) for name in _NEW)).where(
        _m.c.id == bindparam("member"), _m.c.store_id == bindparam("member_store")
    )
    stmt = postgresql.insert(_b) if dialect == "postgresql" else sqlite.insert(_b)
    return stmt.from_select(["member_id", *_NEW], values).on_conflict_do_nothing().returning(_b.c.id)


def active_binding(ctx: Context, member_id: str) -> AnyRow | None:
    return ctx.session.execute(_ACTIVE, {"member_id": member_id}).first()


def _binding(ctx: Context, binding_id: str) -> AnyRow | None:
    return ctx.session.execute(_BY_ID, {"binding_id": binding_id}).first()


def _member(ctx: Context, member_id: str) -> AnyRow | None:
    member = ctx.session.execute(_MEMBER, {"member_id": member_id}).first()
    if member is not None and member.erased_at is not None:
        raise Rejected("member_erased")  # PIPL: an erased member's codes are refused from then on
    return member


def _member_for_bind(ctx: Context, member_id: str) -> AnyRow:
    """The member, if this store may bind it: its own member, or another store's member whose signed
    code the shopper showed here."""
    member = _member(ctx, member_id)
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
    try:  # a code shown at another till (photographed, forwarded) is not proof of presence here
        claim_code_use(
            ctx.session,
            claims,
            device_id=ctx.device_id,
            now=ctx.now,
            keep_s=ctx.settings.code_offline_grace_s,
        )
    except CodeRejected as exc:
        raise Rejected("member_code_invalid", reason=exc.code) from exc
    if member is None:
        raise Rejected("unknown_member")
    return member


def _lose(
    ctx: Context, member: AnyRow, losing_binding_id: str, winner: AnyRow, *, code: str, **extra: object
) -> MutationResult:
    """Keep the losing bind as a conflict both stores see, and tell the device who won."""
    names = ctx.session.execute(
        select(_g.c.name.label("guide"), _s.c.name.label("store"))
        .select_from(_g.join(_s, _s.c.id == winner.store_id))
        .where(_g.c.id == winner.guide_id)
    ).one()
    conflict_id = str(uuid.uuid4())
    ctx.session.execute(
        insert(_bc).values(
            id=conflict_id,
            member_id=member.id,
            member_store_id=member.store_id,
            losing_binding_id=losing_binding_id,
            losing_guide_id=ctx.guide.id,
            losing_store_id=ctx.store_id,
            winning_binding_id=winner.id,
            winning_guide_id=winner.guide_id,
            winning_store_id=winner.store_id,
            winning_guide_name=names.guide,
            winning_store_name=names.store,
            mutation_name=ctx.name,
            device_id=ctx.device_id,
            mutation_id=ctx.mutation_id,
            created_at=ctx.now,
            resolved=False,
        )
    )
    ctx.changes.put_all(
        conflict_scopes(member.store_id, ctx.store_id, winner.store_id), "binding_conflict", conflict_id
    )
    return ctx.rejected(
        code,
        winner_guide_id=winner.guide_id,
        winner_guide_name=names.guide,
        winner_store_id=winner.store_id,
        winner_store_name=names.store,
        conflict_id=conflict_id,
        **extra,
    )


def _insert_binding(
    ctx: Context,
    member_id: str,
    member_store: str,
    binding_id: str,
    guide: ActingGuide | Guide,
    replaces: str | None,
) -> bool:
    """Insert the new active binding; False if it was not: the member is not of `member_store`, an
    active binding of the member committed first (the partial unique index decides; PostgreSQL waits
    for an uncommitted one to end), or the binding id is taken."""
    inserted = ctx.session.execute(
        _insert(ctx.session.get_bind().dialect.name),
        {
            "member": member_id,
            "member_store": member_store,
            "b_id": binding_id,
            "b_guide_id": guide.id,
            "b_store_id": guide.store_id,
            "b_active": True,
            "b_bound_at": ctx.now,
            "b_protected_until": ctx.now + timedelta(days=ctx.policy.protection_days),
            "b_replaces_binding_id": replaces,
            "b_device_id": ctx.device_id,
        },
    ).first()
    if inserted is None:
        return False
    ctx.changes.put(store_scope(member_store), "binding", binding_id)
    return True


def _already(ctx: Context, binding_id: str, member_id: str, guide_id: str) -> MutationResult | None:
    """A binding id seen before: the same bind again is merged, anything else is a client bug."""
    prior = _binding(ctx, binding_id)
    if prior is None:
        return None
    if prior.member_id == member_id and prior.guide_id == guide_id:
        return ctx.merged(binding_id=binding_id)
    raise Rejected("duplicate_id", field="binding_id")


def binding_create(ctx: Context) -> MutationResult:
    binding_id, member_id = ctx.req_id("binding_id"), ctx.req_id("member_id")
    # The common case in one statement: a free member of this store, a new id, an active guide. When
    # it inserts nothing, the checks below find out why, in the order they always had.
    if ctx.guide.active and _insert_binding(ctx, member_id, ctx.store_id, binding_id, ctx.guide, None):
        return _bound(ctx, binding_id)
    member = _member_for_bind(ctx, member_id)
    if not ctx.guide.active:
        raise Rejected("guide_inactive")
    for _attempt in range(3):
        seen = _already(ctx, binding_id, member_id, ctx.guide.id)
        if seen is not None:
            return seen
        current = active_binding(ctx, member_id)
        if current is not None:
            if current.guide_id == ctx.guide.id:
                return ctx.merged(binding_id=current.id)
            return _lose(ctx, member, binding_id, current, code="member_already_bound")
        if _insert_binding(ctx, member_id, member.store_id, binding_id, ctx.guide, None):
            return _bound(ctx, binding_id)
    raise Rejected("binding_contended")  # three rounds of winners ending at once: give the guide an answer


def _bound(ctx: Context, binding_id: str) -> MutationResult:
    return ctx.applied(
        binding_id=binding_id, protected_until=iso(ctx.now + timedelta(days=ctx.policy.protection_days))
    )


def binding_transfer(ctx: Context) -> MutationResult:
    binding_id, member_id = ctx.req_id("binding_id"), ctx.req_id("member_id")
    from_id, to_guide_id = ctx.req_id("from_binding_id"), ctx.req_id("to_guide_id")
    reason = ctx.choice_arg("reason", TRANSFER_REASONS)
    approved_by = ctx.id_arg("approved_by", required=False)
    to_guide = ctx.store_guide(to_guide_id)
    member = _member(ctx, member_id)
    replaced = _binding(ctx, from_id)
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
        update(_b)
        .where(_b.c.id == from_id, _b.c.active.is_(True))
        .values(active=False, ended_at=ctx.now, ended_reason=reason)
    )
    if rowcount(ended) != 1:  # ended by a concurrent transfer that committed first
        winner = active_binding(ctx, member_id)
        if winner is None:
            raise Rejected("binding_changed")
        return _lose(ctx, member, binding_id, winner, code="binding_changed")
    ctx.changes.put(store_scope(member.store_id), "binding", from_id)
    if not _insert_binding(ctx, member_id, member.store_id, binding_id, to_guide, from_id):
        raise Rejected("binding_changed")  # cannot happen while we hold the ended row; never half-apply
    return ctx.applied(binding_id=binding_id)


def binding_end(ctx: Context) -> MutationResult:
    """End a binding, by the rules a transfer obeys: the binding must be this store's (its bound guide or
    a manager of the store ends it). A binding another store made on this store's member can only be
    ended when the policy allows cross-store moves *and* its protection has lapsed, and then only by a
    manager — otherwise the home store could end a protected binding and rebind the member at once."""
    binding_id, member_id = ctx.req_id("binding_id"), ctx.req_id("member_id")
    reason = ctx.text_arg("reason", max_len=32)
    binding = _binding(ctx, binding_id)
    member = _member(ctx, member_id)
    if binding is None or member is None or binding.member_id != member_id:
        raise Rejected("unknown_binding")
    if binding.store_id != ctx.store_id and member.store_id != ctx.store_id:
        raise Rejected("unknown_binding")
    if not ctx.guide.active:
        raise Rejected("guide_inactive")
    if binding.store_id != ctx.store_id:
        # The member is ours, the binding another store's: what the device sees in its replica anyway.
        if not ctx.policy.cross_store_transfer:
            raise Rejected("bound_other_store")
        if binding.protected_until is not None and binding.protected_until > ctx.now:
            raise Rejected("protected", protected_until=iso(binding.protected_until))
        ctx.require_manager()
    elif binding.guide_id != ctx.guide.id and ctx.guide.role != "manager":
        raise Rejected("manager_required")
    ended = ctx.session.execute(
        update(_b)
        .where(_b.c.id == binding_id, _b.c.active.is_(True))
        .values(active=False, ended_at=ctx.now, ended_reason=reason)
    )
    if rowcount(ended) != 1:
        return ctx.merged("already_ended")
    ctx.changes.put(store_scope(member.store_id), "binding", binding_id)
    return ctx.applied()
