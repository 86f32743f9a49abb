"""Typing as a scanner and as a person, with qtbot key events (CONVENTIONS: "A scanner is a fast
keyboard; test it as one"). Shared by the scanner and counter tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ui.scanner import MAX_GAP_MS

PERSON_GAP_MS = 90  # a quick typist's keys are ≥ 80 ms apart
SCANNER_GAP_MS = 2  # a keyboard-mode scanner at ~1 ms per USB report


def type_burst(
    qtbot, widget: QWidget, text: str, *, gap_ms: int = SCANNER_GAP_MS, enter: bool = True
) -> None:  # type: ignore[no-untyped-def]
    """What a keyboard-mode scanner does: a pause (no person types within 35 ms of a scanner's first
    key), then every character `gap_ms` apart, then Enter."""
    qtbot.wait(int(MAX_GAP_MS) + 15)
    for ch in text:
        qtbot.keyClick(widget, ch, delay=gap_ms)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return, delay=gap_ms)


def type_like_a_person(qtbot, widget: QWidget, text: str, *, gap_ms: int = PERSON_GAP_MS) -> None:  # type: ignore[no-untyped-def]
    """A person at the keyboard: each key `gap_ms` after the last (Enter as "\\n")."""
    for ch in text:
        if ch == "\n":
            qtbot.keyClick(widget, Qt.Key.Key_Return, delay=gap_ms)
        else:
            qtbot.keyClick(widget, ch, delay=gap_ms)
    qtbot.wait(int(MAX_GAP_MS) + 15)  # the last key is delivered once it is clearly not a burst
