"""Members' rights on this workstation (PIPL; docs/privacy.md): purging an erased member, the retention
purge, the stale-PC restriction, and what a revoked device forgets.

**Consent withdrawal** (`withdraw_consent`, mutation `member.consent_withdraw.v1`): the member stays a
member but leaves outreach. From the moment it is recorded here the card says so, the contact budget
reads zero and no follow-up can be created for the member (`consent_withdrawn`); HQ cancels the member's
open task items and leaves it out of every task list it publishes. Error codes: `member_not_local`,
`consent_already_withdrawn`.

**Retention** (`purge_expired`, or `run_retention` for the window's idle timer and `guidedesk purge`):
local visits, audit rows, notes and decided transfer requests older than the policy's `retention_days`
(400 by default) are deleted; settled outbox rows that old keep only their ids; counted activity keeps
its numbers without the member.

**A stale workstation** (`sync_freshness`, `require_fresh`): one that has not synced with HQ for more
than the policy's `stale_days` (45) shows members by name only (and who they are bound to), and refuses
phone reveals and exports with `workstation_stale`; the next successful sync lifts it.

**A revoked device** (`forget_personal`, called by the sync engine with the replica wipe) keeps nothing
personal: visits and transfer requests are deleted, outbox rows keep only their ids, audit rows lose their
details, activity loses its members.

**Erasure.** HQ sends an `erasure` change (id: the member id) to every store that may hold the member;
the pull applier calls `purge_erased_members` in the page's transaction. It deletes the member and, by
cascade, its codes, tags, bindings, task items and notes from the replica; deletes the local visits,
binding conflicts and transfer requests about it; keeps the counted activity but without the member;
empties the details of audit rows about it. Outbox rows about the member are handled without losing other
work: a row still waiting to be pushed is rewritten, under its own id (HQ needs the ids contiguous), into
an `audit.append.v1` that says a mutation was dropped for an erasure; a settled row keeps only its ids.
A row already sent whose answer was lost is left for its replay (HQ answers `member_erased` or its stored
result), and redacted when that answer arrives (`redact_settled`). With `secure_delete` on and a WAL
checkpoint after the pull (app/sync/engine.py), the bytes are gone from the file and its WAL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from app.changes import NOTHING, Changes, of_mutation
from app.db.database import Database
from app.db.models import (
    Activity,
    AuditEvent,
    BindingConflict,
    Member,
    Note,
    Outbox,
    SyncState,
    TransferRequest,
    UsedNonce,
    Visit,
)
from app.errors import MemberNotFound, RuleRefused
from app.services.common import GuideRef
from app.services.effective import member_known
from app.services.ledger import void_activity_of
from app.services.outbox import PENDING_STATES, record_mutation
from app.services.policy import policy_of
from contract.wire import Mutation, payload_sha256

ERASURE = "erasure"  # the pull change type (hq/sync/payloads.py)
DROPPED_ACTION = "erasure.outbox_dropped"
_CHUNK = 500


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _kept_ids(args: dict[str, Any]) -> dict[str, Any]:
    """What a settled outbox row keeps once its member is erased: record ids, no values."""
    kept: dict[str, Any] = {k: v for k, v in args.items() if k.endswith("_id") and isinstance(v, str)}
    kept["redacted"] = "member_erased"
    return kept


def purge_erased_members(session: Session, member_ids: Iterable[str], *, now: datetime) -> int:
    """Forget erased members here (see the module doc). Runs in the caller's transaction (the pulled
    page's). Returns how many pending outbox rows were dropped."""
    ids = sorted(set(member_ids))
    dropped = 0
    for chunk in _chunks(ids):
        session.execute(delete(BindingConflict).where(BindingConflict.member_id.in_(chunk)))
        # codes, tags, bindings, task items and notes go with the member (ON DELETE CASCADE)
        session.execute(delete(Member).where(Member.id.in_(chunk)))
        session.execute(delete(Visit).where(Visit.member_id.in_(chunk)))
        session.execute(delete(TransferRequest).where(TransferRequest.member_id.in_(chunk)))
        session.execute(update(Activity).where(Activity.member_id.in_(chunk)).values(member_id=None))
        session.execute(update(AuditEvent).where(AuditEvent.subject_id.in_(chunk)).values(details={}))
        rows = session.scalars(select(Outbox).where(Outbox.member_id.in_(chunk)).order_by(Outbox.id)).all()
        for row in rows:
            if row.state == "pending":
                _drop_pending(session, row, now=now)
                dropped += 1
            elif row.state in ("acked", "rejected") and not (row.args or {}).get("redacted"):
                row.args = _kept_ids(row.args or {})
                row.lookup_key = None
            # "sent": the replay must carry the same payload; redacted when its answer arrives
    for member_id in ids:
        session.add(
            AuditEvent(at=now, guide_id=None, action="member.erased", subject_id=member_id, details={})
        )
    session.flush()
    return dropped


def _drop_pending(session: Session, row: Outbox, *, now: datetime) -> None:
    """Rewrite a not-yet-pushed mutation about an erased member into an audit line under the same id."""
    member_id, name = row.member_id, row.name
    void_activity_of(session, row.id)
    args = {"action": DROPPED_ACTION, "subject_id": member_id, "details": {"mutation": name}}
    row.name = Mutation.AUDIT_APPEND
    row.args = args
    row.sha256 = payload_sha256(row.name, args)
    row.lookup_key = None
    session.add(
        AuditEvent(at=now, guide_id=row.guide_id, action=DROPPED_ACTION, subject_id=member_id,
                   details={"mutation": name}, outbox_id=row.id)
    )  # fmt: skip


def redact_settled(session: Session, row: Outbox, *, now: datetime) -> None:
    """HQ answered `member_erased` to a pushed mutation (an offline enrollment of an erased member's phone,
    a note about an erased member): keep the row's ids and outcome, drop its values, audit the drop."""
    name = row.name
    row.args = _kept_ids(row.args or {})
    row.lookup_key = None
    session.execute(update(AuditEvent).where(AuditEvent.outbox_id == row.id).values(details={}))
    session.add(
        AuditEvent(at=now, guide_id=row.guide_id, action=DROPPED_ACTION, subject_id=row.member_id,
                   details={"mutation": name}, outbox_id=row.id)
    )  # fmt: skip


# ---------------------------------------------------------------- consent withdrawal


@dataclass(frozen=True)
class ConsentWithdrawal:
    member_id: str
    outbox_id: int
    changes: Changes = NOTHING


def consent_withdrawn(session: Session, member_id: str) -> bool:
    """Whether the member withdrew consent to outreach: as HQ says (replica), or recorded at this counter
    and not refused by HQ."""
    if session.scalar(select(Member.consent_withdrawn).where(Member.id == member_id)):
        return True
    recorded = session.scalar(
        select(Outbox.id)
        .where(
            Outbox.member_id == member_id,
            Outbox.name == Mutation.MEMBER_CONSENT_WITHDRAW,
            Outbox.state != "rejected",
        )
        .limit(1)
    )
    return recorded is not None


def withdraw_consent(
    session: Session, *, member_id: str, guide: GuideRef, now: datetime
) -> ConsentWithdrawal:
    """The member, at the counter, withdraws consent to outreach (PIPL Art. 15). One mutation with its
    audit row, in the caller's transaction. Refuses with MemberNotFound("member_not_local") or
    RuleRefused("consent_already_withdrawn"), writing nothing."""
    if not member_known(session, member_id):
        raise MemberNotFound("member_not_local", member_id=member_id)
    if consent_withdrawn(session, member_id):
        raise RuleRefused("consent_already_withdrawn", member_id=member_id)
    outbox_id = record_mutation(
        session,
        name=Mutation.MEMBER_CONSENT_WITHDRAW,
        args={"member_id": member_id, "at": now.isoformat(), "channel": "counter"},
        guide_id=guide.id,
        now=now,
        member_id=member_id,
    )
    changes = of_mutation(Mutation.MEMBER_CONSENT_WITHDRAW, members=[member_id])
    return ConsentWithdrawal(member_id, outbox_id, changes)


# ---------------------------------------------------------------- retention


@dataclass(frozen=True)
class RetentionPurge:
    cutoff: datetime
    visits: int
    audit_events: int
    notes: int
    outbox: int  # settled mutations whose values were dropped
    transfer_requests: int

    @property
    def total(self) -> int:
        return self.visits + self.audit_events + self.notes + self.outbox + self.transfer_requests


def _count(result: object) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) and result.rowcount else 0


def purge_expired(session: Session, *, now: datetime) -> RetentionPurge:
    """Delete what this counter keeps past the policy's retention (see the module doc). In the caller's
    transaction; never touches a mutation HQ has not settled, nor its audit row."""
    cutoff = now - timedelta(days=policy_of(session).retention_days)
    unsettled = select(Outbox.id).where(Outbox.state.in_(PENDING_STATES))
    visits = _count(session.execute(delete(Visit).where(Visit.at < cutoff)))
    audits = _count(
        session.execute(
            delete(AuditEvent).where(
                AuditEvent.at < cutoff,
                (AuditEvent.outbox_id.is_(None)) | AuditEvent.outbox_id.not_in(unsettled),
            )
        )
    )
    notes = _count(session.execute(delete(Note).where(Note.created_at < cutoff)))
    # Settled mutations stay as rows (the engine resends acknowledged ones to an HQ restored from a
    # backup, and ids must stay contiguous), but lose their values.
    old = session.scalars(
        select(Outbox).where(Outbox.created_at < cutoff, Outbox.state.in_(("acked", "rejected")))
    ).all()
    outbox = 0
    for row in old:
        if not (row.args or {}).get("redacted"):
            row.args = _kept_ids(row.args or {}) | {"redacted": "retention"}
            row.lookup_key = None
            outbox += 1
    requests = _count(
        session.execute(
            delete(TransferRequest).where(
                TransferRequest.created_at < cutoff, TransferRequest.state != "open"
            )
        )
    )
    session.execute(update(Activity).where(Activity.at < cutoff).values(member_id=None))
    session.execute(delete(UsedNonce).where(UsedNonce.expires_at < now))
    return RetentionPurge(cutoff, visits, audits, notes, outbox, requests)


def run_retention(db: Database, *, now: datetime) -> RetentionPurge:
    """The idle-time purge: one transaction, then a WAL checkpoint when anything went (with secure_delete
    the purged bytes leave the file). Qt-free: the window's idle timer runs it on the DB lane."""
    with db.transaction() as session:
        purged = purge_expired(session, now=now)
    if purged.total:
        db.checkpoint()
    return purged


# ---------------------------------------------------------------- stale workstation


@dataclass(frozen=True)
class Freshness:
    last_sync_at: datetime | None
    limit_days: int
    days_since: int | None
    stale: bool  # restricted: names only, no phone reveal, no export


def sync_freshness(session: Session, *, now: datetime) -> Freshness:
    """How long since this enrolled workstation last synced with HQ, against the policy's stale_days. A
    workstation that never synced holds no members from HQ and is not restricted."""
    limit = policy_of(session).stale_days
    state = session.get(SyncState, 1)
    last = state.last_sync_at if state is not None and state.device_id else None
    if last is None:
        return Freshness(None, limit, None, False)
    since = now - last
    return Freshness(last, limit, since.days, since > timedelta(days=limit))


def require_fresh(session: Session, *, now: datetime) -> None:
    """RuleRefused("workstation_stale", days_since, limit_days) on a stale workstation."""
    fresh = sync_freshness(session, now=now)
    if fresh.stale:
        raise RuleRefused("workstation_stale", days_since=fresh.days_since, limit_days=fresh.limit_days)


# ---------------------------------------------------------------- revoked device


def forget_personal(session: Session) -> None:
    """What a revoked (or wiped) device does besides wiping its replica: keep no personal data in local
    intent. Outbox rows keep their ids and states (a revoked device never pushes again); nothing else
    about a member is left."""
    session.execute(delete(Visit))
    session.execute(delete(TransferRequest))
    session.execute(update(Activity).values(member_id=None))
    session.execute(update(AuditEvent).values(details={}, subject_id=None))
    for row in session.scalars(select(Outbox)):
        row.args = _kept_ids(row.args or {}) | {"redacted": "device_wiped"}
        row.lookup_key = None
        row.member_id = None
    session.flush()
