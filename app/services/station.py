"""Reads about this workstation as a whole, for the shell, the status bar and the sync page: enrolled or
not, its store and guides, where sync stands (pending, refused, open conflicts), what waits for HQ and
what HQ refused, the binding conflicts this store lost, and the tag catalog for a picker. Each is one
read returning plain frozen values (the UI runs them on its DB lane).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import BindingConflict, Guide, Member, Outbox, Store, SyncState, Tag, TagGroup
from app.services.guides import GuideView, list_guides
from app.services.outbox import PENDING_STATES, OutboxState, pending_count

CONFLICT_STATES: tuple[OutboxState, ...] = ("rejected",)
PAGE_MAX = 500


@dataclass(frozen=True)
class StationInfo:
    """The workstation's status (the status bar and the shell's first screen)."""

    enrolled: bool
    device_id: str | None
    store_id: str | None
    store_name: str
    store_code: str
    hq_url: str
    last_sync_at: datetime | None  # the last pulled page committed
    clock_offset_ms: int
    guides: tuple[GuideView, ...]
    pending: int  # mutations not yet settled by HQ
    rejected: int  # mutations HQ refused
    open_conflicts: int = 0  # unresolved binding conflicts this store lost


def _state(session: Session) -> SyncState | None:
    return session.get(SyncState, 1)


def _open_conflicts(session: Session, store_id: str | None) -> int:
    if not store_id:
        return 0
    query = select(func.count()).where(
        BindingConflict.losing_store_id == store_id, BindingConflict.resolved.is_(False)
    )
    return int(session.scalar(query) or 0)


def _rejected(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(Outbox.state == "rejected")) or 0)


def clock_offset_ms(session: Session) -> int:
    """HQ's clock minus this PC's, as measured at the last sync (0 before any)."""
    return int(session.scalar(select(SyncState.clock_offset_ms).where(SyncState.id == 1)) or 0)


def station_info(session: Session) -> StationInfo:
    state = _state(session)
    store_id = state.store_id if state is not None else None
    store = session.get(Store, store_id) if store_id else None
    guides = list_guides(session, store_id=store_id) if store_id else ()
    return StationInfo(
        enrolled=bool(state is not None and state.device_id),
        device_id=state.device_id if state is not None else None,
        store_id=store_id,
        store_name=store.name if store is not None else "",
        store_code=store.code if store is not None else "",
        hq_url=(state.hq_url or "") if state is not None else "",
        last_sync_at=state.last_sync_at if state is not None else None,
        clock_offset_ms=(state.clock_offset_ms or 0) if state is not None else 0,
        guides=guides,
        pending=pending_count(session),
        rejected=_rejected(session),
        open_conflicts=_open_conflicts(session, store_id),
    )


@dataclass(frozen=True)
class ReplicaCounts:
    members: int
    guides: int


def replica_counts(session: Session) -> ReplicaCounts:
    """How much of HQ's data this workstation holds (an IT check, not a screen's hot path)."""
    members = session.scalar(select(func.count()).select_from(Member)) or 0
    guides = session.scalar(select(func.count()).select_from(Guide)) or 0
    return ReplicaCounts(int(members), int(guides))


# ---------------------------------------------------------------- tag catalog


@dataclass(frozen=True)
class TagChoice:
    id: str
    name: str
    color: str


@dataclass(frozen=True)
class TagGroupChoice:
    id: str
    name: str
    tags: tuple[TagChoice, ...]


def tag_picker(session: Session) -> tuple[TagGroupChoice, ...]:
    """The tag groups HQ shares with the store, in HQ's order, each with its tags by name; empty groups
    left out (a guide applies tags, not groups)."""
    groups = session.execute(select(TagGroup.id, TagGroup.name).order_by(TagGroup.sort, TagGroup.name)).all()
    by_group: dict[str, list[TagChoice]] = {gid: [] for gid, _ in groups}
    for tag_id, group_id, name, color in session.execute(
        select(Tag.id, Tag.group_id, Tag.name, Tag.color).order_by(Tag.name)
    ):
        by_group.setdefault(group_id, []).append(TagChoice(tag_id, name, color))
    return tuple(TagGroupChoice(gid, name, tuple(by_group[gid])) for gid, name in groups if by_group.get(gid))


def tag_catalog(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """`tag_picker` as [(group name, [(tag id, name)])], the shape the counter's tag dialog takes."""
    return [(g.name, [(t.id, t.name) for t in g.tags]) for g in tag_picker(session)]


# ---------------------------------------------------------------- sync summary and views


@dataclass(frozen=True)
class SyncSummary:
    pending: int
    refused: int  # mutations HQ acknowledged as rejected
    conflicts: int  # unresolved binding conflicts this store lost
    last_sync_at: datetime | None
    clock_offset_ms: int


def sync_summary(session: Session) -> SyncSummary:
    state = _state(session)
    return SyncSummary(
        pending=pending_count(session),
        refused=_rejected(session),
        conflicts=_open_conflicts(session, state.store_id if state is not None else None),
        last_sync_at=state.last_sync_at if state is not None else None,
        clock_offset_ms=(state.clock_offset_ms or 0) if state is not None else 0,
    )


@dataclass(frozen=True)
class OutboxRow:
    id: int
    name: str
    created_at: datetime
    state: OutboxState
    member_name: str
    guide_name: str
    code: str  # HQ's code for a rejected row
    details: dict[str, Any]
    member_id: str | None = None


@dataclass(frozen=True)
class ConflictRow:
    member_name: str
    losing_guide_name: str
    winning_guide_name: str
    winning_store_name: str
    created_at: datetime
    resolved: bool
    member_id: str = ""
    id: str = ""


@dataclass(frozen=True)
class SyncViewData:
    waiting: tuple[OutboxRow, ...]
    refused: tuple[OutboxRow, ...]
    conflicts: tuple[ConflictRow, ...]


@dataclass(frozen=True)
class OutboxPage:
    rows: tuple[OutboxRow, ...]  # newest first
    before_id: int | None  # pass as `before_id` for the next (older) page; None: no more


def _names(
    session: Session, member_ids: set[str], guide_ids: set[str]
) -> tuple[dict[str, str], dict[str, str]]:
    members: dict[str, str] = (
        {
            mid: name
            for mid, name in session.execute(select(Member.id, Member.name).where(Member.id.in_(member_ids)))
        }
        if member_ids
        else {}
    )
    guides: dict[str, str] = (
        {
            gid: name
            for gid, name in session.execute(select(Guide.id, Guide.name).where(Guide.id.in_(guide_ids)))
        }
        if guide_ids
        else {}
    )
    return members, guides


def _outbox_rows(session: Session, rows: list[Outbox]) -> tuple[OutboxRow, ...]:
    members, guides = _names(session, {r.member_id for r in rows if r.member_id}, {r.guide_id for r in rows})

    def view(r: Outbox) -> OutboxRow:
        result = r.result or {}
        member = members.get(r.member_id or "") or (r.args or {}).get("name") or ""
        return OutboxRow(
            id=r.id,
            name=r.name,
            created_at=r.created_at,
            state=r.state,  # type: ignore[arg-type]  # the column holds only OutboxState values
            member_name=member,
            guide_name=guides.get(r.guide_id, ""),
            code=str(result.get("code") or ""),
            details=dict(result.get("details") or {}),
            member_id=r.member_id,
        )

    return tuple(view(r) for r in rows)


def outbox_page(
    session: Session,
    *,
    states: tuple[OutboxState, ...] | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> OutboxPage:
    """Mutations made here, newest first, a page at a time (keyed by id: page 50 costs what page 1
    does), optionally only some states, with member and guide names."""
    if not 1 <= limit <= PAGE_MAX:
        raise ValueError(f"limit must be 1..{PAGE_MAX}")
    query = select(Outbox).order_by(Outbox.id.desc()).limit(limit + 1)
    if states:
        query = query.where(Outbox.state.in_(states))
    if before_id is not None:
        query = query.where(Outbox.id < before_id)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return OutboxPage(_outbox_rows(session, rows), rows[-1].id if more else None)


def list_conflicts(
    session: Session, *, limit: int = PAGE_MAX, resolved: bool | None = None, lost_only: bool = False
) -> tuple[ConflictRow, ...]:
    """Binding conflicts this store is part of (lost, or won against another store; `lost_only`: lost),
    who won, who lost and when, newest first. `resolved`: None for all, False for the open ones only."""
    state = _state(session)
    if state is None or not state.store_id:
        return ()
    query = (
        select(BindingConflict).order_by(BindingConflict.created_at.desc(), BindingConflict.id).limit(limit)
    )
    if lost_only:
        query = query.where(BindingConflict.losing_store_id == state.store_id)
    else:
        query = query.where(
            or_(
                BindingConflict.losing_store_id == state.store_id,
                BindingConflict.winning_store_id == state.store_id,
            )
        )
    if resolved is not None:
        query = query.where(BindingConflict.resolved.is_(resolved))
    conflicts = list(session.scalars(query))
    members, guides = _names(
        session, {c.member_id for c in conflicts}, {c.losing_guide_id for c in conflicts}
    )
    return tuple(
        ConflictRow(
            member_name=members.get(c.member_id, c.member_id),
            losing_guide_name=guides.get(c.losing_guide_id, ""),
            winning_guide_name=c.winning_guide_name,
            winning_store_name=c.winning_store_name,
            created_at=c.created_at,
            resolved=bool(c.resolved),
            member_id=c.member_id,
            id=c.id,
        )
        for c in conflicts
    )


def sync_view(session: Session, *, limit: int = PAGE_MAX) -> SyncViewData:
    """What waits for HQ (oldest first) and what HQ refused or decided against this store (newest
    first), bounded to `limit` rows each, with member and guide names."""
    waiting = list(
        session.scalars(
            select(Outbox).where(Outbox.state.in_(PENDING_STATES)).order_by(Outbox.id).limit(limit)
        )
    )
    return SyncViewData(
        waiting=_outbox_rows(session, waiting),
        refused=outbox_page(session, states=CONFLICT_STATES, limit=min(limit, PAGE_MAX)).rows,
        conflicts=list_conflicts(session, limit=limit, lost_only=True),
    )
