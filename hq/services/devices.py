"""Devices (DESIGN.md §6): one-time enrollment codes, enrollment with a per-address rate limit, token
authentication, revocation.

Codes and tokens are stored only as hashes. A code works once: the UPDATE that marks it used is
conditional on it being unused and unexpired, so two devices racing with the same code get one
enrollment. Failed tries are rows in the database, so the rate limit holds across workers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from hq.db.database import HqDatabase, Lookup
from hq.db.models import AuditEvent, Device, EnrollFailure, EnrollmentCode, Store
from hq.db.upsert import rowcount
from hq.errors import Invalid, NotFound
from hq.security.tokens import hash_secret, new_device_token, new_enrollment_code, normalize_enrollment_code
from hq.services.stores import find_store

ACTIVE, REVOKED = "active", "revoked"
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once
    store_id: str
    expires_at: datetime


@dataclass(frozen=True)
class EnrolledDevice:
    device_id: str
    token: str  # shown once
    store_id: str
    store_code: str
    store_name: str


@dataclass(frozen=True)
class EnrollRefused:
    """Why an enrollment was refused: enrollment_code_invalid | _used | _expired | rate_limited."""

    code: str
    retry_after_s: int = 0


@dataclass(frozen=True)
class DeviceAuth:
    device_id: str
    store_id: str
    status: str
    last_mutation_id: int
    reset_requested: bool
    last_seen_at: datetime | None = None
    app_version: str = ""

    @property
    def revoked(self) -> bool:
        return self.status != ACTIVE


def issue_enrollment_code(
    session: Session, *, store: str, now: datetime, ttl: timedelta, by: str | None = None
) -> IssuedCode:
    if ttl <= timedelta(0) or ttl > timedelta(days=30):
        raise Invalid("bad_ttl")
    target = find_store(session, store)
    code = new_enrollment_code()
    normalized = normalize_enrollment_code(code)
    assert normalized is not None
    expires = now + ttl
    session.add(
        EnrollmentCode(
            id=str(uuid.uuid4()),
            code_hash=hash_secret(normalized),
            store_id=target.id,
            created_at=now,
            expires_at=expires,
            created_by=by,
        )
    )
    session.flush()
    return IssuedCode(code=code, store_id=target.id, expires_at=expires)


def enroll_device(
    session: Session,
    *,
    code: str,
    hostname: str,
    app_version: str,
    source: str,
    now: datetime,
    max_failures: int,
    window: timedelta,
) -> EnrolledDevice | EnrollRefused:
    """Trade a code for a device identity. A refusal is returned, not raised, because the failed try it
    records must be committed with it."""
    since = now - window
    failures = (
        session.scalar(
            select(func.count())
            .select_from(EnrollFailure)
            .where(EnrollFailure.source == source, EnrollFailure.at > since)
        )
        or 0
    )
    if failures >= max_failures:
        # Not even a right code gets through while locked out: no oracle for a guesser.
        return EnrollRefused("rate_limited", retry_after_s=int(window.total_seconds()))
    normalized = normalize_enrollment_code(code)
    row = None
    if normalized is not None:
        row = session.scalar(
            select(EnrollmentCode).where(EnrollmentCode.code_hash == hash_secret(normalized))
        )
    refusal = None
    if row is None:
        refusal = "enrollment_code_invalid"
    elif row.used_at is not None:
        refusal = "enrollment_code_used"
    elif row.expires_at <= now:
        refusal = "enrollment_code_expired"
    device_id = str(uuid.uuid4())
    if row is not None and refusal is None:
        claimed = session.execute(
            update(EnrollmentCode)
            .where(
                EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None), EnrollmentCode.expires_at > now
            )
            .values(used_at=now, device_id=device_id)
        )
        if rowcount(claimed) != 1:
            refusal = "enrollment_code_used"  # another device took it a moment ago
    if refusal is not None or row is None:
        session.add(EnrollFailure(source=source[:64], at=now))
        # Keep the table small: rows older than a day never count again.
        session.execute(delete(EnrollFailure).where(EnrollFailure.at < now - timedelta(days=1)))
        return EnrollRefused(refusal or "enrollment_code_invalid")
    store = session.get(Store, row.store_id)
    assert store is not None
    token = new_device_token()
    session.add(
        Device(
            id=device_id,
            store_id=store.id,
            token_hash=hash_secret(token),
            status=ACTIVE,
            last_mutation_id=0,
            hostname=hostname[:100],
            app_version=app_version[:32],
            enrolled_at=now,
        )
    )
    session.add(
        AuditEvent(
            at=now, store_id=store.id, device_id=device_id, actor="device", action="device.enroll",
            details={"hostname": hostname[:100], "app_version": app_version[:32]},
        )
    )  # fmt: skip
    session.flush()
    return EnrolledDevice(device_id, token, store.id, store.code, store.name)


_BY_TOKEN = (Device.id, Device.store_id, Device.status, Device.last_mutation_id, Device.reset_requested)


def authenticate(session: Session, token: str) -> DeviceAuth | None:
    """The device a bearer token belongs to (revoked devices too: the caller decides what to say)."""
    row = session.execute(
        select(*_BY_TOKEN, Device.last_seen_at, Device.app_version).where(
            Device.token_hash == hash_secret(token)
        )
    ).first()
    return None if row is None else DeviceAuth(*row)


# A push needs no more than who the device is, its status and its last mutation id: one compiled
# statement outside any transaction, where an ORM session cost ~10 % of a push's CPU.
_IDENTITY = Lookup(select(*_BY_TOKEN).where(Device.token_hash == bindparam("token_hash")))


def identify(db: HqDatabase, token: str) -> DeviceAuth | None:
    """`authenticate` without `last_seen_at` and `app_version` (left unset), in one statement."""
    rows = db.fetch(_IDENTITY, {"token_hash": hash_secret(token)})
    if not rows:
        return None
    device_id, store_id, status, last_mutation_id, reset_requested = rows[0]
    return DeviceAuth(device_id, store_id, status, int(last_mutation_id), bool(reset_requested))


def needs_touch(device: DeviceAuth, *, app_version: str, now: datetime) -> bool:
    """Whether `touch_device` would change anything: an idle device's hello then writes nothing."""
    stale = device.last_seen_at is None or device.last_seen_at < now - TOUCH_EVERY
    return stale or device.app_version != app_version[:32]


def revoke_device(session: Session, *, device_id: str, now: datetime, by: str | None = None) -> bool:
    """The device is told `device_revoked` at its next call and wipes its replica. True if it was active."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("unknown_device", device_id=device_id)
    changed = rowcount(
        session.execute(
            update(Device)
            .where(Device.id == device_id, Device.status == ACTIVE)
            .values(status=REVOKED, revoked_at=now)
        )
    )
    if changed:
        session.add(
            AuditEvent(at=now, store_id=device.store_id, device_id=device_id, actor="admin",
                       action="device.revoke", details={"by": by} if by else {})
        )  # fmt: skip
    return bool(changed)


def touch_device(session: Session, *, device_id: str, app_version: str, now: datetime) -> None:
    """Remember when a device was last heard from — at most once a minute, so idle syncs stay cheap."""
    session.execute(
        update(Device)
        .where(
            Device.id == device_id,
            (Device.last_seen_at.is_(None))
            | (Device.last_seen_at < now - TOUCH_EVERY)
            | (Device.app_version != app_version[:32]),
        )
        .values(last_seen_at=now, app_version=app_version[:32])
    )  # fmt: skip


@dataclass(frozen=True)
class DeviceRow:
    """One enrolled workstation as HQ staff see it (the console's device list)."""

    id: str
    store_id: str
    store_code: str
    store_name: str
    hostname: str
    app_version: str
    status: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    last_mutation_id: int


def list_devices(session: Session, *, store: str | None = None, limit: int = 2000) -> list[DeviceRow]:
    """Active devices first, then by store code and last seen (most recent first)."""
    query = select(Device, Store.code, Store.name).join(Store, Store.id == Device.store_id)
    if store:
        query = query.where(Device.store_id == find_store(session, store).id)
    query = query.order_by((Device.status == ACTIVE).desc(), Store.code, Device.last_seen_at.desc()).limit(
        limit
    )
    return [
        DeviceRow(d.id, d.store_id, code, name, d.hostname, d.app_version, d.status, d.enrolled_at,
                  d.last_seen_at, d.revoked_at, d.last_mutation_id)
        for d, code, name in session.execute(query)
    ]  # fmt: skip
