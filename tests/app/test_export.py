"""Stats exports open in Excel on a Chinese PC, with the headers the manager reads, and never half-written."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select, update

from app.db.models import AuditEvent, Guide
from app.errors import InvalidInput
from app.services import export as export_module
from app.services.export import DAY_COLUMNS, export_stats
from app.services.ledger import count_activity
from app.services.stats import guide_day_stats
from tests.conftest import T0
from tests.factories import seed

HEADERS = {
    "day": "日期",
    "employee_no": "工号",
    "guide_name": "导购",
    "served": "接待",
    "join_rate": "入会率",
    "sheet_daily": "每日",
    "sheet_totals": "合计",
}


@pytest.fixture
def store(ws):
    return seed(ws)


def make_report(ws):
    with ws.db.read() as s:
        return guide_day_stats(s, store_id="store-a", start=date(2026, 11, 1), end=date(2026, 11, 30), now=T0)


@pytest.fixture
def report(ws, store):
    with ws.db.transaction() as s:
        for kind in ("served", "enroll", "decline"):
            count_activity(s, kind=kind, guide_id="g-li", at=T0)
        count_activity(s, kind="served", guide_id="g-zhang", at=T0 - timedelta(days=1))
    return make_report(ws)


def export(ws, store, report, path, fmt, headers=HEADERS):
    with ws.db.transaction() as s:
        return export_stats(
            s, report=report, path=path, fmt=fmt, headers=headers, guide=store.manager, now=T0
        )


def exports_audited(ws):
    with ws.db.read() as s:
        query = select(AuditEvent.guide_id, AuditEvent.details).where(AuditEvent.action == "stats.export")
        return [tuple(row) for row in s.execute(query.order_by(AuditEvent.id))]


def test_csv_has_a_bom_and_chinese_headers(ws, store, report, tmp_path):
    """Excel needs the BOM to read UTF-8; the manager sees 日期, 工号, 导购 …, one row per guide day."""
    result = export(ws, store, report, tmp_path / "stats.csv", "csv")
    assert (result.path, result.rows) == (tmp_path / "stats.csv", 2)
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(result.path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["日期", "工号", "导购", "接待", "bindings", "enrollments", "paid", "declines",
                       "入会率", "tasks_done", "transfers"]  # fmt: skip
    assert rows[1] == ["2026-11-18", "A003", "张伟", "1", "0", "0", "0", "0", "", "0", "0"]
    assert rows[2] == ["2026-11-19", "A002", "李娜", "1", "0", "1", "0", "1", "0.5000", "0", "0"]


def test_headers_default_to_the_column_keys(ws, store, report, tmp_path):
    """Without display headers the file still has stable, machine-readable column names."""
    export(ws, store, report, tmp_path / "stats.csv", "csv", headers=None)
    with open(tmp_path / "stats.csv", encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f)) == list(DAY_COLUMNS)


def test_xlsx_has_daily_and_totals_sheets_with_a_percent_join_rate(ws, store, report, tmp_path):
    """The workbook opens with a frozen bold header, dates as dates, join rate as a percentage, columns
    wide enough for Chinese names, and a totals sheet with one row per guide."""
    result = export(ws, store, report, tmp_path / "stats.xlsx", "xlsx")
    assert result.rows == 2
    book = openpyxl.load_workbook(tmp_path / "stats.xlsx")
    assert book.sheetnames == ["每日", "合计"]
    daily, totals = book.worksheets
    assert [c.value for c in daily[1]][:4] == ["日期", "工号", "导购", "接待"]
    assert daily.freeze_panes == "A2" and all(c.font.bold for c in daily[1])
    assert daily.max_row == 3
    assert daily["A3"].value.date() == date(2026, 11, 19) and daily["A3"].number_format == "yyyy-mm-dd"
    assert (daily["B3"].value, daily["C3"].value) == ("A002", "李娜")
    assert daily["I3"].value == 0.5 and daily["I3"].number_format == "0.0%"
    assert daily["I2"].value is None, "no walk-ins that day: an empty cell, not 0 %"
    assert daily.column_dimensions["C"].width >= 6  # 导购 = 4 display columns, plus padding
    assert [c.value for c in totals[1]][-1] == "tasks_overdue"
    assert [r[0] for r in totals.iter_rows(min_row=2, values_only=True)] == ["A001", "A002", "A003"]
    assert totals.freeze_panes == "A2" and totals["A1"].font.bold


def test_names_from_hq_are_text_never_formulas(ws, store, report, tmp_path):
    """A guide name that looks like a formula is shown as typed, in Excel and in the CSV."""
    with ws.db.transaction() as s:
        s.execute(update(Guide).where(Guide.id == "g-li").values(name="=HYPERLINK(1)"))
    rep = make_report(ws)
    export(ws, store, rep, tmp_path / "stats.xlsx", "xlsx")
    export(ws, store, rep, tmp_path / "stats.csv", "csv")
    cell = openpyxl.load_workbook(tmp_path / "stats.xlsx").worksheets[0]["C3"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")
    with open(tmp_path / "stats.csv", encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f))[2][2] == "'=HYPERLINK(1)"


def test_export_is_audited_without_pii_and_leaves_no_temp_files(ws, store, report, tmp_path):
    """PIPL: exports are in the audit log (what, how many, which days); a finished export leaves only
    the file asked for."""
    export(ws, store, report, tmp_path / "stats.xlsx", "xlsx")
    export(ws, store, report, tmp_path / "stats.xlsx", "xlsx")  # overwriting is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "stats.xlsx"]
    events = exports_audited(ws)
    assert len(events) == 2
    assert events[0] == (
        "g-mgr",
        {
            "store_id": "store-a",
            "fmt": "xlsx",
            "rows": 2,
            "start": "2026-11-01",
            "end": "2026-11-30",
        },
    )


def test_a_crash_while_writing_leaves_the_old_file_and_no_debris(ws, store, report, tmp_path, monkeypatch):
    """A failure half-way through writing never leaves a half file where the manager will look."""
    target = tmp_path / "stats.csv"
    target.write_text("previous export", encoding="utf-8")

    def crash(path, report, headers):
        path.write_text("half a fi", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setitem(export_module._WRITERS, "csv", crash)
    with pytest.raises(OSError):
        export(ws, store, report, target, "csv")
    assert target.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "stats.csv"]
    assert exports_audited(ws) == [], "an export that did not happen is not audited"


def test_bad_format_or_folder_writes_nothing(ws, store, report, tmp_path):
    """A typo in the format or a missing folder is refused before anything is written."""
    with pytest.raises(InvalidInput) as exc:
        export(ws, store, report, tmp_path / "stats.pdf", "pdf")
    assert exc.value.code == "bad_format"
    with pytest.raises(InvalidInput) as exc:
        export(ws, store, report, tmp_path / "missing" / "stats.csv", "csv")
    assert exc.value.code == "bad_path"
    with pytest.raises(InvalidInput):
        export(ws, store, report, tmp_path, "csv")  # a folder, not a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert exports_audited(ws) == []
