"""Console pages: member search, a member's page, and the CSV/XLSX member import (all lines or none,
every bad line reported by its line number)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from hq.cli_files import CHUNK, WORDS, _member_row
from hq.console.web import Ctx, error_text, need, posting, render
from hq.errors import HqError
from hq.services import member_profile
from hq.services.admin import IMPORT_FIELDS, MAX_IMPORT_ROWS, ImportRejected, import_members
from hq.tabular import LineError, TableError, read_table

router = APIRouter()
MAX_UPLOAD = 4 * 1024 * 1024  # as the admin API's import (hq/api/bodies.py)


@router.get("/members")
def members_page(ctx: Annotated[Ctx, Depends(need("members.view"))], q: str = "") -> Response:
    with ctx.read() as session:
        rows = member_profile.search_members(session, text=q) if q.strip() else []
    return render(ctx, ctx.request, "members.html", q=q, rows=rows)


@router.get("/members/import")
def import_page(ctx: Annotated[Ctx, Depends(need("members.edit"))]) -> Response:
    return render(ctx, ctx.request, "member_import.html", errors=None, imported=None, problem=None)


class _Rejected(Exception):
    def __init__(self, errors: list[LineError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)


@router.post("/members/import")
def import_upload(request: Request, ctx: Annotated[Ctx, Depends(posting("members.edit"))]) -> Response:
    assert ctx.form is not None
    upload = ctx.form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_answer(ctx, request, problem=error_text(ctx.lang, HqError("no_file")))
    suffix = Path(upload.filename).suffix.lower()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(upload.file.read(MAX_UPLOAD + 1)[: MAX_UPLOAD + 1])
            imported = _import(ctx, path, upload.filename)
    except TableError as exc:
        return _import_answer(ctx, request, problem=error_text(ctx.lang, exc))
    except _Rejected as exc:
        return _import_answer(
            ctx,
            request,
            errors=[(e.line, _words(ctx, e)) for e in exc.errors[:200]],
            total_errors=len(exc.errors),
        )
    return _import_answer(ctx, request, imported=imported)


def _words(ctx: Ctx, error: LineError) -> str:
    template = WORDS.get(error.code)
    if template and ctx.lang == "zh_CN":
        try:
            return template.format_map(_Blank(error.details))
        except (ValueError, IndexError):
            return template
    return error_text(ctx.lang, HqError(error.code, **error.details))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _import(ctx: Ctx, path: Path, filename: str) -> int:
    """The CLI's import (hq/cli_files.py) for an uploaded file: every bad line, or every member."""
    table = read_table(path, max_rows=MAX_IMPORT_ROWS)
    unknown = [c for c in table.columns if c not in IMPORT_FIELDS]
    if unknown:
        raise TableError("unknown_columns", columns=unknown, allowed=list(IMPORT_FIELDS))
    if not table.rows:
        raise TableError("no_rows", file=filename)
    errors = list(table.errors)
    misshapen = {e.line for e in table.errors}
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for row in table.rows:
        parsed = _member_row(row)
        if isinstance(parsed, LineError):
            errors.append(parsed)
        elif row.line not in misshapen:
            rows.append(parsed)
            lines.append(row.line)
    imported = 0
    with ctx.write() as (session, changes, now):
        for start in range(0, len(rows), CHUNK):
            try:
                imported += import_members(
                    session, rows=rows[start : start + CHUNK], now=now, changes=changes
                ).imported
            except ImportRejected as exc:
                errors += [LineError(lines[start + e.line - 1], e.code, e.details) for e in exc.errors]
        if errors:
            raise _Rejected(errors)  # rolls the whole file back
        ctx.audit(session, "member.import", details={"count": imported, "file": filename[:100]})
    return imported


def _import_answer(ctx: Ctx, request: Request, **values: Any) -> Response:
    status = 422 if values.get("errors") or values.get("problem") else 200
    values.setdefault("errors", None)
    values.setdefault("imported", None)
    values.setdefault("problem", None)
    return render(ctx, request, "member_import.html", status, **values)


# privacy: the member erasure page (删除会员个人信息; admin only, a POST with CSRF through posting()) goes
# beside this route, and its button in templates/member.html's `erasure` block.
@router.get("/members/{member_id}")
def member_page(member_id: str, ctx: Annotated[Ctx, Depends(need("members.view"))]) -> Response:
    with ctx.read() as session:
        try:
            profile = member_profile.member_profile(session, member_id=member_id[:64])
        except HqError:
            return render(ctx, ctx.request, "not_found.html", 404)
    return render(ctx, ctx.request, "member.html", m=profile)
