"""HQ task lists: a titled list of follow-ups (call, message, invite, visit), one item per member, for
one store or several. Each item is work of the member's home store and is synced to that store only;
the list travels with its items. Choosing members by segment (tag, stage, sleeping) is the admin API's
job; this takes the chosen members."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hq.db.models import Member, TaskItem, TaskList
from hq.errors import Invalid, NotFound
from hq.sync.changes import ChangeSet, store_scope

KINDS = frozenset({"call", "message", "invite", "visit"})
MAX_ITEMS = 100_000


@dataclass(frozen=True)
class PublishedList:
    list_id: str
    items: int
    stores: tuple[str, ...]


def publish_task_list(
    session: Session,
    *,
    title: str,
    member_ids: list[str],
    kind: str,
    now: datetime,
    changes: ChangeSet,
    due_at: datetime | None = None,
    segment: dict[str, Any] | None = None,
) -> PublishedList:
    title = title.strip()
    if not 0 < len(title) <= 200:
        raise Invalid("bad_title")
    if kind not in KINDS:
        raise Invalid("bad_kind", kind=kind)
    if not 0 < len(member_ids) <= MAX_ITEMS:
        raise Invalid("bad_member_count", max=MAX_ITEMS)
    wanted = sorted(set(member_ids))
    homes: dict[str, str] = {}
    skipped: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        rows = session.execute(
            select(Member.id, Member.store_id, Member.consent_withdrawn, Member.erased_at).where(
                Member.id.in_(chunk)
            )
        ).all()
        homes.update((r.id, r.store_id) for r in rows)
        # PIPL: a member who withdrew consent to outreach (or was erased) is left out of every list,
        # however chosen
        skipped.update(r.id for r in rows if r.consent_withdrawn or r.erased_at is not None)
    missing = [m for m in wanted if m not in homes]
    if missing:
        raise NotFound("unknown_member", count=len(missing))
    wanted = [m for m in wanted if m not in skipped]
    if not wanted:
        raise Invalid("no_members_selected", consent_withdrawn=len(skipped))
    stores = sorted(set(homes.values()))
    task_list = TaskList(
        id=str(uuid.uuid4()),
        store_id=stores[0] if len(stores) == 1 else None,
        title=title,
        source="hq",
        due_at=due_at,
        segment=segment,
        created_at=now,
    )
    session.add(task_list)
    session.flush()
    by_store: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for member_id in wanted:
        store_id = homes[member_id]
        by_store[store_id].append(
            {
                "id": str(uuid.uuid4()),
                "list_id": task_list.id,
                "store_id": store_id,
                "member_id": member_id,
                "kind": kind,
                "due_at": due_at,
                "state": "open",
                "flagged": False,
                "created_at": now,
            }
        )
    for store_id, items in by_store.items():
        session.execute(insert(TaskItem), items)
        scope = store_scope(store_id)
        changes.put(scope, "task_list", task_list.id)
        for item in items:
            changes.put(scope, "task_item", item["id"])
    return PublishedList(task_list.id, len(wanted), tuple(stores))


def cancel_task_list(session: Session, *, list_id: str, changes: ChangeSet) -> int:
    """Cancel the list's open items (done ones stay done). Returns how many were cancelled."""
    if session.get(TaskList, list_id) is None:
        raise NotFound("unknown_task_list", list_id=list_id)
    open_items = session.execute(
        select(TaskItem.id, TaskItem.store_id).where(TaskItem.list_id == list_id, TaskItem.state == "open")
    ).all()
    session.execute(
        update(TaskItem)
        .where(TaskItem.list_id == list_id, TaskItem.state == "open")
        .values(state="cancelled")
    )
    for item_id, store_id in open_items:
        changes.put(store_scope(store_id), "task_item", item_id)
    return len(open_items)
