"""Export of manager stats (a `StatsReport`) to XLSX (openpyxl) or CSV, written atomically and audited.

Columns have stable keys; the caller supplies the display headers (the UI in zh_CN or English), so no
user-facing words live here. CSV is UTF-8 with a BOM: without it Excel on a Chinese Windows PC reads the
file as GBK and the headers come out garbled. The file is written next to its destination and moved
into place with os.replace, so a crash leaves either the old file or the whole new one, never half.
Text that came from HQ (guide names) is written as text, never as a formula (CSV/formula injection).
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.changes import Changes
from app.errors import InvalidInput
from app.services.common import GuideRef
from app.services.outbox import append_audit
from app.services.privacy import require_fresh
from app.services.stats import StatsReport
from contract.sheets import formula_safe

DAY_COLUMNS = (
    "day",
    "employee_no",
    "guide_name",
    "served",
    "bindings",
    "enrollments",
    "paid",
    "declines",
    "join_rate",
    "tasks_done",
    "transfers",
)
TOTAL_COLUMNS = (
    "employee_no",
    "guide_name",
    "served",
    "bindings",
    "enrollments",
    "paid",
    "declines",
    "join_rate",
    "tasks_done",
    "transfers",
    "tasks_overdue",
)
# Sheet names are looked up in `headers` too (keys "sheet_daily", "sheet_totals").
SHEETS = ("daily", "totals")
FORMATS = ("xlsx", "csv")
TEXT_COLUMNS = frozenset({"employee_no", "guide_name"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XLSX cannot hold
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


EXPORT_CHANGES = Changes.of("audit")  # an export is audited


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int  # day rows written (the totals sheet is extra)
    changes: Changes = EXPORT_CHANGES


def _values(item: Any, columns: Sequence[str]) -> list[Any]:
    return [getattr(item, c) for c in columns]


def _display_width(value: Any) -> int:
    text = f"{value:.1%}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _csv_cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, date):
        return value.isoformat()
    if column in TEXT_COLUMNS:
        return formula_safe(str(value))  # Excel would run "=…" as a formula
    return value


def _write_csv(path: Path, report: StatsReport, headers: Mapping[str, str]) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow([headers.get(c, c) for c in DAY_COLUMNS])
        for row in report.rows:
            writer.writerow(
                [_csv_cell(c, v) for c, v in zip(DAY_COLUMNS, _values(row, DAY_COLUMNS), strict=True)]
            )
        f.flush()
        os.fsync(f.fileno())


def _sheet_title(text: str) -> str:
    return _SHEET_BAD.sub("_", _CONTROL.sub("", text)).strip("'")[:31] or "sheet"


def _write_xlsx(path: Path, report: StatsReport, headers: Mapping[str, str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    daily = book.active
    assert daily is not None
    tables = [(daily, DAY_COLUMNS, report.rows), (book.create_sheet(), TOTAL_COLUMNS, report.totals)]
    for (sheet, columns, items), name in zip(tables, SHEETS, strict=True):
        sheet.title = _sheet_title(headers.get(f"sheet_{name}", name))
        titles = [_CONTROL.sub("", headers.get(c, c)) for c in columns]
        sheet.append(titles)
        widths = [_display_width(t) for t in titles]
        for item in items:
            values = _values(item, columns)
            sheet.append([_CONTROL.sub("", v) if isinstance(v, str) else v for v in values])
            widths = [max(w, _display_width(v)) for w, v in zip(widths, values, strict=True)]
        bold = Font(bold=True)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(max(widths[index - 1] + 2, 8), 40)
            cells = (c for (c,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index))
            if column == "join_rate":
                for cell in cells:
                    cell.number_format = "0.0%"
            elif column == "day":
                for cell in cells:
                    cell.number_format = "yyyy-mm-dd"
            elif column in TEXT_COLUMNS:
                for cell in cells:
                    cell.data_type = "s"  # openpyxl takes "=…" for a formula; a name is text
    book.save(path)
    with open(path, "rb") as f:
        os.fsync(f.fileno())


_WRITERS: dict[str, Callable[[Path, StatsReport, Mapping[str, str]], None]] = {
    "csv": _write_csv,
    "xlsx": _write_xlsx,
}


def export_stats(
    session: Session,
    *,
    report: StatsReport,
    path: Path,
    fmt: str,
    headers: Mapping[str, str] | None,
    guide: GuideRef,
    now: datetime,
) -> ExportResult:
    """Write the report to `path` as `fmt` ("xlsx": a daily sheet and a totals sheet; "csv": the daily
    rows), with `headers` mapping column keys (and sheet keys) to display text, default the keys.

    InvalidInput("bad_format" | "bad_path") before anything is written. Audited as `stats.export`
    (format, rows, range: no PII). Flushes the audit row; the caller commits.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise InvalidInput("bad_format", fmt=fmt, allowed=FORMATS)
    require_fresh(session, now=now)  # RuleRefused("workstation_stale"): no export from a stale workstation
    path = Path(path)
    if not path.parent.is_dir() or path.is_dir():
        raise InvalidInput("bad_path", path=str(path))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer(tmp, report, {k: str(v) for k, v in (headers or {}).items()})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only still there if writing failed
    append_audit(
        session,
        action="stats.export",
        guide_id=guide.id,
        now=now,
        details={
            "store_id": report.store_id,
            "fmt": fmt,
            "rows": len(report.rows),
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
        },
    )
    session.flush()
    return ExportResult(path=path, rows=len(report.rows))
