"""Which sync scopes an entity belongs to (DESIGN.md §5, §6: a device receives its store's data and the
global data, nothing else).

- `global`: tag groups, tags, the policy, QR public keys.
- `store:<id>`: the store itself, its guides, its members (by home store) with their codes, tags,
  bindings (also those to another store's guide), notes, the store's task lists and items, and binding
  conflicts the store is a party to (member's store, losing store, winning store).

A member's children go wherever the member goes: `member_children` lists them so that a member leaving a
scope takes every dependent row with it in the same version.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.db.models import Binding, BindingConflict, Member, MemberCode, MemberTag, Note, TaskItem
from hq.sync.changes import ChangeSet, store_scope


def member_tag_id(member_id: str, tag_id: str) -> str:
    return f"{member_id}:{tag_id}"


def conflict_scopes(member_store_id: str, losing_store_id: str, winning_store_id: str) -> set[str]:
    return {store_scope(s) for s in (member_store_id, losing_store_id, winning_store_id)}


def bindings_named_after(session: Session, changes: ChangeSet, *, guide_id: str | None = None,
                         store_id: str | None = None) -> int:  # fmt: skip
    """A binding's payload carries its guide's and store's names: when one is renamed, every binding to
    that guide (or to a guide of that store) is put again, in its member's store scope. The count put."""
    query = select(Binding.id, Member.store_id).join(Member, Member.id == Binding.member_id)
    if guide_id is not None:
        query = query.where(Binding.guide_id == guide_id)
    if store_id is not None:
        query = query.where(Binding.store_id == store_id)
    n = 0
    for binding_id, member_store in session.execute(query):
        changes.put(store_scope(member_store), "binding", binding_id)
        n += 1
    return n


def member_scope(session: Session, member_id: str) -> str | None:
    store_id = session.scalar(select(Member.store_id).where(Member.id == member_id))
    return None if store_id is None else store_scope(store_id)


def member_children(session: Session, member_id: str, store_id: str) -> list[tuple[str, str]]:
    """(entity type, id) of everything a replica of `store_id` holds only because it holds the member."""
    out: list[tuple[str, str]] = []
    out += [
        ("member_code", c)
        for c in session.scalars(select(MemberCode.code).where(MemberCode.member_id == member_id))
    ]
    out += [
        ("member_tag", member_tag_id(member_id, t))
        for t in session.scalars(select(MemberTag.tag_id).where(MemberTag.member_id == member_id))
    ]
    out += [("binding", b) for b in session.scalars(select(Binding.id).where(Binding.member_id == member_id))]
    out += [("note", n) for n in session.scalars(select(Note.id).where(Note.member_id == member_id))]
    out += [
        ("task_item", i)
        for i in session.scalars(
            select(TaskItem.id).where(TaskItem.member_id == member_id, TaskItem.store_id == store_id)
        )
    ]
    conflicts = session.execute(
        select(BindingConflict.id, BindingConflict.losing_store_id, BindingConflict.winning_store_id).where(
            BindingConflict.member_id == member_id
        )
    )
    # A conflict stays with a store that was a party to it; otherwise it follows the member.
    out += [
        ("binding_conflict", c.id)
        for c in conflicts
        if store_id not in (c.losing_store_id, c.winning_store_id)
    ]
    return out
