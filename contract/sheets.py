"""Exported text must never run as a spreadsheet formula (CSV/formula injection): a cell that starts like
a formula is written with a leading apostrophe, which Excel and WPS show as plain text."""

from __future__ import annotations

from typing import Final

FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def formula_safe(text: str) -> str:
    """`text` as a spreadsheet shows it literally."""
    return "'" + text if text.startswith(FORMULA_START) else text
