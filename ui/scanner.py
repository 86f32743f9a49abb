"""Scanner input for the counter page (DESIGN.md §4): a keyboard-mode (HID) scanner is a very fast
keyboard, a serial (USB-COM) scanner a port that hands over a whole line. Both end in one
`scanned(str)` signal carrying the code as the shopper's phone showed it.

- `KeyboardScanFilter` — an application-level event filter scoped to a page. It tells a scanner's burst
  (keys < ~35 ms apart, ending in Enter) from a person typing **wherever focus is on the page**: a key
  that could start a burst is held back (not delivered) until the next key shows what it is; once three
  keys came that fast, the burst survives a pause of up to 150 ms (a GUI thread busy painting). A burst
  ending in Enter becomes `scanned` and the focused field (a note, a search box) never sees it; keys a
  person typed are delivered to the field they were typed into, in order, at most `max_gap_ms` late.
  The scan field itself takes keys as they come (a phone typed by hand is a scan too); its Enter is
  the scan. Auto-repeated keys, shortcuts (Ctrl/Alt) and non-text keys are a person's.
- `SerialScanSource` — QtSerialPort: port + baud; a line ends with CR/LF (or after a short silence, for
  scanners configured without a suffix).
- `recover()` — undoes what a till does to a scan: full-width characters from an input method in
  full-width mode (NFKC, and the ideographic full stop), and CapsLock, which swaps the case of every
  letter of a `GDM1`/`GDC1`/`GDG1` code (the compact `m1.` code has no case to lose).
- `ScanStats` / `ScannerInput.last_scan` / `describe_stats()` — the self-test for settings: the last
  scan's characters per second and whether a dynamic member code arrived whole.
- `prepare_scan_field()` — the input method off on the scan field, so a Pinyin IME cannot swallow a scan.

Limitation: keys an input method consumes never reach Qt as key events (a Pinyin IME composing in the
note field takes the scanner's letters into its candidate window); the scan field has the input method
off, and serial mode avoids the keyboard path altogether.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from app.qr import CodeFormatError, is_member_code, parse_member_code

log = logging.getLogger(__name__)

MAX_GAP_MS = 35.0  # a person rarely types two keys this close; a scanner sends one every 1–16 ms
# Once ESTABLISH_KEYS keys came < MAX_GAP_MS apart, a burst survives a gap up to BURST_PAUSE_MS: a GUI
# thread busy painting a card (or a loaded test machine) must not cut a code in two.
ESTABLISH_KEYS = 3
BURST_PAUSE_MS = 150.0
MIN_SCAN_LENGTH = 4  # the shortest card number
HOLD_LIMIT_S = 1.0  # whatever CLOCK says, a held key is delivered after this long without a next key
MAX_SCAN_LENGTH = 4096  # beyond any code: a stuck key or a flood is not a scan
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_PERSON_MASK = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
).value  # a key with these is a person's (a shortcut), never a scanner's
_KEY_PRESS = QEvent.Type.KeyPress
_SHORTCUT_OVERRIDE = QEvent.Type.ShortcutOverride
_MOUSE_PRESS = QEvent.Type.MouseButtonPress
_FOCUS_OUT = QEvent.Type.FocusOut
# A scanner may send Shift (and a till's CapsLock) as keys of their own between a code's characters.
_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)
_CASE_PREFIXES = ("gdm1:", "gdc1:", "gdg1:")  # what CapsLock makes of GDM1: / GDC1: / GDG1:

# The filters' clock (seconds). Tests replace it with a virtual one that their typing advances, so a
# loaded machine's stalls cannot turn a 2 ms burst into a person's typing (tests/ui/keys.py).
CLOCK: Callable[[], float] = time.perf_counter


def _clock() -> float:
    return CLOCK()


def _holdable(text: str, mods: int, event: QKeyEvent) -> bool:
    """A key a scanner could have sent: one printable character, no Ctrl/Alt/Meta, not auto-repeat."""
    return (
        len(text) == 1
        and text != " "  # a space is never in a code, and may be the bind key
        and text.isprintable()
        and not mods & _PERSON_MASK
        and not event.isAutoRepeat()
    )


# ---------------------------------------------------------------- text recovery


def recover(text: str) -> str:
    """The code as it was printed, from what the till typed: line ends dropped, full-width characters
    (an IME in full-width mode) made ASCII, and a CapsLock-swapped `GDM1`/`GDC1`/`GDG1` code swapped
    back. Anything else is returned as typed (the scan service decides what it is)."""
    text = text.strip("\r\n")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("。", ".")
    if text[:5] in _CASE_PREFIXES:
        text = text.swapcase()  # CapsLock inverts letters only, exactly what swapcase undoes
    return text


def prepare_scan_field(field: QLineEdit) -> None:
    """Input method off, Latin only, no prediction or auto-capitals: the scan field takes keys raw."""
    field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhLatinOnly
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhNoAutoUppercase
        | Qt.InputMethodHint.ImhPreferLatin
    )


# ---------------------------------------------------------------- self-test figures


@dataclass(frozen=True)
class ScanStats:
    """How the last scan arrived: for the scanner self-test in settings."""

    source: str  # "keyboard" (a burst or the scan field) | "serial"
    length: int  # characters, without the Enter
    seconds: float  # first character to the end of the line (Enter or line end)
    burst: bool  # every key < max gap apart (a scanner, not a person)
    dynamic_code: bool  # it claims to be a dynamic member code (GDM1 or compact)
    whole: bool  # a dynamic code that decodes (nothing lost, no case broken); False for other text

    @property
    def chars_per_second(self) -> float:
        return self.length / self.seconds if self.seconds > 0 else float("inf")


def _stats(source: str, text: str, seconds: float, burst: bool) -> ScanStats:
    dynamic = is_member_code(text)
    whole = False
    if dynamic:
        try:
            parse_member_code(text)
            whole = True
        except (CodeFormatError, ValueError, OverflowError):
            whole = False
    return ScanStats(source, len(text), seconds, burst, dynamic, whole)


def describe_stats(stats: ScanStats | None) -> str:
    """One line for the settings page's scanner test."""
    if stats is None:
        return QCoreApplication.translate("scanner", "No scan yet: scan any code to test the scanner.")
    cps = stats.chars_per_second
    if cps == float("inf"):
        speed = QCoreApplication.translate("scanner", "all at once")
    else:
        speed = QCoreApplication.translate("scanner", "%1 characters per second").replace("%1", str(int(cps)))
    parts = [QCoreApplication.translate("scanner", "%1 characters").replace("%1", str(stats.length)), speed]
    if stats.dynamic_code and stats.whole:
        parts.append(QCoreApplication.translate("scanner", "dynamic member code arrived whole"))
    elif stats.dynamic_code:
        parts.append(
            QCoreApplication.translate(
                "scanner", "dynamic member code arrived broken (check CapsLock and the keyboard layout)"
            )
        )
    elif stats.source == "keyboard" and not stats.burst:
        parts.append(QCoreApplication.translate("scanner", "typed at a person's speed, not a scanner's"))
    separator = QCoreApplication.translate("scanner", ", ")
    return QCoreApplication.translate("scanner", "Last scan: %1").replace("%1", separator.join(parts))


# ---------------------------------------------------------------- keyboard-mode scanners


@dataclass
class _HeldKey:
    receiver: QWidget
    key: int
    modifiers: int
    text: str
    at: float  # when typed (the window system's time when it gives one)
    arrived: float  # when it reached the filter (CLOCK): what the timer compares with
    arrived_real: float  # the same on the real clock: nothing is held longer than HOLD_LIMIT_S


class KeyboardScanFilter(QObject):
    """Tells scanner bursts from typing on `scope` (a page) and emits each burst as `scanned`.

    Installed on the QApplication (keys go to the focused widget, which may be any field of the page);
    keys for widgets outside `scope`, or while `scope` is hidden or `enabled` is False, pass untouched.
    """

    scanned = Signal(str)  # the recovered code
    stats_ready = Signal(object)  # ScanStats of the scan just emitted

    def __init__(
        self,
        scope: QWidget,
        scan_field: QLineEdit | None = None,
        *,
        max_gap_ms: float = MAX_GAP_MS,
        burst_pause_ms: float = BURST_PAUSE_MS,
        min_length: int = MIN_SCAN_LENGTH,
    ) -> None:
        super().__init__(scope)
        self.scope = scope
        self.scan_field = scan_field
        self._enabled = True
        self.max_gap = max_gap_ms / 1000
        self.burst_pause = max(burst_pause_ms, max_gap_ms) / 1000
        self.min_length = min_length
        self._held: list[_HeldKey] = []
        self._replaying = False
        self._field_run: list[float] = []  # key times of the scan field's current run of fast keys
        self._field_run_prefix = ""  # what the scan field held before that run
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._short_ms = max(1, round(max_gap_ms))
        self._long_ms = max(1, round(burst_pause_ms))
        if scan_field is not None:
            prepare_scan_field(scan_field)
        app = QApplication.instance()
        assert app is not None, "create the QApplication first"
        app.installEventFilter(self)

    @property
    def enabled(self) -> bool:
        """False leaves every key alone (a dialog over the page, the page hidden); keys held are delivered."""
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        if not value:
            self.flush()
        self._enabled = value

    def remove(self) -> None:
        """Stop filtering (keys held back are delivered first)."""
        self.flush()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # ------------------------------------------------------------ the filter

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Every event of the application passes here: the common case (not a key) costs one isinstance.
        # (PySide's enum conversions — event.type(), modifiers() — cost microseconds each: called once,
        # and only for key events.)
        if not isinstance(event, QKeyEvent):
            if (
                self._held
                and isinstance(event, (QMouseEvent, QFocusEvent))
                and event.type() in (_MOUSE_PRESS, _FOCUS_OUT)
            ):
                self.flush()  # a click or a focus change ends any burst: what was held was typed
            return False
        if self._replaying or not self._enabled:
            return False
        kind = event.type()
        if kind == _KEY_PRESS:
            if not isinstance(obj, QWidget) or not self._in_scope(obj):
                return False
            return self._on_key_press(obj, event)
        if kind == _SHORTCUT_OVERRIDE and self._held:
            # Mid-burst, a key must not fire a shortcut: claim it so it comes as a KeyPress to the filter.
            text, mods = event.text(), event.modifiers().value
            if isinstance(obj, QWidget) and self._in_scope(obj) and _holdable(text, mods, event):
                event.accept()
                return True
        return False

    def _in_scope(self, widget: QWidget) -> bool:
        scope = self.scope
        return (
            shiboken6.isValid(scope) and scope.isVisible() and (widget is scope or scope.isAncestorOf(widget))
        )

    def _now(self, event: QKeyEvent) -> float:
        # The window system's own time of the key, when it gives one: immune to a busy GUI thread.
        stamp = event.timestamp()
        return stamp / 1000 if stamp else _clock()

    def _allowed_gap(self, count: int) -> float:
        """How long the next key may take to still belong: short until the run is an established burst."""
        return self.burst_pause if count >= ESTABLISH_KEYS else self.max_gap

    def _on_key_press(self, receiver: QWidget, event: QKeyEvent) -> bool:
        key = event.key()
        if key in _MODIFIER_KEYS:
            return False  # neither ends a burst nor counts as one of its keys
        text, mods = event.text(), event.modifiers().value
        now = self._now(event)
        if self.scan_field is not None and receiver is self.scan_field and not self._held:
            return self._on_scan_field_key(key, text, mods, event, now)
        if key in _ENTER and not mods & _PERSON_MASK:
            return self._on_enter(now)
        if not _holdable(text, mods, event):
            self.flush()  # arrows, Backspace, Tab, shortcuts: a person; deliver what was held first
            return False
        held = self._held
        if held and now - held[-1].at > self._allowed_gap(len(held)):
            self.flush()  # too slow to belong to the keys held so far (the timer had no chance yet)
            held = self._held
        if len(held) >= MAX_SCAN_LENGTH:
            self.flush()
            return False
        held.append(_HeldKey(receiver, key, mods, text, now, _clock(), time.perf_counter()))
        self._timer.start(self._long_ms if len(held) >= ESTABLISH_KEYS else self._short_ms)
        return True

    def _on_enter(self, now: float) -> bool:
        held = self._held
        if len(held) >= max(self.min_length, ESTABLISH_KEYS) and now - held[-1].at <= self.burst_pause:
            self._held = []
            self._timer.stop()
            raw = "".join(k.text for k in held)
            self._emit("keyboard", raw, now - held[0].at, burst=True)
            return True
        self.flush()
        return False

    def _on_scan_field_key(self, key: int, text: str, mods: int, event: QKeyEvent, now: float) -> bool:
        field = self.scan_field
        assert field is not None
        run = self._field_run
        if key in _ENTER and not mods & _PERSON_MASK:
            line = field.text()
            fast = len(run) >= max(self.min_length, ESTABLISH_KEYS) and now - run[-1] <= self.burst_pause
            if fast and self._field_run_prefix and line.startswith(self._field_run_prefix):
                line = line[len(self._field_run_prefix) :]  # a burst after a person's leftovers
            seconds = now - run[0] if run else 0.0
            self._field_run, self._field_run_prefix = [], ""
            if not line.strip():
                return False
            field.clear()
            self._emit("keyboard", line, seconds, burst=fast)
            return True
        if _holdable(text, mods, event):
            if run and now - run[-1] <= self._allowed_gap(len(run)):
                run.append(now)
            else:
                self._field_run, self._field_run_prefix = [now], field.text()
        else:
            self._field_run, self._field_run_prefix = [], ""
        return False

    def _emit(self, source: str, raw: str, seconds: float, *, burst: bool) -> None:
        text = recover(raw)
        stats = _stats(source, text, seconds, burst)
        log.info("scan: source=%s length=%d burst=%s %.0f chars/s", source, len(text), burst,
                 min(stats.chars_per_second, 1e9))  # fmt: skip
        self.stats_ready.emit(stats)
        self.scanned.emit(text)

    # ------------------------------------------------------------ a person's keys

    def _on_timer_timeout(self) -> None:
        if not self._held:
            return
        allowed = self._allowed_gap(len(self._held))
        last = self._held[-1]
        left = allowed - (_clock() - last.arrived)
        if left > 0 and time.perf_counter() - last.arrived_real < HOLD_LIMIT_S:
            # The timer ran early by the filter's clock (a virtual one in tests): keep holding.
            self._timer.start(max(1, round(left * 1000)))
            return
        self.flush()

    def flush(self) -> None:
        """Deliver the keys held back to the widgets they were typed into, in order."""
        held, self._held = self._held, []
        self._timer.stop()
        if not held:
            return
        self._replaying = True
        try:
            for k in held:
                if shiboken6.isValid(k.receiver):
                    mods = Qt.KeyboardModifier(k.modifiers)
                    press = QKeyEvent(QEvent.Type.KeyPress, k.key, mods, k.text)
                    QCoreApplication.sendEvent(k.receiver, press)
        finally:
            self._replaying = False

    @property
    def holding(self) -> int:
        """How many keys are held back right now (a burst in progress, or a person's key ≤ 35 ms)."""
        return len(self._held)


# ---------------------------------------------------------------- serial (USB-COM) scanners


class SerialScanSource(QObject):
    """A scanner on a serial port (USB-COM mode): the whole code in one read, no keyboard in between.

    `open(port, baud)` → True, or False with `error_text`; each line (ended by CR/LF, or by
    `idle_ms` of silence for scanners set up without a suffix) is emitted as `scanned`."""

    scanned = Signal(str)
    stats_ready = Signal(object)  # ScanStats
    failed = Signal(str)  # the port's error text (unplugged, busy…)

    def __init__(self, parent: QObject | None = None, *, idle_ms: int = 80) -> None:
        super().__init__(parent)
        from PySide6.QtSerialPort import QSerialPort  # only when serial mode is used

        self._port = QSerialPort(self)
        self._port.readyRead.connect(self._on_port_ready_read)
        self._port.errorOccurred.connect(self._on_port_error_occurred)
        self._buffer = bytearray()
        self._first_at = 0.0
        self._idle = QTimer(self, singleShot=True)
        self._idle.setInterval(idle_ms)
        self._idle.timeout.connect(self._on_idle_timeout)
        self.error_text = ""

    @staticmethod
    def available_ports() -> list[tuple[str, str]]:
        """(port name, description) of the serial ports present, for the settings page."""
        from PySide6.QtSerialPort import QSerialPortInfo

        return [(p.portName(), p.description()) for p in QSerialPortInfo.availablePorts()]

    @property
    def is_open(self) -> bool:
        return self._port.isOpen()

    def open(self, port: str, baud: int = 9600) -> bool:
        from PySide6.QtCore import QIODevice

        self.close()
        self._port.setPortName(port)
        self._port.setBaudRate(baud)
        if not self._port.open(QIODevice.OpenModeFlag.ReadOnly):
            self.error_text = self._port.errorString()
            log.warning("serial scanner: cannot open %s: %s", port, self.error_text)
            return False
        self.error_text = ""
        log.info("serial scanner: %s at %d baud", port, baud)
        return True

    def close(self) -> None:
        if self._port.isOpen():
            self._port.close()
        self._buffer.clear()
        self._idle.stop()

    def _on_port_ready_read(self) -> None:
        if not self._buffer:
            self._first_at = time.perf_counter()
        self._buffer += bytes(self._port.readAll().data())
        while True:
            ends = [i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0]
            if not ends:
                break
            cut = min(ends)
            line, rest = bytes(self._buffer[:cut]), self._buffer[cut + 1 :]
            self._buffer = bytearray(rest.lstrip(b"\r\n"))
            self._line(line)
            if self._buffer:
                self._first_at = time.perf_counter()
        if len(self._buffer) > MAX_SCAN_LENGTH:
            log.info("serial scanner: %d bytes without a line end dropped", len(self._buffer))
            self._buffer.clear()
        if self._buffer:
            self._idle.start()
        else:
            self._idle.stop()

    def _on_idle_timeout(self) -> None:
        line, self._buffer = bytes(self._buffer), bytearray()
        self._line(line)

    def _line(self, raw: bytes) -> None:
        text = recover(raw.decode("utf-8", errors="replace"))
        if not text:
            return
        stats = _stats("serial", text, time.perf_counter() - self._first_at, True)
        self.stats_ready.emit(stats)
        self.scanned.emit(text)

    def _on_port_error_occurred(self, error: object) -> None:
        from PySide6.QtSerialPort import QSerialPort

        if error == QSerialPort.SerialPortError.NoError:
            return
        self.error_text = self._port.errorString()
        log.warning("serial scanner error: %s", self.error_text)
        if error == QSerialPort.SerialPortError.ResourceError:  # unplugged
            self.close()
        self.failed.emit(self.error_text)


# ---------------------------------------------------------------- both, as the counter page uses them


class ScannerInput(QObject):
    """The counter page's scanner: keyboard bursts on `page` (always), plus a serial scanner when
    settings say so. One `scanned(str)` for both; `last_scan` for the self-test."""

    scanned = Signal(str)
    serial_failed = Signal(str)

    def __init__(self, page: QWidget, scan_field: QLineEdit | None = None) -> None:
        super().__init__(page)
        self.keyboard = KeyboardScanFilter(page, scan_field)
        self.keyboard.scanned.connect(self.scanned)
        self.keyboard.stats_ready.connect(self._on_stats_ready)
        self.serial: SerialScanSource | None = None
        self.last_scan: ScanStats | None = None

    def use_serial(self, port: str, baud: int = 9600) -> bool:
        """Also listen to a serial scanner on `port`; False (and `serial_failed`) if it cannot open."""
        if self.serial is None:
            self.serial = SerialScanSource(self)
            self.serial.scanned.connect(self.scanned)
            self.serial.stats_ready.connect(self._on_stats_ready)
            self.serial.failed.connect(self.serial_failed)
        if self.serial.open(port, baud):
            return True
        self.serial_failed.emit(self.serial.error_text)
        return False

    def stop_serial(self) -> None:
        if self.serial is not None:
            self.serial.close()

    def apply_settings(self, settings: object) -> bool:
        """Follow `ui.settings.Settings` (scanner_source, serial_port, serial_baud); False if a
        configured serial port could not be opened."""
        source = getattr(settings, "scanner_source", "keyboard")
        port = getattr(settings, "serial_port", "")
        if source == "serial" and port:
            return self.use_serial(port, int(getattr(settings, "serial_baud", 9600)))
        self.stop_serial()
        return True

    def describe_last_scan(self) -> str:
        return describe_stats(self.last_scan)

    def _on_stats_ready(self, stats: ScanStats) -> None:
        self.last_scan = stats
