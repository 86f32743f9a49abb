"""Scan resolution (DESIGN.md §4): what the scan field does with a line from the USB scanner or the
keyboard, decided locally, in this order:

1. one trailing Enter (CR, LF or CRLF) is dropped; anything empty, longer than 512 characters or with a
   control/invisible character → `unknown_code`, before any other parsing;
2. a payment code (WeChat Pay, Alipay, UnionPay) → `payment_code`; never looked up, stored, logged or
   synced — not even its length;
3. a dynamic member code, compact (`m1.`, any case) or `GDM1:` → verified offline against HQ's synced
   public keys: malformed, unknown key, forged, expired or not yet valid (beyond the clock tolerance),
   replayed nonce — each its own code;
4. an 11-digit mainland mobile typed by hand → lookup by HMAC blind index (replica, then members enrolled
   here and still pending at HQ); never taken for a card number;
5. `GDC1:<card>` or a bare card number → lookup by card code (replica, then pending enrollments);
6. anything else → `unknown_code`, logged by kind and length only.

Only an accepted dynamic code writes anything (its nonce, so the same code cannot be shown twice); every
refusal raises a typed error and leaves the database untouched.

This is the hot path of "scan → card in one frame" at a million members: a few prebuilt Core statements
on indexed columns, run on the session's connection (building ORM statements per scan costs more than
the SQL itself; see app/services/cards.py).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, bindparam, delete, func, insert, select, true
from sqlalchemy.orm import Session

from app.changes import Changes
from app.db.models import Member, MemberCode, Outbox, Policy, QrKey, UsedNonce
from app.errors import MemberNotFound, ScanRejected
from app.qr import (
    MAX_CODE_LENGTH,
    CodeFormatError,
    is_member_code,
    parse_card_code,
    parse_member_code,
    verifying_key,
)
from app.security.crypto import PhoneCipher
from app.services.cards import MemberCard, member_card
from app.services.common import GuideRef
from app.services.effective import pending_enrollment, pending_enrollment_by_phone
from app.services.members import MOBILE, VisitOutcome, record_visit
from app.services.outbox import PENDING_STATES
from app.services.policy import policy_of
from app.services.tasks import ContactBudget, contact_budget
from contract.wire import Mutation

log = logging.getLogger(__name__)

HitKind = Literal["member_code", "card", "phone"]
InputKind = Literal["member_code", "card", "phone", "payment", "unknown"]

# One pattern per scheme, joined so a payment code costs one regex call. [0-9], not \d (other scripts).
_PAYMENT = re.compile(
    r"1[0-5][0-9]{16}"  # WeChat Pay: 18 digits starting 10–15
    r"|(?:2[5-9]|30)[0-9]{14,22}"  # Alipay: 16–24 digits starting 25–30
    r"|62[0-9]{17}"  # UnionPay: 19 digits starting 62
)


@dataclass(frozen=True)
class ScanHit:
    member_id: str
    kind: HitKind
    pending_enrollment: bool = False  # enrolled here, not yet confirmed by HQ


# ---------------------------------------------------------------- shape alone (no database)


def _normalised(text: str) -> str:
    """The line to resolve, or "" when its shape alone refuses it (checked before any parsing)."""
    # A USB scanner types Enter after the code: drop one CR, LF or CRLF (a second one is garbage).
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith(("\r", "\n")):
        text = text[:-1]
    # isprintable() is False for control, format (zero-width, bidi overrides), surrogate, private-use,
    # unassigned and separator characters other than the ASCII space: none belongs in any code.
    if len(text) > MAX_CODE_LENGTH or not text.isprintable():
        return ""
    line = text.strip(" ")  # spaces around a hand-typed number are forgiven
    if not line.isascii():
        # Full-width digits and letters typed through an IME become ASCII, as enrollment does with
        # phones, so the number a member enrolled with finds them here too.
        line = unicodedata.normalize("NFKC", line)
        if len(line) > MAX_CODE_LENGTH or not line.isprintable():
            return ""
    return line


def _card_shaped(line: str) -> bool:
    try:
        parse_card_code(line)
    except CodeFormatError:
        return False
    return True


def classify(text: str) -> InputKind:
    """What kind of input the text is, by its shape alone (no database), in the order of DESIGN.md §4.

    The UI may call it to react before the lookup (e.g. refuse a payment code at once); `resolve_scan`
    dispatches on it, so the two can never disagree.
    """
    line = _normalised(text)
    if not line:
        return "unknown"
    if _PAYMENT.fullmatch(line):
        return "payment"
    if is_member_code(line):
        return "member_code"
    if MOBILE.fullmatch(line):  # before cards: a mobile number must never be looked up as a card
        return "phone"
    return "card" if _card_shaped(line) else "unknown"  # `GDC1:<card>` or a bare card number


# ---------------------------------------------------------------- prebuilt statements

_k, _n, _m = QrKey.__table__, UsedNonce.__table__, Member.__table__
_c, _o, _p = MemberCode.__table__, Outbox.__table__, Policy.__table__

_ACTIVE_KEY = select(_k.c.key_id, _k.c.public_key).where(
    _k.c.key_id == bindparam("key_id"), _k.c.active == true()
)
_ACTIVE_KEYS = select(_k.c.key_id, _k.c.public_key).where(_k.c.active == true())  # a handful of rows
_NONCE_SPENT = select(_n.c.nonce).where(_n.c.nonce == bindparam("nonce"))
_FORGET_EXPIRED_NONCES = delete(UsedNonce).where(UsedNonce.expires_at < bindparam("now"))  # indexed
_SPEND_NONCE = insert(UsedNonce)
_MEMBER_EXISTS = select(_m.c.id).where(_m.c.id == bindparam("member_id"))
_MEMBER_BY_PHONE = select(_m.c.id).where(_m.c.phone_index == bindparam("phone_index")).limit(1)
_MEMBER_BY_CARD = select(_c.c.member_id).where(_c.c.code == bindparam("card"))
# The card number handed to a member enrolled here lives only in the enrollment's args until HQ
# confirms it. Searched through ix_outbox_state: only unsettled mutations are read, and only on a miss.
_PENDING_BY_CARD = (
    select(_o.c.member_id)
    .where(
        _o.c.state.in_(PENDING_STATES),
        _o.c.name == Mutation.MEMBER_ENROLL,
        func.json_extract(_o.c.args, "$.card_no") == bindparam("card"),
    )
    .limit(1)
)
# One column by primary key: a whole ORM Policy per scan cost ~4x this read.
_TOLERANCE = select(_p.c.clock_tolerance_seconds).where(_p.c.id == 1)
_LATEST = datetime.max.replace(tzinfo=UTC)


# ---------------------------------------------------------------- resolution


def _known(session: Session, conn: Connection, member_id: str, kind: HitKind) -> ScanHit:
    if conn.execute(_MEMBER_EXISTS, {"member_id": member_id}).first() is not None:
        return ScanHit(member_id=member_id, kind=kind)
    if pending_enrollment(session, member_id) is not None:
        return ScanHit(member_id=member_id, kind=kind, pending_enrollment=True)
    raise MemberNotFound("member_not_local", member_id=member_id, kind=kind)  # the id lets HQ look it up


def _member_code(session: Session, conn: Connection, line: str, now: datetime) -> ScanHit:
    try:
        code = parse_member_code(line)
    except CodeFormatError as exc:
        raise ScanRejected(exc.code, kind="member_code") from None
    except (ValueError, OverflowError):
        # parse_member_code lets a timestamp beyond datetime's range (year > 9999) escape as ValueError.
        raise ScanRejected("malformed_code", kind="member_code") from None
    claims = code.claims
    if not all(v.isprintable() for v in (claims.member_id, claims.key_id, claims.nonce)):
        # JSON escapes can smuggle NULs or lone surrogates (which SQLite cannot even bind) into claims.
        raise ScanRejected("malformed_code", kind="member_code")
    if code.compact:  # names its key by a one-byte tag: try the active keys that carry it
        rows = conn.execute(_ACTIVE_KEYS)
    else:
        rows = conn.execute(_ACTIVE_KEY, {"key_id": claims.key_id})
    found = verifying_key(code, [(key_id, public) for key_id, public in rows])
    if found is None:
        named = f"#{code.key_tag:02x}" if code.compact else claims.key_id
        raise ScanRejected("unknown_key", key_id=named)
    key_id, verified = found
    if not verified:
        raise ScanRejected("forged_code")
    claims = code.with_key_id(key_id).claims
    seconds = conn.execute(_TOLERANCE).scalar()
    if seconds is None:  # no policy pulled yet (a fresh workstation): the model's defaults
        seconds = policy_of(session).clock_tolerance_seconds
    tolerance = timedelta(seconds=seconds)
    # Shift `now`, not the claims: a signed expiry in year 9999 plus the tolerance would overflow.
    if now - tolerance > claims.expires:
        raise ScanRejected("expired_code", expired_at=claims.expires)
    if now + tolerance < claims.issued:
        raise ScanRejected("not_yet_valid", issued_at=claims.issued)
    if conn.execute(_NONCE_SPENT, {"nonce": claims.nonce}).first() is not None:
        raise ScanRejected("replayed_code")
    hit = _known(session, conn, claims.member_id, "member_code")  # may raise: then nothing is written
    # Keep the nonce as long as the code could still be accepted; forget the ones that no longer can.
    keep_until = claims.expires + tolerance if claims.expires < _LATEST - tolerance else _LATEST
    conn.execute(_FORGET_EXPIRED_NONCES, {"now": now})
    conn.execute(_SPEND_NONCE, {"nonce": claims.nonce, "expires_at": keep_until})
    return hit


def _phone(session: Session, conn: Connection, phone: str, cipher: PhoneCipher) -> ScanHit:
    index = cipher.blind_index(phone)
    member_id = conn.execute(_MEMBER_BY_PHONE, {"phone_index": index}).scalar()
    if member_id is not None:
        return ScanHit(member_id=member_id, kind="phone")
    pending = pending_enrollment_by_phone(session, index)
    if pending is not None:
        return ScanHit(member_id=pending, kind="phone", pending_enrollment=True)
    raise MemberNotFound("member_not_local", kind="phone")


def _card(conn: Connection, line: str) -> ScanHit:
    card = parse_card_code(line)  # classify() has checked the shape
    # member_codes.member_id is a foreign key (enforced, ON DELETE CASCADE): a hit is in the replica.
    member_id = conn.execute(_MEMBER_BY_CARD, {"card": card}).scalar()
    if member_id is not None:
        return ScanHit(member_id=member_id, kind="card")
    pending = conn.execute(_PENDING_BY_CARD, {"card": card}).scalar()
    if pending is not None:
        return ScanHit(member_id=pending, kind="card", pending_enrollment=True)
    raise MemberNotFound("member_not_local", kind="card")


def resolve_scan(session: Session, *, text: str, now: datetime, cipher: PhoneCipher) -> ScanHit:
    """Resolve one scanned or typed line to a member on this workstation, or raise a typed error:
    ScanRejected (`unknown_code`, `payment_code`, `malformed_code`, `unknown_key`, `forged_code`,
    `expired_code`, `not_yet_valid`, `replayed_code`) or MemberNotFound (`member_not_local`, with `kind`,
    and `member_id` for a verified dynamic code so the caller can ask HQ).

    `now` is HQ-corrected time (the caller applies the stored clock offset): dynamic codes expire by HQ's
    clock, not by a counter PC's that may be a year off. Writes only the nonce of an accepted dynamic
    code; flushes nothing else and never commits.
    """
    kind = classify(text)
    if kind == "unknown":
        log.info("scan refused: kind=unknown length=%d", len(text))
        raise ScanRejected("unknown_code")
    if kind == "payment":
        log.info("scan refused: kind=payment")  # never the digits, never the length
        raise ScanRejected("payment_code")
    line = _normalised(text)
    conn = session.connection()
    if kind == "member_code":
        return _member_code(session, conn, line, now)
    if kind == "phone":
        return _phone(session, conn, line, cipher)
    return _card(conn, line)


# ---------------------------------------------------------------- a scan at the counter


VISIT_SOURCE: dict[HitKind, str] = {"member_code": "scan", "card": "card", "phone": "phone"}


@dataclass(frozen=True)
class CounterScan:
    """What a scan at the counter shows and what it recorded: the hit, the member card, the contact
    budget (None for a member still pending at HQ) and the visit."""

    hit: ScanHit
    card: MemberCard
    budget: ContactBudget | None
    visit: VisitOutcome
    changes: Changes


def scan_at_counter(
    session: Session, *, text: str, guide: GuideRef, now: datetime, code_now: datetime, cipher: PhoneCipher
) -> CounterScan:
    """Resolve a scanned or typed code, record the visit (served) and build the card, in the caller's one
    transaction: a scan that shows a card has recorded the visit, so no caller can forget it.
    `code_now` is HQ's time by this PC's clock offset, for a dynamic code's expiry; `now` is this PC's."""
    hit = resolve_scan(session, text=text, now=code_now, cipher=cipher)
    visit = record_visit(
        session, member_id=hit.member_id, guide=guide, source=VISIT_SOURCE[hit.kind], now=now
    )
    card = member_card(session, member_id=hit.member_id, viewer=guide, now=now)
    budget = None if card.pending_enrollment else contact_budget(session, member_id=hit.member_id, now=now)
    return CounterScan(hit, card, budget, visit, visit.changes)
