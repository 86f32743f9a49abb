"""Export of manager stats to XLSX (openpyxl) or CSV, written atomically and audited.

Columns have stable keys; the caller supplies the display headers (the UI in zh_CN or English), so no
user-facing words live here. CSV is UTF-8 with a BOM: Excel on a Chinese Windows PC opens it correctly.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.services.common import GuideRef
from app.services.outbox import append_audit
from app.services.stats import StatsReport

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


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


def _values(item: Any, columns: Sequence[str]) -> list[Any]:
    return [getattr(item, c) for c in columns]


def _write_csv(path: Path, report: StatsReport, headers: Mapping[str, str]) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow([headers.get(c, c) for c in DAY_COLUMNS])
        for row in report.rows:
            values = _values(row, DAY_COLUMNS)
            writer.writerow(["" if v is None else f"{v:.4f}" if isinstance(v, float) else v for v in values])


def _write_xlsx(path: Path, report: StatsReport, headers: Mapping[str, str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheets = [(book.active, DAY_COLUMNS, report.rows), (book.create_sheet(), TOTAL_COLUMNS, report.totals)]
    for (sheet, columns, items), title in zip(sheets, ("daily", "totals"), strict=True):
        sheet.title = headers.get(f"sheet_{title}", title)
        sheet.append([headers.get(c, c) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for item in items:
            sheet.append(_values(item, columns))
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            width = max(len(str(headers.get(column, column))) * 2, 10)
            sheet.column_dimensions[letter].width = width
            if column == "join_rate":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.0%"
            if column == "day":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "yyyy-mm-dd"
    book.save(path)


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
    """Write the report; a crash mid-way never leaves a half file at `path`."""
    writers = {"csv": _write_csv, "xlsx": _write_xlsx}
    if fmt not in writers:
        raise InvalidInput("bad_format", fmt=fmt)
    path = Path(path)
    if not path.parent.is_dir():
        raise InvalidInput("bad_path", path=str(path))
    fd, tmp_name = tempfile.mkstemp(prefix=".export-", suffix=f".{fmt}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writers[fmt](tmp, report, headers or {})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    append_audit(
        session,
        action="stats.export",
        guide_id=guide.id,
        now=now,
        details={
            "fmt": fmt,
            "rows": len(report.rows),
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
        },
    )
    return ExportResult(path, len(report.rows))
