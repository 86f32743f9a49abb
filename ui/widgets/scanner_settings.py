"""The scanner part of the settings page: keyboard or serial (USB-COM) mode, port and speed, sounds on
or off, and a live self-test ("Last scan: 149 characters, 496 characters per second, dynamic member code
arrived whole"). Reads and writes `ui.settings.Settings`; applies the choice to a `ScannerInput` at once.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QWidget,
)

from ui.scanner import ScannerInput, SerialScanSource, describe_stats

BAUD_RATES = (9600, 19200, 38400, 57600, 115200)


class ScannerSettings(QGroupBox):
    """`ScannerSettings(settings, scanner)`; `changed` fires after a setting was written."""

    changed = Signal()

    def __init__(self, settings: object, scanner: ScannerInput | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Scanner"))
        self.settings = settings
        self.scanner = scanner
        self.keyboard_mode = QRadioButton(self.tr("Keyboard mode (USB HID)"))
        self.serial_mode = QRadioButton(self.tr("Serial mode (USB-COM)"))
        self.mode = QButtonGroup(self)
        self.mode.addButton(self.keyboard_mode)
        self.mode.addButton(self.serial_mode)
        self.port = QComboBox(editable=True)
        self.baud = QComboBox()
        for rate in BAUD_RATES:
            self.baud.addItem(str(rate), rate)
        self.sounds = QCheckBox(self.tr("Sounds for ok / refused / error"))
        self.status = QLabel(wordWrap=True)
        self.self_test = QLabel(wordWrap=True)
        self.self_test.setObjectName("scannerSelfTest")

        modes = QHBoxLayout()
        modes.addWidget(self.keyboard_mode)
        modes.addWidget(self.serial_mode)
        form = QFormLayout(self)
        form.addRow(self.tr("Mode"), modes)
        form.addRow(self.tr("Port"), self.port)
        form.addRow(self.tr("Speed (baud)"), self.baud)
        form.addRow("", self.sounds)
        form.addRow("", self.status)
        form.addRow(self.tr("Test"), self.self_test)

        self._load()
        self.keyboard_mode.toggled.connect(self._on_changed)
        self.port.currentTextChanged.connect(self._on_changed)
        self.baud.currentIndexChanged.connect(self._on_changed)
        self.sounds.toggled.connect(self._on_sounds_toggled)
        if scanner is not None:
            scanner.scanned.connect(self._on_scanner_scanned)
            scanner.serial_failed.connect(self._on_scanner_serial_failed)
        self._on_scanner_scanned("")

    def _load(self) -> None:
        s = self.settings
        serial = getattr(s, "scanner_source", "keyboard") == "serial"
        self.serial_mode.setChecked(serial)
        self.keyboard_mode.setChecked(not serial)
        ports = [name for name, _ in SerialScanSource.available_ports()]
        saved = getattr(s, "serial_port", "")
        self.port.addItems(sorted(set(ports) | ({saved} if saved else set())))
        self.port.setCurrentText(saved)
        index = self.baud.findData(int(getattr(s, "serial_baud", 9600)))
        self.baud.setCurrentIndex(max(index, 0))
        self.sounds.setChecked(bool(getattr(s, "sounds_enabled", True)))
        self._enable_serial_fields()

    def _enable_serial_fields(self) -> None:
        serial = self.serial_mode.isChecked()
        self.port.setEnabled(serial)
        self.baud.setEnabled(serial)

    def _on_changed(self, *_args: object) -> None:
        self._enable_serial_fields()
        s = self.settings
        s.scanner_source = "serial" if self.serial_mode.isChecked() else "keyboard"  # type: ignore[attr-defined]
        s.serial_port = self.port.currentText().strip()  # type: ignore[attr-defined]
        s.serial_baud = int(self.baud.currentData())  # type: ignore[attr-defined]
        self.status.clear()
        port = self.port.currentText().strip()
        listening = self.serial_mode.isChecked() and bool(port)
        if self.scanner is not None and self.scanner.apply_settings(s) and listening:
            self.status.setText(self.tr("Listening on %1").replace("%1", port))
        self.changed.emit()

    def _on_sounds_toggled(self, on: bool) -> None:
        self.settings.sounds_enabled = on  # type: ignore[attr-defined]
        from ui import sounds

        sounds.set_enabled(on)
        self.changed.emit()

    def _on_scanner_scanned(self, _text: str) -> None:
        stats = self.scanner.last_scan if self.scanner is not None else None
        self.self_test.setText(describe_stats(stats))

    def _on_scanner_serial_failed(self, error: str) -> None:
        self.status.setText(self.tr("The serial port could not be opened: %1").replace("%1", error))
