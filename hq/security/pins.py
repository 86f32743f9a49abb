"""PIN hashes for offline login, made at HQ and synced per store. The format is the one the workstation
verifies (app/security/pins.py: `scrypt$n$r$p$salt$digest`, base64); HQ cannot import it, so it is
written here again and tests/hq check a hash made here with the workstation's verifier."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_R, _P = 8, 1
# scrypt cost: ~30 ms per hash. Module-level so a test suite creating hundreds of guides can lower it
# (the verifier reads the cost from the hash string, so cheaper hashes still verify).
COST_N = 2**14
PIN_MIN, PIN_MAX = 4, 12


def valid_pin(pin: str) -> bool:
    return PIN_MIN <= len(pin) <= PIN_MAX and pin.isascii() and pin.isdigit()


def hash_pin(pin: str, *, n: int | None = None) -> str:
    n = n or COST_N
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=_R, p=_P, dklen=32)
    return f"scrypt${n}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        digest = hashlib.scrypt(
            pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=2**26
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)
