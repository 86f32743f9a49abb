"""Device tokens and enrollment codes: random, shown once, stored only as SHA-256.

Both are high-entropy random strings, so a fast hash is right here (a slow KDF buys nothing against a
256-bit token and would cost every request). Enrollment codes are short enough to type — 12 characters
from an alphabet without look-alikes (~60 bits) — which is safe because they expire, work once, and
failed tries are rate-limited.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12
MAX_CODE_INPUT = 64


def new_device_token() -> str:
    return "gdt_" + secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_enrollment_code() -> str:
    """`ABCD-EFGH-JKLM`: what the admin reads out or pastes to the store."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_enrollment_code(text: str) -> str | None:
    """The canonical form of a typed code (case, dashes and spaces forgiven), or None if it cannot be
    one. Hash only the canonical form."""
    if len(text) > MAX_CODE_INPUT:
        return None
    raw = "".join(ch for ch in text.upper() if ch not in "- \t")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return raw


ADMIN_TOKEN_MIN = 32


def admin_token_weakness(token: str) -> str | None:
    """Why an admin token is too weak to start with, or None. The admin token can issue enrollment codes,
    that is, a whole store's data: it must be ≥ 32 characters that look random (a heuristic floor —
    `guidedesk-hq gen-token` or `python -c "import secrets; print(secrets.token_urlsafe(32))"` make one):
    at least 10 distinct characters, no 5 characters repeated, not mostly a run like `abcd…`/`1234…`."""
    if len(token) < ADMIN_TOKEN_MIN:
        return "too_short"
    if len(set(token)) < 10:
        return "too_few_distinct_characters"
    grams = [token[i : i + 5] for i in range(len(token) - 4)]
    if len(set(grams)) < len(grams):
        return "repeats"
    steps = sum(1 for a, b in itertools.pairwise(token) if abs(ord(a) - ord(b)) <= 1)
    if steps > len(token) // 2:
        return "sequence"
    return None


def new_admin_token() -> str:
    while True:  # about one draw in 200,000 trips the heuristic: draw again
        token = secrets.token_urlsafe(32)
        if admin_token_weakness(token) is None:
            return token
