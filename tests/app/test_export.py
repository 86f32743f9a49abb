"""Stats exports open in Excel on a Chinese PC, with the headers the manager reads, and never half-written."""

from __future__ import annotations

import csv
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from app.db.models import AuditEvent
from app.errors import InvalidInput
from app.services.export import export_stats
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
}


@pytest.fixture
def report(ws):
    store = seed(ws)
    with ws.db.transaction() as s:
        for kind in ("served", "enroll", "decline"):
            count_activity(s, kind=kind, guide_id=store.guide.id, at=T0)
    with ws.db.read() as s:
        return guide_day_stats(
            s, store_id="store-a", start=date(2026, 11, 1), end=date(2026, 11, 30), now=T0
        ), store


def export(ws, report, path, fmt):
    rep, store = report
    with ws.db.transaction() as s:
        return export_stats(s, report=rep, path=path, fmt=fmt, headers=HEADERS, guide=store.manager, now=T0)


def test_csv_has_a_bom_and_chinese_headers(ws, report, tmp_path):
    """Excel needs the BOM to read UTF-8; the manager sees 日期, 工号, 导购 …"""
    result = export(ws, report, tmp_path / "stats.csv", "csv")
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["日期", "工号", "导购"]
    assert rows[1][:4] == ["2026-11-19", "A002", "李娜", "1"]
    assert rows[1][8] == "0.5000"


def test_xlsx_has_daily_and_totals_sheets_with_a_percent_join_rate(ws, report, tmp_path):
    """The workbook opens with a frozen bold header and join rate formatted as a percentage."""
    export(ws, report, tmp_path / "stats.xlsx", "xlsx")
    book = openpyxl.load_workbook(tmp_path / "stats.xlsx")
    daily, totals = book.worksheets
    assert [c.value for c in daily[1]][:3] == ["日期", "工号", "导购"]
    assert daily.freeze_panes == "A2" and daily["A1"].font.bold
    assert daily["I2"].value == 0.5 and daily["I2"].number_format == "0.0%"
    assert totals.max_row == 1 + 3  # three guides in the store


def test_export_is_audited_and_leaves_no_temp_files(ws, report, tmp_path):
    """PIPL: exports are in the audit log; a finished export leaves only the file asked for."""
    export(ws, report, tmp_path / "stats.xlsx", "xlsx")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export-")] == []
    with ws.db.read() as s:
        assert (
            s.scalar(select(AuditEvent.action).where(AuditEvent.action == "stats.export")) == "stats.export"
        )


def test_bad_format_or_folder_writes_nothing(ws, report, tmp_path):
    """A typo in the format or a missing folder is refused before anything is written."""
    with pytest.raises(InvalidInput):
        export(ws, report, tmp_path / "stats.pdf", "pdf")
    with pytest.raises(InvalidInput):
        export(ws, report, tmp_path / "missing" / "stats.csv", "csv")
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]
