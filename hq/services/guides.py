"""Guides and managers of a store, with the PIN hash they log in with offline (synced per store)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.pins import hash_pin, valid_pin
from hq.db.models import Guide
from hq.errors import Conflict, Invalid, NotFound
from hq.services.names import renamed
from hq.services.stores import find_store
from hq.sync.changes import ChangeSet, store_scope
from hq.sync.scopes import bindings_named_after

EMPLOYEE_NO = re.compile(r"[A-Za-z0-9_-]{1,32}")
ROLES = frozenset({"guide", "manager"})


@dataclass(frozen=True)
class GuideView:
    id: str
    store_id: str
    employee_no: str
    name: str
    role: str
    active: bool


def _view(row: Guide) -> GuideView:
    return GuideView(row.id, row.store_id, row.employee_no, row.name, row.role, row.active)


def add_guide(
    session: Session,
    *,
    store: str,
    employee_no: str,
    name: str,
    pin: str,
    now: datetime,
    changes: ChangeSet,
    role: str = "guide",
    guide_id: str | None = None,
) -> GuideView:
    """A guide (or manager) of `store` (id or code). The PIN is hashed here; only the hash is kept."""
    target = find_store(session, store)
    employee_no, name = employee_no.strip(), name.strip()
    if not EMPLOYEE_NO.fullmatch(employee_no):
        raise Invalid("bad_employee_no")
    if not 0 < len(name) <= 50:
        raise Invalid("bad_name")
    if role not in ROLES:
        raise Invalid("bad_role", role=role)
    if not valid_pin(pin):
        raise Invalid("bad_pin")
    if session.scalar(select(Guide.id).where(Guide.employee_no == employee_no)) is not None:
        raise Conflict("employee_no_taken", employee_no=employee_no)
    row = Guide(
        id=guide_id or str(uuid.uuid4()),
        store_id=target.id,
        employee_no=employee_no,
        name=name,
        role=role,
        pin_hash=hash_pin(pin),
        active=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    changes.put(store_scope(target.id), "guide", row.id)
    return _view(row)


def rename_guide(session: Session, *, guide_id: str, name: str, changes: ChangeSet) -> GuideView:
    """A guide's new display name reaches their store's tills, and every till that shows a binding to
    them (the binding names its guide)."""
    row = session.get(Guide, guide_id)
    if row is None:
        raise NotFound("unknown_guide", guide_id=guide_id)
    if renamed(session, row, name, limit=50):
        changes.put(store_scope(row.store_id), "guide", row.id)
        bindings_named_after(session, changes, guide_id=row.id)
    return _view(row)


def set_guide_active(
    session: Session, *, guide_id: str, active: bool, changes: ChangeSet, now: datetime
) -> GuideView:
    """A departing guide is deactivated, never deleted: history and bindings still name them. The time
    of deactivation is kept: what they did at a till before it still reaches HQ, nothing after it."""
    row = session.get(Guide, guide_id)
    if row is None:
        raise NotFound("unknown_guide", guide_id=guide_id)
    if row.active and not active:
        row.deactivated_at = now
    elif active:
        row.deactivated_at = None
    row.active = active
    session.flush()
    changes.put(store_scope(row.store_id), "guide", row.id)
    return _view(row)
