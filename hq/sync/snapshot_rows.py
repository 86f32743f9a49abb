"""The snapshot's rows of the four bulky types (member, member_code, member_tag, binding: ~99 % of a
store's rows), read in one statement per chunk that walks the change index and joins the entity.

A chunk of the other types is its change-index ids, then their payloads by `hq/sync/payloads.py`'s
`IN` statements, then a dict per row. For a 100,000-member store that cost HQ ~10 s of CPU on this
2-core machine, shared with the workstation loading it (docs/benchmarks-sync.md). Here the change index
is walked by its primary key and each entity is joined to it by its own primary key, so one statement
yields the wire row `[id, version, *payload values]` as it is sent, with the scope check's column last.

The payload shapes are payloads.py's, in its field order (a test compares both paths' replicas). Times
are selected as the naive UTC datetimes they are stored as; the snapshot's JSON encoder writes them in
`iso`'s form (orjson's OPT_NAIVE_UTC gives the same `+00:00` text). Joins are outer: an index row whose
entity is gone still counts towards the chunk's size (so a short chunk still means the step is done)
and is left out like a payload loader leaves it out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import String

from hq.db.models import ChangeIndex
from hq.sync.changes import PUT
from hq.sync.payloads import (
    BINDING,
    MEMBER,
    MEMBER_CODE,
    MEMBER_TAG,
    bindings,
    guides,
    member_codes,
    member_tags,
    members,
    stores,
)

_c = ChangeIndex.__table__.c


class IdPart(ColumnElement[str]):
    """The part of a composite change id ("member_id:tag_id") before (`first`) or after the first ':'."""

    inherit_cache = True
    type = String()
    _traverse_internals = [  # noqa: RUF012 -- SQLAlchemy's form
        ("column", InternalTraversal.dp_clauseelement),
        ("first", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column: ColumnElement[Any], *, first: bool) -> None:
        self.column = column
        self.first = first


def _id_part(element: IdPart, compiler: SQLCompiler, find: Any, **kw: Any) -> str:
    colon = find(element.column, ":")
    part = (
        func.substr(element.column, 1, colon - 1) if element.first else func.substr(element.column, colon + 1)
    )
    return compiler.process(part, **kw)


@compiles(IdPart)
def _id_part_sqlite(element: IdPart, compiler: SQLCompiler, **kw: Any) -> str:
    return _id_part(element, compiler, func.instr, **kw)


@compiles(IdPart, "postgresql")
def _id_part_pg(element: IdPart, compiler: SQLCompiler, **kw: Any) -> str:
    return _id_part(element, compiler, func.strpos, **kw)


def _walk(*columns: Any) -> Select[Any]:
    """The next `:n` put entries of one scope and type after `:after`, by the primary key."""
    return select(_c.entity_id, _c.version, *columns).where(
        _c.scope == bindparam("scope"),
        _c.entity_type == bindparam("entity_type"),
        _c.entity_id > bindparam("after"),
        _c.op == PUT,
        _c.version <= bindparam("upto"),
    )


def _ordered(query: Select[Any]) -> Select[Any]:
    return query.order_by(_c.entity_id).limit(bindparam("n"))


_code_member = members.alias("code_member")
_tag_member = members.alias("tag_member")
_bound_member = members.alias("bound_member")


@dataclass(frozen=True)
class Joined:
    fields: tuple[str, ...]  # the payload's field names, in payloads.py's order
    query: Select[Any]  # entity_id, version, *payload values, the row's store (the scope check)


JOINED: dict[str, Joined] = {
    "member": Joined(
        MEMBER.names,
        _ordered(_walk(*MEMBER.columns, members.c.store_id).outerjoin(members, members.c.id == _c.entity_id)),
    ),
    "member_code": Joined(
        MEMBER_CODE.names,
        _ordered(
            _walk(*MEMBER_CODE.columns, _code_member.c.store_id)
            .outerjoin(member_codes, member_codes.c.code == _c.entity_id)
            .outerjoin(_code_member, _code_member.c.id == member_codes.c.member_id)
        ),
    ),
    "member_tag": Joined(
        MEMBER_TAG.names,
        _ordered(
            _walk(*MEMBER_TAG.columns, _tag_member.c.store_id)
            .outerjoin(
                member_tags,
                (member_tags.c.member_id == IdPart(_c.entity_id, first=True))
                & (member_tags.c.tag_id == IdPart(_c.entity_id, first=False)),
            )
            .outerjoin(_tag_member, _tag_member.c.id == member_tags.c.member_id)
        ),
    ),
    "binding": Joined(
        (*BINDING.names, "guide_name", "store_name"),
        _ordered(
            _walk(*BINDING.columns, guides.c.name, stores.c.name, _bound_member.c.store_id)
            .outerjoin(bindings, bindings.c.id == _c.entity_id)
            .outerjoin(guides, guides.c.id == bindings.c.guide_id)
            .outerjoin(stores, stores.c.id == bindings.c.store_id)
            .outerjoin(_bound_member, _bound_member.c.id == bindings.c.member_id)
        ),
    ),
}


class Chunk(NamedTuple):
    fields: list[str]
    rows: list[list[Any]]  # [id, version, *values] of the rows servable to the scope's store
    read: int  # change-index rows read (a chunk shorter than asked ends its step)
    after: str  # the last id read: where the next chunk, or a resumed snapshot, goes on


def joined_chunks(
    session: Session, entity_type: str, *, scope: str, served_to: str | None, after: str, upto: int, n: int
) -> Iterator[Chunk]:
    """Chunks of one step of a store scope from `after`."""
    joined = JOINED[entity_type]
    fields = list(joined.fields)
    params = {"scope": scope, "entity_type": entity_type, "upto": upto, "n": n}
    while True:
        found = session.execute(joined.query, {**params, "after": after}).all()
        if not found:
            return
        after = found[-1][0]
        rows = [list(r[:-1]) for r in found if r[-1] == served_to]
        yield Chunk(fields, rows, len(found), after)
        if len(found) < n:
            return
