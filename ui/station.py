"""What the shell needs to know about this workstation before anyone logs in: enrolled or not, its store,
its guides, where sync stands. One read on the DB lane, returned as a plain value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.db.models import Store, SyncState
from app.services.guides import GuideView, list_guides
from app.services.outbox import list_outbox, pending_count

CONFLICT_STATES = ("rejected",)


@dataclass(frozen=True)
class StationInfo:
    enrolled: bool
    device_id: str | None
    store_id: str | None
    store_name: str
    store_code: str
    hq_url: str
    last_sync_at: datetime | None
    clock_offset_ms: int
    guides: tuple[GuideView, ...]
    pending: int
    rejected: int


def station_info(session: Any) -> StationInfo:
    state = session.get(SyncState, 1)
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
        rejected=len(list_outbox(session, states=CONFLICT_STATES, limit=10_000)),
    )


def tag_catalog(session: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The tag groups HQ shares with the store, with their tags: [(group name, [(tag id, name)])]."""
    from app.db.models import Tag, TagGroup

    groups = session.query(TagGroup.id, TagGroup.name).order_by(TagGroup.sort, TagGroup.name).all()
    by_group: dict[str, list[tuple[str, str]]] = {gid: [] for gid, _ in groups}
    for tag_id, group_id, name in session.query(Tag.id, Tag.group_id, Tag.name).order_by(Tag.name):
        by_group.setdefault(group_id, []).append((tag_id, name))
    return [(name, by_group[gid]) for gid, name in groups if by_group.get(gid)]


@dataclass(frozen=True)
class SyncSummary:
    pending: int
    refused: int  # mutations HQ acknowledged as rejected
    conflicts: int  # unresolved binding conflicts this store lost
    last_sync_at: datetime | None
    clock_offset_ms: int


def sync_summary(session: Any) -> SyncSummary:
    from app.db.models import BindingConflict, Outbox

    state = session.get(SyncState, 1)
    refused = session.query(Outbox.id).filter(Outbox.state == "rejected").count()
    conflicts = 0
    if state is not None and state.store_id:
        conflicts = (
            session.query(BindingConflict.id)
            .filter(BindingConflict.losing_store_id == state.store_id, BindingConflict.resolved.is_(False))
            .count()
        )
    return SyncSummary(
        pending=pending_count(session),
        refused=refused,
        conflicts=conflicts,
        last_sync_at=state.last_sync_at if state is not None else None,
        clock_offset_ms=(state.clock_offset_ms or 0) if state is not None else 0,
    )


@dataclass(frozen=True)
class OutboxRow:
    id: int
    name: str
    created_at: datetime
    state: str
    member_name: str
    guide_name: str
    code: str  # HQ's code for a rejected row
    details: dict[str, Any]


@dataclass(frozen=True)
class ConflictRow:
    member_name: str
    losing_guide_name: str
    winning_guide_name: str
    winning_store_name: str
    created_at: datetime
    resolved: bool


@dataclass(frozen=True)
class SyncViewData:
    waiting: tuple[OutboxRow, ...]
    refused: tuple[OutboxRow, ...]
    conflicts: tuple[ConflictRow, ...]


def sync_view(session: Any, *, limit: int = 500) -> SyncViewData:
    """What waits for HQ (oldest first) and what HQ refused or decided against this store (newest
    first), bounded to `limit` rows each, with member and guide names."""
    from app.db.models import BindingConflict, Guide, Member, Outbox

    def rows(states: tuple[str, ...], newest_first: bool) -> list[Any]:
        order = Outbox.id.desc() if newest_first else Outbox.id
        return list(session.query(Outbox).filter(Outbox.state.in_(states)).order_by(order).limit(limit))

    waiting, refused = rows(("pending", "sent"), False), rows(("rejected",), True)
    state = session.get(SyncState, 1)
    conflicts = []
    if state is not None and state.store_id:
        conflicts = list(
            session.query(BindingConflict)
            .filter(BindingConflict.losing_store_id == state.store_id)
            .order_by(BindingConflict.created_at.desc())
            .limit(limit)
        )
    member_ids = {r.member_id for r in waiting + refused if r.member_id} | {c.member_id for c in conflicts}
    guide_ids = {r.guide_id for r in waiting + refused} | {c.losing_guide_id for c in conflicts}
    names = (
        dict(session.query(Member.id, Member.name).filter(Member.id.in_(member_ids))) if member_ids else {}
    )
    guides = dict(session.query(Guide.id, Guide.name).filter(Guide.id.in_(guide_ids))) if guide_ids else {}

    def view(r: Any) -> OutboxRow:
        result = r.result or {}
        member = names.get(r.member_id) or (r.args or {}).get("name") or ""
        return OutboxRow(
            id=r.id,
            name=r.name,
            created_at=r.created_at,
            state=r.state,
            member_name=member,
            guide_name=guides.get(r.guide_id, ""),
            code=str(result.get("code") or ""),
            details=dict(result.get("details") or {}),
        )

    return SyncViewData(
        waiting=tuple(view(r) for r in waiting),
        refused=tuple(view(r) for r in refused),
        conflicts=tuple(
            ConflictRow(
                member_name=names.get(c.member_id, c.member_id),
                losing_guide_name=guides.get(c.losing_guide_id, ""),
                winning_guide_name=c.winning_guide_name,
                winning_store_name=c.winning_store_name,
                created_at=c.created_at,
                resolved=bool(c.resolved),
            )
            for c in conflicts
        ),
    )
