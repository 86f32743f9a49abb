"""The pull applier: the only writer of the replica tables. One pulled page is applied in the caller's
transaction together with the new cursor, so a sync killed mid-way resumes from the last whole page.

Each change names an entity type (`t`), an id, `put` with the entity's fields or `remove`. Field names
are the replica's column names (DESIGN.md §5: clients ignore unknown fields). Members arrive with the
phone in the clear over TLS and are stored encrypted with a blind index; the clear number never reaches
the disk. A `remove` of a member purges it locally (PIPL: a member who left the store's scope).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, inspect
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from app.db.models import (
    REPLICA_TABLES,
    Base,
    Binding,
    BindingConflict,
    Guide,
    Member,
    MemberCode,
    MemberTag,
    Note,
    Policy,
    QrKey,
    Store,
    Tag,
    TagGroup,
    TaskItem,
    TaskList,
)
from app.errors import GuideDeskError
from app.security.crypto import PhoneCipher, mask_phone
from app.sync.protocol import Change

ENTITY_MODELS: dict[str, type[Base]] = {
    "store": Store,
    "guide": Guide,
    "member": Member,
    "member_code": MemberCode,
    "tag_group": TagGroup,
    "tag": Tag,
    "member_tag": MemberTag,
    "binding": Binding,
    "binding_conflict": BindingConflict,
    "task_list": TaskList,
    "task_item": TaskItem,
    "note": Note,
    "policy": Policy,
    "qr_key": QrKey,
}
# Parents before children, so foreign keys hold within a page; removes run in the reverse order.
_ORDER = [
    "store", "policy", "qr_key", "tag_group", "tag", "guide", "member", "member_code", "member_tag",
    "binding", "binding_conflict", "task_list", "task_item", "note",
]  # fmt: skip


@dataclass(frozen=True)
class PageApplied:
    puts: int
    removes: int
    touched_types: frozenset[str]


def _columns(model: type[Base]) -> dict[str, Any]:
    return {c.key: c for c in inspect(model).columns}


_COLUMNS = {t: _columns(m) for t, m in ENTITY_MODELS.items()}


def _row(t: str, change: Change, cipher: PhoneCipher) -> dict[str, Any]:
    data = dict(change.data or {})
    if t == "member":
        phone = data.pop("phone", None)
        data["phone_enc"] = cipher.encrypt(phone) if phone else None
        data["phone_index"] = cipher.blind_index(phone) if phone else None
        data["phone_masked"] = mask_phone(phone) if phone else None
    columns = _COLUMNS[t]
    row: dict[str, Any] = {}
    for key, value in data.items():
        column = columns.get(key)
        if column is None:
            continue  # unknown fields are ignored: HQ may add fields before clients know them
        row[key] = _coerce(column, value)
    if "version" in columns:
        row["version"] = change.v
    return row


def _coerce(column: Any, value: Any) -> Any:
    if value is None:
        return None
    python_type = getattr(column.type, "impl", column.type).python_type
    if python_type is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if python_type is bytes and isinstance(value, str):
        return bytes.fromhex(value)
    return value


def _key(t: str, change: Change) -> dict[str, Any]:
    if t == "member_tag":
        member_id, _, tag_id = change.id.partition(":")
        return {"member_id": member_id, "tag_id": tag_id}
    if t == "member_code":
        return {"code": change.id}
    if t == "qr_key":
        return {"key_id": change.id}
    if t == "policy":
        return {"id": int(change.id)}
    return {"id": change.id}


def apply_changes(session: Session, changes: Iterable[Change], *, cipher: PhoneCipher) -> PageApplied:
    """Upsert puts and delete removes of one page. Flushes; the caller commits with the cursor."""
    by_type: dict[str, list[Change]] = {}
    for change in changes:
        if change.t not in ENTITY_MODELS:
            continue  # a newer HQ's entity type: ignored, like unknown fields
        if change.op not in ("put", "remove"):
            raise GuideDeskError("protocol_error", reason="bad_op", op=change.op)
        by_type.setdefault(change.t, []).append(change)
    puts = removes = 0
    for t in reversed(_ORDER):
        gone = [c for c in by_type.get(t, []) if c.op == "remove"]
        for change in gone:
            model = ENTITY_MODELS[t]
            key = _key(t, change)
            session.execute(delete(model).where(*(getattr(model, k) == v for k, v in key.items())))
        removes += len(gone)
    for t in _ORDER:
        rows = [{**_row(t, c, cipher), **_key(t, c)} for c in by_type.get(t, []) if c.op == "put"]
        if not rows:
            continue
        model = ENTITY_MODELS[t]
        keys = list(_key(t, by_type[t][0]))
        for row in rows:  # one statement per row keeps each row's own column set
            statement = insert(model).values(**row)
            updates = {k: statement.excluded[k] for k in row if k not in keys}
            statement = (
                statement.on_conflict_do_update(index_elements=keys, set_=updates)
                if updates
                else statement.on_conflict_do_nothing(index_elements=keys)
            )
            session.execute(statement)
        puts += len(rows)
    session.flush()
    return PageApplied(puts=puts, removes=removes, touched_types=frozenset(by_type))


def wipe_replica(session: Session) -> None:
    """Forget everything HQ said (reset_required, device revoked). Local intent — the outbox above all —
    is never touched."""
    for model in reversed(REPLICA_TABLES):
        session.execute(delete(model))
