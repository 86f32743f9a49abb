"""The pull applier: the only writer of the replica tables. One pulled page is applied in the caller's
transaction together with the new cursor, so a sync killed mid-way resumes from the last whole page.

Each change names an entity type (`t`), an id, `put` with the entity's fields or `remove`. Field names
are the replica's column names (DESIGN.md §5: clients ignore unknown fields). Members arrive with the
phone in the clear over TLS and are stored encrypted with a blind index; the clear number never reaches
the disk. A `remove` of a member purges it locally (PIPL: a member who left the store's scope); an
`erasure` (the member was erased at HQ) also purges what this counter recorded about it
(app/services/privacy.py).

This is the hot loop of a first sync (a 100,000-member store is ~710 pages of 1,000 changes): a page
goes from the decoded wire dicts straight to one parameter tuple per row and one driver-level
executemany per type, with no object per change in between (docs/benchmarks-sync.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, delete, inspect
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from app.changes import MEMBER_KINDS, NOTHING, Changes, erased_changes
from app.db import member_index
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
from app.services.privacy import ERASURE, purge_erased_members
from contract.wire import Change

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
# Sealed here, never taken from the wire: the phone's ciphertext, blind index, mask and last four digits
# (what the members list searches by, app/services/member_list.py).
_PHONE_COLUMNS = ("phone_enc", "phone_index", "phone_masked", "phone_last4")
# Derived here from other replica rows (app/db/member_index.py), never taken from the wire either.
_DERIVED_COLUMNS = ("tag_key", "bound_guide_id", "bound_guide_name")


@dataclass(frozen=True)
class PageApplied:
    puts: int
    removes: int
    changes: Changes  # the entity types written and the members concerned, for the window's views
    erased: tuple[str, ...] = ()  # members erased at HQ, purged here with everything local about them


Convert = Callable[[Any], Any]
Key = Callable[[str], tuple[Any, ...]]
_SQLITE = sqlite.dialect()  # the replica is always SQLite: its bind processors give the stored form
# HQ's own form of a time: `datetime.isoformat()` of an aware UTC value, with 0 or 6 fraction digits.
_HQ_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?\+00:00")


def _utc_text(processor: Convert) -> Convert:
    """Wire time -> the text UtcDateTime stores ('YYYY-MM-DD HH:MM:SS.ffffff', UTC). HQ's own form is
    re-cut as text once `fromisoformat` has checked it is a real time: the column's bind processor
    (parse, convert to UTC, format) costs ~5 µs a value, 2–3 values a row. Any other form takes the
    processor; both give the same text (tests/app/test_applier.py)."""

    def convert(value: Any) -> Any:
        if isinstance(value, str) and _HQ_UTC.fullmatch(value):
            datetime.fromisoformat(value)  # 2026-02-30 matches the pattern: ValueError here
            return f"{value[:10]} {value[11:19]}{value[19:26] if len(value) == 32 else '.000000'}"
        return processor(datetime.fromisoformat(value) if isinstance(value, str) else value)

    return convert


def _converter(column: Any) -> Convert | None:
    """Wire value -> stored value of a column (None: stored as sent): the column type's own bind
    processor for this dialect, after ISO text -> datetime and hex -> bytes."""
    processor = column.type.dialect_impl(_SQLITE).bind_processor(_SQLITE)
    python_type = getattr(column.type, "impl", column.type).python_type
    if python_type is datetime:
        return _utc_text(processor)
    if python_type is bytes:
        from_hex: Convert = lambda v: bytes.fromhex(v) if isinstance(v, str) else v  # noqa: E731
        return from_hex if processor is None else lambda v: processor(from_hex(v))
    return cast(Convert | None, processor)


def _member_tag_key(change_id: str) -> tuple[str, str]:
    member_id, _, tag_id = change_id.partition(":")
    return member_id, tag_id


def _key_of(t: str) -> Key:
    """The primary key values of an entity from its change id (the id is authoritative, not the data)."""
    if t == "member_tag":
        return _member_tag_key
    if t == "policy":
        return lambda i: (int(i),)
    return lambda i: (i,)


@dataclass(frozen=True)
class _Target:
    """How one entity type is written: its table, key columns in key order, per column the conversion
    from the wire value to what the driver stores, and what an insert gives a column a put did not name
    (the models' defaults, already in stored form)."""

    table: str
    keys: tuple[str, ...]
    key_of: Key
    convert: dict[str, Convert | None]
    defaults: dict[str, Any]
    versioned: bool
    sealed: bool  # members: `phone` on the wire, four sealed columns at rest


@cache
def _target(t: str) -> _Target:
    model = ENTITY_MODELS[t]
    table = cast(Table, model.__table__)
    columns = list(inspect(model).columns)
    convert = {c.key: _converter(c) for c in columns}
    defaults = {}
    for c in columns:
        if isinstance(c.default, ScalarElementColumnDefault):
            f = convert[c.key]
            defaults[c.key] = c.default.arg if f is None else f(c.default.arg)
    keys = tuple(c.name for c in table.primary_key)
    return _Target(table.name, keys, _key_of(t), convert, defaults, "version" in convert, t == "member")


@dataclass(frozen=True)
class _Shape:
    """The puts of one type whose data name the same fields: the columns they write, in parameter order
    (named fields, sealed phone, version, key, then defaults for the insert), and the named fields that
    are real columns of the replica."""

    fields: tuple[str, ...]
    converters: tuple[tuple[int, Convert], ...]
    phone: bool
    columns: tuple[str, ...]
    fill: tuple[Any, ...]


@cache
def _shape(t: str, named: tuple[str, ...]) -> _Shape:
    target = _target(t)
    skip = {*target.keys, "version", *((*_PHONE_COLUMNS, *_DERIVED_COLUMNS) if target.sealed else ())}
    fields = tuple(f for f in named if f in target.convert and f not in skip)
    converters = tuple((i, f) for i, name in enumerate(fields) if (f := target.convert[name]) is not None)
    phone = target.sealed and "phone" in named
    columns = (*fields, *(_PHONE_COLUMNS if phone else ()), *(("version",) if target.versioned else ()))
    columns += target.keys
    unnamed = tuple(c for c in target.defaults if c not in columns)
    return _Shape(fields, converters, phone, columns + unnamed, tuple(target.defaults[c] for c in unnamed))


def _picker(keys: list[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """itemgetter that always returns a tuple, whatever the number of keys."""
    if len(keys) > 1:
        return itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda r: (r[key],)
    return lambda _r: ()


def _params(
    t: str, shape: _Shape, rows: Iterable[tuple[Any, ...]], cipher: PhoneCipher
) -> list[tuple[Any, ...]]:
    """One parameter tuple per row, in `shape.columns` order. A row is (change id, version,
    *values of `shape.fields`, [the clear phone when `shape.phone`])."""
    target = _target(t)
    key_of, versioned = target.key_of, target.versioned
    n = len(shape.fields)
    params = []
    for row in rows:
        values = row[2 : 2 + n]
        if shape.converters:
            converted = list(values)
            for i, f in shape.converters:
                if converted[i] is not None:
                    converted[i] = f(converted[i])
            values = tuple(converted)
        if shape.phone:
            phone = row[2 + n]
            values += (
                (cipher.encrypt(phone), cipher.blind_index(phone), mask_phone(phone), phone[-4:])
                if phone
                else (None, None, None, None)
            )
        if versioned:
            values += (int(row[1]),)
        params.append(values + key_of(row[0]) + shape.fill)
    return params


def _page_rows(shape: _Shape, puts: list[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """A pull page's put dicts as `_params` rows."""
    get = _picker([*shape.fields, "phone"] if shape.phone else list(shape.fields))
    return [(put["id"], put["v"], *get(put["data"])) for put in puts]


def apply_rows(
    session: Session, t: str, fields: list[str], rows: list[list[Any]], *, cipher: PhoneCipher
) -> int:
    """Upsert one snapshot chunk (hq/sync/snapshot.py): rows of `[change id, version, *values]`, the
    values named by `fields`. In the caller's transaction; the members list's derived columns are left
    at their defaults for `member_index.fill_loaded` at the end of the load. A malformed chunk raises
    `protocol_error` before anything is written. Returns the rows written."""
    if t not in ENTITY_MODELS:
        return 0  # a newer HQ's entity type: ignored, like unknown fields
    try:
        shape = _shape(t, tuple(fields))
        names = (*shape.fields, "phone") if shape.phone else shape.fields
        pick = _picker([0, 1, *(fields.index(name) + 2 for name in names)])
        params = _params(t, shape, map(pick, rows), cipher)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise GuideDeskError("protocol_error", reason="bad_chunk", t=t, error=repr(exc)) from exc
    if params:
        _upsert(session, t, shape, params)
    return len(params)


def _upsert(session: Session, t: str, shape: _Shape, params: list[tuple[Any, ...]]) -> None:
    """One executemany upsert of rows that share a column set; a put updates only the columns it names.
    Driver-level, in the session's transaction: the ORM statement per row this replaced spent ~2 ms of
    Python per row building and caching statements (PERF-NOTES: raw executemany is the ingest floor), and
    rows go in primary-key order, which PERF-NOTES measured ~28 % faster."""
    target = _target(t)
    named = shape.columns[: len(shape.columns) - len(shape.fill)]
    at = named.index(target.keys[0])
    params.sort(key=itemgetter(slice(at, at + len(target.keys))))
    updates = [c for c in named if c not in target.keys]  # an update leaves unnamed columns alone
    on_conflict = (
        f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in updates)}" if updates else "DO NOTHING"
    )
    sql = (
        f"INSERT INTO {target.table} ({', '.join(shape.columns)}) "
        f"VALUES ({', '.join('?' * len(shape.columns))}) ON CONFLICT ({', '.join(target.keys)}) {on_conflict}"
    )
    session.connection().exec_driver_sql(sql, params)


def _delete(session: Session, t: str, keys: list[tuple[Any, ...]]) -> None:
    """One executemany delete by primary key; foreign keys cascade (a member's tags, bindings, codes)."""
    target = _target(t)
    where = " AND ".join(f"{k} = ?" for k in target.keys)
    session.connection().exec_driver_sql(f"DELETE FROM {target.table} WHERE {where}", keys)


def apply_changes(
    session: Session, changes: Iterable[Change | Mapping[str, Any]], *, cipher: PhoneCipher
) -> PageApplied:
    """Upsert puts and delete removes of one page. `changes` are `Change`s or, from the engine, the
    page's change dicts as decoded from the wire. Writes in the caller's transaction; the caller commits
    with the cursor. A malformed change raises `protocol_error` (the caller's transaction rolls back)."""
    puts: dict[str, dict[tuple[str, ...], list[Mapping[str, Any]]]] = {}
    removes: dict[str, list[tuple[Any, ...]]] = {}
    writes: list[tuple[str, _Shape, list[tuple[Any, ...]]]] = []
    erased: list[str] = []
    t = None
    try:  # everything read from the page is checked and converted before the first write
        for change in changes:
            wire = change.to_wire() if isinstance(change, Change) else change
            t = wire["t"]
            if t == ERASURE:
                erased.append(str(wire["id"]))
                continue
            if t not in ENTITY_MODELS:
                continue  # a newer HQ's entity type: ignored, like unknown fields
            op = wire["op"]
            if op == "put":
                if wire.get("data") is None:
                    wire = {**wire, "data": {}}
                puts.setdefault(t, {}).setdefault(tuple(wire["data"]), []).append(wire)
            elif op == "remove":
                removes.setdefault(t, []).append(_target(t).key_of(wire["id"]))
            else:
                raise GuideDeskError("protocol_error", reason="bad_op", op=op)
        for t in _ORDER:
            for named, group in puts.get(t, {}).items():  # one shape per type from one HQ; more mid-upgrade
                shape = _shape(t, named)
                writes.append((t, shape, _params(t, shape, _page_rows(shape, group), cipher)))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GuideDeskError("protocol_error", reason="bad_change", t=t, error=repr(exc)) from exc
    conn = session.connection()
    # Members whose list columns (tags, bound guide) this page changes; those of rows about to be removed
    # are read before the removal.
    touched = [k[0] for k in removes.get("member_tag", ())]
    touched += member_index.members_of_bindings(conn, (k[0] for k in removes.get("binding", ())))
    touched += member_index.members_of_tags(conn, (k[0] for k in removes.get("tag", ())))
    for t in reversed(_ORDER):
        if t in removes:
            _delete(session, t, removes[t])
    for t, shape, params in writes:
        _upsert(session, t, shape, params)
    touched += [
        _member_tag_key(put["id"])[0] for group in puts.get("member_tag", {}).values() for put in group
    ]
    bindings = [put["id"] for group in puts.get("binding", {}).values() for put in group]
    touched += member_index.members_of_bindings(conn, bindings)
    renamed = [put["id"] for named, group in puts.get("tag", {}).items() if "name" in named for put in group]
    touched += member_index.members_of_tags(conn, renamed)
    member_index.refresh_members(conn, touched)
    if erased:  # after the page's own writes: nothing of the member may come back with them
        purge_erased_members(session, erased, now=datetime.now(UTC))
    return PageApplied(
        puts=sum(len(params) for _t, _s, params in writes),
        removes=sum(len(keys) for keys in removes.values()),
        changes=_page_changes(puts, removes) | (erased_changes(erased) if erased else NOTHING),
        erased=tuple(erased),
    )


def _page_changes(
    puts: dict[str, dict[tuple[str, ...], list[Mapping[str, Any]]]], removes: dict[str, list[tuple[Any, ...]]]
) -> Changes:
    """A page's `Changes`: its entity types, and the members its rows belong to. A put names its member
    (its own id for a member, the key's first part for a member tag, else `member_id` in its data); a
    remove names only its key, so a removed member-owned row other than a member or a member tag leaves
    the members open (None: any member)."""
    members: set[str] = set()
    for t, groups in puts.items():
        if t in MEMBER_KINDS:
            for group in groups.values():
                if t == "member":
                    members.update(put["id"] for put in group)
                elif t == "member_tag":
                    members.update(_member_tag_key(put["id"])[0] for put in group)
                else:
                    members.update(m for put in group if (m := put["data"].get("member_id")))
    open_members = False
    for t, keys in removes.items():
        if t in ("member", "member_tag"):
            members.update(k[0] for k in keys)
        elif t in MEMBER_KINDS:
            open_members = True
    return Changes(frozenset(puts) | frozenset(removes), None if open_members else frozenset(members))


def wipe_replica(session: Session) -> None:
    """Forget everything HQ said (reset_required, device revoked). Local intent — the outbox above all —
    is never touched."""
    for model in reversed(REPLICA_TABLES):
        session.execute(delete(model))
