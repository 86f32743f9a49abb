"""`guidedesk-hq import-members` and `publish-tasks`: HQ admin work from an operator's CSV or XLSX file,
on top of the admin services (which make every check; this turns file lines into service calls and the
services' row errors back into the file's own line numbers).

A file is all or nothing: every bad line is reported (`第 N 行: …`, N counted as the operator's editor
or spreadsheet counts, header = line 1), the exit status is 2 and nothing is written. A member import
is one transaction of at most MAX_IMPORT_ROWS rows, the admin API's cap: on 2 cores at load 8, 10,000
members took 8.2 s on SQLite and 10.8 s on PostgreSQL, about 3 s of each the CLI's start. A longer
file is refused before anything is written: split it, each part is then all or nothing by itself. On
SQLite, workstations' pushes wait while an import writes (past the 15 s busy timeout HQ answers 503 and
they retry), so big imports belong to a quiet hour there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hq.errors import HqError, Invalid, NotFound
from hq.runtime import HqRuntime
from hq.services.admin import (
    IMPORT_FIELDS,
    MAX_IMPORT_ROWS,
    STORE_TZ,
    ImportRejected,
    audit,
    import_members,
    list_tag_groups,
)
from hq.services.members import find_member
from hq.services.publishing import publish_to_segment
from hq.services.stores import list_stores
from hq.services.tasks import KINDS, MAX_ITEMS
from hq.sync.changes import ChangeSet, record
from hq.tabular import LineError, Row, Table, TableError, read_table

Out = Callable[[str], None]
CHUNK = 1000  # rows per service call: progress is reported per chunk; one transaction for the file
SHOWN_ERRORS = 100  # a wholly wrong file is summed up, not listed
MEMBER_COLUMNS = ("member", "member_id", "card_no")
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否"})

# What each code means to the operator; details fill the braces.
WORDS = {
    "missing_field": "缺少 {field}",
    "bad_field": "{field} 的值不对",
    "bad_boolean": "{field} 应为 是/否、true/false 或 1/0，不是 “{value}”",
    "bad_name": "姓名为空或超过 50 个字",
    "bad_phone": "手机号不是有效的中国大陆手机号",
    "phone_already_member": "这个手机号已是会员（HQ 里已有，或在本文件前面的行）",
    "bad_card_no": "卡号应为 4–32 位字母、数字或 -",
    "card_no_taken": "卡号 {card_no} 已被使用（HQ 里已有，或在本文件前面的行）",
    "bad_stage": "阶段 “{stage}” 不是 visitor、registered、first_order、experience、koc 之一",
    "unknown_store": "没有门店 “{store}”",
    "unknown_member": "没有会员 “{member}”（会员 id 或卡号）",
    "no_member": "会员一栏是空的",
    "cell_outside_columns": "表头只有 {columns} 列，这一行在表头以外还有内容",
}


class FileRejected(HqError):
    """Some lines of the file are bad; nothing was written. `errors` names every bad line."""

    def __init__(self, code: str, path: Path, errors: list[LineError]) -> None:
        super().__init__(code, file=path.name, bad_lines=len(errors))
        self.path = path
        self.errors = sorted(errors, key=lambda e: e.line)


def add_commands(sub: Any) -> None:
    """The two file commands on guidedesk-hq's subparsers."""
    members = sub.add_parser(
        "import-members",
        help="import members from CSV/XLSX: every line or none",
        description=(
            "Columns (header row required): " + ", ".join(IMPORT_FIELDS) + ". store and name are "
            "required; store is a store code or id; empty cells take the defaults (a new card number, "
            "level 普卡, stage registered, not paid, not online); is_paid/online: 是/否, true/false, 1/0. "
            f"CSV in UTF-8 (with or without BOM) or XLSX (first sheet); at most {MAX_IMPORT_ROWS} "
            "members per file (split longer files). Any bad line: every bad line is listed by its line "
            "number in the file and nothing is imported."
        ),
    )
    members.add_argument("file", type=Path, metavar="FILE.csv|FILE.xlsx")
    tasks = sub.add_parser(
        "publish-tasks",
        help="publish a task list for the members of a file, of stores, or of a segment",
        description=(
            "Who gets an item: either FILE — a CSV/XLSX with a header and a column member, member_id or "
            "card_no (a member id or any card number per line; other columns are ignored, a member "
            "listed twice gets one item) — or a selection: every member of the --store(s), narrowed by "
            "--segment(s) if given, or a --segment across all stores, as the console selects it: members "
            "who withdrew consent and members at the policy's contact budget are left out. FILE and a "
            "selection do not mix. "
            "Each item goes to its member's home store. A bad line in FILE: every bad line is listed "
            "and nothing is published."
        ),
    )
    tasks.add_argument("file", type=Path, nargs="?", metavar="FILE.csv|FILE.xlsx")
    tasks.add_argument("--title", required=True)
    tasks.add_argument("--kind", required=True, choices=sorted(KINDS))
    tasks.add_argument(
        "--due", type=_date_arg, metavar="YYYY-MM-DD", help="due by the end of that day (Beijing time)"
    )
    tasks.add_argument("--store", action="append", dest="stores", metavar="STORE", help="code or id; repeat")
    tasks.add_argument(
        "--segment",
        action="append",
        dest="segments",
        metavar="tag=TAG|stage=STAGE|sleeping",
        help="TAG: tag name, 组名/标签名 or id; several --segment must all match",
    )


def _date_arg(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


# ---------------------------------------------------------------- import-members


def import_members_cmd(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    path: Path = args.file
    table = read_table(path, max_rows=MAX_IMPORT_ROWS)
    unknown = [c for c in table.columns if c not in IMPORT_FIELDS]
    if unknown:
        raise TableError("unknown_columns", columns=unknown, allowed=list(IMPORT_FIELDS))
    if not table.rows:
        raise TableError("no_rows", file=path.name)
    errors = list(table.errors)
    misshapen = {e.line for e in table.errors}
    rows: list[dict[str, Any]] = []
    lines: list[int] = []  # the file line of each entry of `rows`
    for row in table.rows:
        parsed = _member_row(row)
        if isinstance(parsed, LineError):
            errors.append(parsed)
        elif row.line not in misshapen:
            rows.append(parsed)
            lines.append(row.line)
    progress = _Progress(path, len(rows))
    try:
        with runtime.db.write() as s:
            now, changes = runtime.now(), ChangeSet()
            imported = 0
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                try:
                    imported += import_members(s, rows=chunk, now=now, changes=changes).imported
                except ImportRejected as exc:  # keep checking: the operator gets every bad line at once
                    errors += [LineError(lines[start + e.line - 1], e.code, e.details) for e in exc.errors]
                progress.at(start + len(chunk))
            if errors:
                raise FileRejected("import_rejected", path, errors)  # rolls the whole file back
            audit(s, action="member.import", now=now, details={"count": imported, "via": "cli",
                                                                 "file": path.name})  # fmt: skip
            record(s, changes, now=now)
    except FileRejected as exc:
        _report(exc, "未导入任何会员 (nothing imported)")
        return 2
    out(f"已导入 {imported} 名会员 (imported {imported} members from {path.name})")
    return 0


def _member_row(row: Row) -> dict[str, Any] | LineError:
    """The service's import row: empty cells left out (the service's defaults apply), yes/no parsed."""
    plain: dict[str, Any] = {}
    for field, text in row.cells.items():
        if not text:
            continue
        if field in ("is_paid", "online"):
            word = text.lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                return LineError(row.line, "bad_boolean", {"field": field, "value": text})
            plain[field] = word in TRUE_WORDS
        else:
            plain[field] = text
    return plain


# ---------------------------------------------------------------- publish-tasks


def publish_tasks_cmd(runtime: HqRuntime, args: argparse.Namespace, out: Out) -> int:
    # Due by the end of that store day: overdue from the next midnight in China.
    due = None if args.due is None else datetime.combine(args.due + timedelta(days=1), time(), STORE_TZ)
    if due is not None and due <= runtime.now():
        raise Invalid("due_in_past", due=args.due.isoformat())
    if args.file is not None and (args.stores or args.segments):
        raise Invalid("file_excludes_store_and_segment")
    if args.file is None and not (args.stores or args.segments):
        raise Invalid("members_needed", hint="FILE, --store or --segment")
    members: list[str] | None = None
    if args.file is not None:
        try:
            members = _file_members(runtime, args.file)
        except FileRejected as exc:
            _report(exc, "未发布任何任务 (nothing published)")
            return 2
    with runtime.db.write() as s:
        now, changes = runtime.now(), ChangeSet()
        filters = _segment(s, args.segments or []) if members is None else {}
        published = publish_to_segment(
            s, title=args.title, kind=args.kind, due_at=due, now=now, changes=changes, member_ids=members,
            stores=args.stores if members is None else None, via="cli", **filters,
        )  # fmt: skip
        record(s, changes, now=now)
        codes = {store.id: store.code for store in list_stores(s)}
    stores = ", ".join(codes[sid] for sid in published.stores)
    out(f"任务清单 task list {published.list_id}: {published.items} 项 items, 门店 stores: {stores}")
    return 0


def _file_members(runtime: HqRuntime, path: Path) -> list[str]:
    """Member ids of the file's lines, looked up in a read snapshot (the publish re-checks they exist)."""
    table = read_table(path, max_rows=MAX_ITEMS)
    column = _member_column(table)
    errors = list(table.errors)
    ids: list[str] = []
    progress = _Progress(path, len(table.rows))
    with runtime.db.read() as s:
        for index, row in enumerate(table.rows, start=1):
            ref = row.cells[column]
            if not ref:
                errors.append(LineError(row.line, "no_member", {}))
            else:
                try:
                    ids.append(find_member(s, ref).id)
                except NotFound as exc:
                    errors.append(LineError(row.line, exc.code, dict(exc.details)))
            if index % CHUNK == 0 or index == len(table.rows):
                progress.at(index)
    if errors:
        raise FileRejected("publish_rejected", path, errors)
    if not ids:
        raise TableError("no_rows", file=path.name)
    return ids


def _member_column(table: Table) -> str:
    present = [c for c in MEMBER_COLUMNS if c in table.columns]
    if len(present) != 1:
        raise TableError("member_column_needed", one_of=list(MEMBER_COLUMNS), found=present)
    return present[0]


def _segment(session: Session, specs: list[str]) -> dict[str, Any]:
    """select_members' filters from `tag=…`, `stage=…`, `sleeping`; each at most once."""
    filters: dict[str, Any] = {"tag_id": None, "stage": None, "sleeping": False}
    for spec in specs:
        key, _, value = spec.partition("=")
        key, value = key.strip(), value.strip()
        if key == "sleeping" and not value and not filters["sleeping"]:
            filters["sleeping"] = True
        elif key == "stage" and value and filters["stage"] is None:
            filters["stage"] = value  # the service checks it is a stage
        elif key == "tag" and value and filters["tag_id"] is None:
            filters["tag_id"] = _tag_id(session, value)
        else:
            raise Invalid("bad_segment", segment=spec, allowed="tag=…, stage=…, sleeping (each once)")
    return filters


def _tag_id(session: Session, ref: str) -> str:
    """A tag by id, by 组名/标签名, or by its name alone when only one group has a tag of that name."""
    matches = set()
    for group in list_tag_groups(session):
        for tag in group.tags:
            if ref in (tag.id, f"{group.name}/{tag.name}", tag.name):
                matches.add(tag.id)
    if len(matches) > 1:
        raise Invalid("ambiguous_tag", tag=ref, hint="组名/标签名")
    if not matches:
        raise NotFound("unknown_tag", tag=ref)
    return matches.pop()


# ---------------------------------------------------------------- reporting


class _Progress:
    """`file: 已检查 N/M 行` on stderr per chunk, for files longer than one chunk."""

    def __init__(self, path: Path, total: int) -> None:
        self.name, self.total = path.name, total

    def at(self, done: int) -> None:
        if self.total > CHUNK:
            print(f"{self.name}: 已检查 {done}/{self.total} 行 (rows checked)", file=sys.stderr)


def _report(exc: FileRejected, outcome: str) -> None:
    print(f"error: {exc.code}: {exc.path.name} 有 {len(exc.errors)} 行有误，{outcome}", file=sys.stderr)
    for e in exc.errors[:SHOWN_ERRORS]:
        words = WORDS.get(e.code, e.code).format_map(_Blank(e.details))
        print(f"  第 {e.line} 行: {words} ({e.code})", file=sys.stderr)
    if len(exc.errors) > SHOWN_ERRORS:
        print(f"  …另有 {len(exc.errors) - SHOWN_ERRORS} 行有误 (more bad lines)", file=sys.stderr)


class _Blank(dict[str, Any]):
    """Details a message names but an error did not carry show as "?" rather than failing the report."""

    def __missing__(self, key: str) -> str:
        return "?"
