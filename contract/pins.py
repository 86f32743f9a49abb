"""PIN hashes for offline login: scrypt with a per-PIN salt, in a self-describing string
`scrypt$n$r$p$salt$digest` (salt and digest base64).

HQ makes the hashes and syncs them per store; the workstation only verifies. Verification is constant
time and reads the cost from the hash, so hashes made cheaper (tests) still verify. The cost (n=2**14)
keeps one check near 30 ms: unnoticeable at login, slow for a stolen-disk guess run over a 6-digit PIN
space together with the 5-try lock-out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_R, _P = 8, 1
# scrypt cost. Module-level so a test suite creating hundreds of guides can lower it.
COST_N = 2**14
PIN_MIN, PIN_MAX = 4, 12


def valid_pin(pin: str) -> bool:
    """A PIN HQ accepts: 4 to 12 ASCII digits."""
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
    except ValueError:  # a malformed stored hash never matches
        return False
    return hmac.compare_digest(digest, expected)
