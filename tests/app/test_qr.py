"""QR images of guide and member codes: crisp black-and-white modules at counter-screen and poster sizes."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from app.qr import guide_code, qr_png_for_width, sign_member_code


def _modules(text: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()


@pytest.mark.parametrize("width", [300, 2000])
def test_guide_code_png_is_crisp_at_screen_and_poster_size(width):
    """Every module is a block of whole pixels, pure black or white: scanners read posters and screens."""
    text = guide_code("6f1c2a9e-0000-4000-8000-000000000001")
    image = Image.open(io.BytesIO(qr_png_for_width(text, width))).convert("L")
    assert image.width >= width and image.width == image.height
    assert {value for _count, value in image.getcolors()} <= {0, 255}, "no grey anti-aliased edges"
    matrix = _modules(text)
    box = image.width // len(matrix)
    assert box * len(matrix) == image.width
    sampled = [
        [image.getpixel((x * box + box // 2, y * box + box // 2)) == 0 for x in range(len(matrix))]
        for y in range(len(matrix))
    ]
    assert sampled == matrix, "the picture carries exactly the code's modules"


def test_member_code_fits_a_phone_screen():
    """A signed member code stays a QR version a phone shows legibly (≤ 61 modules wide at 'M')."""
    code = sign_member_code(
        Ed25519PrivateKey.generate(),
        key_id="k1",
        member_id="6f1c2a9e-0000-4000-8000-0000000000aa",
        issued=datetime(2026, 11, 19, tzinfo=UTC),
        ttl_seconds=300,
    )
    assert len(_modules(code)) <= 61 + 8


@pytest.mark.parametrize(
    "claims",
    [
        {"mid": "m-1", "kid": "k1", "iat": 253402300800, "exp": 253402300900, "nonce": "n"},  # past year 9999
        {"mid": "m\x00", "kid": "k1", "iat": 1, "exp": 2, "nonce": "n"},
        {"mid": "m-1", "kid": "\ud800", "iat": 1, "exp": 2, "nonce": "n"},
        {"mid": "m-1", "kid": "k1", "iat": True, "exp": 2, "nonce": "n"},
    ],
)
def test_hostile_claims_are_malformed_not_a_crash(claims):
    """A forged code with absurd claims is refused as malformed before any signature or database work."""
    import base64
    import json

    from app.qr import CodeFormatError, parse_member_code

    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(CodeFormatError) as exc:
        parse_member_code(f"GDM1:{payload}.AAAA")
    assert exc.value.code == "malformed_code"
