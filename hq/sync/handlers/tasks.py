"""Task mutations: follow-ups created at the counter, assignment by a manager, completion. A task's state
only moves forward (open → done); a completion that arrives after HQ cancelled the item is kept and
flagged rather than lost."""

from __future__ import annotations

from contract.wire import MutationResult
from hq.db.models import TaskItem
from hq.sync.changes import store_scope
from hq.sync.handlers.base import Context, Rejected

TASK_KINDS = frozenset({"call", "message", "invite", "visit"})
OUTCOMES = frozenset({"reached", "not_reached", "call_back", "declined"})
NOTE_MAX = 500


def task_create(ctx: Context) -> MutationResult:
    task_id = ctx.req_id("task_id")
    member = ctx.store_member(ctx.req_id("member_id"))
    kind = ctx.choice_arg("kind", TASK_KINDS)
    due_at = ctx.time_arg("due_at", required=False)
    assignee_id = ctx.id_arg("assigned_guide_id", required=False) or ctx.guide.id
    assignee = ctx.store_guide(assignee_id)
    note = ctx.text_arg("note", max_len=NOTE_MAX, required=False, multiline=True)
    prior = ctx.session.get(TaskItem, task_id)
    if prior is not None:
        if prior.store_id == ctx.store_id and prior.member_id == member.id:
            return ctx.merged()
        raise Rejected("duplicate_id", field="task_id")
    assert kind is not None
    ctx.session.add(
        TaskItem(
            id=task_id,
            list_id=None,
            store_id=ctx.store_id,
            member_id=member.id,
            kind=kind,
            assigned_guide_id=assignee.id,
            due_at=due_at,
            state="open",
            note=note,
            flagged=False,
            created_at=ctx.now,
        )
    )
    ctx.changes.put(store_scope(ctx.store_id), "task_item", task_id)
    return ctx.applied()


def task_assign(ctx: Context) -> MutationResult:
    task_id = ctx.req_id("task_id")
    guide = ctx.store_guide(ctx.req_id("guide_id"))
    ctx.require_manager()
    task = ctx.store_task(task_id)
    if task.state != "open":
        raise Rejected("task_closed", state=task.state)
    if task.assigned_guide_id == guide.id:
        return ctx.merged()
    task.assigned_guide_id = guide.id
    ctx.changes.put(store_scope(ctx.store_id), "task_item", task_id)
    return ctx.applied()


def task_complete(ctx: Context) -> MutationResult:
    task_id = ctx.req_id("task_id")
    outcome = ctx.choice_arg("outcome", OUTCOMES)
    note = ctx.text_arg("note", max_len=NOTE_MAX, required=False, multiline=True)
    completed_at = ctx.client_at(ctx.time_arg("completed_at"))
    task = ctx.store_task(task_id)
    if task.state in ("done", "skipped"):
        return ctx.merged("task_already_closed", state=task.state)
    task.outcome = outcome
    task.completed_at = completed_at
    task.completed_by_guide_id = ctx.guide.id
    if note is not None:
        task.note = note
    ctx.changes.put(store_scope(ctx.store_id), "task_item", task_id)
    if task.state == "cancelled":
        task.flagged = True  # HQ cancelled it meanwhile: the work done is kept and shown to HQ
        return ctx.applied("completed_after_cancel")
    task.state = "done"
    return ctx.applied()
