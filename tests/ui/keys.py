"""Typing as a scanner and as a person, with qtbot key events (CONVENTIONS: "A scanner is a fast
keyboard; test it as one"). Shared by the scanner and counter tests.

The filter's clock is virtual while the `scan_clock` fixture is active (use it in a test module with
`from tests.ui.keys import scan_clock` and `pytestmark = pytest.mark.usefixtures("scan_clock")`): each
helper advances it by the gap it types with, and also waits that long for real, so the keys are real
qtbot key events at scanner or person speed, but a machine busy with other work (a stalled test
process) cannot make a 2 ms burst look like a person pausing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

import ui.scanner
from ui.scanner import MAX_GAP_MS

PERSON_GAP_MS = 90  # a quick typist's keys are ≥ 80 ms apart
SCANNER_GAP_MS = 2  # a keyboard-mode scanner at ~1 ms per USB report


class VirtualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms / 1000


@pytest.fixture
def scan_clock() -> Iterator[VirtualClock]:
    clock = VirtualClock()
    saved, ui.scanner.CLOCK = ui.scanner.CLOCK, clock
    try:
        yield clock
    finally:
        ui.scanner.CLOCK = saved


def _virtual() -> VirtualClock | None:
    clock = ui.scanner.CLOCK
    return clock if isinstance(clock, VirtualClock) else None


def _key(qtbot, widget: QWidget, key: str | Qt.Key, gap_ms: int) -> None:  # type: ignore[no-untyped-def]
    clock = _virtual()
    if clock is not None:
        clock.advance(gap_ms)
    qtbot.keyClick(widget, key, delay=gap_ms)


def pause(qtbot, ms: int) -> None:  # type: ignore[no-untyped-def]
    clock = _virtual()
    if clock is not None:
        clock.advance(ms)
    qtbot.wait(ms)


SHIFTED = set('ABCDEFGHIJKLMNOPQRSTUVWXYZ~!@#$%^&*()_+{}|:"<>?')  # need Shift on a US layout


def type_burst(  # type: ignore[no-untyped-def]
    qtbot,
    widget: QWidget,
    text: str,
    *,
    gap_ms: int = SCANNER_GAP_MS,
    enter: bool = True,
    shift_keys: bool = False,
) -> None:
    """What a keyboard-mode scanner does: a pause (no person types within 35 ms of a scanner's first
    key), then every character `gap_ms` apart, then Enter. With `shift_keys`, a character that needs
    Shift comes between Shift key presses of its own, as many scanners send it."""
    pause(qtbot, int(MAX_GAP_MS) + 15)
    for ch in text:
        if shift_keys and ch in SHIFTED:
            qtbot.keyPress(widget, Qt.Key.Key_Shift, delay=gap_ms)
            _key(qtbot, widget, ch, gap_ms)
            qtbot.keyRelease(widget, Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier)
        else:
            _key(qtbot, widget, ch, gap_ms)
    if enter:
        _key(qtbot, widget, Qt.Key.Key_Return, gap_ms)


def type_like_a_person(qtbot, widget: QWidget, text: str, *, gap_ms: int = PERSON_GAP_MS) -> None:  # type: ignore[no-untyped-def]
    """A person at the keyboard: each key `gap_ms` after the last ("\\n" is Enter)."""
    for ch in text:
        _key(qtbot, widget, Qt.Key.Key_Return if ch == "\n" else ch, gap_ms)
    pause(qtbot, int(MAX_GAP_MS) + 15)  # the last key is delivered once it is clearly not a burst
