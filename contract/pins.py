"""PIN hashes for offline login: scrypt with a per-PIN salt, in a self-describing string
`scrypt$n$r$p$salt$digest` (salt and digest base64).

HQ makes the hashes and syncs them per store; the workstation only verifies. Verification is constant
time and reads the cost from the hash, but refuses one cheaper than `MIN_COST_N`/`MIN_COST_R` (test
suites lower both). The cost (n=2**14) keeps one check near 30 ms: unnoticeable at login; a stolen
disk's guesser needs ~8 CPU-hours per guide for the 10**6 PINs of six digits (docs/security.md says why
that is accepted), and at the counter the lock-out allows 5 tries per 5 minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_R, _P = 8, 1
# scrypt cost. Module-level so a test suite creating hundreds of guides can lower it.
COST_N = 2**14
# The least cost a stored hash may name and still verify: a replica planted or left with cheap hashes
# must not make a stolen workstation's PINs cheap to guess. Module-level so test suites can lower it.
MIN_COST_N, MIN_COST_R = 2**14, 8
PIN_MIN, PIN_MAX = 6, 12


def valid_pin(pin: str) -> bool:
    """A PIN HQ accepts: 6 to 12 ASCII digits (a million tries or more at ~30 ms each offline)."""
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
        if int(n) < MIN_COST_N or int(r) < MIN_COST_R or int(p) < 1:
            return False  # too cheap to be one of ours: refused, never "good enough"
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        digest = hashlib.scrypt(
            pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=2**26
        )
    except ValueError:  # a malformed stored hash never matches
        return False
    return hmac.compare_digest(digest, expected)
