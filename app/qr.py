"""Member and guide code formats, shared with HQ, and their QR images.

Formats (DESIGN.md §4):

- `GDM1:<payload>.<sig>` — a dynamic member code. `payload` is base64url (no padding) of canonical JSON
  `{"mid", "kid", "iat", "exp", "nonce"}`; `sig` is base64url of the Ed25519 signature over the ASCII
  text `GDM1:<payload>`. HQ alone holds the private key; workstations verify with synced public keys.
- `m1.<base32>` — the compact dynamic member code (DESIGN.md §4), HQ's default: the same claims in
  binary and the same Ed25519 signature, in lowercase base32, 149 characters in all. No character needs
  Shift on a keyboard-mode scanner and case carries no meaning (CapsLock cannot break it): `M1.` and
  upper-case base32 read the same. The 91 bytes after the prefix:

  | bytes | field |
  |---|---|
  | 0 | key tag: first byte of SHA-256 of the key id (the verifier tries its active keys with this tag) |
  | 1–16 | member id, a UUID (HQ's member ids are UUIDs; any other id is minted as `GDM1`) |
  | 17–20 | issued, Unix seconds, unsigned big-endian (until 2106) |
  | 21–22 | lifetime in seconds (expires = issued + lifetime; ≤ 65,535, longer is minted as `GDM1`) |
  | 23–26 | 32 random bits |
  | 27–90 | Ed25519 signature over `m1.` + bytes 0–26 |

  Its `nonce` claim is the hex of member id + issued + random bits: unique HQ-wide (two codes collide
  only for the same member in the same second with the same 32 random bits), so replay stores keyed by
  the nonce alone stay sound, at 4 bytes instead of 8 random ones on the code. Its `key_id` claim is the
  id of the active key whose tag matches and whose public key verifies the signature.
  Why 149 characters: DESIGN.md §7 budgets a dynamic code typed by a keyboard-mode scanner at ≤ 0.3 s
  at 1 ms per USB report, i.e. ≤ 150 key strokes (a key-down and a key-up report each) with the Enter.
- `GDC1:<card no>` — a static member card.
- `GDG1:<guide id>` — a guide's personal binding code (shown on screen or printed as a poster).

Parsing is strict and total: any input gives a value or a `CodeFormatError` with a code, never another
exception, because scanned text is untrusted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contract.wire import canonical_json

MEMBER_PREFIX = "GDM1:"
COMPACT_PREFIX = "m1."  # lower case, and "." is outside card numbers' alphabet, phones' and payment codes'
COMPACT_LENGTH = 149  # len(COMPACT_PREFIX) + base32 of 91 bytes without padding
COMPACT_MAX_TTL = 0xFFFF
_COMPACT_CLAIMS = 27  # bytes before the signature
_COMPACT_BODY = re.compile(r"[a-z2-7]{146}")
CARD_PREFIX = "GDC1:"
GUIDE_PREFIX = "GDG1:"
MAX_CODE_LENGTH = 512  # a real GDM1 code is ~230 characters
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_CARD_NO = re.compile(r"[A-Za-z0-9-]{4,32}")
_PRINTABLE_ID = re.compile(r"[\x21-\x7e]+")  # ids, key ids and nonces are printable ASCII
MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z: the last instant a datetime can hold


class CodeFormatError(Exception):
    """The text is not a well-formed code of the expected kind."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise CodeFormatError("malformed_code")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CodeFormatError("malformed_code") from exc


@dataclass(frozen=True)
class MemberCodeClaims:
    member_id: str
    key_id: str
    issued: datetime
    expires: datetime
    nonce: str


@dataclass(frozen=True)
class SignedMemberCode:
    """A parsed but not yet verified member code, `GDM1:` or compact.

    A compact code names its key by a one-byte tag only: until `with_key_id` its `claims.key_id` is ""
    and `key_tag` holds the tag. `matches_key` tells which of the verifier's keys to try."""

    claims: MemberCodeClaims
    signed_text: bytes
    signature: bytes
    key_tag: int | None = None  # compact codes only

    @property
    def compact(self) -> bool:
        return self.key_tag is not None

    def matches_key(self, key_id: str) -> bool:
        if self.key_tag is None:
            return key_id == self.claims.key_id
        return compact_key_tag(key_id) == self.key_tag

    def with_key_id(self, key_id: str) -> SignedMemberCode:
        """The same code with the key id whose public key verified it (compact codes)."""
        return replace(self, claims=replace(self.claims, key_id=key_id))


def sign_member_code(
    private_key: Ed25519PrivateKey,
    *,
    key_id: str,
    member_id: str,
    issued: datetime,
    ttl_seconds: int,
    nonce: str | None = None,
) -> str:
    """Mint a dynamic member code (HQ and tests only: workstations hold no private key)."""
    iat = int(issued.timestamp())
    payload = {
        "mid": member_id,
        "kid": key_id,
        "iat": iat,
        "exp": iat + ttl_seconds,
        "nonce": nonce or secrets.token_hex(8),
    }
    head = MEMBER_PREFIX + _b64e(canonical_json(payload))
    return head + "." + _b64e(private_key.sign(head.encode("ascii")))


def compact_key_tag(key_id: str) -> int:
    return hashlib.sha256(key_id.encode("utf-8")).digest()[0]


def compact_representable(*, member_id: str, ttl_seconds: int) -> bool:
    """Whether claims fit the compact layout (a UUID member id in canonical text, a lifetime ≤ 18 h)."""
    try:
        canonical = str(uuid.UUID(member_id)) == member_id
    except ValueError:
        canonical = False
    return canonical and 0 <= ttl_seconds <= COMPACT_MAX_TTL


def sign_compact_member_code(
    private_key: Ed25519PrivateKey,
    *,
    key_id: str,
    member_id: str,
    issued: datetime,
    ttl_seconds: int,
    random_bits: bytes | None = None,
) -> str:
    """Mint a compact dynamic member code (HQ and tests only). ValueError when the claims do not fit
    the layout (see `compact_representable`) or `issued` is outside 1970–2106."""
    if not compact_representable(member_id=member_id, ttl_seconds=ttl_seconds):
        raise ValueError("claims do not fit the compact member code")
    iat = int(issued.timestamp())
    if not 0 <= iat <= 0xFFFFFFFF:
        raise ValueError("issued outside 1970-2106 does not fit the compact member code")
    random_bits = secrets.token_bytes(4) if random_bits is None else random_bits
    if len(random_bits) != 4:
        raise ValueError("a compact code carries exactly 4 random bytes")
    claims = (
        bytes([compact_key_tag(key_id)])
        + uuid.UUID(member_id).bytes
        + iat.to_bytes(4, "big")
        + ttl_seconds.to_bytes(2, "big")
        + random_bits
    )
    signature = private_key.sign(COMPACT_PREFIX.encode("ascii") + claims)
    return COMPACT_PREFIX + base64.b32encode(claims + signature).decode("ascii").rstrip("=").lower()


def is_member_code(text: str) -> bool:
    """Whether the text claims to be a dynamic member code of either format (by its prefix alone)."""
    return text.startswith(MEMBER_PREFIX) or text[: len(COMPACT_PREFIX)].lower() == COMPACT_PREFIX


def _parse_compact(text: str) -> SignedMemberCode:
    if len(text) != COMPACT_LENGTH:
        raise CodeFormatError("malformed_code")
    body = text[len(COMPACT_PREFIX) :].lower()  # case carries no meaning in this format
    if not _COMPACT_BODY.fullmatch(body):
        raise CodeFormatError("malformed_code")
    raw = base64.b32decode(body.upper() + "======")  # 146 characters = 91 bytes and 2 spare bits
    if base64.b32encode(raw).decode("ascii").rstrip("=").lower() != body:
        raise CodeFormatError("malformed_code")  # the spare bits set: not a code HQ minted
    claims, signature = raw[:_COMPACT_CLAIMS], raw[_COMPACT_CLAIMS:]
    member, iat = claims[1:17], int.from_bytes(claims[17:21], "big")
    ttl = int.from_bytes(claims[21:23], "big")
    return SignedMemberCode(
        claims=MemberCodeClaims(
            member_id=str(uuid.UUID(bytes=member)),
            key_id="",
            issued=datetime.fromtimestamp(iat, UTC),
            expires=datetime.fromtimestamp(iat + ttl, UTC),
            nonce=(member + claims[17:21] + claims[23:27]).hex(),
        ),
        signed_text=COMPACT_PREFIX.encode("ascii") + claims,
        signature=signature,
        key_tag=claims[0],
    )


def parse_member_code(text: str) -> SignedMemberCode:
    """Split and decode a dynamic member code, `GDM1:` or compact (any case); raises
    CodeFormatError(`malformed_code`) on any defect."""
    if text[: len(COMPACT_PREFIX)].lower() == COMPACT_PREFIX:
        return _parse_compact(text)
    if not text.startswith(MEMBER_PREFIX) or len(text) > MAX_CODE_LENGTH:
        raise CodeFormatError("malformed_code")
    head, dot, sig_text = text.rpartition(".")
    if not dot or not head.startswith(MEMBER_PREFIX):
        raise CodeFormatError("malformed_code")
    payload_raw = _b64d(head[len(MEMBER_PREFIX) :])
    signature = _b64d(sig_text)
    try:
        payload: Any = json.loads(payload_raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CodeFormatError("malformed_code") from exc
    if not isinstance(payload, dict):
        raise CodeFormatError("malformed_code")
    try:
        mid, kid, nonce = payload["mid"], payload["kid"], payload["nonce"]
        iat, exp = payload["iat"], payload["exp"]
        if not all(
            isinstance(v, str) and 0 < len(v) <= 64 and _PRINTABLE_ID.fullmatch(v) for v in (mid, kid, nonce)
        ):
            raise CodeFormatError("malformed_code")
        if not all(type(v) is int and 0 <= v <= MAX_TIMESTAMP for v in (iat, exp)):
            raise CodeFormatError("malformed_code")
        claims = MemberCodeClaims(
            member_id=mid,
            key_id=kid,
            issued=datetime.fromtimestamp(iat, UTC),
            expires=datetime.fromtimestamp(exp, UTC),
            nonce=nonce,
        )
    except KeyError as exc:
        raise CodeFormatError("malformed_code") from exc
    return SignedMemberCode(claims=claims, signed_text=head.encode("ascii"), signature=signature)


def verify_signature(code: SignedMemberCode, public_key_raw: bytes) -> bool:
    """True when HQ's key `public_key_raw` (32 raw bytes) signed this code."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key_raw).verify(code.signature, code.signed_text)
    except (InvalidSignature, ValueError):
        return False
    return True


def verifying_key(code: SignedMemberCode, keys: Iterable[tuple[str, bytes]]) -> tuple[str, bool] | None:
    """Which of the active `keys` (key id, raw public key) the code names, and whether it verifies:
    None when it names none of them (unknown key); (key id, False) when it names one but no named key
    verifies it (forged); (key id, True) for the key that verifies it."""
    named = None
    for key_id, public in keys:
        if not code.matches_key(key_id):
            continue
        if verify_signature(code, public):
            return key_id, True
        named = named or key_id
    return None if named is None else (named, False)


def parse_card_code(text: str) -> str:
    """The card number of a `GDC1:` code or of a bare card number."""
    card = text[len(CARD_PREFIX) :] if text.startswith(CARD_PREFIX) else text
    if not _CARD_NO.fullmatch(card):
        raise CodeFormatError("malformed_code")
    return card


def guide_code(guide_id: str) -> str:
    return GUIDE_PREFIX + guide_id


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


# ---------------------------------------------------------------- images


def _qr(text: str, *, box_size: int, border: int) -> Any:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    # Medium error correction survives a scratched poster or a cracked phone screen.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    return qr


def qr_png(text: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """A PNG of `text` as a QR code, `box_size` whole pixels per module so edges stay crisp."""
    image = _qr(text, box_size=box_size, border=border).make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_png_for_width(text: str, width_px: int, *, border: int = 4) -> bytes:
    """A PNG at least `width_px` wide with whole-pixel modules (no resampling blur): a counter screen
    (~300 px) or an A4 poster at 300 dpi (~2,000 px)."""
    modules = _qr(text, box_size=1, border=border).modules_count + 2 * border
    return qr_png(text, box_size=max(1, -(-width_px // modules)), border=border)
