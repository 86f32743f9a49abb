"""A store's people as HQ manages them: a new PIN for a guide who forgot theirs, and a guide's departure
(离职继承) with the hand-over of their members and open task items to a colleague of the same store.

The hand-over is what a manager-approved transfer with reason `departure` does at a till
(hq/sync/handlers/bindings.py): each active binding ends with reason `departure` and a new one starts for
the colleague, replacing it, with fresh protection — all in the caller's one transaction, so a member is
never left with two active bindings or none. The departing guide is then deactivated (never deleted).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contract.pins import hash_pin, valid_pin
from hq.db.models import Binding, Guide, Member, TaskItem
from hq.errors import Invalid, NotFound
from hq.services.guides import GuideView, set_guide_active
from hq.services.policy import current_policy
from hq.sync.changes import ChangeSet, store_scope


def _guide(session: Session, guide_id: str) -> Guide:
    row = session.get(Guide, guide_id)
    if row is None:
        raise NotFound("unknown_guide", guide_id=guide_id)
    return row


def reset_pin(session: Session, *, guide_id: str, pin: str, changes: ChangeSet) -> GuideView:
    """A new PIN; workstations of the store receive the new hash at their next sync."""
    if not valid_pin(pin):
        raise Invalid("bad_pin")
    row = _guide(session, guide_id)
    row.pin_hash = hash_pin(pin)
    session.flush()
    changes.put(store_scope(row.store_id), "guide", row.id)
    return GuideView(row.id, row.store_id, row.employee_no, row.name, row.role, row.active)


@dataclass(frozen=True)
class Handover:
    guide: GuideView
    to_guide_id: str
    bindings: int
    tasks: int


def depart(
    session: Session, *, guide_id: str, to_guide_id: str, now: datetime, changes: ChangeSet
) -> Handover:
    leaving, taking = _guide(session, guide_id), _guide(session, to_guide_id)
    if leaving.id == taking.id or taking.store_id != leaving.store_id or not taking.active:
        raise Invalid("bad_handover_guide")
    protection = timedelta(days=current_policy(session).protection_days)
    current = session.execute(
        select(Binding.id, Binding.member_id, Member.store_id)
        .join(Member, Member.id == Binding.member_id)
        .where(Binding.guide_id == leaving.id, Binding.active.is_(True))
        .order_by(Binding.id)
    ).all()
    for old_id, member_id, member_store in current:
        session.execute(
            update(Binding)
            .where(Binding.id == old_id)
            .values(active=False, ended_at=now, ended_reason="departure")
        )
        session.flush()
        new = Binding(
            id=str(uuid.uuid4()),
            member_id=member_id,
            guide_id=taking.id,
            store_id=taking.store_id,
            active=True,
            bound_at=now,
            protected_until=now + protection,
            replaces_binding_id=old_id,
        )
        session.add(new)
        session.flush()
        changes.put(store_scope(member_store), "binding", old_id)
        changes.put(store_scope(member_store), "binding", new.id)
    items = session.execute(
        select(TaskItem.id, TaskItem.store_id).where(
            TaskItem.assigned_guide_id == leaving.id, TaskItem.state == "open"
        )
    ).all()
    if items:
        session.execute(
            update(TaskItem)
            .where(TaskItem.id.in_([i for i, _s in items]))
            .values(assigned_guide_id=taking.id)
        )
        for item_id, store_id in items:
            changes.put(store_scope(store_id), "task_item", item_id)
    view = set_guide_active(session, guide_id=leaving.id, active=False, changes=changes, now=now)
    return Handover(view, taking.id, len(current), len(items))
