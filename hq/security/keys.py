"""Keys derived from the master secret (HKDF-SHA256, one label per purpose) and sealing with them.

One master secret, several independent keys: the cursor HMAC key and the key that seals QR signing keys
cannot be confused, and neither reveals the other.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CURSOR_KEY = b"guidedesk-hq/cursor/v1"
QR_SEAL_KEY = b"guidedesk-hq/qr-seal/v1"


class UnsealError(Exception):
    """The sealed bytes were not made with this key (the master secret changed) or were altered."""


def derive_key(master_secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        master_secret.encode("utf-8")
    )


def seal(key: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, *, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)
    except (InvalidTag, ValueError) as exc:
        raise UnsealError("cannot unseal") from exc
