"""The members list's derived columns on `members`: `tag_key` (the member's tag names, sorted, joined by
"、") and `bound_guide_id` / `bound_guide_name` (the active binding's guide). They exist so the list can
sort and filter a million members in SQL by an index (app/services/member_list.py); they are recomputed
set-wise, once per member a pulled page touched, by the only writer of the replica (the pull applier).
Bulk writers that bypass the applier (the demo generator, test factories) call `refresh_all` once; a
first-sync snapshot, which loads members with these columns at their defaults, calls `fill_loaded`.

`phone_last4` is not here: the applier takes it from the clear phone while sealing it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import orjson

TAG_SEPARATOR = "、"

_SET = f"""
    tag_key = ifnull((
        SELECT group_concat(name, '{TAG_SEPARATOR}') FROM (
            SELECT t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
            WHERE mt.member_id = members.id ORDER BY t.name
        )
    ), ''),
    (bound_guide_id, bound_guide_name) = (
        SELECT guide_id, guide_name FROM (
            SELECT * FROM (
                SELECT b.guide_id, b.guide_name, 0 AS o FROM bindings b
                WHERE b.member_id = members.id AND b.active = 1 ORDER BY b.bound_at DESC LIMIT 1
            )
            UNION ALL SELECT NULL, '', 1  -- unbound: no guide, and the sortable name ''
        ) ORDER BY o LIMIT 1
    )
"""
_REFRESH_SOME = (f"UPDATE members SET {_SET} WHERE id IN (SELECT value FROM json_each(?))",)
_REFRESH_ALL = (
    f"UPDATE members SET {_SET}",
    "UPDATE members SET phone_last4 = substr(phone_masked, -4) "
    "WHERE phone_last4 IS NULL AND length(phone_masked) = 11",
)
# Set-wise, for members just loaded with the defaults ('' / NULL / ''): one grouped pass over member tags
# and one over active bindings, instead of two correlated subqueries per member (refresh_all's 1.4 s at
# 100,000 members, measured in docs/benchmarks-sync.md). The same values as _SET: tag names in name order
# (the ordered subquery feeds group_concat in order, as in _SET), the latest active binding's guide.
_FILL_LOADED = (
    f"""UPDATE members SET tag_key = k.names FROM (
        SELECT member_id, group_concat(name, '{TAG_SEPARATOR}') AS names FROM (
            SELECT mt.member_id, t.name FROM member_tags mt JOIN tags t ON t.id = mt.tag_id
            ORDER BY mt.member_id, t.name
        ) GROUP BY member_id
    ) AS k WHERE k.member_id = members.id""",
    """UPDATE members SET bound_guide_id = b.guide_id, bound_guide_name = b.guide_name FROM (
        SELECT member_id, guide_id, guide_name, max(bound_at) FROM bindings WHERE active = 1
        GROUP BY member_id
    ) AS b WHERE b.member_id = members.id""",
)
_MEMBERS_OF_TAGS = (
    "SELECT DISTINCT member_id FROM member_tags WHERE tag_id IN (SELECT value FROM json_each(?))"
)
_MEMBERS_OF_BINDINGS = "SELECT member_id FROM bindings WHERE id IN (SELECT value FROM json_each(?))"


def _execute(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """A plain sqlite3 connection or a SQLAlchemy Connection (driver-level, in its transaction)."""
    if isinstance(conn, sqlite3.Connection):
        return conn.execute(sql, params)
    return conn.exec_driver_sql(sql, params)


def refresh_members(conn: Any, member_ids: Iterable[str]) -> int:
    """Recompute the derived columns of these members (ids that are not members are ignored)."""
    ids = sorted(set(member_ids))
    if not ids:
        return 0
    param = orjson.dumps(ids).decode()
    for sql in _REFRESH_SOME:
        _execute(conn, sql, (param,))
    return len(ids)


def members_of_tags(conn: Any, tag_ids: Iterable[str]) -> list[str]:
    """Members holding any of these tags (a renamed tag changes their `tag_key`)."""
    ids = sorted(set(tag_ids))
    if not ids:
        return []
    return [r[0] for r in _execute(conn, _MEMBERS_OF_TAGS, (orjson.dumps(ids).decode(),)).fetchall()]


def members_of_bindings(conn: Any, binding_ids: Iterable[str]) -> list[str]:
    """Members of these bindings as stored now (read before the bindings are removed)."""
    ids = sorted(set(binding_ids))
    if not ids:
        return []
    return [r[0] for r in _execute(conn, _MEMBERS_OF_BINDINGS, (orjson.dumps(ids).decode(),)).fetchall()]


def refresh_all(conn: Any) -> None:
    """Recompute every member's derived columns (and fill a missing `phone_last4` from the masked phone,
    which shows the last four digits anyway): after a bulk load that did not go through the applier."""
    for sql in _REFRESH_ALL:
        _execute(conn, sql)


def fill_loaded(conn: Any) -> None:
    """The derived columns of members bulk-loaded with their defaults (a first-sync snapshot)."""
    for sql in _FILL_LOADED:
        _execute(conn, sql)
