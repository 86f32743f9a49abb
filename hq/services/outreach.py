"""Outreach task lists as the HQ console composes them: publishing to a segment (hq/services/segments.py,
the contact budget applied), progress per store and guide, the items behind a figure, and withdrawal.
Publishing goes through `hq.services.tasks.publish_task_list` like the API and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from hq.db.models import Guide, Member, Store, TaskItem, TaskList
from hq.errors import HqError, Invalid, NotFound
from hq.services.segments import Segment, segment_member_ids
from hq.services.tasks import KINDS, PublishedList, cancel_task_list, publish_task_list
from hq.sync.changes import ChangeSet

REACHED = ("reached", "declined")  # the member was spoken to (a "no" is still a contact)
NOT_REACHED = ("not_reached", "call_back")


def publish(
    session: Session,
    *,
    segment: Segment,
    title: str,
    kind: str,
    due_at: datetime | None,
    script: str,
    now: datetime,
    changes: ChangeSet,
    by: str | None = None,
) -> PublishedList:
    if kind not in KINDS:
        raise Invalid("bad_kind", kind=kind)
    if due_at is not None and due_at <= now:
        raise Invalid("due_in_past")
    if len(script) > 2000:
        raise Invalid("bad_script", max=2000)
    members = segment_member_ids(session, segment=segment, now=now)
    if not members:
        raise HqError("no_members_selected")
    published = publish_task_list(
        session,
        title=title,
        member_ids=members,
        kind=kind,
        due_at=due_at,
        segment=segment.plain(),
        now=now,
        changes=changes,
    )
    row = session.get(TaskList, published.list_id)
    assert row is not None
    row.script = script.strip() or None
    row.created_by = by
    session.flush()
    return published


def withdraw(session: Session, *, list_id: str, now: datetime, changes: ChangeSet) -> int:
    """Cancel the list's open items (done ones stay done); workstations see it at their next sync."""
    cancelled = cancel_task_list(session, list_id=list_id, changes=changes)
    row = session.get(TaskList, list_id)
    assert row is not None
    if row.withdrawn_at is None:
        row.withdrawn_at = now
        session.flush()
    return cancelled


# ---------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    items: int = 0
    done: int = 0
    reached: int = 0
    not_reached: int = 0
    open: int = 0
    overdue: int = 0
    cancelled: int = 0

    @property
    def done_share(self) -> float:
        live = self.items - self.cancelled
        return self.done / live if live else 0.0


@dataclass(frozen=True)
class ListView:
    id: str
    title: str
    kind: str
    due_at: datetime | None
    created_at: datetime
    created_by: str | None
    withdrawn_at: datetime | None
    script: str | None
    segment: dict[str, Any]
    progress: Progress


@dataclass(frozen=True)
class ProgressRow:
    store_id: str
    store_code: str
    store_name: str
    guide_id: str | None
    guide_name: str
    progress: Progress


def _progress_columns(now: datetime) -> list[Any]:
    open_ = TaskItem.state == "open"
    return [
        func.count(),
        func.sum(case((TaskItem.state == "done", 1), else_=0)),
        func.sum(case((and_(TaskItem.state == "done", TaskItem.outcome.in_(REACHED)), 1), else_=0)),
        func.sum(case((and_(TaskItem.state == "done", TaskItem.outcome.in_(NOT_REACHED)), 1), else_=0)),
        func.sum(case((open_, 1), else_=0)),
        func.sum(case((and_(open_, TaskItem.due_at.is_not(None), TaskItem.due_at < now), 1), else_=0)),
        func.sum(case((TaskItem.state == "cancelled", 1), else_=0)),
    ]


def _progress(row: Any, offset: int = 0) -> Progress:
    return Progress(*(int(v or 0) for v in row[offset : offset + 7]))


def list_task_lists(session: Session, *, now: datetime, limit: int = 100) -> list[ListView]:
    lists = list(
        session.scalars(
            select(TaskList).where(TaskList.source == "hq").order_by(TaskList.created_at.desc()).limit(limit)
        )
    )
    ids = [t.id for t in lists]
    stats: dict[str, tuple[Progress, str]] = {}
    if ids:
        query = (
            select(TaskItem.list_id, *_progress_columns(now), func.min(TaskItem.kind))
            .where(TaskItem.list_id.in_(ids))
            .group_by(TaskItem.list_id)
        )
        for row in session.execute(query):
            stats[row[0]] = (_progress(row, 1), row[-1])
    return [_list_view(t, *stats.get(t.id, (Progress(), "call"))) for t in lists]


def _list_view(t: TaskList, progress: Progress, kind: str) -> ListView:
    return ListView(
        t.id,
        t.title,
        kind,
        t.due_at,
        t.created_at,
        t.created_by,
        t.withdrawn_at,
        t.script,
        dict(t.segment or {}),
        progress,
    )


def task_list(session: Session, *, list_id: str, now: datetime) -> ListView:
    row = session.get(TaskList, list_id)
    if row is None:
        raise NotFound("unknown_task_list", list_id=list_id)
    stats = session.execute(
        select(*_progress_columns(now), func.min(TaskItem.kind)).where(TaskItem.list_id == list_id)
    ).one()
    return _list_view(row, _progress(stats), stats[-1] or "call")


def progress_by(session: Session, *, list_id: str, now: datetime, by_guide: bool) -> list[ProgressRow]:
    """Per store (or per store and guide: the guide the item is assigned to, else who completed it)."""
    guide = func.coalesce(TaskItem.assigned_guide_id, TaskItem.completed_by_guide_id)
    keys = [TaskItem.store_id, guide] if by_guide else [TaskItem.store_id]
    query = select(*keys, *_progress_columns(now)).where(TaskItem.list_id == list_id).group_by(*keys)
    rows = session.execute(query).all()
    stores = {
        s.id: (s.code, s.name)
        for s in session.scalars(select(Store).where(Store.id.in_({r[0] for r in rows})))
    }
    guides: dict[str, str] = {}
    if by_guide:
        gids = {r[1] for r in rows if r[1]}
        guides = dict(session.execute(select(Guide.id, Guide.name).where(Guide.id.in_(gids))).all())
    out = []
    for r in rows:
        code, name = stores.get(r[0], ("", ""))
        gid = r[1] if by_guide else None
        out.append(
            ProgressRow(r[0], code, name, gid, guides.get(gid or "", ""), _progress(r, 2 if by_guide else 1))
        )
    out.sort(key=lambda p: (p.store_code, p.guide_name))
    return out


@dataclass(frozen=True)
class ItemView:
    id: str
    member_id: str
    member_name: str
    card_no: str
    store_code: str
    guide_name: str
    state: str
    outcome: str | None
    due_at: datetime | None
    completed_at: datetime | None
    overdue: bool
    note: str | None


ITEM_FILTERS = ("all", "done", "reached", "not_reached", "open", "overdue", "cancelled")


def items(
    session: Session,
    *,
    list_id: str,
    now: datetime,
    store_id: str | None = None,
    guide_id: str | None = None,
    state: str = "all",
    limit: int = 500,
) -> list[ItemView]:
    """The items behind a progress figure (drill-down), at most `limit`."""
    if state not in ITEM_FILTERS:
        raise Invalid("bad_filter", state=state)
    where: list[Any] = [TaskItem.list_id == list_id]
    if store_id:
        where.append(TaskItem.store_id == store_id)
    if guide_id:
        where.append(
            or_(
                TaskItem.assigned_guide_id == guide_id,
                and_(TaskItem.assigned_guide_id.is_(None), TaskItem.completed_by_guide_id == guide_id),
            )
        )
    if state == "done":
        where.append(TaskItem.state == "done")
    elif state == "reached":
        where += [TaskItem.state == "done", TaskItem.outcome.in_(REACHED)]
    elif state == "not_reached":
        where += [TaskItem.state == "done", TaskItem.outcome.in_(NOT_REACHED)]
    elif state == "open":
        where.append(TaskItem.state == "open")
    elif state == "overdue":
        where += [TaskItem.state == "open", TaskItem.due_at < now]
    elif state == "cancelled":
        where.append(TaskItem.state == "cancelled")
    guide = func.coalesce(TaskItem.assigned_guide_id, TaskItem.completed_by_guide_id)
    query = (
        select(
            TaskItem.id,
            TaskItem.member_id,
            Member.name,
            Member.card_no,
            Store.code,
            Guide.name,
            TaskItem.state,
            TaskItem.outcome,
            TaskItem.due_at,
            TaskItem.completed_at,
            TaskItem.note,
        )
        .join(Member, Member.id == TaskItem.member_id)
        .join(Store, Store.id == TaskItem.store_id)
        .outerjoin(Guide, Guide.id == guide)
        .where(*where)
        .order_by(Store.code, TaskItem.state, Member.card_no)
        .limit(limit)
    )
    return [
        ItemView(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5] or "",
            r[6],
            r[7],
            r[8],
            r[9],
            r[6] == "open" and r[8] is not None and r[8] < now,
            r[10],
        )
        for r in session.execute(query)
    ]
