"""Scanner input (ui/scanner.py): bursts from a keyboard-mode scanner are scans wherever focus is on the
page, a person's typing reaches the field typed into, a serial scanner hands over whole lines, and a
till's CapsLock or full-width input method does not break a code."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from app.qr import sign_compact_member_code, sign_member_code
from tests.ui.keys import scan_clock, type_burst, type_like_a_person
from ui.scanner import KeyboardScanFilter, ScannerInput, ScanStats, describe_stats, recover

pytestmark = pytest.mark.usefixtures("scan_clock")  # stalls of a loaded machine do not cut bursts
assert scan_clock  # the fixture, imported

KEY = Ed25519PrivateKey.generate()
MEMBER = str(uuid.UUID(int=0x6F1C2A9E3B7D4C119A550123456789AB))
T0 = datetime(2026, 11, 19, 2, 0, tzinfo=UTC)
GDM1 = sign_member_code(KEY, key_id="k1", member_id=MEMBER, issued=T0, ttl_seconds=300)
COMPACT = sign_compact_member_code(KEY, key_id="k1", member_id=MEMBER, issued=T0, ttl_seconds=300)


class Page(QWidget):
    """A counter-like page: the scan field, a note field, a search box and a label."""

    def __init__(self) -> None:
        super().__init__()
        self.scan_edit = QLineEdit()
        self.note_edit = QPlainTextEdit()
        self.search = QLineEdit()
        self.label = QLabel("card")
        layout = QVBoxLayout(self)
        for w in (self.scan_edit, self.note_edit, self.search, self.label):
            layout.addWidget(w)
        self.scanner = ScannerInput(self, self.scan_edit)
        self.scans: list[str] = []
        self.scanner.scanned.connect(self.scans.append)


@pytest.fixture
def page(qtbot):  # type: ignore[no-untyped-def]
    widget = Page()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    yield widget
    widget.scanner.keyboard.remove()


def focus(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


@pytest.mark.parametrize("code", [COMPACT, GDM1], ids=["compact", "gdm1"])
def test_a_burst_into_the_note_field_goes_to_the_scanner(qtbot, page, code):
    """A scan while the guide writes a note: the code is scanned, the note is left exactly as it was
    (text and cursor). Would catch a filter that lets the burst's first keys into the field."""
    page.note_edit.setPlainText("回访")
    page.note_edit.moveCursor(QTextCursor.MoveOperation.End)
    focus(qtbot, page.note_edit)
    type_like_a_person(qtbot, page.note_edit, " ok")
    cursor = page.note_edit.textCursor().position()
    type_burst(qtbot, page.note_edit, code)
    assert page.scans == [code]
    assert page.note_edit.toPlainText() == "回访 ok"
    assert page.note_edit.textCursor().position() == cursor
    stats = page.scanner.last_scan
    assert stats is not None and stats.burst and stats.dynamic_code and stats.whole


def test_a_person_typing_in_the_note_field_is_not_a_scan(qtbot, page):
    """Human-speed typing, Enter included, reaches the note field in order; nothing is scanned."""
    focus(qtbot, page.note_edit)
    type_like_a_person(qtbot, page.note_edit, "call 13800001234\nok")
    assert page.note_edit.toPlainText() == "call 13800001234\nok"
    assert page.scans == []


def test_a_burst_anywhere_on_the_page_is_a_scan(qtbot, page):
    """Focus in the search box or on a label: a burst is still a scan and the box keeps its text."""
    focus(qtbot, page.search)
    type_like_a_person(qtbot, page.search, "li")
    type_burst(qtbot, page.search, "8800001234")
    assert page.search.text() == "li"
    page.label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    focus(qtbot, page.label)
    type_burst(qtbot, page.label, COMPACT)
    assert page.scans == ["8800001234", COMPACT]


def test_the_scan_field_takes_a_phone_typed_by_hand_and_a_burst(qtbot, page):
    """In the scan field a person's typing is a scan too (a phone number), and so is a burst; the
    field is emptied for the next shopper."""
    focus(qtbot, page.scan_edit)
    type_like_a_person(qtbot, page.scan_edit, "13800001234\n")
    type_burst(qtbot, page.scan_edit, GDM1)
    assert page.scans == ["13800001234", GDM1]
    assert page.scan_edit.text() == ""
    assert page.scanner.last_scan is not None and page.scanner.last_scan.burst


def test_a_burst_after_leftovers_in_the_scan_field_is_the_code_alone(qtbot, page):
    """A person typed "138" and walked away; the next scan is the code, not "138" + code."""
    focus(qtbot, page.scan_edit)
    type_like_a_person(qtbot, page.scan_edit, "138")
    type_burst(qtbot, page.scan_edit, COMPACT)
    assert page.scans == [COMPACT]


def test_the_scan_field_has_its_input_method_off(page):
    """A Pinyin input method must not swallow a scan: the scan field takes raw Latin keys."""
    assert not page.scan_edit.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)
    assert page.scan_edit.inputMethodHints() & Qt.InputMethodHint.ImhLatinOnly


def test_a_scanner_that_sends_shift_as_its_own_key(qtbot, page):
    """Many scanners press Shift as a key of its own for each capital of a GDM1 code: the Shift key
    events neither end the burst nor reach the note. Would catch a filter that treats any key without
    text as a person's."""
    page.note_edit.setPlainText("回访")
    focus(qtbot, page.note_edit)
    type_burst(qtbot, page.note_edit, GDM1, shift_keys=True)
    assert page.scans == [GDM1] and page.note_edit.toPlainText() == "回访"


def test_capslock_typed_gdm1_is_recovered(qtbot, page):
    """A till with CapsLock on inverts every letter of a GDM1 code; the scan is the code as shown."""
    focus(qtbot, page.note_edit)
    type_burst(qtbot, page.note_edit, GDM1.swapcase())
    assert page.scans == [GDM1], (page.note_edit.toPlainText(), page.scanner.last_scan)
    assert page.scanner.last_scan is not None and page.scanner.last_scan.whole


def test_short_fast_runs_and_enter_without_a_burst_stay_with_the_field(qtbot, page):
    """Three quick keys (a fast typist's roll) then Enter are a person's: the note gets them and the
    newline. Would catch a filter that takes any fast pair for a scanner."""
    focus(qtbot, page.note_edit)
    type_burst(qtbot, page.note_edit, "abc")
    qtbot.waitUntil(lambda: page.note_edit.toPlainText() == "abc\n", timeout=2000)
    assert page.scans == []


def test_keys_outside_the_page_are_not_touched(qtbot, page):
    """Another window (a dialog) gets its keys as typed, bursts included."""
    other = QLineEdit()
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    other.activateWindow()
    focus(qtbot, other)
    type_burst(qtbot, other, "8800001234", enter=False)
    assert other.text() == "8800001234" and page.scans == []


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        (GDM1.swapcase(), GDM1),  # CapsLock
        ("ＧＤＣ１：８８００００１２３４", "GDC1:8800001234"),  # an IME in full-width mode
        ("ｇｄｃ１：８８００００１２３４", "GDC1:8800001234"),  # full-width and CapsLock
        ("m1。" + COMPACT[3:], COMPACT),  # the ideographic full stop of a Chinese punctuation mode
        (COMPACT.upper(), COMPACT.upper()),  # no case to recover: the scan service reads any case
        ("13800001234\r\n", "13800001234"),
        ("回访", "回访"),
    ],
)
def test_recover(typed, code):
    """What a till does to a code is undone before the code is resolved."""
    assert recover(typed) == code


def test_self_test_words(qapp):
    """Settings' scanner test names the speed and whether a dynamic code arrived whole, in zh_CN (the
    default) and English."""
    from ui.i18n import install_translations

    whole_scan = ScanStats("keyboard", 149, 0.3, True, True, True)
    try:
        install_translations("en", build=False)
        assert "No scan yet" in describe_stats(None)
        whole = describe_stats(whole_scan)
        assert "149 characters" in whole and "496 characters per second" in whole and "whole" in whole
        assert "broken" in describe_stats(ScanStats("keyboard", 140, 0.3, True, True, False))
        assert "all at once" in describe_stats(ScanStats("serial", 149, 0.0, True, True, True))
        install_translations("zh_CN", build=False)
        assert describe_stats(whole_scan) == "上次扫码：149 个字符，每秒 496 个字符，动态会员码完整收到"
    finally:
        install_translations("en", build=False)


def test_the_filter_costs_nothing_when_disabled(qtbot, page):
    """A disabled filter (a dialog over the counter, another page shown) leaves every key alone."""
    page.scanner.keyboard.enabled = False
    focus(qtbot, page.note_edit)
    type_burst(qtbot, page.note_edit, "8800001234")
    assert page.note_edit.toPlainText() == "8800001234\n" and page.scans == []


# ---------------------------------------------------------------- serial (USB-COM) scanners


@pytest.fixture
def pty():  # type: ignore[no-untyped-def]
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
def test_a_serial_scanner_hands_over_whole_codes(qtbot, page, pty):
    """A USB-COM scanner on a (pseudo-)serial port: each CR-ended line is one scan, split reads and
    two codes in one read included."""
    master, port = pty
    assert page.scanner.use_serial(port, 115200), page.scanner.serial.error_text
    with qtbot.waitSignal(page.scanner.scanned, timeout=3000) as got:
        os.write(master, COMPACT.encode() + b"\r")
    assert got.args == [COMPACT]
    stats = page.scanner.last_scan
    assert stats is not None and stats.source == "serial" and stats.whole
    with qtbot.waitSignals([page.scanner.scanned] * 2, timeout=3000):
        os.write(master, GDM1[:100].encode())
        qtbot.wait(10)
        os.write(master, GDM1[100:].encode() + b"\r\n8800001234\r\n")
    qtbot.waitUntil(lambda: len(page.scans) == 3, timeout=3000)
    assert page.scans == [COMPACT, GDM1, "8800001234"]


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
def test_a_serial_scanner_without_a_line_end_is_read_after_a_silence(qtbot, page, pty):
    """Some scanners are set up with no suffix: the code is whole after a short silence."""
    master, port = pty
    assert page.scanner.use_serial(port, 9600)
    with qtbot.waitSignal(page.scanner.scanned, timeout=3000) as got:
        os.write(master, b"8800001234")
    assert got.args == ["8800001234"]


def test_a_missing_serial_port_is_reported_not_raised(qtbot, page):
    """A port that is not there: False and the port's words, for the settings page to show."""
    with qtbot.waitSignal(page.scanner.serial_failed, timeout=1000):
        assert not page.scanner.use_serial("/dev/does-not-exist-guidedesk", 9600)


def test_keyboard_filter_can_stand_alone(qtbot):
    """The filter works on any widget tree without ScannerInput (the counter page may own it)."""
    root = QWidget()
    edit = QLineEdit(root)
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    root.activateWindow()
    flt = KeyboardScanFilter(root)
    try:
        focus(qtbot, edit)
        with qtbot.waitSignal(flt.scanned, timeout=3000) as got:
            type_burst(qtbot, edit, "GDC1:8800001234")
        assert got.args == ["GDC1:8800001234"] and edit.text() == ""
    finally:
        flt.remove()


# ---------------------------------------------------------------- settings: mode, port, self-test


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
def test_settings_switch_to_serial_and_show_the_self_test(qtbot, page, pty, tmp_path):
    """Choosing serial mode and a port in settings opens it at once and saves it; the self-test line
    names the last scan's speed and whether the dynamic code arrived whole."""
    from ui.i18n import install_translations
    from ui.settings import Settings
    from ui.widgets.scanner_settings import ScannerSettings

    install_translations("en", build=False)
    master, port = pty
    settings = Settings.for_data_dir(tmp_path)
    panel = ScannerSettings(settings, page.scanner)
    qtbot.addWidget(panel)
    assert "No scan yet" in panel.self_test.text()
    panel.serial_mode.setChecked(True)
    panel.port.setCurrentText(port)
    assert (settings.scanner_source, settings.serial_port) == ("serial", port)
    with qtbot.waitSignal(page.scanner.scanned, timeout=3000):
        os.write(master, COMPACT.encode() + b"\r\n")
    assert "149 characters" in panel.self_test.text() and "arrived whole" in panel.self_test.text()
    panel.sounds.setChecked(False)
    assert settings.sounds_enabled is False
    panel.sounds.setChecked(True)
