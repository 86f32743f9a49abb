"""Members' rights at HQ (PIPL Art. 15, 47; docs/privacy.md): erasure, withdrawal of consent to outreach,
and retention of visits, audit rows and notes.

**Erasure** turns the member row into an anonymous tombstone — no name, phone, codes, tags, notes,
consent record or behaviour dates; the id stays so that bindings and visits already counted in the books
still add up — and sends the erasure to every sync scope that may hold the member: its home store, and
every store that looked it up online, bound it, served it or wrote about it. A workstation that pulls the
`erasure` change purges the member from its replica and from its local records (app/services/privacy.py).
From then on every code naming the member is refused: the lookup, every mutation (`member_erased`), and a
pending enrollment of the erased phone made offline before the erasure (matched by a keyed hash of the
phone, the only trace kept, whose key never leaves HQ). The request and its completion are audited with
who, when and why — never the erased values.

**Withdrawal** keeps the member a member but out of outreach: segment task lists skip it, its open task
items are cancelled, and the workstation's card says so with a contact budget of zero.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from hq.db.models import (
    AuditEvent,
    Binding,
    HqMeta,
    Member,
    MemberCode,
    MemberErasure,
    MemberTag,
    Note,
    TaskItem,
    Visit,
)
from hq.db.upsert import insert_ignore, rowcount
from hq.errors import Invalid, NotFound
from hq.services.members import clean_phone
from hq.sync.changes import ChangeSet, store_scope
from hq.sync.scopes import member_children

ERASURE = "erasure"  # the change type workstations purge a member on
ERASURE_KEY = "erasure_key"  # hq_meta: the key of the erased phones' keyed hash
REASON_MAX = 200
ERASED_CARD_PREFIX = "erased-"


@dataclass(frozen=True)
class ErasureView:
    member_id: str
    requested_by: str
    requested_at: datetime
    completed_at: datetime | None
    scopes: tuple[str, ...]  # sync scopes told to purge the member
    already: bool  # the member had been erased before this call


@dataclass(frozen=True)
class ConsentView:
    member_id: str
    consent_withdrawn: bool
    at: datetime | None
    cancelled_tasks: int


def _erasure_key(session: Session) -> bytes:
    insert_ignore(session, HqMeta, {"key": ERASURE_KEY, "value": secrets.token_hex(32)}, ["key"])
    value = session.scalar(select(HqMeta.value).where(HqMeta.key == ERASURE_KEY))
    assert value is not None
    return bytes.fromhex(value)


def phone_fingerprint(key: bytes, phone: str) -> str:
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def erased_phone_at(session: Session, phone: str) -> datetime | None:
    """When a member with this phone was erased (the latest such erasure), or None. One indexed read; no
    key is created by asking."""
    value = session.scalar(select(HqMeta.value).where(HqMeta.key == ERASURE_KEY))
    if value is None:
        return None  # no erasure ever: nothing to match
    digest = phone_fingerprint(bytes.fromhex(value), phone)
    at: datetime | None = session.scalar(
        select(MemberErasure.requested_at)
        .where(MemberErasure.phone_hmac == digest)
        .order_by(MemberErasure.requested_at.desc())
        .limit(1)
    )
    return at


def _member(session: Session, ref: str) -> Member:
    row = session.get(Member, ref)
    if row is None:
        owner = session.scalar(select(MemberCode.member_id).where(MemberCode.code == ref))
        row = session.get(Member, owner) if owner else None
    if row is None:
        raise NotFound("unknown_member", member=ref)
    return row


def _scopes_holding(session: Session, member: Member) -> set[str]:
    """Every store scope whose workstations may hold something of the member: its home store, stores
    that looked it up online (the lookup is audited with the device's store), bound it, served it, wrote
    a note or a task about it, or audited anything about it."""
    stores = {member.store_id}
    mid = member.id
    for query in (
        select(AuditEvent.store_id).where(AuditEvent.subject_id == mid, AuditEvent.store_id.is_not(None)),
        select(Binding.store_id).where(Binding.member_id == mid),
        select(Visit.store_id).where(Visit.member_id == mid),
        select(Note.store_id).where(Note.member_id == mid),
        select(TaskItem.store_id).where(TaskItem.member_id == mid),
    ):
        stores.update(s for s in session.scalars(query.distinct()) if s)
    return {store_scope(s) for s in stores}


def erase_member(
    session: Session, *, member: str, reason: str, by: str, now: datetime, changes: ChangeSet
) -> ErasureView:
    """Erase a member (id or card number) at HQ and queue the erasure to every workstation that may hold
    it. Idempotent: erasing an erased member returns the first erasure. Flushes; never commits."""
    reason = reason.strip()
    if not 0 < len(reason) <= REASON_MAX:
        raise Invalid("bad_reason", max=REASON_MAX)
    by = (by or "admin")[:64]
    row = _member(session, member)
    prior = session.get(MemberErasure, row.id)
    if prior is not None:
        return ErasureView(row.id, prior.requested_by, prior.requested_at, prior.completed_at,
                           tuple(prior.scopes), already=True)  # fmt: skip
    session.add(
        AuditEvent(at=now, store_id=row.store_id, actor="admin", action="member.erase.request",
                   subject_id=row.id, guide_id=None, details={"by": by, "reason": reason})
    )  # fmt: skip
    scopes = _scopes_holding(session, row)
    for scope in sorted(scopes):
        store_id = scope.split(":", 1)[1]
        for entity_type, entity_id in member_children(session, row.id, store_id):
            changes.remove(scope, entity_type, entity_id)
        changes.remove(scope, "member", row.id)
        changes.put(scope, ERASURE, row.id)
    phone = clean_phone(row.phone) if row.phone else None
    fingerprint = phone_fingerprint(_erasure_key(session), phone) if phone else None
    # The personal rows go; what the books count (bindings, visits, task items, declines) stays, anonymous.
    session.execute(delete(MemberCode).where(MemberCode.member_id == row.id))
    session.execute(delete(MemberTag).where(MemberTag.member_id == row.id))
    session.execute(delete(Note).where(Note.member_id == row.id))
    session.execute(
        update(TaskItem)
        .where(TaskItem.member_id == row.id, TaskItem.state == "open")
        .values(state="cancelled")
    )
    session.execute(update(TaskItem).where(TaskItem.member_id == row.id).values(note=None))
    session.execute(
        update(Binding)
        .where(Binding.member_id == row.id, Binding.active.is_(True))
        .values(active=False, ended_at=now, ended_reason="member_erased")
    )
    # Audit rows about the member keep who and when; their details may quote the member (a note's body,
    # an enrollment's name): they go.
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.subject_id == row.id, AuditEvent.action != "member.erase.request")
        .values(details={"erased": True})
    )
    row.name = ""
    row.phone = None
    row.card_no = ERASED_CARD_PREFIX + uuid.uuid4().hex[:24]
    row.online = False
    row.consent_at = row.consent_text_version = row.consent_channel = None
    row.last_purchase_at = row.last_visit_at = None
    row.consent_withdrawn, row.consent_withdrawn_at = True, now
    row.erased_at = now
    session.add(
        MemberErasure(member_id=row.id, phone_hmac=fingerprint, reason=reason, requested_by=by,
                      requested_at=now, completed_at=now, scopes=sorted(scopes))
    )  # fmt: skip
    session.add(
        AuditEvent(at=now, store_id=row.store_id, actor="admin", action="member.erase.complete",
                   subject_id=row.id, details={"by": by, "scopes": len(scopes)})
    )  # fmt: skip
    session.flush()
    return ErasureView(row.id, by, now, now, tuple(sorted(scopes)), already=False)


def withdraw_consent(
    session: Session,
    *,
    member: str,
    by: str,
    now: datetime,
    changes: ChangeSet,
    channel: str = "hq",
    device_id: str | None = None,
    guide_id: str | None = None,
) -> ConsentView:
    """The member withdraws consent to outreach: stays a member, leaves task lists and contact. Open task
    items about the member are cancelled. Idempotent. Flushes; never commits."""
    row = _member(session, member)
    if row.erased_at is not None:
        raise NotFound("unknown_member", member=member)
    if row.consent_withdrawn:
        return ConsentView(row.id, True, row.consent_withdrawn_at, 0)
    row.consent_withdrawn, row.consent_withdrawn_at = True, now
    scope = store_scope(row.store_id)
    changes.put(scope, "member", row.id)
    cancelled = cancel_open_tasks(session, member_id=row.id, changes=changes)
    session.add(
        AuditEvent(at=now, store_id=row.store_id, actor="admin" if channel == "hq" else "device",
                   device_id=device_id, guide_id=guide_id, action="member.consent_withdraw",
                   subject_id=row.id,
                   details={"by": by[:64], "channel": channel, "cancelled_tasks": cancelled})
    )  # fmt: skip
    session.flush()
    return ConsentView(row.id, True, now, cancelled)


def cancel_open_tasks(session: Session, *, member_id: str, changes: ChangeSet) -> int:
    items = session.execute(
        select(TaskItem.id, TaskItem.store_id).where(
            TaskItem.member_id == member_id, TaskItem.state == "open"
        )
    ).all()
    if items:
        session.execute(
            update(TaskItem)
            .where(TaskItem.member_id == member_id, TaskItem.state == "open")
            .values(state="cancelled")
        )
    for item_id, store_id in items:
        changes.put(store_scope(store_id), "task_item", item_id)
    return len(items)


@dataclass(frozen=True)
class PruneCounts:
    visits: int
    audit_events: int
    notes: int


def prune_personal(
    session: Session, *, now: datetime, retention_days: int, changes: ChangeSet
) -> PruneCounts:
    """Delete visits, audit rows and notes older than the retention period (policy `retention_days`).
    Notes are replicated: their workstations receive `remove`. Erasure records and their audit rows are
    kept (they prove the erasure was done and hold nothing personal)."""
    before = now - timedelta(days=retention_days)
    visits = rowcount(session.execute(delete(Visit).where(Visit.at < before)))
    audits = rowcount(
        session.execute(
            delete(AuditEvent).where(
                AuditEvent.at < before,
                or_(AuditEvent.action.not_like("member.erase.%"), AuditEvent.actor != "admin"),
            )
        )
    )
    old_notes = session.execute(
        select(Note.id, Member.store_id)
        .join(Member, Member.id == Note.member_id)
        .where(Note.created_at < before)
    ).all()
    for note_id, store_id in old_notes:
        changes.remove(store_scope(store_id), "note", note_id)
    if old_notes:
        session.execute(delete(Note).where(Note.created_at < before))
    return PruneCounts(visits, audits, len(old_notes))


# ---------------------------------------------------------------- exports


EXPORT_COLUMNS = ("card_no", "name", "phone", "level", "stage", "consent_withdrawn")
PURPOSE_MAX = 100


@dataclass(frozen=True)
class MemberExport:
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    phones_revealed: bool


def mask_phone(phone: str | None) -> str:
    return "" if not phone else phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def export_members(
    session: Session, *, store: str, by: str, now: datetime, reveal_purpose: str | None = None
) -> MemberExport:
    """A store's members for an export (CSV/XLSX are the caller's): phones masked unless a stated
    `reveal_purpose` comes with the request — the caller decides who may give one (the CLI is an admin's
    shell; the console checks its own permission). Erased members are left out. Audited
    (`members.export`: who, the store, the row count, masked or revealed, the purpose)."""
    from hq.services.stores import find_store

    target = find_store(session, store)
    purpose = reveal_purpose.strip() if reveal_purpose is not None else None
    if purpose is not None and not 0 < len(purpose) <= PURPOSE_MAX:
        raise Invalid("bad_purpose", max=PURPOSE_MAX)
    members = session.execute(
        select(
            Member.card_no, Member.name, Member.phone, Member.level, Member.stage, Member.consent_withdrawn
        )
        .where(Member.store_id == target.id, Member.erased_at.is_(None))
        .order_by(Member.card_no)
    ).all()
    rows: list[tuple[Any, ...]] = [
        (m.card_no, m.name, (m.phone or "") if purpose else mask_phone(m.phone), m.level, m.stage,
         bool(m.consent_withdrawn))
        for m in members
    ]  # fmt: skip
    details: dict[str, object] = {
        "by": by[:64],
        "rows": len(rows),
        "phones": "revealed" if purpose else "masked",
    }
    if purpose:
        details["purpose"] = purpose
    session.add(
        AuditEvent(at=now, store_id=target.id, actor="admin", action="members.export", details=details)
    )
    session.flush()
    return MemberExport(EXPORT_COLUMNS, rows, purpose is not None)
