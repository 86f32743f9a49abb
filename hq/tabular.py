"""Reading an operator's CSV or XLSX file as rows of text keyed by the header, each with the line number
the operator sees: the header is line 1, the first data row line 2 (a CSV record that spans several
physical lines is numbered by its first; an XLSX row by its sheet row).

CSV must be UTF-8, with or without a BOM (what Excel's "CSV UTF-8" and WPS write). XLSX: the first sheet,
cell values as computed when the file was last saved. Every cell comes back as stripped text, numbers
without a spurious ".0" (Excel keeps phone numbers typed into a cell as numbers). Blank rows are skipped.
Problems of the file as a whole raise `TableError` (an HqError, nothing read); problems of single rows
are collected in `Table.errors` so that the caller can report them with its own.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hq.errors import Invalid

SUFFIXES = (".csv", ".xlsx")
# An uploaded XLSX is a zip of XML that can claim anything: columns to XFD (16,384) and a last row of
# 1,048,576 cost openpyxl ~1 ms per blank row (18 minutes) from a 4.9 KB file. So: its uncompressed size
# is checked before parsing, only the first MAX_COLUMNS columns are read, and a run of MAX_BLANK_RUN blank
# rows ends the sheet (whole-column formatting makes Excel declare the last row; data never sits that far
# below a gap in an import file). openpyxl parses with defusedxml (a dependency).
MAX_XLSX_UNCOMPRESSED = 64 * 2**20
MAX_COLUMNS = 64
MAX_BLANK_RUN = 10_000


class TableError(Invalid):
    """The file cannot be read as a table at all (wrong type, not UTF-8, no header, too many rows)."""


@dataclass(frozen=True)
class LineError:
    line: int
    code: str
    details: dict[str, Any]


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]  # column name → text; "" for an empty cell


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]  # header names, stripped and lower-cased
    rows: tuple[Row, ...]
    errors: tuple[LineError, ...]


def read_table(path: Path, *, max_rows: int) -> Table:
    """The file's rows, at most `max_rows` of them (more raise TableError before any is used)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableError("unsupported_file_type", file=path.name, suffix=suffix or "(none)")
    try:
        lines = _csv_lines(path.read_bytes()) if suffix == ".csv" else _xlsx_lines(path)
        return _table(lines, max_rows)
    except OSError as exc:
        raise TableError("unreadable_file", file=path.name, reason=exc.strerror or str(exc)) from None


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Usually GBK from "Save as CSV" in a Chinese Excel; say where, so the operator can believe it.
        raise TableError("not_utf8", line=data[: exc.start].count(b"\n") + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    first = 1
    try:
        for record in reader:
            yield first, record
            first = reader.line_num + 1
    except csv.Error as exc:
        raise TableError("bad_csv", line=first, reason=str(exc)) from None


def _xlsx_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TableError("unreadable_file", file=path.name, reason=type(exc).__name__) from None
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        raise TableError("file_too_large", file=path.name, max_bytes=MAX_XLSX_UNCOMPRESSED)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise TableError("unreadable_file", file=path.name, reason=type(exc).__name__) from None
    try:
        if not book.worksheets:
            return
        # Read-only sheets yield every row from the first, empty ones as all-None: enumerate is the row.
        blank = 0
        rows = book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
        for line, values in enumerate(rows, start=1):
            cells = [_text(v) for v in values]
            blank = 0 if any(cells) else blank + 1
            if blank > MAX_BLANK_RUN:
                return
            yield line, cells
    finally:
        book.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _table(lines: Iterable[tuple[int, list[str]]], max_rows: int) -> Table:
    it = ((line, [c.strip() for c in cells]) for line, cells in lines if any(c.strip() for c in cells))
    try:
        _, header = next(it)  # the first non-blank line; data lines keep their own numbers regardless
    except StopIteration:
        raise TableError("no_header") from None
    while header and not header[-1]:
        header.pop()  # spreadsheets pad the header with empty cells
    columns = tuple(h.lower() for h in header)
    if "" in columns:
        raise TableError("empty_column_name", line=1, column=columns.index("") + 1)
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise TableError("duplicate_column", line=1, columns=duplicates)
    rows: list[Row] = []
    errors: list[LineError] = []
    for line, cells in it:
        if len(rows) == max_rows:
            raise TableError("too_many_rows", max=max_rows)
        if any(cells[len(columns) :]):
            errors.append(LineError(line, "cell_outside_columns", {"columns": len(columns)}))
        cells += [""] * (len(columns) - len(cells))
        rows.append(Row(line, dict(zip(columns, cells, strict=False))))
    return Table(columns, tuple(rows), tuple(errors))
