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
