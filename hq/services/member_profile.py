"""HQ's view of members for its staff: search by card number, phone or name, and one member's page —
stage, tags, the binding and its history, binding conflicts, recent task items.

Phone search: HQ keeps phones in the clear behind a unique index (hq/db/models.py `Member`), so the
normalised number is an exact index lookup there; it is the workstations that keep an HMAC blind index.
Name search is a prefix match on an index (`ix_members_name`), never a scan of every member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from hq.db.models import (
    Binding,
    BindingConflict,
    Guide,
    Member,
    MemberCode,
    MemberTag,
    Store,
    Tag,
    TagGroup,
    TaskItem,
    TaskList,
)
from hq.errors import NotFound
from hq.services.members import clean_phone

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class MemberRow:
    id: str
    card_no: str
    name: str
    phone_masked: str
    store_code: str
    store_name: str
    stage: str
    level: str
    is_paid: bool
    guide_name: str


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def search_members(session: Session, *, text: str, limit: int = SEARCH_LIMIT) -> list[MemberRow]:
    """Card number (any of the member's cards), 11-digit mobile, or the start of a name."""
    text = text.strip()[:50]
    if not text:
        return []
    ids: list[str] = []
    owner = session.scalar(select(MemberCode.member_id).where(MemberCode.code == text))
    if owner:
        ids.append(owner)
    phone = clean_phone(text) if any(c.isdigit() for c in text) else None
    if phone:
        ids += session.scalars(select(Member.id).where(Member.phone == phone))
    ids += session.scalars(
        select(Member.id)
        .where(Member.name >= text, Member.name < text + "\U0010ffff")
        .order_by(Member.name)
        .limit(limit)
    )
    ordered = list(dict.fromkeys(ids))[:limit]
    return _rows(session, ordered)


def _rows(session: Session, ids: list[str]) -> list[MemberRow]:
    if not ids:
        return []
    query = (
        select(Member, Store.code, Store.name, Guide.name)
        .join(Store, Store.id == Member.store_id)
        .outerjoin(Binding, (Binding.member_id == Member.id) & Binding.active.is_(True))
        .outerjoin(Guide, Guide.id == Binding.guide_id)
        .where(Member.id.in_(ids))
    )
    found = {
        m.id: MemberRow(
            m.id,
            m.card_no,
            m.name,
            mask_phone(m.phone),
            code,
            sname,
            m.stage,
            m.level,
            m.is_paid,
            gname or "",
        )
        for m, code, sname, gname in session.execute(query)
    }
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class TagChip:
    group: str
    name: str
    color: str


@dataclass(frozen=True)
class BindingRow:
    id: str
    guide_name: str
    employee_no: str
    store_code: str
    active: bool
    bound_at: datetime
    protected_until: datetime | None
    ended_at: datetime | None
    ended_reason: str | None


@dataclass(frozen=True)
class ConflictRow:
    id: str
    created_at: datetime
    losing_guide: str
    losing_store: str
    winning_guide: str
    winning_store: str
    resolved: bool
    resolution: str | None


@dataclass(frozen=True)
class TaskRow:
    list_id: str | None
    title: str
    kind: str
    state: str
    outcome: str | None
    due_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class Profile:
    id: str
    card_no: str
    cards: tuple[str, ...]
    name: str
    phone_masked: str
    store_code: str
    store_name: str
    stage: str
    level: str
    is_paid: bool
    online: bool
    enrolled_at: datetime | None
    last_purchase_at: datetime | None
    last_visit_at: datetime | None
    consent_at: datetime | None
    tags: tuple[TagChip, ...]
    bindings: tuple[BindingRow, ...]  # newest first; the active one (if any) among them
    conflicts: tuple[ConflictRow, ...]
    tasks: tuple[TaskRow, ...]

    @property
    def binding(self) -> BindingRow | None:
        return next((b for b in self.bindings if b.active), None)


def member_profile(session: Session, *, member_id: str) -> Profile:
    m = session.get(Member, member_id)
    if m is None:
        raise NotFound("unknown_member", member=member_id)
    store = session.get(Store, m.store_id)
    cards = tuple(
        session.scalars(select(MemberCode.code).where(MemberCode.member_id == m.id).order_by(MemberCode.code))
    )
    tags = tuple(
        TagChip(g, n, c)
        for g, n, c in session.execute(
            select(TagGroup.name, Tag.name, Tag.color)
            .join(Tag, Tag.group_id == TagGroup.id)
            .join(MemberTag, MemberTag.tag_id == Tag.id)
            .where(MemberTag.member_id == m.id)
            .order_by(TagGroup.sort, TagGroup.name, Tag.name)
        )
    )
    bindings = tuple(
        BindingRow(
            b.id,
            g.name if g else "",
            g.employee_no if g else "",
            s.code if s else "",
            b.active,
            b.bound_at,
            b.protected_until,
            b.ended_at,
            b.ended_reason,
        )
        for b, g, s in session.execute(
            select(Binding, Guide, Store)
            .outerjoin(Guide, Guide.id == Binding.guide_id)
            .outerjoin(Store, Store.id == Binding.store_id)
            .where(Binding.member_id == m.id)
            .order_by(Binding.bound_at.desc())
        )
    )
    loser, winner = aliased(Guide), aliased(Guide)
    lstore, wstore = aliased(Store), aliased(Store)
    conflicts = tuple(
        ConflictRow(
            c.id,
            c.created_at,
            lg or "",
            ls or "",
            wg or c.winning_guide_name,
            ws or c.winning_store_name,
            c.resolved,
            c.resolution,
        )
        for c, lg, ls, wg, ws in session.execute(
            select(BindingConflict, loser.name, lstore.code, winner.name, wstore.code)
            .outerjoin(loser, loser.id == BindingConflict.losing_guide_id)
            .outerjoin(lstore, lstore.id == BindingConflict.losing_store_id)
            .outerjoin(winner, winner.id == BindingConflict.winning_guide_id)
            .outerjoin(wstore, wstore.id == BindingConflict.winning_store_id)
            .where(BindingConflict.member_id == m.id)
            .order_by(BindingConflict.created_at.desc())
        )
    )
    tasks = tuple(
        TaskRow(t.list_id, title or "", t.kind, t.state, t.outcome, t.due_at, t.completed_at)
        for t, title in session.execute(
            select(TaskItem, TaskList.title)
            .outerjoin(TaskList, TaskList.id == TaskItem.list_id)
            .where(TaskItem.member_id == m.id)
            .order_by(TaskItem.created_at.desc())
            .limit(20)
        )
    )
    return Profile(
        m.id,
        m.card_no,
        cards,
        m.name,
        mask_phone(m.phone),
        store.code if store else "",
        store.name if store else "",
        m.stage,
        m.level,
        m.is_paid,
        m.online,
        m.enrolled_at,
        m.last_purchase_at,
        m.last_visit_at,
        m.consent_at,
        tags,
        bindings,
        conflicts,
        tasks,
    )


def member_ids_named(session: Session, names: list[str]) -> list[str]:
    """Ids of members with exactly these names (tests and tools)."""
    return list(session.scalars(select(Member.id).where(or_(*(Member.name == n for n in names)))))
