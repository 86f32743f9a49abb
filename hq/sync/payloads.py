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
  consent_withdrawn (outreach refused: no tasks, contact budget zero)
- `erasure` (id: member id): member_id — the member was erased at HQ: purge it and everything local about
  it (app/services/privacy.py). Sent to every store scope that may hold the member.
- `member_code` (id: the code): code, member_id, kind
- `tag_group` (id: id): id, name, sort
- `tag` (id: id): id, group_id, name, color
- `member_tag` (id: "member_id:tag_id"): member_id, tag_id
- `binding` (id: id): id, member_id, guide_id, store_id (the guide's store), guide_name, store_name, active,
  bound_at, protected_until, ended_at
- `binding_conflict` (id: id): id, member_id, losing_guide_id, losing_store_id, winning_guide_id,
  winning_store_id, winning_guide_name, winning_store_name, created_at, resolved
- `task_list` (id: id): id, store_id (null: published to several stores), title, source, due_at, created_at,
  script (what the guide says; null when none)
- `task_item` (id: id): id, list_id, member_id, kind, assigned_guide_id, due_at, state, outcome, note,
  completed_at, completed_by_guide_id, created_at
- `note` (id: id): id, member_id, guide_id, body, created_at
- `policy` (id: "1"): id (1), protection_days, renew_on_service, cross_store_transfer, sleeping_days,
  contact_budget, contact_window_days, code_ttl_seconds, clock_tolerance_seconds
- `qr_key` (id: key id): key_id, public_key (hex of the raw 32-byte Ed25519 key), active (codes signed with
  it verify)

Every loader re-checks that the row belongs to the scope it is served for (a member's store, a task's
store…): a row that does not is left out, so an index bug cannot leak another store's data.

How (a first sync pulls ~700 pages of 1,000 rows for a 100,000-member store, so this is HQ's hot path):
one prebuilt Core statement per entity type and page, `IN` over the page's primary keys, selecting exactly
the payload columns (plus what the scope check needs) as plain tuples; no ORM objects. The scope check runs
in Python on the selected columns rather than in the WHERE clause, so the only index the query offers
the planner is the primary key: with a `store_id = ?` term, SQLite without statistics answered a page
of members through `ix_members_store_id`, i.e. read every member of the store per page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    DateTime,
    Select,
    String,
    Table,
    any_,
    bindparam,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from contract.db import UtcDateTime
from hq.clock import iso
from hq.db.models import (
    Binding,
    BindingConflict,
    Guide,
    Member,
    MemberCode,
    MemberErasure,
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


class KeyIn(ColumnElement[bool]):
    """`column IN :ids`, the page's keys. PostgreSQL gets one array parameter (`= ANY(:ids)`): 1,000
    separate parameters cost more to render, cast and parse (SQLAlchemy and psycopg, per execution)
    than the query itself takes (profiled on a 1,000-row page). Elsewhere an expanding IN."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012 -- SQLAlchemy's form

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column


@compiles(KeyIn)
def _key_in(element: KeyIn, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(bindparam("ids", expanding=True)), **kw)


@compiles(KeyIn, "sqlite")
def _key_in_json(element: KeyIn, compiler: SQLCompiler, **kw: Any) -> str:
    # one JSON parameter: the SQL text stays the same whatever the page's size (prepared once)
    keys = func.json_each(bindparam("ids", type_=JSON())).table_valued("value")
    return compiler.process(element.column.in_(select(keys.c.value)), **kw)


@compiles(KeyIn, "postgresql")
def _key_in_array(element: KeyIn, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column == any_(bindparam("ids", type_=ARRAY(String))), **kw)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


stores, guides, members, member_codes = _table(Store), _table(Guide), _table(Member), _table(MemberCode)
member_tags, bindings, conflicts = _table(MemberTag), _table(Binding), _table(BindingConflict)
task_lists, task_items, notes = _table(TaskList), _table(TaskItem), _table(Note)
tag_groups, tags, qr_keys = _table(TagGroup), _table(Tag), _table(QrKey)


def _t(at: datetime | None) -> str | None:
    return None if at is None else iso(at)


class _Fields:
    """The payload fields of a type that are columns of its table under the same name: which columns to
    select, and how a selected row becomes the payload. Times are selected as the naive UTC datetimes
    they are stored as (no per-value `UtcDateTime` conversion) and written out in `iso`'s form."""

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self.columns = [
            type_coerce(table.c[n], DateTime()) if isinstance(table.c[n].type, UtcDateTime) else table.c[n]
            for n in self.names
        ]
        self._times = [n for n in self.names if isinstance(table.c[n].type, UtcDateTime)]

    def data(self, row: Sequence[Any]) -> Data:
        """The payload of a row whose first columns are `columns` (any after them are ignored)."""
        data = dict(zip(self.names, row, strict=False))
        for name in self._times:
            at = data[name]
            if at is not None:
                data[name] = at.isoformat() + "+00:00"  # what iso() gives for the aware UTC value
        return data

    def of(self, entity: Any) -> Data:
        """The same payload from an ORM object (times aware UTC)."""
        return {n: _t(getattr(entity, n)) if n in self._times else getattr(entity, n) for n in self.names}


STORE = _Fields(stores, ("id", "code", "name"))
GUIDE = _Fields(guides, ("id", "store_id", "employee_no", "name", "role", "pin_hash", "active"))
MEMBER = _Fields(
    members,
    (
        "id", "store_id", "card_no", "name", "level", "stage", "is_paid", "online", "enrolled_at",
        "enrolled_by_guide_id", "last_purchase_at", "last_visit_at", "consent_withdrawn", "phone",
    ),
)  # fmt: skip
MEMBER_CODE = _Fields(member_codes, ("code", "member_id", "kind"))
MEMBER_TAG = _Fields(member_tags, ("member_id", "tag_id"))
# guide_name and store_name follow these (from the joined guide and store rows)
BINDING = _Fields(
    bindings, ("id", "member_id", "guide_id", "store_id", "active", "bound_at", "protected_until", "ended_at")
)
CONFLICT = _Fields(
    conflicts,
    (
        "id", "member_id", "losing_guide_id", "losing_store_id", "winning_guide_id", "winning_store_id",
        "winning_guide_name", "winning_store_name", "created_at", "resolved",
    ),
)  # fmt: skip
TASK_LIST = _Fields(task_lists, ("id", "store_id", "title", "source", "due_at", "created_at", "script"))
TASK_ITEM = _Fields(
    task_items,
    (
        "id", "list_id", "member_id", "kind", "assigned_guide_id", "due_at", "state", "outcome", "note",
        "completed_at", "completed_by_guide_id", "created_at",
    ),
)  # fmt: skip
NOTE = _Fields(notes, ("id", "member_id", "guide_id", "body", "created_at"))
TAG_GROUP = _Fields(tag_groups, ("id", "name", "sort"))
TAG = _Fields(tags, ("id", "group_id", "name", "color"))


def member_data(m: Member, *, with_phone: bool = True) -> Data:
    data = MEMBER.of(m)
    if not with_phone:
        del data["phone"]
    return data


def binding_data(b: Binding, guide_name: str, store_name: str) -> Data:
    return {**BINDING.of(b), "guide_name": guide_name, "store_name": store_name}


# One statement per type, built once; `:ids` is the page's primary keys. The scope check's columns come
# after the payload's.
STORES = select(*STORE.columns).where(KeyIn(stores.c.id))
GUIDES = select(*GUIDE.columns).where(KeyIn(guides.c.id))
MEMBERS = select(*MEMBER.columns).where(KeyIn(members.c.id))
MEMBER_CODES = (
    select(*MEMBER_CODE.columns, members.c.store_id)
    .join(members, members.c.id == member_codes.c.member_id)
    .where(KeyIn(member_codes.c.code))
)
# :ids are member ids here: a member's tags are found by the primary key's first column.
MEMBER_TAGS = (
    select(*MEMBER_TAG.columns, members.c.store_id)
    .join(members, members.c.id == member_tags.c.member_id)
    .where(KeyIn(member_tags.c.member_id))
)
BINDINGS = (
    select(*BINDING.columns, guides.c.name, stores.c.name, members.c.store_id)
    .join(guides, guides.c.id == bindings.c.guide_id)
    .join(stores, stores.c.id == bindings.c.store_id)
    .join(members, members.c.id == bindings.c.member_id)
    .where(KeyIn(bindings.c.id))
)
CONFLICTS = (
    select(*CONFLICT.columns, members.c.store_id)
    .join(members, members.c.id == conflicts.c.member_id)
    .where(KeyIn(conflicts.c.id))
)
_item = aliased(task_items)
TASK_LISTS = select(*TASK_LIST.columns).where(
    KeyIn(task_lists.c.id),
    or_(
        task_lists.c.store_id == bindparam("store_id"),
        select(_item.c.id)
        .where(_item.c.list_id == task_lists.c.id, _item.c.store_id == bindparam("store_id"))
        .exists(),
    ),
)
TASK_ITEMS = (
    select(*TASK_ITEM.columns, task_items.c.store_id, members.c.store_id)
    .join(members, members.c.id == task_items.c.member_id)
    .where(KeyIn(task_items.c.id))
)
NOTES = (
    select(*NOTE.columns, members.c.store_id)
    .join(members, members.c.id == notes.c.member_id)
    .where(KeyIn(notes.c.id))
)
TAG_GROUPS = select(*TAG_GROUP.columns).where(KeyIn(tag_groups.c.id))
TAGS = select(*TAG.columns).where(KeyIn(tags.c.id))
QR_KEYS = select(qr_keys.c.key_id, qr_keys.c.public_key, qr_keys.c.active).where(KeyIn(qr_keys.c.key_id))


def _rows(session: Session, query: Select[Any], ids: Iterable[str], **params: Any) -> list[tuple[Any, ...]]:
    # plain tuples: zipping and unpacking them is cheaper than SQLAlchemy Rows (see hq/sync/pull.py)
    return list(map(tuple, session.execute(query, {"ids": list(ids), **params}).all()))


def _stores(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    return {r[0]: STORE.data(r) for r in _rows(session, STORES, ids) if r[0] == store_id}


def _guides(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    return {r[0]: GUIDE.data(r) for r in _rows(session, GUIDES, ids) if r[1] == store_id}


def _members(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    return {r[0]: MEMBER.data(r) for r in _rows(session, MEMBERS, ids) if r[1] == store_id}


def _member_codes(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    return {r[0]: MEMBER_CODE.data(r) for r in _rows(session, MEMBER_CODES, ids) if r[-1] == store_id}


def _member_tags(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    wanted = set(ids)
    found: dict[str, Data] = {}
    for member_id, tag_id, member_store in _rows(session, MEMBER_TAGS, {i.split(":", 1)[0] for i in ids}):
        key = f"{member_id}:{tag_id}"
        if key in wanted and member_store == store_id:
            found[key] = {"member_id": member_id, "tag_id": tag_id}
    return found


def _bindings(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    found: dict[str, Data] = {}
    for r in _rows(session, BINDINGS, ids):
        *_, guide_name, store_name, member_store = r
        if member_store == store_id:
            found[r[0]] = {**BINDING.data(r), "guide_name": guide_name, "store_name": store_name}
    return found


def _conflicts(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    found: dict[str, Data] = {}
    for r in _rows(session, CONFLICTS, ids):
        data = CONFLICT.data(r)
        if store_id in (r[-1], data["losing_store_id"], data["winning_store_id"]):
            found[r[0]] = data
    return found


def _task_lists(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    return {r[0]: TASK_LIST.data(r) for r in _rows(session, TASK_LISTS, ids, store_id=store_id)}


def _task_items(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    return {
        r[0]: TASK_ITEM.data(r)
        for r in _rows(session, TASK_ITEMS, ids)
        if r[-2] == store_id and r[-1] == store_id
    }


def _notes(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    return {r[0]: NOTE.data(r) for r in _rows(session, NOTES, ids) if r[-1] == store_id}


def _tag_groups(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is not None:
        return {}
    return {r[0]: TAG_GROUP.data(r) for r in _rows(session, TAG_GROUPS, ids)}


def _tags(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is not None:
        return {}
    return {r[0]: TAG.data(r) for r in _rows(session, TAGS, ids)}


def _policy(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is not None or POLICY_ENTITY_ID not in ids:
        return {}
    policy = current_policy(session)
    return {POLICY_ENTITY_ID: {"id": 1, **{k: getattr(policy, k) for k in POLICY_FIELDS}}}


def _qr_keys(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is not None:
        return {}
    return {
        key_id: {"key_id": key_id, "public_key": bytes(public_key).hex(), "active": active}
        for key_id, public_key, active in _rows(session, QR_KEYS, ids)
    }


def _erasures(session: Session, store_id: str | None, ids: list[str]) -> dict[str, Data]:
    if store_id is None:
        return {}
    scope = f"store:{store_id}"
    erasures = _table(MemberErasure)
    rows = session.execute(
        select(erasures.c.member_id, erasures.c.scopes).where(KeyIn(erasures.c.member_id)), {"ids": list(ids)}
    )
    return {member_id: {"member_id": member_id} for member_id, scopes in rows if scope in (scopes or ())}


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
    "erasure": _erasures,
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
