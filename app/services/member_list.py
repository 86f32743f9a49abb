"""The store's members as a list: sorted, filtered and searched in SQL, a page at a time by key.

A page continues from the last row's sort key and id (keyset), never by OFFSET, so the 2,000th page costs
what the first does at a million members. Every sort order is served by an index on (sort column, id)
(migration 0005). Orders that are not plain column orders are walked as *segments*, each one an index
range in id order or in (column, id) order:

- a nullable column (masked phone, last visit): the NULLs, then the values (reversed when descending);
  the masked phone sorts by its last four digits, the part the mask shows, on the index its search uses;
- an enumerated column (stage, level): one segment per value in lifecycle order (浅客 → 推荐官, 普卡 →
  钻石卡), then any value this release does not know, by value;
- the bound guide: the unbound members, then guide by guide in the order of the guides' names, each
  guide's members by name, on the index the guide filter uses (the guides are found by a skip scan of
  that index, one seek per guide).

The page key is (segment, value, id); the UI treats it as opaque.

Filters: tag, stage, sleeping (沉睡: no purchase for the policy's days), binding (a guide's members, or
unbound) and a search text: 4 digits = the phone's last four (an indexed column filled by the pull
applier, never a decryption), a full mobile = its blind index, otherwise a name or card-number prefix.
`count_members` answers from a maintained counter when nothing is filtered, else counts up to a cap
through the filter's index.

The bound guide shown is the effective one: a bind or transfer made here and not yet confirmed by HQ
shows its target guide with `binding_pending` (for the rows of the page; sorting and filtering go by
the replica until HQ confirms).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.clock import utc
from app.errors import InvalidInput
from app.security.crypto import PhoneCipher
from app.services.outbox import PENDING_STATES
from app.services.policy import policy_of
from contract.stages import STAGES as CONTRACT_STAGES
from contract.wire import Mutation

STAGES = CONTRACT_STAGES  # lifecycle order
LEVELS = ("普卡", "银卡", "金卡", "钻石卡")  # HQ's card levels, lowest first
SORT_KEYS = ("name", "phone", "level", "stage", "tags", "guide", "last_visit")
MAX_LIMIT = 2000
COUNT_CAP = 100_000
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LAST4 = re.compile(r"[0-9]{4}")
_TOP = "\U0010ffff"  # sorts after every other character: the end of a prefix range


@dataclass(frozen=True)
class MemberFilter:
    """What the list shows. `bound_guide_id` and `unbound` are exclusive (binding: a guide / unbound)."""

    tag_id: str | None = None
    stage: str | None = None
    sleeping: bool = False
    bound_guide_id: str | None = None
    unbound: bool = False
    search: str = ""

    @property
    def empty(self) -> bool:
        return self == MemberFilter()


@dataclass(frozen=True)
class MemberSort:
    key: str = "name"  # one of SORT_KEYS
    descending: bool = False


@dataclass(frozen=True)
class PageKey:
    """Where the next page starts: after this row (segment, sort value, id)."""

    segment: int
    value: Any
    id: str


@dataclass(frozen=True, slots=True)  # slots: a scrolled-through list holds many of these
class MemberRow:
    id: str
    name: str
    card_no: str
    phone_masked: str
    level: str
    stage: str
    sleeping: bool
    tags: tuple[str, ...]
    bound_guide_id: str | None
    bound_guide_name: str
    binding_pending: bool  # a bind/transfer/end made here, not yet confirmed by HQ
    last_visit_at: datetime | None


@dataclass(frozen=True)
class MemberPage:
    rows: tuple[MemberRow, ...]
    next_after: PageKey | None  # None: this was the last page


@dataclass(frozen=True)
class MemberCount:
    count: int
    exact: bool  # False: at least `count` (the cap was reached)


@dataclass(frozen=True)
class _Segment:
    where: str  # extra condition of the segment ('' = none)
    column: str | None  # ordered by (column, id), or by id alone when None
    params: dict[str, Any] = field(default_factory=dict)


_COLUMNS = {
    "name": "name",
    "phone": "phone_last4",
    "level": "level",
    "stage": "stage",
    "tags": "tag_key",
    "guide": "bound_guide_name",
    "last_visit": "last_visit_at",
}
_NULLABLE = {"phone_last4", "last_visit_at"}
_ENUMS = {"stage": STAGES, "level": LEVELS}


# The distinct bound guides, one index seek each (a skip scan of ix_members_guide_id_name).
_GUIDES = """
    WITH RECURSIVE g(id) AS (
        SELECT min(bound_guide_id) FROM members
        UNION ALL
        SELECT (SELECT min(bound_guide_id) FROM members WHERE bound_guide_id > g.id)
        FROM g WHERE g.id IS NOT NULL
    )
    SELECT g.id, (SELECT bound_guide_name FROM members WHERE bound_guide_id = g.id LIMIT 1) FROM g
    WHERE g.id IS NOT NULL
"""


_DISTINCT = """
    WITH RECURSIVE v(x) AS (
        SELECT min({column}) FROM members
        UNION ALL
        SELECT (SELECT min({column}) FROM members WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL
    )
    SELECT x FROM v WHERE x IS NOT NULL
"""


def _segments(session: Session, sort: MemberSort) -> list[_Segment]:
    column = _COLUMNS[sort.key]
    if sort.key == "guide":
        guides = sorted(session.connection().exec_driver_sql(_GUIDES).all(), key=lambda g: (g[1] or "", g[0]))
        segs = [_Segment("m.bound_guide_id IS NULL", "name")]
        segs += [_Segment("m.bound_guide_id = :seg_value", "name", {"seg_value": gid}) for gid, _n in guides]
    elif sort.key in _ENUMS:
        # Known values in lifecycle order, then any other value present (found by a skip scan of the
        # column's index, one seek per distinct value): every segment is an equality range in id order.
        # A "NOT IN (known)" segment instead walked the whole index when it was empty (1.4 s at 1 M).
        known = _ENUMS[sort.key]
        present = [r[0] for r in session.connection().exec_driver_sql(_DISTINCT.format(column=column))]
        values = [*known, *sorted(v for v in present if v not in known)]
        segs = [_Segment(f"m.{column} = :seg_value", None, {"seg_value": v}) for v in values]
    elif column in _NULLABLE:
        segs = [_Segment(f"m.{column} IS NULL", None), _Segment(f"m.{column} IS NOT NULL", column)]
    else:
        segs = [_Segment("", column)]
    return segs[::-1] if sort.descending else segs


def _stored_time(value: datetime) -> str:
    """A UTC time as SQLite holds a UtcDateTime column, for comparing in SQL."""
    return utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _filter_sql(
    session: Session, filters: MemberFilter, now: datetime, cipher: PhoneCipher | None
) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.bound_guide_id is not None and filters.unbound:
        raise InvalidInput("bad_filter", reason="guide_and_unbound")
    if filters.tag_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM member_tags mt WHERE mt.member_id = m.id AND mt.tag_id = :tag_id)"
        )
        params["tag_id"] = filters.tag_id
    if filters.stage is not None:
        where.append("m.stage = :stage")
        params["stage"] = filters.stage
    if filters.sleeping:
        days = policy_of(session).sleeping_days
        where.append("m.last_purchase_at < :sleep_cutoff")
        params["sleep_cutoff"] = _stored_time(now - timedelta(days=days))
    if filters.bound_guide_id is not None:
        where.append("m.bound_guide_id = :guide_id")
        params["guide_id"] = filters.bound_guide_id
    if filters.unbound:
        where.append("m.bound_guide_id IS NULL")
    text = filters.search.strip()
    if text:
        if _LAST4.fullmatch(text):
            where.append("m.phone_last4 = :last4")
            params["last4"] = text
        elif _MOBILE.fullmatch(text) and cipher is not None:
            where.append("m.phone_index = :phone_index")
            params["phone_index"] = cipher.blind_index(text)
        else:
            card = text.upper()
            where.append(
                "((m.name >= :name_lo AND m.name < :name_hi)"
                " OR (m.card_no >= :card_lo AND m.card_no < :card_hi))"
            )
            params.update(name_lo=text, name_hi=text + _TOP, card_lo=card, card_hi=card + _TOP)
    return where, params


_SELECT = (
    "SELECT m.id, m.name, m.card_no, m.phone_masked, m.level, m.stage, m.last_purchase_at, m.tag_key, "
    "m.bound_guide_id, m.bound_guide_name, m.last_visit_at"
)


def _segment_query(
    seg: _Segment, index: int, sort: MemberSort, where: list[str], after: PageKey | None
) -> tuple[str, dict[str, Any]]:
    conds = list(where)
    params = dict(seg.params)
    if seg.where:
        conds.append(seg.where)
    op = "<" if sort.descending else ">"
    direction = "DESC" if sort.descending else "ASC"
    if seg.column is None:
        order = f"m.id {direction}"
        sort_value = "NULL"
        if after is not None and after.segment == index:
            conds.append(f"m.id {op} :after_id")
            params["after_id"] = after.id
    else:
        order = f"m.{seg.column} {direction}, m.id {direction}"
        sort_value = f"m.{seg.column}"
        if after is not None and after.segment == index:
            conds.append(f"(m.{seg.column}, m.id) {op} (:after_value, :after_id)")
            params.update(after_value=after.value, after_id=after.id)
    sql = f"{_SELECT}, {sort_value} AS sort_value FROM members m"
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    return sql + f" ORDER BY {order} LIMIT :limit", params


def _pending_bindings(session: Session, member_ids: Sequence[str]) -> dict[str, tuple[str | None, str]]:
    """member id -> (guide id, guide name) after the unconfirmed binding mutations made here (oldest
    first, so the last one wins); guide None = the binding was ended."""
    if not member_ids:
        return {}
    names = (Mutation.BINDING_CREATE, Mutation.BINDING_TRANSFER, Mutation.BINDING_END)
    marks = ", ".join("?" * len(member_ids))
    rows = session.connection().exec_driver_sql(
        "SELECT o.member_id, o.name, json_extract(o.args, '$.to_guide_id'), o.guide_id, g.name AS acting "
        f"FROM outbox o LEFT JOIN guides g ON g.id = o.guide_id WHERE o.member_id IN ({marks}) "
        f"AND o.name IN ({', '.join('?' * len(names))}) "
        f"AND o.state IN ({', '.join('?' * len(PENDING_STATES))}) "
        "ORDER BY o.id",
        (*member_ids, *names, *PENDING_STATES),
    )
    out: dict[str, tuple[str | None, str]] = {}
    guide_names: dict[str, str] = {}
    for member_id, name, to_guide, acting_id, acting_name in rows:
        if name == Mutation.BINDING_END:
            out[member_id] = (None, "")
            continue
        target = to_guide or acting_id
        if target == acting_id:
            out[member_id] = (target, acting_name or "")
        else:
            if target not in guide_names:
                found = session.connection().exec_driver_sql(
                    "SELECT name FROM guides WHERE id = ?", (target,)
                )
                guide_names[target] = found.scalar() or ""
            out[member_id] = (target, guide_names[target])
    return out


def list_page(
    session: Session,
    *,
    after: PageKey | None,
    limit: int,
    sort: MemberSort,
    filters: MemberFilter,
    now: datetime,
    cipher: PhoneCipher | None = None,
) -> MemberPage:
    """Up to `limit` members after `after` (None: from the top) in `sort` order, matching `filters`."""
    if sort.key not in _COLUMNS:
        raise InvalidInput("bad_sort", key=sort.key)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("bad_limit", max=MAX_LIMIT)
    where, fparams = _filter_sql(session, filters, now, cipher)
    segments = _segments(session, sort)
    start = 0 if after is None else after.segment
    if not 0 <= start < len(segments):
        raise InvalidInput("bad_page_key")
    sleep_cutoff = now - timedelta(days=policy_of(session).sleeping_days)
    conn = session.connection()
    raw: list[tuple[int, Any]] = []
    for index in range(start, len(segments)):
        sql, params = _segment_query(segments[index], index, sort, where, after)
        params.update(fparams, limit=limit - len(raw))
        raw += [(index, row) for row in conn.exec_driver_sql(_qmark(sql, params), _values(sql, params))]
        if len(raw) >= limit:
            break
    pending = _pending_bindings(session, [row[0] for _i, row in raw])
    rows = []
    for _i, r in raw:
        last_purchase = _parse_time(r[6])
        guide_id, guide_name, is_pending = r[8], r[9] or "", False
        if r[0] in pending:
            (guide_id, guide_name), is_pending = pending[r[0]], True
        rows.append(
            MemberRow(
                id=r[0],
                name=r[1],
                card_no=r[2],
                phone_masked=r[3] or "",
                level=r[4],
                stage=r[5],
                sleeping=last_purchase is not None and last_purchase < sleep_cutoff,
                tags=tuple(r[7].split("、")) if r[7] else (),
                bound_guide_id=guide_id,
                bound_guide_name=guide_name,
                binding_pending=is_pending,
                last_visit_at=_parse_time(r[10]),
            )
        )
    next_after = None
    if len(raw) >= limit:
        index, last = raw[-1]
        next_after = PageKey(segment=index, value=last[11], id=last[0])
    return MemberPage(rows=tuple(rows), next_after=next_after)


def count_members(
    session: Session,
    *,
    filters: MemberFilter,
    now: datetime,
    cipher: PhoneCipher | None = None,
    cap: int = COUNT_CAP,
) -> MemberCount:
    """How many members match: exact from the maintained per-store counter when nothing is filtered,
    else counted through the filter's index up to `cap` (then `exact=False`: "more than cap")."""
    conn = session.connection()
    if filters.empty:
        total = conn.exec_driver_sql("SELECT ifnull(sum(members), 0) FROM store_member_counts").scalar()
        return MemberCount(int(total or 0), True)
    where, params = _filter_sql(session, filters, now, cipher)
    if filters.tag_id is not None:
        # drive the count from the tag's members (member_tags(tag_id, member_id)), not from members
        where = [w for w in where if not w.startswith("EXISTS")]
        sql = "SELECT count(*) FROM (SELECT 1 FROM member_tags mt JOIN members m ON m.id = mt.member_id"
        where.insert(0, "mt.tag_id = :tag_id")
    else:
        sql = "SELECT count(*) FROM (SELECT 1 FROM members m"
    sql += " WHERE " + " AND ".join(where) + " LIMIT :cap)"
    params["cap"] = cap + 1
    n = int(conn.exec_driver_sql(_qmark(sql, params), _values(sql, params)).scalar() or 0)
    return MemberCount(min(n, cap), n <= cap)


def _parse_time(value: Any) -> datetime | None:
    """A stored UtcDateTime (naive UTC text) as an aware UTC datetime."""
    if value is None:
        return None
    return utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))


_NAMED = re.compile(r":([a-z_0-9]+)")


def _qmark(sql: str, params: dict[str, Any]) -> str:
    return _NAMED.sub("?", sql)


def _values(sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(params[name] for name in _NAMED.findall(sql))


@dataclass(frozen=True)
class Choice:
    id: str
    name: str


@dataclass(frozen=True)
class FilterChoices:
    """What the list's filter menus offer: the store's tags (by group, then name) and active guides."""

    tags: tuple[Choice, ...]
    guides: tuple[Choice, ...]


def filter_choices(session: Session, *, store_id: str) -> FilterChoices:
    conn = session.connection()
    tags = conn.exec_driver_sql(
        "SELECT t.id, t.name FROM tags t LEFT JOIN tag_groups g ON g.id = t.group_id ORDER BY g.sort, t.name"
    ).all()
    guides = conn.exec_driver_sql(
        "SELECT id, name FROM guides WHERE store_id = ? AND active = 1 ORDER BY employee_no", (store_id,)
    ).all()
    return FilterChoices(tuple(Choice(i, n) for i, n in tags), tuple(Choice(i, n) for i, n in guides))
