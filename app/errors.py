"""Typed errors of the client core. Each carries a stable snake_case `code`; `ui/` turns codes into words.

Services raise these for anything a user could cause (bad scan, wrong PIN, rule refused). A caller never
needs to parse a message: it switches on `code` and reads `details`.
"""

from __future__ import annotations

from typing import Any


class GuideDeskError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details

    def __str__(self) -> str:
        if not self.details:
            return self.code
        extra = ", ".join(f"{k}={v!r}" for k, v in sorted(self.details.items()))
        return f"{self.code} ({extra})"


class ScanRejected(GuideDeskError):
    """The scanned text is not something the counter accepts (payment code, forged code, garbage…)."""


class MemberNotFound(GuideDeskError):
    """The code is valid but its member is not on this workstation (code `member_not_local`)."""


class RuleRefused(GuideDeskError):
    """A business rule says no: protection period, already bound, consent missing, contact budget…"""


class AuthError(GuideDeskError):
    """Login, PIN, lock-out and role errors."""


class InvalidInput(GuideDeskError):
    """Arguments that can never be valid (unknown tag, empty note, bad date range)."""
