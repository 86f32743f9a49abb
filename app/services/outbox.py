"""The outbox: every mutation made at this counter, in order, with its audit row — written in the caller's
transaction, so an action and its record of intent are committed together or not at all.

Sensitive argument values (an enrolled member's phone) are sealed with the workstation's PhoneCipher
before they touch the disk; `wire_args` opens them when the sync engine builds a push. The payload hash
is taken over the stored form (sealed values sealed) at creation time: every retry of a mutation carries
the same hash, and the hash gives nothing away — a hash of the clear payload beside the masked phone
would let anyone with the file brute-force the number in a fraction of a second. HQ compares hashes for
idempotency; it never needs to recompute one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import AuditEvent, Outbox
from app.security.crypto import PhoneCipher
from contract.wire import MUTATION_NAMES, payload_sha256

SEALED_KEY = "_sealed"
# pending: queued here; sent: in a push whose answer has not been recorded (the engine marks a batch
# before sending it; a retry sends it again with the same id and payload); acked / rejected: settled.
OutboxState = Literal["pending", "sent", "acked", "rejected"]
OUTBOX_STATES: tuple[OutboxState, ...] = ("pending", "sent", "acked", "rejected")
PENDING_STATES: tuple[OutboxState, ...] = ("pending", "sent")


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    name: str
    args: dict[str, Any]  # as stored: sealed values stay sealed
    sha256: str
    created_at: datetime
    guide_id: str
    member_id: str | None
    state: str
    result: dict[str, Any] | None


def record_mutation(
    session: Session,
    *,
    name: str,
    args: dict[str, Any],
    guide_id: str,
    now: datetime,
    member_id: str | None = None,
    lookup_key: str | None = None,
    sealed: dict[str, str] | None = None,
    cipher: PhoneCipher | None = None,
) -> int:
    """Append a mutation and its audit row; return the device-monotonic mutation id. Flushes only.

    `sealed` holds wire arguments that must not be stored in the clear (they need `cipher`).
    """
    if name not in MUTATION_NAMES:
        raise ValueError(f"unknown mutation {name!r}")
    stored = dict(args)
    if sealed:
        if cipher is None:
            raise ValueError("sealed arguments need a cipher")
        stored[SEALED_KEY] = {
            k: base64.b64encode(cipher.encrypt(v)).decode("ascii") for k, v in sealed.items()
        }
    row = Outbox(
        name=name,
        args=stored,
        sha256=payload_sha256(name, stored),
        created_at=now,
        guide_id=guide_id,
        member_id=member_id,
        lookup_key=lookup_key,
        state="pending",
    )
    session.add(row)
    session.flush()
    session.add(
        AuditEvent(
            at=now,
            guide_id=guide_id,
            action=name,
            subject_id=member_id,
            details={k: v for k, v in args.items() if k != "code"},  # no signed codes in the audit
            outbox_id=row.id,
        )
    )
    return row.id


def append_audit(
    session: Session,
    *,
    action: str,
    guide_id: str | None,
    now: datetime,
    subject_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """An audit row for an action that changes nothing HQ holds (PII reveal, export, login)."""
    session.add(
        AuditEvent(at=now, guide_id=guide_id, action=action, subject_id=subject_id, details=details or {})
    )


def wire_args(entry: OutboxEntry, cipher: PhoneCipher) -> dict[str, Any]:
    """The arguments as pushed to HQ: sealed values opened."""
    args = {k: v for k, v in entry.args.items() if k != SEALED_KEY}
    for k, v in entry.args.get(SEALED_KEY, {}).items():
        args[k] = cipher.decrypt(base64.b64decode(v))
    return args


def _entry(row: Outbox) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        name=row.name,
        args=row.args,
        sha256=row.sha256,
        created_at=row.created_at,
        guide_id=row.guide_id,
        member_id=row.member_id,
        state=row.state,
        result=row.result,
    )


def list_outbox(
    session: Session, *, states: tuple[str, ...] | None = None, limit: int = 1000
) -> list[OutboxEntry]:
    """Oldest first, optionally filtered by state."""
    query = select(Outbox).order_by(Outbox.id).limit(limit)
    if states:
        query = query.where(Outbox.state.in_(states))
    return [_entry(r) for r in session.scalars(query)]


def pending_for_member(session: Session, member_id: str) -> list[OutboxEntry]:
    """Mutations about one member not yet settled by HQ: the overlay of effective state."""
    query = (
        select(Outbox)
        .where(Outbox.member_id == member_id, Outbox.state.in_(PENDING_STATES))
        .order_by(Outbox.id)
    )
    return [_entry(r) for r in session.scalars(query)]


def pending_count(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(Outbox).where(Outbox.state.in_(PENDING_STATES))) or 0
    )
