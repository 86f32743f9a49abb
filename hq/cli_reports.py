"""`guidedesk-hq conflicts` and `stats`: what HQ knows, as tables an operator reads in a terminal (or CSV
for a spreadsheet), with stores, guides and members named the way people know them — store code and
name, guide employee number and name, member card number — rather than by id.

Counting and filtering belong to the admin services (list_conflicts, resolve_conflict, activity_stats);
this only names and lays out what they return. Times are shown in store time (Beijing).
"""

from __future__ import annotations

import argparse
import csv
import io
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from contract.measures import join_rate
from contract.sheets import formula_safe
from hq.runtime import HqRuntime
from hq.services.admin import (
    STORE_TZ,
    ConflictView,
    StatsRow,
    activity_stats,
    audit,
    list_conflicts,
    list_guides,
    resolve_conflict,
)
from hq.services.guides import GuideView
from hq.services.members import find_member
from hq.services.stores import StoreView, list_stores
from hq.sync.changes import ChangeSet, record

Out = Callable[[str], None]
CONFLICT_LIMIT = 500
STAT_FIELDS = ("served", "enrolled", "declined", "bound", "tasks_done")
STAT_HEADERS = ("接待 served", "入会 enrolled", "拒绝 declined", "绑定 bound", "完成任务 tasks", "入会率")


def add_commands(sub: Any) -> None:
    """The two report commands on guidedesk-hq's subparsers."""
    conflicts = sub.add_parser(
        "conflicts",
        help="binding conflicts (who won, who lost), newest first; `conflicts resolve ID --note …`",
        description="Without `resolve`: a table of conflicts, newest first (at most "
        f"{CONFLICT_LIMIT}), times in Beijing time. `resolve ID --note TEXT` marks one handled.",
    )
    conflicts.add_argument(
        "--store", help="only conflicts a store is part of (member's, winner's or loser's)"
    )
    which = conflicts.add_mutually_exclusive_group()
    which.add_argument("--open", dest="resolved", action="store_const", const=False, default=False,
                       help="unresolved ones (the default)")  # fmt: skip
    which.add_argument("--all", dest="resolved", action="store_const", const=None, help="resolved ones too")
    actions = conflicts.add_subparsers(dest="action")
    resolve = actions.add_parser("resolve", help="mark a conflict handled; both stores see the note")
    resolve.add_argument("conflict_id", metavar="ID")
    resolve.add_argument("--note", required=True, help="what was decided (≤ 200 characters)")
    stats = sub.add_parser(
        "stats",
        help="served, enrolled, declined, bound, tasks done and 入会率 per store (or guide)",
        description="入会率 (join rate) = enrolled ÷ (enrolled + declined) over the days, as store managers "
        "read it; days are store days (Beijing), both ends included. Stores or guides with no activity "
        "are left out. CSV: one header line of English column names, join_rate as a fraction.",
    )
    stats.add_argument("--from", dest="start", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    stats.add_argument("--to", dest="end", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    stats.add_argument("--store", help="one store (code or id)")
    stats.add_argument("--by-guide", action="store_true", help="a row per guide instead of per store")
    stats.add_argument("--format", choices=("table", "csv"), default="table")


# ---------------------------------------------------------------- conflicts


def conflicts_cmd(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    if args.action == "resolve":
        return _resolve(runtime, args, out)
    with runtime.db.read() as s:
        rows = list_conflicts(s, store=args.store, resolved=args.resolved, limit=CONFLICT_LIMIT)
        names = _Names(s)
        table = [_conflict_cells(c, names, find_member(s, c.member_id).card_no) for c in rows]
    if not rows:
        out(
            "没有未处理的绑定冲突 (no open conflicts)"
            if args.resolved is False
            else "没有绑定冲突 (no conflicts)"
        )
        return 0
    headers = ("ID", "时间 when", "会员卡号 card", "胜方 won", "败方 lost", "状态 state")
    for line in _layout(headers, table):
        out(line)
    if len(rows) == CONFLICT_LIMIT:
        out(f"（只列出最新 {CONFLICT_LIMIT} 条 newest {CONFLICT_LIMIT} shown; narrow with --store）")
    return 0


def _conflict_cells(c: ConflictView, names: _Names, card_no: str) -> list[str]:
    state = f"已处理 resolved: {c.resolution}" if c.resolved else "未处理 open"
    return [
        c.id,
        f"{c.created_at.astimezone(STORE_TZ):%Y-%m-%d %H:%M}",
        card_no,
        names.guide_at(c.winning_guide_id, c.winning_store_id),
        names.guide_at(c.losing_guide_id, c.losing_store_id),
        state,
    ]


def _resolve(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    with runtime.db.write() as s:
        now, changes = runtime.now(), ChangeSet()
        view = resolve_conflict(
            s, conflict_id=args.conflict_id, resolution=args.note, now=now, changes=changes
        )
        audit(s, action="conflict.resolve", now=now, subject_id=view.id, store_id=view.member_store_id,
              details={"resolution": view.resolution, "via": "cli"})  # fmt: skip
        record(s, changes, now=now)
    out(f"冲突 conflict {view.id} 已处理 resolved: {view.resolution}")
    return 0


# ---------------------------------------------------------------- stats


def stats_cmd(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    with runtime.db.read() as s:
        rows = activity_stats(s, start=args.start, end=args.end, by_guide=args.by_guide, store=args.store)
        names = _Names(s)
        # By store code and employee number, as people look them up (the service orders by id).
        named = sorted(((_who(r, names, args.by_guide), r) for r in rows), key=lambda pair: pair[0])
    who, rows = [w for w, _ in named], [r for _, r in named]
    if args.format == "csv":
        head = ["store_code", "store_name"] + (["employee_no", "guide_name"] if args.by_guide else [])
        _csv(out, [[*head, *STAT_FIELDS, "join_rate"]]
             + [[*w, *_counts(r), _rate_csv(r)] for w, r in zip(who, rows, strict=True)])  # fmt: skip
        return 0
    span = f"{args.start.isoformat()} – {args.end.isoformat()}"
    if not rows:
        out(f"{span}: 没有活动 (no activity)")
        return 0
    head = ["门店 store"] + (["导购 guide"] if args.by_guide else [])
    headers = (*head, *STAT_HEADERS)
    table = [
        [*_labels(w, args.by_guide), *map(str, _counts(r)), _rate(r.enrolled, r.declined)]
        for w, r in zip(who, rows, strict=True)
    ]
    totals = [sum(column) for column in zip(*(_counts(r) for r in rows), strict=True)]
    table.append(["合计 total", *[""] * (len(head) - 1), *map(str, totals), _rate(totals[1], totals[2])])
    out(span)
    for line in _layout(headers, table, numeric_from=len(head)):
        out(line)
    out("入会率 = 入会 ÷ (入会 + 拒绝)；无人被邀请时为 —")
    return 0


def _who(row: StatsRow, names: _Names, by_guide: bool) -> list[str]:
    """store code, store name[, employee no, guide name] of a stats row."""
    store = names.stores.get(row.store_id)
    cells = [store.code, store.name] if store else [row.store_id, ""]
    if by_guide:
        guide = names.guide(row.guide_id, row.store_id)
        cells += [guide.employee_no, guide.name] if guide else ["", "（无导购 no guide）"]
    return cells


def _labels(who: list[str], by_guide: bool) -> list[str]:
    store = f"{who[0]} {who[1]}".strip()
    if not by_guide:
        return [store]
    return [store, f"{who[3]}({who[2]})" if who[2] else who[3]]


def _counts(row: StatsRow) -> list[int]:
    return [getattr(row, f) for f in STAT_FIELDS]


def _rate(enrolled: int, declined: int) -> str:
    rate = join_rate(enrolled, declined)
    return "—" if rate is None else f"{rate:.1%}"


def _rate_csv(row: StatsRow) -> str:
    rate = join_rate(row.enrolled, row.declined)
    return "" if rate is None else f"{rate:.4f}"


def _csv(out: Out, rows: Sequence[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([formula_safe(v) if isinstance(v, str) else v for v in row])
    for line in buffer.getvalue().splitlines():
        out(line)


# ---------------------------------------------------------------- shared


class _Names:
    """Stores and guides by id, read once per command (guides store by store, as they are needed)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.stores: dict[str, StoreView] = {s.id: s for s in list_stores(session)}
        self._guides: dict[str, dict[str, GuideView]] = {}

    def guide(self, guide_id: str | None, store_id: str) -> GuideView | None:
        if store_id not in self._guides:
            self._guides[store_id] = {g.id: g for g in list_guides(self.session, store=store_id)}
        return self._guides[store_id].get(guide_id or "")

    def guide_at(self, guide_id: str, store_id: str) -> str:
        store = self.stores.get(store_id)
        guide = self.guide(guide_id, store_id) if store else None
        return " ".join(
            [store.code if store else store_id, f"{guide.name}({guide.employee_no})" if guide else guide_id]
        )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _layout(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int | None = None
) -> list[str]:
    """Columns padded to their widest cell in terminal cells (a Chinese character takes two); columns
    from `numeric_from` on are right-aligned."""
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - _width(cell))
            padded.append(pad + cell if numeric_from is not None and i >= numeric_from else cell + pad)
        return "  ".join(padded).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]
