"""Guides at the counter: offline login by employee number + PIN, the lock-out after wrong PINs, the
manager check for manager actions, and the audited reveal of a member's full phone number.

Login takes the `Database`, not a session: a wrong PIN must be counted even though the login fails, so
the failure is committed in its own transaction and only then raised. (A `with db.transaction()` that
raised would roll the count back, and five wrong PINs would never lock.)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.database import Database
from app.db.models import Guide, LoginState, Member
from app.errors import AuthError, MemberNotFound
from app.security.crypto import PhoneCipher
from app.security.pins import verify_pin
from app.services.common import GuideRef
from app.services.effective import pending_enrollment
from app.services.outbox import SEALED_KEY, append_audit, record_mutation
from app.sync.protocol import Mutation

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class GuideView:
    id: str
    employee_no: str
    name: str
    role: str
    active: bool


def _attempt(session: Session, *, employee_no: str, pin: str, now: datetime) -> GuideRef | AuthError:
    who = {"employee_no": employee_no}
    state = session.get(LoginState, employee_no) or LoginState(employee_no=employee_no, failures=0)
    session.add(state)
    if state.locked_until is not None and state.locked_until > now:
        append_audit(session, action="login.locked", guide_id=None, now=now, details=who)
        return AuthError("locked", until=state.locked_until)
    guide = session.execute(select(Guide).where(Guide.employee_no == employee_no)).scalar_one_or_none()
    # An unknown employee number gets the same answer as a wrong PIN: numbers cannot be probed.
    if guide is None or not verify_pin(pin, guide.pin_hash):
        state.failures = (state.failures or 0) + 1
        if state.failures >= MAX_FAILURES:
            state.failures, state.locked_until = 0, now + LOCK_FOR
            append_audit(session, action="login.lock", guide_id=None, now=now, details=who)
            return AuthError("locked", until=state.locked_until)
        append_audit(session, action="login.fail", guide_id=None, now=now, details=who)
        return AuthError("wrong_pin", attempts_left=MAX_FAILURES - state.failures)
    if not guide.active:
        return AuthError("guide_inactive")
    state.failures, state.locked_until = 0, None
    append_audit(session, action="login.ok", guide_id=guide.id, now=now)
    return GuideRef(guide.id, guide.store_id, guide.employee_no, guide.name, guide.role)


def login(db: Database, *, employee_no: str, pin: str, now: datetime) -> GuideRef:
    """Log a guide in, or raise AuthError (`wrong_pin` with attempts left, `locked` with until,
    `guide_inactive`). The attempt is committed before an error is raised."""
    with db.transaction() as session:
        outcome = _attempt(session, employee_no=employee_no.strip(), pin=pin, now=now)
    if isinstance(outcome, AuthError):
        raise outcome
    return outcome


def require_manager(db: Database, *, employee_no: str, pin: str, now: datetime) -> GuideRef:
    """A manager's PIN for a manager action (approvals, exports); same lock-out as login."""
    guide = login(db, employee_no=employee_no, pin=pin, now=now)
    if not guide.is_manager:
        raise AuthError("manager_required")
    return guide


def list_guides(session: Session, *, store_id: str, include_inactive: bool = False) -> tuple[GuideView, ...]:
    query = select(Guide).where(Guide.store_id == store_id).order_by(Guide.employee_no)
    if not include_inactive:
        query = query.where(Guide.active == True)  # noqa: E712 - SQL comparison, not Python truthiness
    return tuple(GuideView(g.id, g.employee_no, g.name, g.role, g.active) for g in session.scalars(query))


def reveal_phone(
    session: Session, *, member_id: str, guide: GuideRef, now: datetime, cipher: PhoneCipher
) -> str:
    """The member's full phone number, for calling them. Audited here and at HQ (PIPL)."""
    blob = session.scalar(select(Member.phone_enc).where(Member.id == member_id))
    if blob is not None:
        phone = cipher.decrypt(blob)
    else:
        enrolled = pending_enrollment(session, member_id)
        sealed = (enrolled or {}).get(SEALED_KEY, {}).get("phone")
        if sealed is None:
            raise MemberNotFound("member_not_local", member_id=member_id)
        phone = cipher.decrypt(base64.b64decode(sealed))
    record_mutation(
        session,
        name=Mutation.AUDIT_APPEND,
        args={"action": "pii.reveal_phone", "subject_id": member_id, "details": {}},
        guide_id=guide.id,
        now=now,
        member_id=member_id,
    )
    return phone
