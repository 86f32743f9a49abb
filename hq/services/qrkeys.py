"""Member-code signing keys (DESIGN.md §6): HQ alone holds the Ed25519 private keys, sealed at rest with a
key derived from the master secret; workstations receive the public keys (global scope) and verify
offline. Rotation by key id: a new key signs from now on, older keys keep verifying until retired.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.qr import (
    CodeFormatError,
    MemberCodeClaims,
    compact_representable,
    parse_member_code,
    public_key_bytes,
    sign_compact_member_code,
    sign_member_code,
    verifying_key,
)
from hq.db.models import QrKey, UsedMemberCode
from hq.db.upsert import insert_ignore, rowcount
from hq.security.keys import QR_SEAL_KEY, UnsealError, derive_key, seal, unseal
from hq.sync.changes import GLOBAL, ChangeSet

FIRST_KEY_ID = "k1"  # bootstrap's key: a fixed id makes concurrent first starts create one key


class CodeRejected(Exception):
    """A member code HQ will not accept: malformed_code, unknown_key, bad_signature, code_expired,
    code_not_yet_valid."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SigningKeyUnavailable(Exception):
    """No signing key can be unsealed (the master secret changed): rotate to a new key."""


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    active: bool
    signing: bool
    created_at: datetime


def _seal_private(master_secret: str, key_id: str, private: Ed25519PrivateKey) -> bytes:
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return seal(derive_key(master_secret, QR_SEAL_KEY), raw, aad=key_id.encode())


def create_signing_key(
    session: Session, *, master_secret: str, now: datetime, changes: ChangeSet, key_id: str | None = None
) -> str:
    """A new key that signs from now on (earlier keys stop signing but still verify). With a fixed
    `key_id` the call is idempotent: the bootstrap's race-free first key."""
    key_id = key_id or "k" + secrets.token_hex(6)
    private = Ed25519PrivateKey.generate()
    values = {
        "key_id": key_id,
        "public_key": public_key_bytes(private),
        "private_key_sealed": _seal_private(master_secret, key_id, private),
        "active": True,
        "signing": True,
        "created_at": now,
    }
    if insert_ignore(session, QrKey, values, ["key_id"]):
        session.execute(update(QrKey).where(QrKey.key_id != key_id).values(signing=False))
        changes.put(GLOBAL, "qr_key", key_id)
    return key_id


def retire_key(session: Session, *, key_id: str, now: datetime, changes: ChangeSet) -> bool:
    """Codes signed with this key stop verifying everywhere (after the next sync)."""
    done = rowcount(
        session.execute(
            update(QrKey)
            .where(QrKey.key_id == key_id, QrKey.active.is_(True))
            .values(active=False, signing=False, retired_at=now)
        )
    )
    if done:
        changes.put(GLOBAL, "qr_key", key_id)
    return bool(done)


def list_keys(session: Session) -> list[KeyInfo]:
    rows = session.scalars(select(QrKey).order_by(QrKey.created_at))
    return [KeyInfo(r.key_id, r.active, r.signing, r.created_at) for r in rows]


def signing_key(session: Session, *, master_secret: str) -> tuple[str, Ed25519PrivateKey]:
    row = session.scalar(
        select(QrKey)
        .where(QrKey.signing.is_(True), QrKey.active.is_(True))
        .order_by(QrKey.created_at.desc())
        .limit(1)
    )
    if row is None:
        raise SigningKeyUnavailable("no signing key")
    try:
        raw = unseal(derive_key(master_secret, QR_SEAL_KEY), row.private_key_sealed, aad=row.key_id.encode())
    except UnsealError as exc:
        raise SigningKeyUnavailable(row.key_id) from exc
    return row.key_id, Ed25519PrivateKey.from_private_bytes(raw)


def mint_member_code(
    session: Session,
    *,
    master_secret: str,
    member_id: str,
    now: datetime,
    ttl_seconds: int,
    compact: bool = True,
) -> str:
    """A fresh dynamic member code for a member (what the member's phone would show): the compact
    `m1.` format (149 characters, no capitals) by default, `GDM1:` when asked or when the claims do not
    fit the compact layout (a member id that is not a UUID, a lifetime over 18 hours)."""
    key_id, private = signing_key(session, master_secret=master_secret)
    if compact and compact_representable(member_id=member_id, ttl_seconds=ttl_seconds):
        return sign_compact_member_code(
            private, key_id=key_id, member_id=member_id, issued=now, ttl_seconds=ttl_seconds
        )
    return sign_member_code(private, key_id=key_id, member_id=member_id, issued=now, ttl_seconds=ttl_seconds)


def verify_member_code(
    session: Session, text: str, *, now: datetime, tolerance_s: int, grace_s: int = 0
) -> MemberCodeClaims:
    """The claims of a code HQ signed and still honours, or CodeRejected. `grace_s` extends expiry for
    codes presented with an offline action pushed later (the workstation checked it when scanned)."""
    try:
        parsed = parse_member_code(text)
    except CodeFormatError as exc:
        raise CodeRejected("malformed_code") from exc
    active = select(QrKey.key_id, QrKey.public_key).where(QrKey.active.is_(True))
    if not parsed.compact:  # a compact code names its key by a one-byte tag: every active key is tried
        active = active.where(QrKey.key_id == parsed.claims.key_id)
    found = verifying_key(parsed, [(k, pub) for k, pub in session.execute(active)])
    if found is None:
        raise CodeRejected("unknown_key")
    key_id, verified = found
    if not verified:
        raise CodeRejected("bad_signature")
    parsed = parsed.with_key_id(key_id)
    tolerance = timedelta(seconds=tolerance_s)
    if parsed.claims.issued > now + tolerance:
        raise CodeRejected("code_not_yet_valid")
    if now > parsed.claims.expires + tolerance + timedelta(seconds=grace_s):
        raise CodeRejected("code_expired")
    return parsed.claims


def claim_code_use(
    session: Session, claims: MemberCodeClaims, *, device_id: str, now: datetime, keep_s: int
) -> None:
    """Record that `device_id` used this code, or raise CodeRejected("replayed_code") if another device
    used it first. The same device may use it again (lookup, then bind)."""
    key = hashlib.sha256(f"{claims.member_id}\x00{claims.nonce}".encode()).hexdigest()
    keep_until = claims.expires + timedelta(seconds=keep_s)
    if not insert_ignore(
        session,
        UsedMemberCode,
        {"code_key": key, "device_id": device_id, "keep_until": keep_until},
        ["code_key"],
    ):
        first = session.scalar(select(UsedMemberCode.device_id).where(UsedMemberCode.code_key == key))
        if first != device_id:
            raise CodeRejected("replayed_code")
    # Keep the table to codes that could still be honoured; cheap on the keep_until index.
    session.execute(delete(UsedMemberCode).where(UsedMemberCode.keep_until < now))
