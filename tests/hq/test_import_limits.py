"""An uploaded spreadsheet cannot hold HQ's import busy for minutes (security review, finding 9): a tiny
XLSX that declares 16,384 columns and a last row of 1,048,576 is read in well under a second, and a
zip bomb is refused before parsing."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from hq.tabular import TableError, read_table

ROOT = Path(__file__).resolve().parents[2]


def _far_reaching_xlsx(path: Path) -> Path:
    """4.9 KB: one member row, then a dimension to XFD1048576 and one cell there."""
    base = path.with_suffix(".base.xlsx")
    book = Workbook()
    book.active.append(["card_no", "name", "phone"])
    book.active.append(["GD0000000001", "王芳", "13800001111"])
    book.save(base)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                sheet = re.sub(
                    r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', data.decode()
                )
                far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                data = sheet.replace("</sheetData>", far + "</sheetData>").encode()
            out.writestr(item, data)
    return path


def test_a_sheet_declaring_every_column_and_row_is_read_at_once(tmp_path: Path) -> None:
    """Read in a child process that gets 60 s: the fixed reader takes milliseconds. Fails on the code
    before the fix: ~1 ms per blank row of 16,384 cells, about 18 minutes, so the child is killed."""
    evil = _far_reaching_xlsx(tmp_path / "members.xlsx")
    assert evil.stat().st_size < 6_000
    probe = (
        "import pathlib, sys; from hq.tabular import read_table; "
        "print(len(read_table(pathlib.Path(sys.argv[1]), max_rows=100_000).rows))"
    )
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe, str(evil)], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("reading a 4.9 KB spreadsheet took over a minute")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"  # the member row; the cell at XFD1048576 is past the limits
    assert time.monotonic() - started < 60


def test_a_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    """A sheet that inflates to more than 64 MiB is refused as `file_too_large`, nothing parsed."""
    bomb = tmp_path / "bomb.xlsx"
    book = Workbook()
    book.save(bomb)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/padding.xml", b" " * (65 * 2**20))
    assert bomb.stat().st_size < 2 * 2**20
    with pytest.raises(TableError) as refused:
        read_table(bomb, max_rows=10)
    assert refused.value.code == "file_too_large"
