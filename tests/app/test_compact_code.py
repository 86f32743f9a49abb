"""The compact dynamic member code (`m1.`, DESIGN.md §4): what HQ mints by default, verified offline
exactly as `GDM1` is — and `GDM1` still accepted."""

from __future__ import annotations

import base64
import string
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.db.models import QrKey, UsedNonce
from app.errors import MemberNotFound, ScanRejected
from app.qr import (
    COMPACT_LENGTH,
    COMPACT_PREFIX,
    CodeFormatError,
    compact_key_tag,
    parse_card_code,
    parse_member_code,
    public_key_bytes,
    sign_compact_member_code,
    sign_member_code,
    verify_signature,
    verifying_key,
)
from app.services.scan import ScanHit, classify, resolve_scan
from tests.conftest import T0
from tests.factories import add_member, seed

KEY = Ed25519PrivateKey.generate()
PUBLIC = public_key_bytes(KEY)
TTL, TOLERANCE = 300, 120  # the seeded policy's code TTL and clock tolerance
MEMBER = "6f1c2a9e-3b7d-4c11-9a55-0123456789ab"
B32 = "abcdefghijklmnopqrstuvwxyz234567"
# Characters a US-layout keyboard-mode scanner types without Shift.
UNSHIFTED = set(string.ascii_lowercase + string.digits + "`-=[]\\;',./")

key_ids = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=64)
issued_times = st.integers(0, 0xFFFFFFFF).map(lambda s: datetime.fromtimestamp(s, UTC))


def compact(
    member_id: str = MEMBER, *, issued: datetime = T0, ttl: int = TTL, key_id: str = "k1", **kw
) -> str:
    return sign_compact_member_code(
        KEY, key_id=key_id, member_id=member_id, issued=issued, ttl_seconds=ttl, **kw
    )


def verified_claims(text: str, key_id: str = "k1", public: bytes = PUBLIC):
    parsed = parse_member_code(text)
    found = verifying_key(parsed, [(key_id, public)])
    assert found == (key_id, True)
    return parsed.with_key_id(key_id).claims


# ---------------------------------------------------------------- the format


@settings(max_examples=150, deadline=None)
@given(member=st.uuids(), key_id=key_ids, issued=issued_times, ttl=st.integers(0, 0xFFFF))
def test_any_claims_round_trip_through_149_unshifted_characters(member, key_id, issued, ttl):
    """Whatever HQ signs comes back as the same claims, in 149 characters none of which needs Shift."""
    text = sign_compact_member_code(KEY, key_id=key_id, member_id=str(member), issued=issued, ttl_seconds=ttl)
    assert len(text) == COMPACT_LENGTH == 149 and text.startswith(COMPACT_PREFIX)
    assert set(text) <= UNSHIFTED, "a capital or a shifted symbol costs a Shift and breaks under CapsLock"
    claims = verified_claims(text, key_id)
    assert (claims.member_id, claims.key_id, claims.issued) == (str(member), key_id, issued)
    assert claims.expires - claims.issued == timedelta(seconds=ttl)


@settings(max_examples=60, deadline=None)
@given(member=st.uuids(), issued=issued_times)
def test_capslock_and_shift_cannot_break_it(member, issued):
    """A scanner typing with CapsLock on (or a Shift stuck) gives upper case: the same code, verified."""
    text = compact(str(member), issued=issued)
    for typed in (text.upper(), text.swapcase(), "M1." + text[3:]):
        assert parse_member_code(typed) == parse_member_code(text)
        assert verified_claims(typed).member_id == str(member)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.integers(len(COMPACT_PREFIX), COMPACT_LENGTH - 1), char=st.sampled_from(B32))
def test_any_changed_character_is_refused(position, char):
    """One character changed anywhere in the body is malformed or fails the signature: never accepted.
    (Would catch a format whose signature left part of the claims unsigned.)"""
    text = compact()
    tampered = text[:position] + char + text[position + 1 :]
    if tampered == text:
        return
    try:
        parsed = parse_member_code(tampered)
    except CodeFormatError:
        return
    assert not verify_signature(parsed, PUBLIC)


def test_same_claims_as_a_gdm1_code_of_the_same_member():
    """Both formats carry member, issued, expires and a nonce; only the compact one is 149 characters
    instead of ~250, and its nonce is unique HQ-wide (member + second + random bits)."""
    old = sign_member_code(KEY, key_id="k1", member_id=MEMBER, issued=T0, ttl_seconds=TTL)
    new = compact()
    a, b = verified_claims(old), verified_claims(new)
    assert (a.member_id, a.key_id, a.issued, a.expires) == (b.member_id, b.key_id, b.issued, b.expires)
    assert len(old) > 240 and len(new) == 149
    assert b.nonce.startswith(uuid.UUID(MEMBER).hex) and len(b.nonce) == 48
    assert verified_claims(compact()).nonce != b.nonce  # fresh random bits each mint


@pytest.mark.parametrize(
    "text",
    [
        COMPACT_PREFIX,
        COMPACT_PREFIX + "a" * 145,  # one character short
        COMPACT_PREFIX + "a" * 147,  # one too many
        COMPACT_PREFIX + "a" * 145 + "1",  # 1 is not base32
        COMPACT_PREFIX + "a" * 145 + "b",  # the two spare bits set: HQ never mints that
        "m1:" + "a" * 146,
    ],
)
def test_malformed_compact_codes(text):
    """Wrong length, a character outside lowercase base32 or spare bits set: malformed, no crash."""
    with pytest.raises(CodeFormatError):
        parse_member_code(text)


@pytest.mark.parametrize(
    ("member_id", "ttl", "issued"),
    [
        ("m-1", TTL, T0),  # not a UUID
        (MEMBER.upper(), TTL, T0),  # not the canonical text: would not come back the same
        (MEMBER, 0x10000, T0),  # lifetime over 18 hours
        (MEMBER, TTL, datetime(2107, 1, 1, tzinfo=UTC)),  # issued after 2106
    ],
)
def test_claims_that_do_not_fit_are_not_minted_compact(member_id, ttl, issued):
    """Claims the layout cannot carry exactly raise instead of coming back different."""
    with pytest.raises(ValueError):
        compact(member_id, ttl=ttl, issued=issued)


def test_the_key_tag_names_the_key_and_a_wrong_key_is_forged():
    """The verifier tries only the keys whose tag matches; a matching tag with another key is forged."""
    parsed = parse_member_code(compact(key_id="k1"))
    other = public_key_bytes(Ed25519PrivateKey.generate())
    others = [k for k in (f"k{i}" for i in range(2, 600)) if compact_key_tag(k) != compact_key_tag("k1")]
    assert verifying_key(parsed, [(others[0], PUBLIC)]) is None  # no key carries the tag: unknown key
    assert verifying_key(parsed, [("k1", other)]) == ("k1", False)  # forged
    assert verifying_key(parsed, [(others[0], other), ("k1", other), ("k1", PUBLIC)]) == ("k1", True)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=4, max_size=32))
def test_no_card_number_is_taken_for_a_compact_code(card):
    """Card numbers ([A-Za-z0-9-]{4,32}) can never start with the compact prefix: its "." is outside
    their alphabet, so every card keeps being looked up as a card."""
    assert parse_card_code(card) == card
    assert classify(card) in {"card", "phone", "payment"}


# ---------------------------------------------------------------- at the counter (offline verification)


@pytest.fixture
def store(ws):
    seeded = seed(ws)
    with ws.db.transaction() as s:
        add_member(s, ws.cipher, member_id=MEMBER, store_id="store-a", card_no="8800009999", name="冯雪",
                   phone="13300001111")  # fmt: skip
        s.execute(update(QrKey).where(QrKey.key_id == "k1").values(public_key=PUBLIC))
    return seeded


def scan(ws, text: str, now: datetime = T0) -> ScanHit:
    with ws.db.transaction() as s:
        return resolve_scan(s, text=text, now=now, cipher=ws.cipher)


def refused(ws, text: str, now: datetime = T0) -> str:
    with ws.db.transaction() as s, pytest.raises((ScanRejected, MemberNotFound)) as exc:
        resolve_scan(s, text=text, now=now, cipher=ws.cipher)
    return exc.value.code


def test_a_compact_code_opens_the_card_once(ws, store):
    """Scanned, it opens the card and spends its nonce; shown again it is a replay."""
    text = compact()
    assert classify(text) == "member_code"
    assert scan(ws, text + "\r\n") == ScanHit(member_id=MEMBER, kind="member_code")
    assert refused(ws, text) == "replayed_code"
    assert refused(ws, text.upper()) == "replayed_code", "case must not make a replay look new"
    with ws.db.read() as s:
        assert s.scalar(select(UsedNonce.expires_at)) == T0 + timedelta(seconds=TTL + TOLERANCE)


def test_capslock_typed_compact_code_opens_the_card(ws, store):
    """A scanner typing with CapsLock on gives `M1.` and capitals: the card opens all the same."""
    assert scan(ws, compact().upper()).member_id == MEMBER


def test_expiry_honours_the_clock_tolerance(ws, store):
    """Expired within the tolerance still passes; beyond it refused; issued in the future likewise."""
    assert scan(ws, compact(), T0 + timedelta(seconds=TTL + TOLERANCE)).member_id == MEMBER
    late = T0 + timedelta(seconds=TTL + TOLERANCE + 1)
    assert refused(ws, compact(), late) == "expired_code"
    assert refused(ws, compact(), T0 - timedelta(seconds=TOLERANCE + 1)) == "not_yet_valid"


def test_forged_and_unknown_key(ws, store):
    """Another key's signature is forged; a key this workstation does not hold, or one HQ retired, is
    unknown — and nothing is written either way."""
    forger = Ed25519PrivateKey.generate()
    forged = sign_compact_member_code(forger, key_id="k1", member_id=MEMBER, issued=T0, ttl_seconds=TTL)
    assert refused(ws, forged) == "forged_code"
    tag_free = next(
        k for k in (f"k{i}" for i in range(2, 600)) if compact_key_tag(k) != compact_key_tag("k1")
    )
    assert refused(ws, compact(key_id=tag_free)) == "unknown_key"
    body = bytearray(base64.b32decode(compact()[3:].upper() + "======"))
    body[-1] ^= 1
    flipped = COMPACT_PREFIX + base64.b32encode(bytes(body)).decode().rstrip("=").lower()
    assert refused(ws, flipped) == "forged_code"
    with ws.db.transaction() as s:
        s.execute(update(QrKey).values(active=False))
    assert refused(ws, compact()) == "unknown_key"
    with ws.db.read() as s:
        assert s.scalar(select(UsedNonce.nonce)) is None


def test_gdm1_codes_are_still_accepted(ws, store):
    """Codes minted before the compact format keep working, side by side with compact ones."""
    old = sign_member_code(KEY, key_id="k1", member_id=MEMBER, issued=T0, ttl_seconds=TTL)
    assert scan(ws, old).member_id == MEMBER
    assert scan(ws, compact()).member_id == MEMBER
    assert refused(ws, old) == "replayed_code"


def test_a_compact_code_of_a_member_elsewhere_carries_the_id_for_an_hq_lookup(ws, store):
    """A verified compact code of a member not held here names the member, so HQ can be asked."""
    other = str(uuid.uuid4())
    with ws.db.transaction() as s, pytest.raises(MemberNotFound) as exc:
        resolve_scan(s, text=compact(other), now=T0, cipher=ws.cipher)
    assert exc.value.details == {"member_id": other, "kind": "member_code"}
