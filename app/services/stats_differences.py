"""Where HQ's figures for a day differ from what was counted at this counter: an action counted here that
HQ then rejected (a bind that lost a conflict to another guide, a transfer whose binding had changed) is
voided in the ledger, so the stats show HQ's number; the manager also sees what was counted here and why
the two differ. Read from the rejected outbox rows (few, on their state index), never by scanning the
ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

_QUERY = """
    SELECT a.day, a.guide_id, ifnull(g.name, ''), a.kind, count(*), json_extract(o.result, '$.code'),
           json_extract(o.result, '$.details.winner_guide_name')
    FROM outbox o JOIN activity a ON a.outbox_id = o.id LEFT JOIN guides g ON g.id = a.guide_id
    WHERE o.state = 'rejected' AND a.voided = 1 AND a.day BETWEEN ? AND ? AND (g.store_id = ? OR g.id IS NULL)
    GROUP BY a.day, a.guide_id, a.kind, json_extract(o.result, '$.code')
    ORDER BY a.day, g.employee_no, a.kind
"""


@dataclass(frozen=True)
class StatsDifference:
    day: date
    guide_id: str
    guide_name: str
    kind: str  # bind | enroll | paid | transfer | served | …
    lost: int  # counted here, not by HQ
    code: str  # HQ's rejection code, e.g. member_already_bound
    winner_guide_name: str  # who won the conflict, when HQ said


def stats_differences(
    session: Session, *, store_id: str, start: date, end: date
) -> tuple[StatsDifference, ...]:
    rows = session.connection().exec_driver_sql(_QUERY, (start.isoformat(), end.isoformat(), store_id))
    return tuple(
        StatsDifference(date.fromisoformat(day), gid, name, kind, int(n), code or "", winner or "")
        for day, gid, name, kind, n, code, winner in rows
    )
