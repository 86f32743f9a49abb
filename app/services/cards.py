"""The member card: everything the guide sees after a scan, as effective state (replica + what this
counter did that HQ has not confirmed yet), and the effective binding that the binding rules also read.

This is the hot path of "scan → card in one frame" at a million members. It is a handful of prebuilt
Core selects on indexed columns, run on the session's connection — never ORM relationship loading,
never a join through member_tags that could scan (PERF-NOTES: one such plan took 1.76 s). Building
ORM statements and entities per scan cost more than the SQL itself (measured: ~2.3 ms vs ~0.2 ms of
SQL per card at a million members), hence the Core statements built once at import.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Row, String, bindparam, select
from sqlalchemy.orm import Session

from app.db.models import (
    Binding,
    Member,
    MemberTag,
    Note,
    Outbox,
    Tag,
    TagGroup,
    TaskItem,
    Visit,
)
from app.errors import MemberNotFound
from app.services.common import GuideRef
from app.services.effective import (
    EffectiveBinding,
    effective_binding,
    last_visits,
    outbox_rows,
    overlay_tags,
    pending_enrollment,
)
from app.services.outbox import PENDING_STATES
from app.services.policy import policy_of
from app.services.privacy import sync_freshness
from contract.wire import Mutation

RECENT_NOTES = 3
MAX_OPEN_TASKS = 20


@dataclass(frozen=True)
class TagView:
    id: str
    name: str
    group_name: str
    color: str
    pending: bool = False  # added here, not yet confirmed by HQ


@dataclass(frozen=True)
class BindingView:
    relation: str  # mine | colleague | other_store | unbound (from the viewer's point of view)
    state: str  # confirmed | pending | rejected | none (unbound)
    binding_id: str | None = None
    guide_id: str | None = None
    guide_name: str = ""
    store_id: str | None = None
    store_name: str = ""
    bound_at: datetime | None = None
    protected_until: datetime | None = None  # after renewal by the bound guide's service
    protection_active: bool = False
    winner_guide_name: str = ""  # set when a bind made here lost at HQ (or a conflict says so)
    winner_store_name: str = ""
    rejected_code: str = ""  # HQ's code when the last bind made here was rejected


@dataclass(frozen=True)
class TaskBrief:
    id: str
    kind: str
    due_at: datetime | None
    overdue: bool
    assigned_guide_id: str | None
    pending: bool = False  # created here, not yet in the replica


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
    stage_reason: tuple[str, dict[str, Any]]  # ("sleeping", {"days_since_purchase": n}) | ("stage", {})
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
    # PIPL: the member withdrew consent to outreach (HQ says so, or it was recorded at this counter and
    # is waiting for HQ): no follow-ups, contact budget zero; the card says so.
    consent_withdrawn: bool = False
    # PIPL: this workstation has not synced for longer than the policy's stale_days. The card keeps the
    # name and the binding (the counter's work needs them); everything else is masked until a sync.
    restricted: bool = False


# ---------------------------------------------------------------- prebuilt statements

_o, _m, _b = Outbox.__table__, Member.__table__, Binding.__table__
_v, _t, _n = Visit.__table__, TaskItem.__table__, Note.__table__
_MEMBER: BindParameter[str] = bindparam("member_id", type_=String)
# HQ gives a new member the model's default level; the card of a pending enrollment shows the same.
_NEW_MEMBER_LEVEL = str(_m.c.level.default.arg)

_MEMBER_ROW = select(
    _m.c.id,
    _m.c.name,
    _m.c.card_no,
    _m.c.phone_masked,
    _m.c.level,
    _m.c.stage,
    _m.c.is_paid,
    _m.c.online,
    _m.c.last_purchase_at,
    _m.c.last_visit_at,
    _m.c.consent_withdrawn,
).where(_m.c.id == _MEMBER)
_TASKS = select(_t.c.id, _t.c.kind, _t.c.due_at, _t.c.assigned_guide_id, _t.c.state).where(
    _t.c.member_id == _MEMBER
)
_NOTES = (
    select(_n.c.id, _n.c.body, _n.c.guide_id, _n.c.created_at)
    .where(_n.c.member_id == _MEMBER)
    .order_by(_n.c.created_at.desc())
    .limit(RECENT_NOTES)
)
_tg, _tgg, _mt = Tag.__table__, TagGroup.__table__, MemberTag.__table__
_TAG_COLUMNS = (_tg.c.id, _tg.c.name, _tg.c.color, _tgg.c.name, _tgg.c.sort)
# Driven by member_tags' primary key (member_id, tag_id): a search, then a handful of tag lookups.
_MEMBER_TAGS = (
    select(*_TAG_COLUMNS)
    .select_from(_mt)
    .join(_tg, _tg.c.id == _mt.c.tag_id)
    .join(_tgg, _tgg.c.id == _tg.c.group_id)
    .where(_mt.c.member_id == _MEMBER)
)
_TAGS_BY_ID = (
    select(*_TAG_COLUMNS)
    .join(_tgg, _tgg.c.id == _tg.c.group_id)
    .where(_tg.c.id.in_(bindparam("tag_ids", expanding=True)))
)


# ---------------------------------------------------------------- card


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
        protection_active=eb.protected_until is not None and eb.protected_until > now,
        winner_guide_name=eb.winner_guide_name,
        winner_store_name=eb.winner_store_name,
        rejected_code=eb.rejected_code,
    )


# ---------------------------------------------------------------- the rest of the card


def _tags(session: Session, member_id: str, pending: list[Row[Any]]) -> tuple[TagView, ...]:
    """The effective tags (`effective.overlay_tags`) from the pending rows the card has already read, so
    the tags cost one indexed query (two when a tag was added here)."""
    conn = session.connection()
    replica = {r[0]: r for r in conn.execute(_MEMBER_TAGS, {"member_id": member_id})}
    ids, added = overlay_tags(replica, ((row.name, row.args) for row in pending))
    shown = {tag_id: row for tag_id, row in replica.items() if tag_id in ids}
    new = [t for t in ids if t not in shown]
    if new:
        shown.update({r[0]: r for r in conn.execute(_TAGS_BY_ID, {"tag_ids": new})})
    rows = sorted(shown.values(), key=lambda r: (r[4], r[1]))
    return tuple(
        TagView(id=r[0], name=r[1], group_name=r[3], color=r[2], pending=r[0] in added) for r in rows
    )


def _tasks(session: Session, member_id: str, pending: list[Row[Any]], now: datetime) -> tuple[TaskBrief, ...]:
    """Open items of the replica and items created here, minus those completed here, with reassignments
    made here applied."""
    replica = list(session.connection().execute(_TASKS, {"member_id": member_id}))
    known = {t.id for t in replica}
    done: set[str] = set()
    assigned: dict[str, str] = {}
    created: list[TaskBrief] = []
    for row in pending:
        args = row.args
        if row.name == Mutation.TASK_COMPLETE:
            done.add(args.get("task_id"))
        elif row.name == Mutation.TASK_ASSIGN:
            assigned[args.get("task_id")] = args.get("guide_id")
        elif row.name == Mutation.TASK_CREATE and args.get("task_id") not in known:
            due = _parse_due(args.get("due_at"))
            created.append(
                TaskBrief(
                    args["task_id"],
                    args.get("kind", "call"),
                    due,
                    due is not None and due < now,
                    args.get("assigned_guide_id"),
                    pending=True,
                )
            )
    briefs = [
        TaskBrief(t.id, t.kind, t.due_at, t.due_at is not None and t.due_at < now, t.assigned_guide_id)
        for t in replica
        if t.state == "open"
    ] + created
    briefs = [
        b if b.id not in assigned else _reassigned(b, assigned[b.id]) for b in briefs if b.id not in done
    ]
    # Soonest due first; undated last.
    briefs.sort(key=lambda b: (b.due_at is None, b.due_at or now))
    return tuple(briefs[:MAX_OPEN_TASKS])


def _parse_due(text: str | None) -> datetime | None:
    if not text:
        return None
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _reassigned(b: TaskBrief, guide_id: str) -> TaskBrief:
    return TaskBrief(b.id, b.kind, b.due_at, b.overdue, guide_id, pending=b.pending)


def _notes(session: Session, member_id: str, pending: list[Row[Any]]) -> tuple[NoteBrief, ...]:
    replica = [
        NoteBrief(n.id, n.body, n.guide_id, n.created_at)
        for n in session.connection().execute(_NOTES, {"member_id": member_id})
    ]
    known = {n.id for n in replica}
    notes = replica + [
        NoteBrief(r.args["note_id"], r.args.get("body", ""), r.guide_id, r.created_at, pending=True)
        for r in pending
        if r.name == Mutation.NOTE_ADD and r.args.get("note_id") not in known
    ]
    notes.sort(key=lambda n: n.created_at, reverse=True)
    return tuple(notes[:RECENT_NOTES])


def _sleeping(
    last_purchase_at: datetime | None, now: datetime, sleeping_days: int
) -> tuple[str, dict[str, Any]]:
    """Sleeping (沉睡) is an overlay on the stage: no purchase for more than the policy's days. A member
    who never bought is described by the stage itself (visitor, registered), as HQ's lists do."""
    if last_purchase_at is not None and now - last_purchase_at > timedelta(days=sleeping_days):
        return "sleeping", {"days_since_purchase": (now - last_purchase_at).days}
    return "stage", {}


def _member_card(session: Session, *, member_id: str, viewer: GuideRef, now: datetime) -> MemberCard:
    """The card of one member as this guide should see it now; `MemberNotFound` if not on this
    workstation (neither in the replica nor enrolled here)."""
    conn = session.connection()
    m = conn.execute(_MEMBER_ROW, {"member_id": member_id}).first()
    enrolled = pending_enrollment(session, member_id) if m is None else None
    if m is None and enrolled is None:
        raise MemberNotFound("member_not_local", member_id=member_id)
    rows = outbox_rows(session, member_id)
    pending = [r for r in rows if r.state in PENDING_STATES]
    visits = last_visits(session, member_id)
    # Read once and held: the session's identity map is weak, a second policy_of would query again.
    policy = policy_of(session)
    eb = effective_binding(
        session,
        member_id=member_id,
        now=now,
        rows=rows,
        visits=visits,
        viewer_store_id=viewer.store_id,
        policy=policy,
    )
    common: dict[str, Any] = {
        "tags": _tags(session, member_id, pending),
        "binding": _binding_view(eb, viewer, now),
        "open_tasks": _tasks(session, member_id, pending, now),
        "recent_notes": _notes(session, member_id, pending),
        "pending_mutations": len(pending),
        "consent_withdrawn": bool(m is not None and m.consent_withdrawn)
        or any(r.name == Mutation.MEMBER_CONSENT_WITHDRAW for r in pending),
    }
    if m is None:
        assert enrolled is not None
        # Enrolled at this counter, not yet confirmed by HQ: the card comes from the mutation's args.
        return MemberCard(
            member_id=member_id,
            name=enrolled.get("name", ""),
            card_no=enrolled.get("card_no", ""),
            phone_masked=enrolled.get("phone_masked", ""),
            level=_NEW_MEMBER_LEVEL,
            stage="registered",
            stage_reason=("pending_enrollment", {}),
            sleeping=False,
            is_paid=bool(enrolled.get("paid")),
            online=False,
            last_visit_at=max(visits.values(), default=None),
            pending_enrollment=True,
            **common,
        )
    reason = _sleeping(m.last_purchase_at, now, policy.sleeping_days)
    seen = [v for v in (m.last_visit_at, *visits.values()) if v is not None]
    return MemberCard(
        member_id=m.id,
        name=m.name,
        card_no=m.card_no,
        phone_masked=m.phone_masked or "",
        level=m.level,
        stage=m.stage,
        stage_reason=reason,
        sleeping=reason[0] == "sleeping",
        is_paid=bool(m.is_paid),
        online=bool(m.online),
        last_visit_at=max(seen, default=None),
        **common,
    )


def member_card(session: Session, *, member_id: str, viewer: GuideRef, now: datetime) -> MemberCard:
    """The card of one member as this guide should see it now; `MemberNotFound` if not on this
    workstation (neither in the replica nor enrolled here). On a stale workstation (no sync for longer than
    the policy's stale_days) only the name and the binding show (app/services/privacy.py)."""
    card = _member_card(session, member_id=member_id, viewer=viewer, now=now)
    if not sync_freshness(session, now=now).stale:
        return card
    return replace(
        card, card_no="", phone_masked="", level="", stage="", stage_reason=("restricted", {}),
        sleeping=False, is_paid=False, online=False, tags=(), last_visit_at=None, open_tasks=(),
        recent_notes=(), restricted=True,
    )  # fmt: skip
