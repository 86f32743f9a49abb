"""Measures a store manager and HQ must compute alike."""

from __future__ import annotations


def join_rate(enrollments: int, declines: int) -> float | None:
    """入会率: enrollments ÷ (enrollments + walk-ins who declined); None when nobody was asked."""
    asked = enrollments + declines
    return None if asked == 0 else enrollments / asked
