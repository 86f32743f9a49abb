"""Entity payloads of pull pages, built from the entity tables at pull time (the change index holds only
which entity changed, never a copy of it).

Field names are the workstation replica's column names (app/db/models.py), so the pull applier can take
them as they come; times are ISO-8601 UTC strings, bytes are hex, `v` (the change's version) becomes the
replica's `version`. The shapes, by change type `t` (and how `id` is formed):

- `store` (id: store id): id, code, name
- `guide` (id: guide id): id, store_id, employee_no, name, role, pin_hash (scrypt, for offline login),
  active
- `member` (id: member id): id, store_id, card_no, name, phone (clear over TLS; the workstation encrypts it
  at rest and keeps a blind index), level, stage, is_paid, online, enrolled_at, enrolled_by_guide_id,
  last_purchase_at, last_visit_at
- `member_code` (id: the code): code, member_id, kind
- `tag_group` (id: id): id, name, sort
- `tag` (id: id): id, group_id, name, color
- `member_tag` (id: "member_id:tag_id"): member_id, tag_id
- `binding` (id: id): id, member_id, guide_id, store_id (the guide's store), guide_name, store_name, active,
  bound_at, protected_until, ended_at
- `binding_conflict` (id: id): id, member_id, losing_guide_id, losing_store_id, winning_guide_id,
  winning_store_id, winning_guide_name, winning_store_name, created_at, resolved
- `task_list` (id: id): id, store_id (null: published to several stores), title, source, due_at, created_at
- `task_item` (id: id): id, list_id, member_id, kind, assigned_guide_id, due_at, state, outcome, note,
  completed_at, completed_by_guide_id, created_at
- `note` (id: id): id, member_id, guide_id, body, created_at
- `policy` (id: "1"): id (1), protection_days, renew_on_service, cross_store_transfer, sleeping_days,
  contact_budget, contact_window_days, code_ttl_seconds, clock_tolerance_seconds
- `qr_key` (id: key id): key_id, public_key (hex of the raw 32-byte Ed25519 key), active (codes signed with
  it verify)

Every loader re-checks that the row belongs to the scope it is served for (a member's store, a task's
store…): a row that does not is left out, so an index bug cannot leak another store's data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session, aliased

from hq.clock import iso
from hq.db.models import (
    Binding,
    BindingConflict,
    Guide,
    Member,
    MemberCode,
    MemberTag,
    Note,
    QrKey,
    Store,
    Tag,
    TagGroup,
    TaskItem,
    TaskList,
)
from hq.services.policy import POLICY_ENTITY_ID, POLICY_FIELDS, current_policy

log = logging.getLogger("hq.pull")

Data = dict[str, Any]
# (child type) -> [(parent type, field of the child naming the parent)], within the child's scope.
PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "guide": (("store", "store_id"),),
    "member": (("store", "store_id"),),
    "member_code": (("member", "member_id"),),
    "member_tag": (("member", "member_id"),),
    "binding": (("member", "member_id"),),
    "note": (("member", "member_id"),),
    "task_item": (("member", "member_id"), ("task_list", "list_id")),
    "tag": (("tag_group", "group_id"),),
}


def _t(at: datetime | None) -> str | None:
    return None if at is None else iso(at)


def _rows(session: Session, query: Any) -> Iterable[Row[Any]]:
    return session.execute(query)


def _stores(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    query = select(Store.id, Store.code, Store.name).where(Store.id.in_(ids), Store.id == store_id)
    return {r.id: {"id": r.id, "code": r.code, "name": r.name} for r in _rows(session, query)}


def _guides(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    query = select(Guide).where(Guide.id.in_(ids), Guide.store_id == store_id)
    return {
        g.id: {
            "id": g.id,
            "store_id": g.store_id,
            "employee_no": g.employee_no,
            "name": g.name,
            "role": g.role,
            "pin_hash": g.pin_hash,
            "active": g.active,
        }
        for g in session.scalars(query)
    }


def member_data(m: Member, *, with_phone: bool = True) -> Data:
    data = {
        "id": m.id,
        "store_id": m.store_id,
        "card_no": m.card_no,
        "name": m.name,
        "level": m.level,
        "stage": m.stage,
        "is_paid": m.is_paid,
        "online": m.online,
        "enrolled_at": _t(m.enrolled_at),
        "enrolled_by_guide_id": m.enrolled_by_guide_id,
        "last_purchase_at": _t(m.last_purchase_at),
        "last_visit_at": _t(m.last_visit_at),
    }
    if with_phone:
        data["phone"] = m.phone
    return data


def _members(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    query = select(Member).where(Member.id.in_(ids), Member.store_id == store_id)
    return {m.id: member_data(m) for m in session.scalars(query)}


def _member_codes(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    query = (
        select(MemberCode.code, MemberCode.member_id, MemberCode.kind)
        .join(Member, Member.id == MemberCode.member_id)
        .where(MemberCode.code.in_(ids), Member.store_id == store_id)
    )
    return {r.code: {"code": r.code, "member_id": r.member_id, "kind": r.kind} for r in _rows(session, query)}


def _member_tags(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    wanted = {tuple(i.split(":", 1)) for i in ids if ":" in i}
    members = sorted({m for m, _ in wanted})
    query = (
        select(MemberTag.member_id, MemberTag.tag_id)
        .join(Member, Member.id == MemberTag.member_id)
        .where(MemberTag.member_id.in_(members), Member.store_id == store_id)
    )
    return {
        f"{r.member_id}:{r.tag_id}": {"member_id": r.member_id, "tag_id": r.tag_id}
        for r in _rows(session, query)
        if (r.member_id, r.tag_id) in wanted
    }


def binding_data(b: Binding, guide_name: str, store_name: str) -> Data:
    return {
        "id": b.id,
        "member_id": b.member_id,
        "guide_id": b.guide_id,
        "store_id": b.store_id,
        "guide_name": guide_name,
        "store_name": store_name,
        "active": b.active,
        "bound_at": _t(b.bound_at),
        "protected_until": _t(b.protected_until),
        "ended_at": _t(b.ended_at),
    }


def _bindings(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    query = (
        select(Binding, Guide.name, Store.name)
        .join(Guide, Guide.id == Binding.guide_id)
        .join(Store, Store.id == Binding.store_id)
        .join(Member, Member.id == Binding.member_id)
        .where(Binding.id.in_(ids), Member.store_id == store_id)
    )
    return {b.id: binding_data(b, gname, sname) for b, gname, sname in session.execute(query)}


def _conflicts(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    query = (
        select(BindingConflict, Member.store_id)
        .join(Member, Member.id == BindingConflict.member_id)
        .where(BindingConflict.id.in_(ids))
    )
    out: dict[str, Data] = {}
    for c, member_store in session.execute(query):
        if store_id not in (member_store, c.losing_store_id, c.winning_store_id):
            continue
        out[c.id] = {
            "id": c.id,
            "member_id": c.member_id,
            "losing_guide_id": c.losing_guide_id,
            "losing_store_id": c.losing_store_id,
            "winning_guide_id": c.winning_guide_id,
            "winning_store_id": c.winning_store_id,
            "winning_guide_name": c.winning_guide_name,
            "winning_store_name": c.winning_store_name,
            "created_at": _t(c.created_at),
            "resolved": c.resolved,
        }
    return out


def _task_lists(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    item = aliased(TaskItem)
    has_items_here = select(item.id).where(item.list_id == TaskList.id, item.store_id == store_id).exists()
    query = select(TaskList).where(TaskList.id.in_(ids), or_(TaskList.store_id == store_id, has_items_here))
    return {
        t.id: {
            "id": t.id,
            "store_id": t.store_id,
            "title": t.title,
            "source": t.source,
            "due_at": _t(t.due_at),
            "created_at": _t(t.created_at),
        }
        for t in session.scalars(query)
    }


def _task_items(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    query = (
        select(TaskItem)
        .join(Member, Member.id == TaskItem.member_id)
        .where(TaskItem.id.in_(ids), TaskItem.store_id == store_id, Member.store_id == store_id)
    )
    return {
        i.id: {
            "id": i.id,
            "list_id": i.list_id,
            "member_id": i.member_id,
            "kind": i.kind,
            "assigned_guide_id": i.assigned_guide_id,
            "due_at": _t(i.due_at),
            "state": i.state,
            "outcome": i.outcome,
            "note": i.note,
            "completed_at": _t(i.completed_at),
            "completed_by_guide_id": i.completed_by_guide_id,
            "created_at": _t(i.created_at),
        }
        for i in session.scalars(query)
    }


def _notes(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    query = (
        select(Note)
        .join(Member, Member.id == Note.member_id)
        .where(Note.id.in_(ids), Member.store_id == store_id)
    )
    return {
        n.id: {
            "id": n.id,
            "member_id": n.member_id,
            "guide_id": n.guide_id,
            "body": n.body,
            "created_at": _t(n.created_at),
        }
        for n in session.scalars(query)
    }


def _tag_groups(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is not None:
        return {}
    query = select(TagGroup).where(TagGroup.id.in_(ids))
    return {g.id: {"id": g.id, "name": g.name, "sort": g.sort} for g in session.scalars(query)}


def _tags(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is not None:
        return {}
    query = select(Tag).where(Tag.id.in_(ids))
    return {
        t.id: {"id": t.id, "group_id": t.group_id, "name": t.name, "color": t.color}
        for t in session.scalars(query)
    }


def _policy(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is not None or POLICY_ENTITY_ID not in ids:
        return {}
    policy = current_policy(session)
    return {POLICY_ENTITY_ID: {"id": 1, **{k: getattr(policy, k) for k in POLICY_FIELDS}}}


def _qr_keys(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is not None:
        return {}
    query = select(QrKey.key_id, QrKey.public_key, QrKey.active).where(QrKey.key_id.in_(ids))
    return {
        r.key_id: {"key_id": r.key_id, "public_key": bytes(r.public_key).hex(), "active": r.active}
        for r in _rows(session, query)
    }


LOADERS: dict[str, Callable[[Session, str | None, list[str]], dict[str, Data]]] = {
    "store": _stores,
    "guide": _guides,
    "member": _members,
    "member_code": _member_codes,
    "member_tag": _member_tags,
    "binding": _bindings,
    "binding_conflict": _conflicts,
    "task_list": _task_lists,
    "task_item": _task_items,
    "note": _notes,
    "tag_group": _tag_groups,
    "tag": _tags,
    "policy": _policy,
    "qr_key": _qr_keys,
}


def load_payloads(
    session: Session, store_id: str | None, entity_type: str, ids: list[str]
) -> dict[str, Data]:
    """Current data of `ids` as served to `store_id`'s scope (None: the global scope). Ids that do not
    exist or do not belong to the scope are missing from the answer."""
    loader = LOADERS.get(entity_type)
    if loader is None or not ids:
        return {}
    found = loader(session, store_id, ids)
    if len(found) < len(set(ids)):
        log.debug(
            "%s of %s %s ids not served to scope %s",
            len(set(ids)) - len(found),
            len(ids),
            entity_type,
            store_id,
        )
    return found
