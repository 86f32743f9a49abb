"""Member and guide code formats, shared with HQ, and their QR images.

Formats (DESIGN.md §4):

- `GDM1:<payload>.<sig>` — a dynamic member code. `payload` is base64url (no padding) of canonical JSON
  `{"mid", "kid", "iat", "exp", "nonce"}`; `sig` is base64url of the Ed25519 signature over the ASCII
  text `GDM1:<payload>`. HQ alone holds the private key; workstations verify with synced public keys.
- `GDC1:<card no>` — a static member card.
- `GDG1:<guide id>` — a guide's personal binding code (shown on screen or printed as a poster).

Parsing is strict and total: any input gives a value or a `CodeFormatError` with a code, never another
exception, because scanned text is untrusted.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.sync.protocol import canonical_json

MEMBER_PREFIX = "GDM1:"
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
    """A parsed but not yet verified `GDM1:` code."""

    claims: MemberCodeClaims
    signed_text: bytes
    signature: bytes


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


def parse_member_code(text: str) -> SignedMemberCode:
    """Split and decode a `GDM1:` code; raises CodeFormatError(`malformed_code`) on any defect."""
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
