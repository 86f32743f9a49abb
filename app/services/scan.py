"""Scan resolution (DESIGN.md §4): what the scan field does with a line from the USB scanner or the
keyboard, decided locally, in this order:

1. anything too long or with control characters → `unknown_code` (before any parsing);
2. a payment code (WeChat Pay, Alipay, UnionPay) → `payment_code`; never stored, logged or synced;
3. `GDM1:` dynamic member code → verified offline against HQ's synced public keys: unknown key, forged,
   expired or not yet valid (beyond the clock tolerance), replayed nonce — each its own code;
4. an 11-digit mainland mobile typed by hand → lookup by HMAC blind index (replica, then members
   enrolled here and still pending at HQ);
5. `GDC1:<card>` or a bare card number → lookup by card code;
6. anything else → `unknown_code`, logged by kind and length only.

Only an accepted dynamic code writes anything (its nonce, so the same code cannot be shown twice);
every refusal raises a typed error and leaves the database untouched.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import Member, MemberCode, QrKey, UsedNonce
from app.errors import MemberNotFound, ScanRejected
from app.qr import (
    CARD_PREFIX,
    MAX_CODE_LENGTH,
    MEMBER_PREFIX,
    CodeFormatError,
    parse_card_code,
    parse_member_code,
    verify_signature,
)
from app.security.crypto import PhoneCipher
from app.services.effective import pending_enrollment, pending_enrollment_by_phone
from app.services.policy import policy_of

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PAYMENT = (
    re.compile(r"1[0-5][0-9]{16}"),  # WeChat Pay: 18 digits starting 10–15
    re.compile(r"(2[5-9]|30)[0-9]{14,22}"),  # Alipay: 16–24 digits starting 25–30
    re.compile(r"62[0-9]{17}"),  # UnionPay: 19 digits starting 62
)


@dataclass(frozen=True)
class ScanHit:
    member_id: str
    kind: str  # member_code | card | phone
    pending_enrollment: bool = False  # enrolled here, not yet confirmed by HQ


def is_payment_code(text: str) -> bool:
    return any(p.fullmatch(text) for p in _PAYMENT)


def _known(session: Session, member_id: str, kind: str) -> ScanHit:
    if session.scalar(select(Member.id).where(Member.id == member_id)) is not None:
        return ScanHit(member_id=member_id, kind=kind)
    if pending_enrollment(session, member_id) is not None:
        return ScanHit(member_id=member_id, kind=kind, pending_enrollment=True)
    raise MemberNotFound("member_not_local", member_id=member_id, kind=kind)


def _dynamic(session: Session, text: str, now: datetime) -> ScanHit:
    try:
        code = parse_member_code(text)
    except CodeFormatError as exc:
        raise ScanRejected(exc.code, kind="member_code") from None
    claims = code.claims
    key = session.scalar(
        select(QrKey.public_key).where(QrKey.key_id == claims.key_id, QrKey.active.is_(True))
    )
    if key is None:
        raise ScanRejected("unknown_key", key_id=claims.key_id)
    if not verify_signature(code, key):
        raise ScanRejected("forged_code")
    tolerance = timedelta(seconds=policy_of(session).clock_tolerance_seconds)
    if now > claims.expires + tolerance:
        raise ScanRejected("expired_code", expired_at=claims.expires)
    if claims.issued > now + tolerance:
        raise ScanRejected("not_yet_valid", issued_at=claims.issued)
    if session.get(UsedNonce, claims.nonce) is not None:
        raise ScanRejected("replayed_code")
    hit = _known(session, claims.member_id, "member_code")  # MemberNotFound carries the id for HQ lookup
    session.execute(delete(UsedNonce).where(UsedNonce.expires_at < now))
    session.add(UsedNonce(nonce=claims.nonce, expires_at=claims.expires + tolerance))
    session.flush()
    return hit


def _phone(session: Session, phone: str, cipher: PhoneCipher) -> ScanHit:
    index = cipher.blind_index(phone)
    member_id = session.scalar(select(Member.id).where(Member.phone_index == index).limit(1))
    if member_id is not None:
        return ScanHit(member_id=member_id, kind="phone")
    pending = pending_enrollment_by_phone(session, index)
    if pending is not None:
        return ScanHit(member_id=pending, kind="phone", pending_enrollment=True)
    raise MemberNotFound("member_not_local", kind="phone")


def _card(session: Session, text: str) -> ScanHit:
    card = parse_card_code(text)
    member_id = session.scalar(select(MemberCode.member_id).where(MemberCode.code == card))
    if member_id is None:
        raise MemberNotFound("member_not_local", kind="card")
    return _known(session, member_id, "card")


def resolve_scan(session: Session, *, text: str, now: datetime, cipher: PhoneCipher) -> ScanHit:
    """Resolve one scanned or typed line to a member on this workstation, or raise a typed error.

    `now` is HQ-corrected time (the caller applies the stored clock offset): dynamic codes expire by
    HQ's clock, not by a counter PC's that may be a year off.
    """
    line = text.removesuffix("\n").removesuffix("\r").strip(" ")  # scanners end with Enter
    if not line or len(line) > MAX_CODE_LENGTH or _CONTROL.search(line):
        log.info("scan rejected: kind=unknown length=%d", len(text))
        raise ScanRejected("unknown_code")
    if is_payment_code(line):
        log.info("scan rejected: kind=payment")  # never the digits, never the length
        raise ScanRejected("payment_code")
    if line.startswith(MEMBER_PREFIX):
        return _dynamic(session, line, now)
    if _MOBILE.fullmatch(line):
        return _phone(session, line, cipher)
    if line.startswith(CARD_PREFIX) or line.isascii():
        try:
            return _card(session, line)
        except CodeFormatError:
            pass  # not a card number either: an unknown code
    log.info("scan rejected: kind=unknown length=%d", len(line))
    raise ScanRejected("unknown_code")
