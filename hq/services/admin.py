"""What the admin API needs beyond the entity services: listings, the all-or-nothing member import,
segment selection for task lists, stats per store and guide counted from HQ tables, binding-conflict
resolution, and the audit row every admin action writes.

Like every HQ service these take a Session and keyword args, return frozen dataclasses, flush and never
commit: the route owns the transaction, so an import that fails on row 9 leaves rows 1–8 unwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from contract.stages import DEFAULT_STAGE
from contract.storetime import STORE_TZ
from hq.db.models import (
    AuditEvent,
    Binding,
    BindingConflict,
    Decline,
    Guide,
    Member,
    Tag,
    TagGroup,
    TaskItem,
    Visit,
)
from hq.errors import HqError, Invalid, NotFound
from hq.services.guides import GuideView
from hq.services.members import NewMember, add_members
from hq.services.stores import find_store
from hq.services.tags import TagView
from hq.sync.changes import ChangeSet
from hq.sync.scopes import conflict_scopes

MAX_IMPORT_ROWS = 10_000
MAX_STATS_DAYS = 366
IMPORT_FIELDS = ("store", "name", "phone", "card_no", "level", "stage", "is_paid", "online")


def audit(
    session: Session,
    *,
    action: str,
    now: datetime,
    subject_id: str | None = None,
    store_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """The append-only trace of one admin action, in the action's own transaction."""
    session.add(
        AuditEvent(at=now, store_id=store_id, actor="admin", action=action, subject_id=subject_id,
                   details=details or {})
    )  # fmt: skip


# ---------------------------------------------------------------- listings


def list_guides(session: Session, *, store: str) -> list[GuideView]:
    target = find_store(session, store)
    rows = session.scalars(select(Guide).where(Guide.store_id == target.id).order_by(Guide.employee_no))
    return [GuideView(r.id, r.store_id, r.employee_no, r.name, r.role, r.active) for r in rows]


@dataclass(frozen=True)
class TagGroupView:
    id: str
    name: str
    sort: int
    tags: tuple[TagView, ...]


def list_tag_groups(session: Session) -> list[TagGroupView]:
    tags: dict[str, list[TagView]] = {}
    for t in session.scalars(select(Tag).order_by(Tag.name)):
        tags.setdefault(t.group_id, []).append(TagView(t.id, t.group_id, t.name, t.color))
    groups = session.scalars(select(TagGroup).order_by(TagGroup.sort, TagGroup.name))
    return [TagGroupView(g.id, g.name, g.sort, tuple(tags.get(g.id, ()))) for g in groups]


# ---------------------------------------------------------------- member import


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based position in the imported list
    code: str
    details: dict[str, Any]


class ImportRejected(HqError):
    """Some rows are bad: nothing was imported. `errors` names every bad row, not just the first."""

    status = 422

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("import_rejected", count=len(errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    imported: int
    member_ids: tuple[str, ...]


def import_members(
    session: Session, *, rows: list[dict[str, Any]], now: datetime, changes: ChangeSet
) -> ImportResult:
    """Add every row as a member, or none: any bad row raises ImportRejected listing all bad rows.

    Rows are checked by `add_members`, against HQ and against the rows before them, so duplicates inside
    the list are caught like duplicates against HQ. The caller's transaction rolls back on the raise,
    taking the good rows with it."""
    if not 0 < len(rows) <= MAX_IMPORT_ROWS:
        raise Invalid("bad_row_count", max=MAX_IMPORT_ROWS)
    errors: list[RowError] = []
    lines: list[int] = []
    new: list[NewMember] = []
    for line, row in enumerate(rows, start=1):
        problem = _row_shape(row)
        if problem is not None:
            errors.append(RowError(line, problem[0], problem[1]))
            continue
        lines.append(line)
        new.append(NewMember(
            store=row["store"],
            name=row["name"],
            phone=row.get("phone"),
            card_no=row.get("card_no"),
            level=row.get("level") or "普卡",
            stage=row.get("stage") or DEFAULT_STAGE,
            is_paid=bool(row.get("is_paid", False)),
            online=bool(row.get("online", False)),
        ))  # fmt: skip
    outcomes = add_members(session, new, now=now, changes=changes)
    errors += [
        RowError(line, o.code, dict(o.details))
        for line, o in zip(lines, outcomes, strict=True)
        if isinstance(o, HqError)
    ]
    if errors:
        errors.sort(key=lambda e: e.line)
        raise ImportRejected(errors)
    return ImportResult(len(outcomes), tuple(o.id for o in outcomes if not isinstance(o, HqError)))


def _row_shape(row: Any) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(row, dict):
        return "bad_row", {}
    for key in ("store", "name"):
        if not isinstance(row.get(key), str):
            return "missing_field", {"field": key}
    for key in ("phone", "card_no", "level", "stage"):
        if row.get(key) is not None and not isinstance(row[key], str):
            return "bad_field", {"field": key}
    for key in ("is_paid", "online"):
        if row.get(key) is not None and not isinstance(row[key], bool):
            return "bad_field", {"field": key}
    level = row.get("level")
    if level is not None and not 0 < len(level) <= 16:
        return "bad_field", {"field": "level"}
    return None


# ---------------------------------------------------------------- segments


# ---------------------------------------------------------------- stats


@dataclass(frozen=True)
class StatsRow:
    store_id: str
    guide_id: str | None  # None: the store's row
    served: int  # visits recorded
    enrolled: int  # members enrolled at a counter
    declined: int
    bound: int  # bindings made (to a guide of this store)
    tasks_done: int


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in store time: `end` is inclusive, as a manager reads a range."""
    if end < start or (end - start).days >= MAX_STATS_DAYS or start.year < 2000 or end.year > 2999:
        raise Invalid("bad_date_range", max_days=MAX_STATS_DAYS)
    lo = datetime.combine(start, time(), STORE_TZ)
    hi = datetime.combine(end + timedelta(days=1), time(), STORE_TZ)
    return lo, hi


def activity_stats(
    session: Session, *, start: date, end: date, by_guide: bool, store: str | None = None
) -> list[StatsRow]:
    """Counts over the store-day range, per store (or per store and guide), from HQ's own tables:
    visits, enrollments, declines, bindings made, task items done. Rows with no activity are left out."""
    lo, hi = day_bounds(start, end)
    store_id = find_store(session, store).id if store else None
    counts: dict[tuple[str, str | None], dict[str, int]] = {}

    def add(kind: str, store_col: Any, guide_col: Any, at_col: Any, *where: Any) -> None:
        keys = [store_col, guide_col] if by_guide else [store_col]
        query = select(*keys, func.count()).where(at_col >= lo, at_col < hi, *where)
        if store_id is not None:
            query = query.where(store_col == store_id)
        for row in session.execute(query.group_by(*keys)):
            key = (row[0], row[1] if by_guide else None)
            counts.setdefault(key, {})[kind] = row[-1]

    add("served", Visit.store_id, Visit.guide_id, Visit.at)
    add("declined", Decline.store_id, Decline.guide_id, Decline.at)
    add("enrolled", Member.store_id, Member.enrolled_by_guide_id, Member.enrolled_at,
        Member.enrolled_by_guide_id.is_not(None))  # fmt: skip
    add("bound", Binding.store_id, Binding.guide_id, Binding.bound_at)
    add("tasks_done", TaskItem.store_id, TaskItem.completed_by_guide_id, TaskItem.completed_at,
        TaskItem.state == "done")  # fmt: skip
    kinds = ("served", "enrolled", "declined", "bound", "tasks_done")
    return [
        StatsRow(s, g, *(c.get(k, 0) for k in kinds))
        for (s, g), c in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]


# ---------------------------------------------------------------- binding conflicts


@dataclass(frozen=True)
class ConflictView:
    id: str
    member_id: str
    member_store_id: str
    losing_guide_id: str
    losing_store_id: str
    winning_guide_id: str
    winning_store_id: str
    mutation_name: str
    created_at: datetime
    resolved: bool
    resolved_at: datetime | None
    resolution: str | None


def _conflict_view(c: BindingConflict) -> ConflictView:
    return ConflictView(
        c.id, c.member_id, c.member_store_id, c.losing_guide_id, c.losing_store_id, c.winning_guide_id,
        c.winning_store_id, c.mutation_name, c.created_at, c.resolved, c.resolved_at, c.resolution,
    )  # fmt: skip


def list_conflicts(
    session: Session, *, store: str | None = None, resolved: bool | None = None, limit: int = 500
) -> list[ConflictView]:
    query = select(BindingConflict)
    if store is not None:
        sid = find_store(session, store).id
        query = query.where(
            or_(
                BindingConflict.member_store_id == sid,
                BindingConflict.losing_store_id == sid,
                BindingConflict.winning_store_id == sid,
            )
        )
    if resolved is not None:
        query = query.where(BindingConflict.resolved == resolved)
    query = query.order_by(BindingConflict.created_at.desc(), BindingConflict.id).limit(limit)
    return [_conflict_view(c) for c in session.scalars(query)]


def resolve_conflict(
    session: Session, *, conflict_id: str, resolution: str, now: datetime, changes: ChangeSet
) -> ConflictView:
    """Mark a conflict handled (the binding itself is changed, if at all, by the stores' own transfer);
    every party's workstations see it resolved."""
    resolution = resolution.strip()
    if not 0 < len(resolution) <= 200:
        raise Invalid("bad_resolution")
    row = session.get(BindingConflict, conflict_id)
    if row is None:
        raise NotFound("unknown_conflict", conflict_id=conflict_id)
    row.resolved, row.resolved_at, row.resolution = True, now, resolution
    session.flush()
    member_store = session.scalar(select(Member.store_id).where(Member.id == row.member_id))
    scopes = conflict_scopes(member_store or row.member_store_id, row.losing_store_id, row.winning_store_id)
    changes.put_all(scopes, "binding_conflict", row.id)
    return _conflict_view(row)
