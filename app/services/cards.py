"""The member card: everything the guide sees after a scan, as effective state (replica + what this
counter did that HQ has not confirmed yet).

This is the hot path of "scan → card in one frame" at a million members, so it is a handful of Core
selects on indexed columns — never ORM relationship loading, never a join through member_tags that
could scan (PERF-NOTES: one such plan took 1.76 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from app.db.models import (
    Binding,
    BindingConflict,
    Guide,
    Member,
    Note,
    Outbox,
    Store,
    Tag,
    TagGroup,
    TaskItem,
    Visit,
)
from app.errors import MemberNotFound
from app.services.common import GuideRef
from app.services.effective import effective_tag_ids, pending_enrollment
from app.services.outbox import PENDING_STATES
from app.services.policy import policy_of
from app.sync.protocol import Mutation

BIND_MUTATIONS = (Mutation.BINDING_CREATE, Mutation.BINDING_TRANSFER)


@dataclass(frozen=True)
class TagView:
    id: str
    name: str
    group_name: str
    color: str
    pending: bool = False


@dataclass(frozen=True)
class BindingView:
    relation: str  # mine | colleague | other_store | unbound
    state: str  # confirmed | pending | rejected | none
    binding_id: str | None = None
    guide_id: str | None = None
    guide_name: str = ""
    store_id: str | None = None
    store_name: str = ""
    bound_at: datetime | None = None
    protected_until: datetime | None = None
    protection_active: bool = False
    winner_guide_name: str = ""  # set when a bind made here lost at HQ
    winner_store_name: str = ""


@dataclass(frozen=True)
class TaskBrief:
    id: str
    kind: str
    due_at: datetime | None
    overdue: bool
    assigned_guide_id: str | None
    pending: bool = False


@dataclass(frozen=True)
class NoteBrief:
    id: str
    body: str
    guide_id: str
    created_at: datetime
    pending: bool = False


@dataclass(frozen=True)
class MemberCard:
    member_id: str
    name: str
    card_no: str
    phone_masked: str
    level: str
    stage: str  # visitor | registered | first_order | experience | koc
    stage_reason: tuple[str, dict[str, Any]]
    sleeping: bool
    is_paid: bool
    online: bool
    tags: tuple[TagView, ...]
    binding: BindingView
    last_visit_at: datetime | None
    open_tasks: tuple[TaskBrief, ...]
    recent_notes: tuple[NoteBrief, ...]
    pending_mutations: int
    pending_enrollment: bool = False


@dataclass(frozen=True)
class EffectiveBinding:
    """The binding that counts for rules and display, after the pending overlay and renewals."""

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


def _pending_rows(session: Session, member_id: str) -> list[Outbox]:
    return list(
        session.scalars(
            select(Outbox)
            .where(Outbox.member_id == member_id, Outbox.state.in_(PENDING_STATES))
            .order_by(Outbox.id)
        )
    )


def effective_binding(
    session: Session, *, member_id: str, now: datetime, pending: list[Outbox] | None = None
) -> EffectiveBinding:
    """Replica binding, overridden by a pending bind/transfer made here; protection renewed by the bound
    guide's local visits when the policy says so."""
    policy = policy_of(session)
    rows = _pending_rows(session, member_id) if pending is None else pending
    binds = [r for r in rows if r.name in BIND_MUTATIONS]
    if binds:
        last = binds[-1]
        to_guide = last.args.get("to_guide_id") or last.guide_id
        # Binds are made by guides of this store: their names are in the replica.
        guide = session.execute(
            select(Guide.name, Guide.store_id, Store.name)
            .join(Store, Store.id == Guide.store_id)
            .where(Guide.id == to_guide)
        ).first()
        at = last.created_at
        return EffectiveBinding(
            binding_id=last.args.get("binding_id"),
            guide_id=to_guide,
            guide_name=guide[0] if guide else "",
            store_id=guide[1] if guide else None,
            store_name=guide[2] if guide else "",
            bound_at=at,
            protected_until=at + timedelta(days=policy.protection_days),
            state="pending",
        )
    b = session.execute(
        select(Binding).where(Binding.member_id == member_id, Binding.active == true()).limit(1)
    ).scalar_one_or_none()
    lost = _lost_bind(session, member_id)
    if b is None:
        return EffectiveBinding(None, None, "", None, "", None, None, "none", *lost)
    protected = b.protected_until
    if policy.renew_on_service:
        last_visit = session.scalar(
            select(func.max(Visit.at)).where(Visit.member_id == member_id, Visit.guide_id == b.guide_id)
        )
        if last_visit is not None and last_visit > b.bound_at:
            renewed = last_visit + timedelta(days=policy.protection_days)
            protected = max(protected, renewed) if protected else renewed
    return EffectiveBinding(
        binding_id=b.id,
        guide_id=b.guide_id,
        guide_name=b.guide_name,
        store_id=b.store_id,
        store_name=b.store_name,
        bound_at=b.bound_at,
        protected_until=protected,
        state="rejected" if lost[0] else "confirmed",
        winner_guide_name=lost[0],
        winner_store_name=lost[1],
    )


def _lost_bind(session: Session, member_id: str) -> tuple[str, str]:
    """Who won, if the latest bind made here for this member was rejected at HQ."""
    result = session.scalar(
        select(Outbox.result)
        .where(Outbox.member_id == member_id, Outbox.name.in_(BIND_MUTATIONS), Outbox.state == "rejected")
        .order_by(Outbox.id.desc())
        .limit(1)
    )
    if result:
        details = result.get("details") or {}
        return details.get("winner_guide_name", ""), details.get("winner_store_name", "")
    conflict = session.execute(
        select(BindingConflict.winning_guide_name, BindingConflict.winning_store_name)
        .where(BindingConflict.member_id == member_id, BindingConflict.resolved.is_(False))
        .order_by(BindingConflict.created_at.desc())
        .limit(1)
    ).first()
    return (conflict[0], conflict[1]) if conflict else ("", "")


def _binding_view(eb: EffectiveBinding, viewer: GuideRef, now: datetime) -> BindingView:
    if eb.guide_id is None:
        relation = "unbound"
    elif eb.guide_id == viewer.id:
        relation = "mine"
    elif eb.store_id in (None, viewer.store_id):
        relation = "colleague"
    else:
        relation = "other_store"
    return BindingView(
        relation=relation,
        state=eb.state,
        binding_id=eb.binding_id,
        guide_id=eb.guide_id,
        guide_name=eb.guide_name,
        store_id=eb.store_id,
        store_name=eb.store_name,
        bound_at=eb.bound_at,
        protected_until=eb.protected_until,
        protection_active=bool(eb.protected_until and eb.protected_until > now),
        winner_guide_name=eb.winner_guide_name,
        winner_store_name=eb.winner_store_name,
    )


def _tags(session: Session, member_id: str) -> tuple[TagView, ...]:
    ids, added = effective_tag_ids(session, member_id)
    if not ids:
        return ()
    rows = session.execute(
        select(Tag.id, Tag.name, Tag.color, TagGroup.name, TagGroup.sort)
        .join(TagGroup, TagGroup.id == Tag.group_id)
        .where(Tag.id.in_(ids))
    ).all()
    rows.sort(key=lambda r: (r[4], r[1]))
    return tuple(
        TagView(id=r[0], name=r[1], group_name=r[3], color=r[2], pending=r[0] in added) for r in rows
    )


def _tasks(session: Session, member_id: str, pending: list[Outbox], now: datetime) -> tuple[TaskBrief, ...]:
    done = {r.args.get("task_id") for r in pending if r.name == Mutation.TASK_COMPLETE}
    briefs = [
        TaskBrief(t.id, t.kind, t.due_at, bool(t.due_at and t.due_at < now), t.assigned_guide_id)
        for t in session.scalars(
            select(TaskItem).where(TaskItem.member_id == member_id, TaskItem.state == "open").limit(20)
        )
        if t.id not in done
    ]
    for row in pending:
        if row.name == Mutation.TASK_CREATE and row.args.get("task_id") not in done:
            due = row.args.get("due_at")
            due_at = datetime.fromisoformat(due) if due else None
            briefs.append(
                TaskBrief(
                    row.args["task_id"],
                    row.args.get("kind", "call"),
                    due_at,
                    bool(due_at and due_at < now),
                    row.args.get("assigned_guide_id") or row.guide_id,
                    pending=True,
                )
            )
    return tuple(briefs)


def _notes(session: Session, member_id: str, pending: list[Outbox]) -> tuple[NoteBrief, ...]:
    notes = [
        NoteBrief(row.args["note_id"], row.args.get("body", ""), row.guide_id, row.created_at, pending=True)
        for row in reversed(pending)
        if row.name == Mutation.NOTE_ADD
    ]
    notes += [
        NoteBrief(n.id, n.body, n.guide_id, n.created_at)
        for n in session.scalars(
            select(Note).where(Note.member_id == member_id).order_by(Note.created_at.desc()).limit(3)
        )
    ]
    return tuple(notes[:3])


def _stage_reason(
    stage: str, last_purchase_at: datetime | None, now: datetime, sleeping_days: int
) -> tuple[bool, tuple[str, dict[str, Any]]]:
    """Sleeping is an overlay on the stage: no purchase for the policy's number of days."""
    if last_purchase_at is not None and (now - last_purchase_at).days >= sleeping_days:
        return True, ("sleeping", {"days_since_purchase": (now - last_purchase_at).days})
    return False, ("stage", {"stage": stage})


def member_card(session: Session, *, member_id: str, viewer: GuideRef, now: datetime) -> MemberCard:
    """The card of one member as this guide should see it now."""
    pending = _pending_rows(session, member_id)
    m = session.execute(select(Member).where(Member.id == member_id)).scalar_one_or_none()
    policy = policy_of(session)
    if m is None:
        enrolled = pending_enrollment(session, member_id)
        if enrolled is None:
            raise MemberNotFound("member_not_local", member_id=member_id)
        eb = effective_binding(session, member_id=member_id, now=now, pending=pending)
        return MemberCard(
            member_id=member_id,
            name=enrolled.get("name", ""),
            card_no=enrolled.get("card_no", ""),
            phone_masked=enrolled.get("phone_masked", ""),
            level=enrolled.get("level", ""),
            stage="registered",
            stage_reason=("enrolled_here", {}),
            sleeping=False,
            is_paid=bool(enrolled.get("paid")),
            online=False,
            tags=_tags(session, member_id),
            binding=_binding_view(eb, viewer, now),
            last_visit_at=session.scalar(select(func.max(Visit.at)).where(Visit.member_id == member_id)),
            open_tasks=_tasks(session, member_id, pending, now),
            recent_notes=_notes(session, member_id, pending),
            pending_mutations=len(pending),
            pending_enrollment=True,
        )
    sleeping, reason = _stage_reason(m.stage, m.last_purchase_at, now, policy.sleeping_days)
    local_visit = session.scalar(select(func.max(Visit.at)).where(Visit.member_id == member_id))
    visits = [v for v in (m.last_visit_at, local_visit) if v is not None]
    eb = effective_binding(session, member_id=member_id, now=now, pending=pending)
    return MemberCard(
        member_id=m.id,
        name=m.name,
        card_no=m.card_no,
        phone_masked=m.phone_masked or "",
        level=m.level,
        stage=m.stage,
        stage_reason=reason,
        sleeping=sleeping,
        is_paid=m.is_paid,
        online=m.online,
        tags=_tags(session, member_id),
        binding=_binding_view(eb, viewer, now),
        last_visit_at=max(visits) if visits else None,
        open_tasks=_tasks(session, member_id, pending, now),
        recent_notes=_notes(session, member_id, pending),
        pending_mutations=len(pending),
    )
