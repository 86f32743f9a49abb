"""Tables out of the console as files an HQ office opens in Excel or WPS: CSV in UTF-8 with a BOM (without
it Excel reads Chinese as mojibake) and XLSX. A text cell that starts like a formula (=, +, -, @, tab,
CR) is neutralised with a leading apostrophe, so a member named "=HYPERLINK(…)" stays text."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fastapi.responses import Response

from contract.sheets import formula_safe


def guarded(value: Any) -> Any:
    return formula_safe(value) if isinstance(value, str) else value


def csv_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else guarded(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: Sequence[Sequence[Any]], *, sheet: str = "data") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    for row in rows:
        ws.append([guarded(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(rows: Sequence[Sequence[Any]], *, filename: str, fmt: str) -> Response:
    if fmt == "xlsx":
        body = xlsx_bytes(rows)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, media, fmt = csv_bytes(rows), "text/csv; charset=utf-8", "csv"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
