"""Follow-up tasks (回访): HQ's task lists and items arrive in the replica; here guides create follow-ups
for a member, managers assign items to guides, guides complete them with an outcome, and everyone reads
the list as effective state (replica + pending outbox).

Rules owned here:
- State only moves forward (DESIGN §5): open → done/skipped. Completing a closed task is refused; a
  completion of a task HQ cancelled is still accepted (the work happened) and comes back flagged.
- Contact budget: at most `policy.contact_budget` outreach contacts (completed call / message / invite
  tasks) per member per `policy.contact_window_days`; going over needs an explicit, audited override.

Every task mutation stores the task id in the outbox row's `lookup_key`, so the pending overlay of a
task is an indexed read (ix_outbox_lookup_key) instead of a scan of JSON args. The list is one SQL
query (replica items ∪ tasks created here and not yet pulled back), filtered, ordered and paged in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    CompoundSelect,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app.changes import NOTHING, Changes, of_mutation
from app.clock import day_start, store_day, utc
from app.db.models import Guide, Member, Outbox, TaskItem, TaskList, UtcDateTime
from app.errors import AuthError, InvalidInput, MemberNotFound, RuleRefused
from app.services.common import GuideRef, new_id
from app.services.effective import member_known
from app.services.ledger import count_activity
from app.services.outbox import PENDING_STATES, append_audit, record_mutation
from app.services.policy import policy_of
from app.services.privacy import consent_withdrawn
from contract.wire import Mutation

TaskState = Literal["open", "done", "skipped", "cancelled"]
TASK_KINDS = frozenset({"call", "message", "invite", "visit"})
OUTREACH_KINDS = ("call", "message", "invite")  # what reaches out to the member and so counts as contact
OUTCOMES = frozenset({"reached", "not_reached", "call_back", "declined"})
STATE_FILTERS = frozenset({"open", "done", "all"})
CLOSED_STATES = ("done", "skipped")
NOTE_MAX = 500
PAGE_MAX = 500


@dataclass(frozen=True)
class TaskView:
    id: str
    member_id: str
    member_name: str | None  # None when the member is not on this workstation
    kind: str  # call | message | invite | visit
    assigned_guide_id: str | None
    due_at: datetime | None
    state: TaskState  # effective: a pending completion shows as done
    outcome: str | None
    overdue: bool
    pending: bool  # created, assigned or completed here and not yet confirmed by HQ
    list_title: str | None  # the HQ/store list it belongs to; None for a follow-up made at the counter
    list_script: str | None = None  # the list's script for the guide (HQ's composer), if it has one


@dataclass(frozen=True)
class ContactBudget:
    used: int
    limit: int
    window_days: int
    remaining: int
    consent_withdrawn: bool = False  # the member left outreach: limit and remaining read zero


@dataclass(frozen=True)
class TaskOutcome:
    task: TaskView  # as the screen now shows it (pending HQ)
    changes: Changes


@dataclass(frozen=True)
class CompleteOutcome:
    task: TaskView
    budget: ContactBudget  # after this completion
    flagged: bool = False  # HQ had cancelled the task; kept and flagged (DESIGN §5)
    over_budget: bool = False  # completed with the guide's explicit override
    changes: Changes = NOTHING


# ---------------------------------------------------------------- effective-state query


def _overlay(name: str, field: str, *, by_task: bool) -> Any:
    """Per task id, the newest pending `name` mutation's `field`: materialised once per query (a CTE),
    then joined on the task id, so each listed task costs one probe, not a sub-select per column."""
    newest = (
        select(
            Outbox.lookup_key.label("task_id"),
            # SQLite takes bare columns from the row that gave max(): the newest mutation wins.
            func.json_extract(Outbox.args, f"$.{field}").label("value"),
            func.max(Outbox.id).label("last_id"),
        )
        .where(Outbox.name == name, Outbox.state.in_(PENDING_STATES))
        .group_by(Outbox.lookup_key)
    )
    if by_task:
        newest = newest.where(Outbox.lookup_key == bindparam("task_id"))
    return newest.cte(f"pending_{field}")


@lru_cache(maxsize=64)
def _tasks_query(
    *, by_task: bool, by_store: bool, by_guide: bool, state: str, overdue_only: bool, by_list: bool = False
) -> CompoundSelect:
    """Effective tasks as rows (id, member_id, member_name, kind, assigned_guide_id, due_at text, state,
    outcome, pending, list_title, list_id, list_script), filtered; unordered and unpaged.

    Built once per filter shape (building it costs more than running it); the values are bound at
    execution: task_id, store_id, guide_id, list_id, now (UTC datetime) and now_iso.

    This is the one definition of an overdue task (`overdue_only`): open in effective state — not
    completed here — assigned in effective state — a reassignment made here counts — and past due, for
    HQ's items and for follow-ups made here alike. The guide's badge and the manager's stats both count
    through it (`overdue_by_guide`).
    """
    done = _overlay(Mutation.TASK_COMPLETE, "outcome", by_task=by_task)
    moved = _overlay(Mutation.TASK_ASSIGN, "guide_id", by_task=by_task)
    reassigned = select(Outbox.lookup_key).where(
        Outbox.name == Mutation.TASK_ASSIGN, Outbox.state.in_(PENDING_STATES)
    )
    now, now_iso = bindparam("now", type_=UtcDateTime), bindparam("now_iso", type_=String)

    # Replica items, with completions and assignments made here laid over them.
    r_assignee = func.coalesce(moved.c.value, TaskItem.assigned_guide_id)
    # A completion here closes an open task, and a cancelled one (accepted, flagged at HQ).
    r_done = and_(done.c.value.is_not(None), TaskItem.state.in_(("open", "cancelled")))
    replica = (
        select(
            TaskItem.id.label("id"),
            TaskItem.member_id.label("member_id"),
            Member.name.label("member_name"),
            TaskItem.kind.label("kind"),
            r_assignee.label("assigned_guide_id"),
            type_coerce(TaskItem.due_at, String).label("due_at"),
            case((r_done, "done"), else_=TaskItem.state).label("state"),
            func.coalesce(done.c.value, TaskItem.outcome).label("outcome"),
            or_(done.c.value.is_not(None), moved.c.value.is_not(None)).label("pending"),
            TaskList.title.label("list_title"),
            TaskItem.list_id.label("list_id"),
            TaskList.script.label("list_script"),
        )
        .select_from(TaskItem)
        .outerjoin(done, done.c.task_id == TaskItem.id)
        .outerjoin(moved, moved.c.task_id == TaskItem.id)
        .outerjoin(Member, Member.id == TaskItem.member_id)
        .outerjoin(TaskList, TaskList.id == TaskItem.list_id)
    )

    # Follow-ups created here that the replica does not hold yet.
    tid = Outbox.lookup_key
    c_assignee = func.coalesce(moved.c.value, func.json_extract(Outbox.args, "$.assigned_guide_id"))
    c_due = func.json_extract(Outbox.args, "$.due_at")
    enroll = aliased(Outbox)
    enrolled_name = (
        select(func.json_extract(enroll.args, "$.name"))
        .where(enroll.member_id == Outbox.member_id, enroll.name == Mutation.MEMBER_ENROLL)
        .limit(1)
        .scalar_subquery()
    )
    created = (
        select(
            tid.label("id"),
            Outbox.member_id.label("member_id"),
            func.coalesce(Member.name, enrolled_name).label("member_name"),
            func.json_extract(Outbox.args, "$.kind").label("kind"),
            c_assignee.label("assigned_guide_id"),
            c_due.label("due_at"),
            case((done.c.value.is_not(None), "done"), else_="open").label("state"),
            done.c.value.label("outcome"),
            true().label("pending"),
            null().label("list_title"),
            null().label("list_id"),
            null().label("list_script"),
        )
        .select_from(Outbox)
        .outerjoin(done, done.c.task_id == tid)
        .outerjoin(moved, moved.c.task_id == tid)
        .outerjoin(Member, Member.id == Outbox.member_id)
        .where(
            Outbox.name == Mutation.TASK_CREATE,
            Outbox.state.in_(PENDING_STATES),
            ~exists().where(TaskItem.id == tid),
        )
    )

    if by_task:
        replica = replica.where(TaskItem.id == bindparam("task_id"))
        created = created.where(tid == bindparam("task_id"))
    if by_list:  # an HQ or store list: follow-ups made at the counter belong to none
        replica = replica.where(TaskItem.list_id == bindparam("list_id", type_=String))
        created = created.where(false())
    if by_store:
        store_id = bindparam("store_id", type_=String)
        # HQ lists may be chain-wide: an item is this store's if its list is, or its member is.
        replica = replica.where(or_(TaskList.store_id == store_id, Member.store_id == store_id))
        created = created.where(Outbox.guide_id.in_(select(Guide.id).where(Guide.store_id == store_id)))
    if by_guide:
        guide_id = bindparam("guide_id", type_=String)
        # The first term lets SQLite use ix_task_items_guide_state_due; the second is exact.
        replica = replica.where(
            or_(TaskItem.assigned_guide_id == guide_id, TaskItem.id.in_(reassigned)), r_assignee == guide_id
        )
        created = created.where(c_assignee == guide_id)
    if state == "open" or overdue_only:
        replica = replica.where(TaskItem.state == "open", done.c.value.is_(None))
        created = created.where(done.c.value.is_(None))
    elif state == "done":
        replica = replica.where(or_(r_done, TaskItem.state.in_(CLOSED_STATES)))
        created = created.where(done.c.value.is_not(None))
    if overdue_only:
        replica = replica.where(TaskItem.due_at < now)
        # The outbox keeps due_at as ISO-8601 text with an offset; julianday() reads it as an instant.
        created = created.where(c_due.is_not(None), func.julianday(c_due) < func.julianday(now_iso))
    return union_all(replica, created)


@lru_cache(maxsize=64)
def _statements(
    *, by_task: bool, by_store: bool, by_guide: bool, state: str, overdue_only: bool, by_list: bool = False
) -> tuple[Select[Any], Select[Any]]:
    """The ordered select and the count over one filter shape (limit and offset are bound per call)."""
    tasks = _tasks_query(
        by_task=by_task,
        by_store=by_store,
        by_guide=by_guide,
        state=state,
        overdue_only=overdue_only,
        by_list=by_list,
    ).subquery()
    ordered = select(tasks).order_by(tasks.c.due_at.is_(None), func.julianday(tasks.c.due_at), tasks.c.id)
    return ordered, select(func.count()).select_from(tasks)


def _run(
    session: Session,
    *,
    now: datetime,
    task_id: str | None = None,
    store_id: str | None = None,
    guide_id: str | None = None,
    state: str = "all",
    overdue_only: bool = False,
    page: tuple[int, int] | None = None,
    count: bool = False,
    list_id: str | None = None,
) -> Any:
    ordered, counted = _statements(
        by_task=task_id is not None,
        by_store=store_id is not None,
        by_guide=guide_id is not None,
        state=state,
        overdue_only=overdue_only,
        by_list=list_id is not None,
    )
    params: dict[str, Any] = {"now": now, "now_iso": utc(now).isoformat()}
    for key, value in (
        ("task_id", task_id),
        ("store_id", store_id),
        ("guide_id", guide_id),
        ("list_id", list_id),
    ):
        if value is not None:
            params[key] = value
    if count:
        return session.scalar(counted, params) or 0
    if page is not None:
        ordered = ordered.offset(page[0]).limit(page[1])
    return session.execute(ordered, params)


def _parse_due(text: str | None) -> datetime | None:
    if text is None:
        return None
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _view(row: Any, now: datetime) -> TaskView:
    due = _parse_due(row.due_at)
    return TaskView(
        id=row.id,
        member_id=row.member_id,
        member_name=row.member_name,
        kind=row.kind,
        assigned_guide_id=row.assigned_guide_id,
        due_at=due,
        state=row.state,
        outcome=row.outcome,
        overdue=row.state == "open" and due is not None and due < now,
        pending=bool(row.pending),
        list_title=row.list_title,
        list_script=row.list_script,
    )


def get_task(session: Session, *, task_id: str, now: datetime) -> TaskView | None:
    """One task as effective state, or None if neither the replica nor the outbox knows it."""
    row = _run(session, now=now, task_id=task_id).first()
    return None if row is None else _view(row, now)


def _known_task(session: Session, task_id: str, now: datetime) -> TaskView:
    view = get_task(session, task_id=task_id, now=now)
    if view is None:
        raise InvalidInput("unknown_task", task_id=task_id)
    return view


def list_tasks(
    session: Session,
    *,
    store_id: str,
    guide_id: str | None,
    state: str,
    overdue_only: bool,
    now: datetime,
    offset: int = 0,
    limit: int = 100,
    list_id: str | None = None,
) -> tuple[TaskView, ...]:
    """A page of the store's tasks as effective state, by due date (undated last).

    `state`: "open", "done" (done or skipped) or "all" (also cancelled); `guide_id` filters on the
    effective assignee; `overdue_only` keeps open tasks past due; `list_id` keeps one task list's items.
    """
    if state not in STATE_FILTERS:
        raise InvalidInput("bad_filter", state=state)
    if offset < 0 or not 1 <= limit <= PAGE_MAX:
        raise InvalidInput("bad_page", offset=offset, limit=limit, max_limit=PAGE_MAX)
    rows = _run(
        session,
        now=now,
        store_id=store_id,
        guide_id=guide_id,
        state=state,
        overdue_only=overdue_only,
        page=(offset, limit),
        list_id=list_id,
    )
    return tuple(_view(row, now) for row in rows)


def overdue_count(session: Session, *, guide_id: str, now: datetime) -> int:
    """Open tasks past due assigned (effectively) to the guide: the badge on the task tab."""
    return overdue_by_guide(session, guide_ids=[guide_id], now=now).get(guide_id, 0)


@lru_cache(maxsize=1)
def _overdue_by_guide_statement() -> Select[Any]:
    tasks = _tasks_query(
        by_task=False, by_store=False, by_guide=False, state="open", overdue_only=True
    ).subquery()
    return (
        select(tasks.c.assigned_guide_id, func.count())
        .where(tasks.c.assigned_guide_id.in_(bindparam("guide_ids", expanding=True)))
        .group_by(tasks.c.assigned_guide_id)
    )


def overdue_by_guide(session: Session, *, guide_ids: Sequence[str], now: datetime) -> dict[str, int]:
    """Overdue tasks (the one definition, see `_tasks_query`) per effective assignee among `guide_ids`:
    what each guide's badge shows and what the manager's stats report."""
    if not guide_ids:
        return {}
    params = {"now": now, "now_iso": utc(now).isoformat(), "guide_ids": list(guide_ids)}
    rows = session.execute(_overdue_by_guide_statement(), params)
    return {guide_id: int(n) for guide_id, n in rows if guide_id is not None}


# ---------------------------------------------------------------- the guide's task board

Window = Literal["overdue", "today", "upcoming", "undated"]
WINDOWS: tuple[Window, ...] = ("overdue", "today", "upcoming", "undated")


@dataclass(frozen=True)
class TaskBoard:
    """A guide's open tasks by when they are due: past due, due later today (store day), due after
    today, and undated; each window's first `limit` tasks by due date, and its full count."""

    overdue: tuple[TaskView, ...]
    today: tuple[TaskView, ...]
    upcoming: tuple[TaskView, ...]
    undated: tuple[TaskView, ...]
    counts: dict[str, int]  # window -> open tasks in it
    list_id: str | None  # the task list the board was filtered to, if any


@lru_cache(maxsize=8)
def _board_statements(*, by_list: bool) -> tuple[Select[Any], Select[Any]]:
    tasks = _tasks_query(
        by_task=False, by_store=True, by_guide=True, state="open", overdue_only=False, by_list=by_list
    ).subquery()
    due = func.julianday(tasks.c.due_at)
    window = case(
        (tasks.c.due_at.is_(None), "undated"),
        (due < func.julianday(bindparam("now_iso", type_=String)), "overdue"),
        (due < func.julianday(bindparam("tomorrow_iso", type_=String)), "today"),
        else_="upcoming",
    ).label("window")
    counts = select(window, func.count()).group_by(window)
    rows = (
        select(tasks, window)
        .where(window == bindparam("window", type_=String))
        .order_by(due, tasks.c.id)
        .limit(bindparam("limit"))
    )
    return counts, rows


def task_board(
    session: Session,
    *,
    store_id: str,
    guide_id: str,
    now: datetime,
    list_id: str | None = None,
    limit: int = 100,
) -> TaskBoard:
    """The guide's open tasks in the windows overdue / today / upcoming / undated, each with its count,
    optionally only one task list's items."""
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput("bad_page", limit=limit, max_limit=PAGE_MAX)
    counts_sql, rows_sql = _board_statements(by_list=list_id is not None)
    tomorrow = day_start(store_day(now) + timedelta(days=1))
    params: dict[str, Any] = {
        "now": now,
        "now_iso": utc(now).isoformat(),
        "tomorrow_iso": tomorrow.isoformat(),
        "store_id": store_id,
        "guide_id": guide_id,
    }
    if list_id is not None:
        params["list_id"] = list_id
    counts: dict[str, int] = dict.fromkeys(WINDOWS, 0)
    counts.update({w: int(n) for w, n in session.execute(counts_sql, params)})
    shown = {
        w: tuple(
            _view(row, now) for row in session.execute(rows_sql, {**params, "window": w, "limit": limit})
        )
        if counts[w]
        else ()
        for w in WINDOWS
    }
    return TaskBoard(shown["overdue"], shown["today"], shown["upcoming"], shown["undated"], counts, list_id)


@dataclass(frozen=True)
class TaskListProgress:
    """An HQ or store task list with how far the store has got (effective state: completions made here
    count at once)."""

    id: str
    title: str
    source: str  # hq | store
    due_at: datetime | None
    total: int  # items of this store, cancelled ones left out
    done: int  # done or skipped
    open: int
    overdue: int


@lru_cache(maxsize=1)
def _progress_statement() -> Any:
    tasks = _tasks_query(
        by_task=False, by_store=True, by_guide=False, state="all", overdue_only=False
    ).subquery()
    is_open = tasks.c.state == "open"
    past_due = and_(
        is_open, func.julianday(tasks.c.due_at) < func.julianday(bindparam("now_iso", type_=String))
    )
    return (
        select(
            TaskList.id,
            TaskList.title,
            TaskList.source,
            TaskList.due_at,
            func.count().filter(tasks.c.state != "cancelled"),
            func.count().filter(tasks.c.state.in_(CLOSED_STATES)),
            func.count().filter(is_open),
            func.count().filter(past_due),
        )
        .join(tasks, tasks.c.list_id == TaskList.id)
        .group_by(TaskList.id)
        .order_by(TaskList.due_at.is_(None), TaskList.due_at, TaskList.created_at, TaskList.id)
    )


def task_lists(session: Session, *, store_id: str, now: datetime) -> tuple[TaskListProgress, ...]:
    """The task lists with items for this store, soonest due first, with their progress."""
    params = {"now": now, "now_iso": utc(now).isoformat(), "store_id": store_id}
    return tuple(TaskListProgress(*row) for row in session.execute(_progress_statement(), params))


# ---------------------------------------------------------------- contact budget


def contact_budget(session: Session, *, member_id: str, now: datetime) -> ContactBudget:
    """How many outreach contacts the member had in the policy window, so the counter can warn before
    the guide calls. Counts replica completions and completions made here (until HQ settles them: an
    acknowledged one may not have been pulled back yet), each task once. A member who withdrew consent
    to outreach has a budget of zero."""
    policy = policy_of(session)
    if consent_withdrawn(session, member_id):
        return ContactBudget(used=0, limit=0, window_days=policy.contact_window_days, remaining=0,
                             consent_withdrawn=True)  # fmt: skip
    since = now - timedelta(days=policy.contact_window_days)
    counted = set(
        session.scalars(
            select(TaskItem.id).where(
                TaskItem.member_id == member_id,
                TaskItem.kind.in_(OUTREACH_KINDS),
                TaskItem.state == "done",
                TaskItem.completed_at >= since,
            )
        )
    )
    completions = session.scalars(
        select(Outbox.lookup_key).where(
            Outbox.member_id == member_id,
            Outbox.name == Mutation.TASK_COMPLETE,
            Outbox.state != "rejected",
            Outbox.created_at >= since,
        )
    )
    local = {t for t in completions if t is not None} - counted
    if local:
        kinds: dict[str, str] = {
            t: k for t, k in session.execute(select(TaskItem.id, TaskItem.kind).where(TaskItem.id.in_(local)))
        }
        missing = local - kinds.keys()
        if missing:  # follow-ups created here, not pulled back yet
            created = session.execute(
                select(Outbox.lookup_key, func.json_extract(Outbox.args, "$.kind")).where(
                    Outbox.name == Mutation.TASK_CREATE, Outbox.lookup_key.in_(missing)
                )
            )
            kinds.update({t: k for t, k in created if t is not None})
        counted |= {t for t in local if kinds.get(t) in OUTREACH_KINDS}
    used, limit = len(counted), policy.contact_budget
    return ContactBudget(
        used=used, limit=limit, window_days=policy.contact_window_days, remaining=max(0, limit - used)
    )


# ---------------------------------------------------------------- actions


def _clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput("bad_note", max_length=NOTE_MAX)
    return text or None


def _active_guide_of_store(session: Session, guide_id: str, store_id: str) -> bool:
    return (
        session.scalar(
            select(Guide.id).where(Guide.id == guide_id, Guide.store_id == store_id, Guide.active.is_(True))
        )
        is not None
    )


def create_task(
    session: Session,
    *,
    member_id: str,
    kind: str,
    due_at: datetime | None,
    assigned_guide_id: str | None,
    note: str | None,
    guide: GuideRef,
    now: datetime,
) -> TaskOutcome:
    """A follow-up for a member, assigned to the creating guide unless another active guide of the store
    is named."""
    if kind not in TASK_KINDS:
        raise InvalidInput("bad_kind", kind=kind)
    if due_at is not None and due_at.tzinfo is None:
        raise InvalidInput("bad_due_at")  # a naive time is ambiguous between UTC and store time
    text = _clean_note(note)
    if not member_known(session, member_id):
        raise MemberNotFound("member_not_local", member_id=member_id)
    if consent_withdrawn(session, member_id):
        raise RuleRefused("consent_withdrawn", member_id=member_id)  # no outreach to this member
    assignee = assigned_guide_id or guide.id
    if assignee != guide.id and not _active_guide_of_store(session, assignee, guide.store_id):
        raise InvalidInput("unknown_guide", guide_id=assignee)
    task_id = new_id()
    args: dict[str, Any] = {
        "task_id": task_id,
        "member_id": member_id,
        "kind": kind,
        "assigned_guide_id": assignee,
    }
    if due_at is not None:
        args["due_at"] = utc(due_at).isoformat()
    if text is not None:
        args["note"] = text
    record_mutation(
        session,
        name=Mutation.TASK_CREATE,
        args=args,
        guide_id=guide.id,
        now=now,
        member_id=member_id,
        lookup_key=task_id,
    )
    return TaskOutcome(
        _known_task(session, task_id, now), of_mutation(Mutation.TASK_CREATE, members=[member_id])
    )


def assign_task(
    session: Session, *, task_id: str, to_guide_id: str, manager: GuideRef, now: datetime
) -> TaskOutcome:
    """A manager gives an open task to an active guide of the store. Assigning it to whoever already has
    it writes nothing."""
    if not manager.is_manager:
        raise AuthError("manager_required")
    if not _active_guide_of_store(session, to_guide_id, manager.store_id):
        raise InvalidInput("unknown_guide", guide_id=to_guide_id)
    view = _known_task(session, task_id, now)
    if view.state != "open":
        raise RuleRefused("task_closed", task_id=task_id, state=view.state)
    if view.assigned_guide_id == to_guide_id:
        return TaskOutcome(view, NOTHING)
    record_mutation(
        session,
        name=Mutation.TASK_ASSIGN,
        args={"task_id": task_id, "guide_id": to_guide_id},
        guide_id=manager.id,
        now=now,
        member_id=view.member_id,
        lookup_key=task_id,
    )
    changes = of_mutation(Mutation.TASK_ASSIGN, members=[view.member_id])
    return TaskOutcome(_known_task(session, task_id, now), changes)


def complete_task(
    session: Session,
    *,
    task_id: str,
    outcome: str,
    note: str | None,
    guide: GuideRef,
    now: datetime,
    over_budget_ok: bool = False,
) -> CompleteOutcome:
    """Close a task with its outcome. Refuses a closed task (RuleRefused("task_closed")) and an outreach
    contact beyond the member's budget (RuleRefused("contact_budget_exceeded", used, limit)) unless the
    guide confirmed `over_budget_ok`, which is audited."""
    if outcome not in OUTCOMES:
        raise InvalidInput("bad_outcome", outcome=outcome)
    text = _clean_note(note)
    view = _known_task(session, task_id, now)
    if view.state in CLOSED_STATES:
        raise RuleRefused("task_closed", task_id=task_id, state=view.state)
    flagged = view.state == "cancelled"
    budget = contact_budget(session, member_id=view.member_id, now=now)
    outreach = view.kind in OUTREACH_KINDS
    over_budget = outreach and budget.used + 1 > budget.limit
    if over_budget and not over_budget_ok:
        raise RuleRefused("contact_budget_exceeded", used=budget.used, limit=budget.limit)
    args: dict[str, Any] = {"task_id": task_id, "outcome": outcome}
    if text is not None:
        args["note"] = text
    args["completed_at"] = utc(now).isoformat()
    outbox_id = record_mutation(
        session,
        name=Mutation.TASK_COMPLETE,
        args=args,
        guide_id=guide.id,
        now=now,
        member_id=view.member_id,
        lookup_key=task_id,
    )
    count_activity(
        session, kind="task_done", guide_id=guide.id, at=now, member_id=view.member_id, outbox_id=outbox_id
    )
    if over_budget:
        # Contacting a member beyond HQ's budget is the guide's call, but a manager must be able to see it.
        append_audit(
            session,
            action="contact_budget.override",
            guide_id=guide.id,
            now=now,
            subject_id=view.member_id,
            details={"task_id": task_id, "outbox_id": outbox_id},
        )
    # What the screen shows now follows from what was just written; no need to read it back.
    if outreach:
        used = budget.used + 1
        budget = replace(budget, used=used, remaining=max(0, budget.limit - used))
    return CompleteOutcome(
        task=replace(view, state="done", outcome=outcome, overdue=False, pending=True),
        budget=budget,
        flagged=flagged,
        over_budget=over_budget,
        changes=of_mutation(Mutation.TASK_COMPLETE, members=[view.member_id])
        | (Changes.of("audit") if over_budget else NOTHING),
    )
