"""Guides at the counter: offline login by employee number + PIN, the lock-out after wrong PINs, the
manager check for manager actions, the store's guide list, and the audited reveal of a member's full
phone number.

Login and the transaction. A wrong PIN must be counted even though the login fails, yet a
`with db.transaction()` block that raises rolls back, and five wrong PINs would never lock. So the
service never raises for an attempt that was refused:

- `attempt_login(session, …) -> LoginAttempt` records the attempt (counter, lock, audit) in the
  caller's transaction and returns the refusal as data. The caller commits, then looks at `.error`.
  This is what the UI's task runner calls.
- `login(db, …)` / `require_manager(db, …)` are thin wrappers for callers that want an exception: they
  run the attempt in a transaction of their own, commit it, and only then raise. They take the
  `Database` rather than a session for exactly that reason.

The counter lives in `login_state` (local intent, survives restarts) per employee number as typed, so an
unknown number is counted, locked and answered exactly like a known one with a wrong PIN.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.changes import Changes, of_mutation
from app.db.database import Database
from app.db.models import Guide, LoginState, Member
from app.errors import AuthError, InvalidInput, MemberNotFound, RuleRefused
from app.security.crypto import PhoneCipher
from app.services.common import GuideRef
from app.services.outbox import append_audit, pending_for_member, record_mutation, wire_args
from app.services.privacy import require_fresh
from contract.pins import verify_pin
from contract.wire import Mutation

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=5)
EMPLOYEE_NO_MAX = 32


LOGIN_CHANGES = Changes.of("login", "audit")  # every attempt writes the counter and an audit row


@dataclass(frozen=True)
class LoginAttempt:
    """The outcome of one login attempt: exactly one of `guide` and `error` is set."""

    guide: GuideRef | None
    error: AuthError | None
    changes: Changes = LOGIN_CHANGES

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> GuideRef:
        """The guide, or raise the refusal. Call it after the attempt's transaction has committed."""
        if self.error is not None:
            raise self.error
        assert self.guide is not None
        return self.guide


@dataclass(frozen=True)
class PhoneReveal:
    phone: str  # the full number: show it, never log it
    changes: Changes


@dataclass(frozen=True)
class GuideView:
    id: str
    employee_no: str
    name: str
    role: str  # guide | manager
    active: bool


def _refused(error: AuthError) -> LoginAttempt:
    return LoginAttempt(guide=None, error=error)


def _locked(state: LoginState, now: datetime, mono: float) -> datetime | None:
    """Until when (for the message) the number is locked, or None. The lock-out runs on the monotonic
    clock, which setting the PC's date and time does not move: a clock set forward does not end it, one
    set back does not lengthen it. After a restart of the PC (the monotonic clock began again, below the
    lock's start) the whole lock-out runs again from the restart (time since boot counts: never less than
    the real time elapsed)."""
    if state.lock_mono_until is None:
        return None
    if state.lock_mono_start is None or mono < state.lock_mono_start:  # the PC restarted meanwhile
        state.lock_mono_start, state.lock_mono_until = 0.0, LOCK_FOR.total_seconds()
    left = state.lock_mono_until - mono
    if left <= 0:
        return None
    return now + timedelta(seconds=left)


def attempt_login(
    session: Session,
    *,
    employee_no: str,
    pin: str,
    now: datetime,
    manager: bool = False,
    monotonic: float | None = None,
) -> LoginAttempt:
    """Check an employee number + PIN against the replica's PIN hash, offline.

    Never raises for a refused attempt; returns it with `error` set to AuthError `wrong_pin`
    (attempts_left), `locked` (until), `guide_inactive` or, with `manager=True`, `manager_required`.
    `monotonic`: the workstation clock's monotonic seconds (`Clock.monotonic()`; default the system's),
    which the lock-out counts on.
    Writes the counter and audit rows in the caller's transaction: THE CALLER MUST COMMIT even when the
    attempt was refused, or the failure is forgotten. An empty or oversized employee number is bad input
    (InvalidInput("bad_employee_no")): nothing is written.
    """
    number = employee_no.strip()
    if not number or len(number) > EMPLOYEE_NO_MAX:
        raise InvalidInput("bad_employee_no", max_length=EMPLOYEE_NO_MAX)
    who = {"employee_no": number}
    mono = time.monotonic() if monotonic is None else monotonic
    state = session.get(LoginState, number)
    if state is None:
        state = LoginState(employee_no=number, failures=0)
        session.add(state)
    until = _locked(state, now, mono)
    if until is not None:
        state.locked_until = until
        append_audit(session, action="login.locked", guide_id=None, now=now, details=who)
        session.flush()
        return _refused(AuthError("locked", until=until))

    guide = session.execute(select(Guide).where(Guide.employee_no == number)).scalar_one_or_none()
    if guide is None:
        # Same answer, and the same scrypt cost, as a wrong PIN: numbers cannot be probed, not even by
        # timing. The result is thrown away.
        decoy = session.scalar(select(Guide.pin_hash).limit(1))
        if decoy is not None:
            verify_pin(pin, decoy)
        pin_ok = False
    else:
        pin_ok = verify_pin(pin, guide.pin_hash)

    if not pin_ok:
        state.failures = (state.failures or 0) + 1
        if state.failures >= MAX_FAILURES:
            state.failures, state.locked_until = 0, now + LOCK_FOR
            state.lock_mono_start, state.lock_mono_until = mono, mono + LOCK_FOR.total_seconds()
            append_audit(session, action="login.lock", guide_id=None, now=now, details=who)
            session.flush()
            return _refused(AuthError("locked", until=state.locked_until))
        append_audit(session, action="login.fail", guide_id=None, now=now, details=who)
        session.flush()
        return _refused(AuthError("wrong_pin", attempts_left=MAX_FAILURES - state.failures))

    assert guide is not None
    # The right PIN ends the run of wrong ones, whatever happens next.
    state.failures, state.locked_until = 0, None
    state.lock_mono_start = state.lock_mono_until = None
    if not guide.active:
        append_audit(session, action="login.inactive", guide_id=guide.id, now=now)
        session.flush()
        return _refused(AuthError("guide_inactive"))
    if manager and guide.role != "manager":
        append_audit(session, action="login.manager_required", guide_id=guide.id, now=now)
        session.flush()
        return _refused(AuthError("manager_required"))
    append_audit(session, action="login.manager" if manager else "login.ok", guide_id=guide.id, now=now)
    session.flush()
    return LoginAttempt(
        guide=GuideRef(guide.id, guide.store_id, guide.employee_no, guide.name, guide.role), error=None
    )


def login(
    db: Database, *, employee_no: str, pin: str, now: datetime, monotonic: float | None = None
) -> GuideRef:
    """Log a guide in, or raise AuthError (`wrong_pin`, `locked`, `guide_inactive`). The attempt is
    committed in its own transaction before anything is raised."""
    with db.transaction() as session:
        attempt = attempt_login(session, employee_no=employee_no, pin=pin, now=now, monotonic=monotonic)
    return attempt.unwrap()


def require_manager(
    db: Database, *, employee_no: str, pin: str, now: datetime, monotonic: float | None = None
) -> GuideRef:
    """A manager's number + PIN for a manager action (approvals, exports): same lock-out as login, and
    AuthError("manager_required") for a guide who is not a manager. Commits the attempt, then raises."""
    with db.transaction() as session:
        attempt = attempt_login(
            session, employee_no=employee_no, pin=pin, now=now, manager=True, monotonic=monotonic
        )
    return attempt.unwrap()


def list_guides(session: Session, *, store_id: str, include_inactive: bool = False) -> tuple[GuideView, ...]:
    """The store's guides by employee number (active ones only unless asked)."""
    query = select(Guide.id, Guide.employee_no, Guide.name, Guide.role, Guide.active).where(
        Guide.store_id == store_id
    )
    if not include_inactive:
        query = query.where(Guide.active.is_(True))
    return tuple(GuideView(*row) for row in session.execute(query.order_by(Guide.employee_no)))


def guide_by_employee_no(session: Session, employee_no: str) -> GuideRef | None:
    """The active guide with this employee number on this workstation, or None (IT tools act as a guide
    looked up, not logged in)."""
    row = session.execute(
        select(Guide.id, Guide.store_id, Guide.employee_no, Guide.name, Guide.role).where(
            Guide.employee_no == employee_no, Guide.active.is_(True)
        )
    ).first()
    return None if row is None else GuideRef(*row)


def _pending_phone(session: Session, member_id: str, cipher: PhoneCipher) -> str | None:
    """The phone of a member enrolled here and not yet confirmed by HQ, from the sealed outbox args."""
    for entry in pending_for_member(session, member_id):
        if entry.name == Mutation.MEMBER_ENROLL:
            phone = wire_args(entry, cipher).get("phone")
            return str(phone) if phone else None
    return None


def reveal_phone(
    session: Session,
    *,
    member_id: str,
    guide: GuideRef,
    now: datetime,
    cipher: PhoneCipher,
    purpose: str | None = None,
) -> PhoneReveal:
    """The member's full phone number, for calling them (the card shows only 138****1234).

    PIPL: every reveal writes a local audit row (`pii.reveal_phone`) and an `audit.append.v1` mutation
    so HQ's audit log has it too. Never logs the number itself. MemberNotFound("member_not_local") for
    a member neither in the replica nor enrolled here; RuleRefused("no_phone") for a member without one;
    RuleRefused("workstation_stale") when this workstation has not synced for the policy's stale_days.
    Flushes; the caller commits.
    """
    require_fresh(session, now=now)  # PIPL: a workstation out of touch with HQ reveals nothing
    row = session.execute(select(Member.phone_enc).where(Member.id == member_id)).first()
    if row is None:
        phone = _pending_phone(session, member_id, cipher)
        if phone is None:
            raise MemberNotFound("member_not_local", member_id=member_id)
    elif row.phone_enc is None:
        raise RuleRefused("no_phone", member_id=member_id)
    else:
        phone = cipher.decrypt(row.phone_enc)
    # The purpose the guide gave (PIPL: a reveal needs a reason), bounded; never the number.
    details = {"purpose": purpose.strip()[:100]} if purpose and purpose.strip() else {}
    append_audit(
        session, action="pii.reveal_phone", guide_id=guide.id, now=now, subject_id=member_id, details=details
    )
    record_mutation(
        session,
        name=Mutation.AUDIT_APPEND,
        args={"action": "pii.reveal_phone", "subject_id": member_id, "details": details},
        guide_id=guide.id,
        now=now,
        member_id=member_id,
    )
    return PhoneReveal(phone, of_mutation(Mutation.AUDIT_APPEND, members=[member_id]))
