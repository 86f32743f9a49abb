"""The manager's member export (PIPL: minimum necessary, docs/privacy.md): the store's members as CSV or
XLSX with **masked** phones (138****1234). Full numbers only when the manager asks for them with a stated
purpose; that is audited here and at HQ (`members.export`, with the purpose and the row count — never a
number). Refused on a stale workstation (`workstation_stale`) like every other reveal.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.changes import Changes
from app.db.models import Member
from app.errors import AuthError, InvalidInput
from app.security.crypto import PhoneCipher
from app.services.common import GuideRef
from app.services.outbox import append_audit, record_mutation
from app.services.privacy import require_fresh
from contract.sheets import formula_safe
from contract.wire import Mutation

COLUMNS = ("card_no", "name", "phone", "level", "stage", "bound_guide_name", "consent_withdrawn")
FORMATS = ("csv", "xlsx")
PURPOSE_MAX = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
EXPORT_CHANGES = Changes.of("audit", "outbox")  # an export is audited here and queued for HQ


@dataclass(frozen=True)
class MemberExportResult:
    path: Path
    rows: int
    phones_revealed: bool
    changes: Changes = EXPORT_CHANGES


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return formula_safe(_CONTROL.sub("", value))  # a name like "=1+1" is text, never a formula
    return value


def _write(path: Path, fmt: str, header: list[str], rows: list[list[Any]]) -> None:
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as f:
            out = csv.writer(f)
            out.writerow(header)
            out.writerows([[_cell(v) for v in row] for row in rows])
            f.flush()
            os.fsync(f.fileno())
        return
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "members"
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    book.save(path)


def export_members(
    session: Session,
    *,
    path: Path,
    fmt: str,
    manager: GuideRef,
    now: datetime,
    cipher: PhoneCipher,
    headers: dict[str, str] | None = None,
    reveal_purpose: str | None = None,
) -> MemberExportResult:
    """Write the store's members to `path`. Phones masked unless `reveal_purpose` (≤ 100 characters)
    is given. Refusals, before anything is written: AuthError("manager_required"),
    InvalidInput("bad_format" | "bad_path" | "bad_purpose"), RuleRefused("workstation_stale").
    Audited locally and at HQ; flushes, the caller commits."""
    if not manager.is_manager:
        raise AuthError("manager_required")
    if fmt not in FORMATS:
        raise InvalidInput("bad_format", fmt=fmt, allowed=FORMATS)
    path = Path(path)
    if not path.parent.is_dir() or path.is_dir():
        raise InvalidInput("bad_path", path=str(path))
    purpose = reveal_purpose.strip() if reveal_purpose is not None else None
    if purpose is not None and not 0 < len(purpose) <= PURPOSE_MAX:
        raise InvalidInput("bad_purpose", max_length=PURPOSE_MAX)
    require_fresh(session, now=now)
    members = session.execute(
        select(
            Member.card_no, Member.name, Member.phone_masked, Member.phone_enc, Member.level, Member.stage,
            Member.bound_guide_name, Member.consent_withdrawn,
        )
        .where(Member.store_id == manager.store_id)
        .order_by(Member.card_no)
    ).all()  # fmt: skip
    rows = []
    for m in members:
        phone = m.phone_masked or ""
        if purpose is not None and m.phone_enc is not None:
            phone = cipher.decrypt(m.phone_enc)
        rows.append(
            [m.card_no, m.name, phone, m.level, m.stage, m.bound_guide_name, bool(m.consent_withdrawn)]
        )
    names = headers or {}
    _write(path, fmt, [names.get(c, c) for c in COLUMNS], rows)
    details: dict[str, Any] = {
        "rows": len(rows),
        "format": fmt,
        "phones": "revealed" if purpose else "masked",
    }
    if purpose is not None:
        details["purpose"] = purpose
    append_audit(session, action="members.export", guide_id=manager.id, now=now, details=details)
    record_mutation(
        session,
        name=Mutation.AUDIT_APPEND,
        args={"action": "members.export", "details": details},
        guide_id=manager.id,
        now=now,
    )
    return MemberExportResult(path, len(rows), purpose is not None)
