"""Stores: the unit of sync scope. Creating one creates its counter, so its first writer never races to."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.db.models import Store
from hq.errors import Conflict, Invalid, NotFound
from hq.services.names import renamed
from hq.sync.changes import ChangeSet, ensure_scope, store_scope
from hq.sync.scopes import bindings_named_after

STORE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,31}")


@dataclass(frozen=True)
class StoreView:
    id: str
    code: str
    name: str
    active: bool


def _view(row: Store) -> StoreView:
    return StoreView(row.id, row.code, row.name, row.active)


def create_store(session: Session, *, code: str, name: str, now: datetime, changes: ChangeSet) -> StoreView:
    code, name = code.strip(), name.strip()
    if not STORE_CODE.fullmatch(code):
        raise Invalid("bad_store_code", store_code=code)
    if not 0 < len(name) <= 100:
        raise Invalid("bad_store_name")
    if session.scalar(select(Store.id).where(Store.code == code)) is not None:
        raise Conflict("store_code_taken", store_code=code)
    row = Store(id=str(uuid.uuid4()), code=code, name=name, active=True, created_at=now)
    session.add(row)
    session.flush()
    ensure_scope(session, store_scope(row.id))
    changes.put(store_scope(row.id), "store", row.id)
    return _view(row)


def rename_store(session: Session, *, store: str, name: str, changes: ChangeSet) -> StoreView:
    """A store's new name (its code stays: it is on printed labels and in imports) reaches its tills,
    and every till that shows a binding to one of its guides (the binding names the guide's store)."""
    row = session.get(Store, find_store(session, store).id)
    assert row is not None
    if renamed(session, row, name, limit=100):
        changes.put(store_scope(row.id), "store", row.id)
        bindings_named_after(session, changes, store_id=row.id)
    return _view(row)


def find_store(session: Session, ref: str) -> StoreView:
    """A store by id or by code."""
    row = session.get(Store, ref) or session.scalar(select(Store).where(Store.code == ref))
    if row is None:
        raise NotFound("unknown_store", store=ref)
    return _view(row)


def list_stores(session: Session) -> list[StoreView]:
    return [_view(r) for r in session.scalars(select(Store).order_by(Store.code))]
