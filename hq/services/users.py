"""HQ staff: console users and their roles, password sign-in with lock-out, server-side sessions with a
CSRF token each, per-user API keys for the admin REST API, and the audit trail of console actions.

Roles: `admin` may do everything; `operator` works tasks, members and conflicts; `analyst` reads the
numbers. What each role may do is `ALLOWED` below, checked by the console on every route.

Passwords are hashed with scrypt (n=2^14, r=8, p=1, 16-byte salt). Five wrong passwords in a row lock
the account for 15 minutes; an unknown user name costs the same hash as a known one, so timing does not
tell which names exist. Session and API-key tokens are random (256 bits) and only their SHA-256 is
stored. Like every HQ service these flush and never commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hq.db.models import AuditEvent, HqApiKey, HqSession, HqUser
from hq.errors import Conflict, Invalid, NotFound

ROLES = ("admin", "operator", "analyst")
# What a role may do in the console (and, with an API key, in the admin API).
ALLOWED: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "dashboard",
            "tasks.view",
            "tasks.edit",
            "members.view",
            "members.edit",
            "conflicts",
            "stores",
            "devices",
            "policy",
            "users",
            "audit",
        }
    ),
    "operator": frozenset(
        {"dashboard", "tasks.view", "tasks.edit", "members.view", "members.edit", "conflicts"}
    ),
    "analyst": frozenset({"dashboard", "tasks.view"}),
}

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=12)
MIN_PASSWORD = 10

_N, _R, _P = 2**14, 8, 1
API_KEY_PREFIX = "gdk_"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH = hash_password(secrets.token_hex(8))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class UserView:
    id: str
    username: str
    display_name: str
    role: str
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    def may(self, permission: str) -> bool:
        return self.active and permission in ALLOWED.get(self.role, frozenset())


def _view(row: HqUser) -> UserView:
    return UserView(
        row.id, row.username, row.display_name, row.role, row.active, row.locked_until, row.last_login_at
    )


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > 200:
        raise Invalid("weak_password", min_length=MIN_PASSWORD)
    if len(set(password)) < 5:
        raise Invalid("weak_password", min_length=MIN_PASSWORD)


def create_user(
    session: Session, *, username: str, password: str, role: str, now: datetime, display_name: str = ""
) -> UserView:
    username = username.strip().lower()
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-@" for c in username):
        raise Invalid("bad_username")
    if role not in ROLES:
        raise Invalid("bad_role", role=role, roles=list(ROLES))
    check_password_strength(password)
    if session.scalar(select(HqUser.id).where(HqUser.username == username)) is not None:
        raise Conflict("user_exists", username=username)
    row = HqUser(
        id=str(uuid.uuid4()),
        username=username,
        display_name=(display_name.strip() or username)[:64],
        role=role,
        password_hash=hash_password(password),
        active=True,
        failed_logins=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _view(row)


def list_users(session: Session) -> list[UserView]:
    return [_view(r) for r in session.scalars(select(HqUser).order_by(HqUser.username))]


def get_user(session: Session, user_id: str) -> UserView:
    row = session.get(HqUser, user_id)
    if row is None:
        raise NotFound("unknown_user", user_id=user_id)
    return _view(row)


def set_user(
    session: Session,
    *,
    user_id: str,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> UserView:
    row = session.get(HqUser, user_id)
    if row is None:
        raise NotFound("unknown_user", user_id=user_id)
    if role is not None:
        if role not in ROLES:
            raise Invalid("bad_role", role=role)
        row.role = role
    if active is not None:
        row.active = active
        if not active:
            session.execute(delete(HqSession).where(HqSession.user_id == row.id))
    if password is not None:
        check_password_strength(password)
        row.password_hash = hash_password(password)
        row.failed_logins, row.locked_until = 0, None
    session.flush()
    return _view(row)


# ---------------------------------------------------------------- sign-in and sessions


@dataclass(frozen=True)
class SignIn:
    """Either `user` + `token` (the cookie value, shown once) or `refused` with a code."""

    user: UserView | None = None
    token: str | None = None
    refused: str | None = None  # bad_credentials | locked
    locked_until: datetime | None = None


def sign_in(session: Session, *, username: str, password: str, now: datetime) -> SignIn:
    """Check the password; on success open a session. Counts failures and locks after MAX_FAILURES."""
    row = session.scalar(select(HqUser).where(HqUser.username == username.strip().lower()[:64]))
    if row is None or not row.active:
        verify_password(password, _DUMMY_HASH)  # the same work as a real check
        return SignIn(refused="bad_credentials")
    if row.locked_until is not None and row.locked_until > now:
        return SignIn(refused="locked", locked_until=row.locked_until)
    if not verify_password(password, row.password_hash):
        row.failed_logins += 1
        if row.failed_logins >= MAX_FAILURES:
            row.locked_until, row.failed_logins = now + LOCK_FOR, 0
            session.flush()
            return SignIn(refused="locked", locked_until=row.locked_until)
        session.flush()
        return SignIn(refused="bad_credentials")
    row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
    token = secrets.token_urlsafe(32)
    session.add(
        HqSession(
            token_hash=_sha(token),
            user_id=row.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_MAX,
        )
    )
    # Expired sessions of anyone are swept here, the one moment a session is made.
    session.execute(delete(HqSession).where(HqSession.expires_at < now))
    session.execute(delete(HqSession).where(HqSession.last_seen_at < now - SESSION_IDLE))
    session.flush()
    return SignIn(user=_view(row), token=token)


@dataclass(frozen=True)
class ActiveSession:
    user: UserView
    csrf_token: str
    token_hash: str


def resume_session(session: Session, *, token: str, now: datetime) -> ActiveSession | None:
    """The session behind a cookie token, still alive (and now touched), or None."""
    if not token or len(token) > 100:
        return None
    row = session.get(HqSession, _sha(token))
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at <= now - SESSION_IDLE:
        session.delete(row)
        session.flush()
        return None
    user = session.get(HqUser, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at > timedelta(seconds=30):  # one write per half minute, not per request
        row.last_seen_at = now
        session.flush()
    return ActiveSession(_view(user), row.csrf_token, row.token_hash)


def sign_out(session: Session, *, token: str) -> None:
    session.execute(delete(HqSession).where(HqSession.token_hash == _sha(token)))


# ---------------------------------------------------------------- API keys


@dataclass(frozen=True)
class ApiKeyView:
    id: str
    user_id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKeyView
    secret: str  # shown once


def issue_api_key(session: Session, *, user_id: str, label: str, now: datetime) -> IssuedKey:
    get_user(session, user_id)
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    row = HqApiKey(
        id=str(uuid.uuid4()), user_id=user_id, key_hash=_sha(secret), label=label.strip()[:64], created_at=now
    )
    session.add(row)
    session.flush()
    return IssuedKey(_key_view(row), secret)


def _key_view(row: HqApiKey) -> ApiKeyView:
    return ApiKeyView(row.id, row.user_id, row.label, row.created_at, row.last_used_at, row.revoked_at)


def list_api_keys(session: Session, *, user_id: str | None = None) -> list[ApiKeyView]:
    query = select(HqApiKey).order_by(HqApiKey.created_at.desc())
    if user_id is not None:
        query = query.where(HqApiKey.user_id == user_id)
    return [_key_view(r) for r in session.scalars(query)]


def revoke_api_key(session: Session, *, key_id: str, now: datetime) -> ApiKeyView:
    row = session.get(HqApiKey, key_id)
    if row is None:
        raise NotFound("unknown_api_key", key_id=key_id)
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return _key_view(row)


def authenticate_api_key(session: Session, *, secret: str, now: datetime) -> UserView | None:
    """The active user owning this unrevoked key, or None."""
    if not secret.startswith(API_KEY_PREFIX) or len(secret) > 100:
        return None
    row = session.scalar(select(HqApiKey).where(HqApiKey.key_hash == _sha(secret)))
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(HqUser, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
        session.flush()
    return _view(user)


# ---------------------------------------------------------------- audit


def audit(
    session: Session,
    *,
    user: UserView,
    action: str,
    now: datetime,
    subject_id: str | None = None,
    store_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """The append-only trace of one console action (actor `console`, who in `details.by`), written in the
    action's own transaction."""
    session.add(
        AuditEvent(
            at=now,
            store_id=store_id,
            actor="console",
            action=action[:40],
            subject_id=subject_id,
            details={"by": user.username, "role": user.role, **(details or {})},
        )
    )


def audit_refused_sign_in(
    session: Session, *, username: str, reason: str, now: datetime, source: str
) -> None:
    """A refused console sign-in (wrong password, locked account): who was tried, from where."""
    session.add(
        AuditEvent(
            at=now,
            actor="console",
            action="console.sign_in_refused",
            details={"by": username.strip().lower()[:64], "reason": reason, "source": source[:64]},
        )
    )


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor: str
    by: str
    action: str
    subject_id: str | None
    store_id: str | None
    details: dict[str, Any]


def list_audit(
    session: Session, *, before_id: int | None = None, limit: int = 100, console_only: bool = False
) -> list[AuditView]:
    """Newest first, paged by id."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    if console_only:
        query = query.where(AuditEvent.actor == "console")
    out = []
    for r in session.scalars(query):
        details = dict(r.details or {})
        by = str(details.pop("by", "")) if r.actor == "console" else (r.guide_id or r.device_id or r.actor)
        out.append(AuditView(r.id, r.at, r.actor, by or "", r.action, r.subject_id, r.store_id, details))
    return out
