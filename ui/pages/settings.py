"""The settings page, over the typed settings of ui/settings.py (saved as soon as changed): HQ address,
language (switched live, no restart), scanner (keyboard or serial port + baud) with a self-test showing
the last scan's characters per second and whether a dynamic member code arrived whole, sounds, auto-lock
minutes, printer, and an about box (version, data dir, device id, HQ, last sync)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.clock import STORE_TZ
from ui.context import AppContext
from ui.i18n import install_translations
from ui.scanner import ScannerInput, SerialScanSource
from ui.station import StationInfo, station_info

BAUDS = (9600, 19200, 38400, 57600, 115200)
LANGUAGE_NAMES = (("zh_CN", "简体中文"), ("en", "English"))


def app_version() -> str:
    try:
        from importlib.metadata import version

        return version("guidedesk")
    except Exception:  # a source checkout without package metadata still shows the page
        return "dev"


def printers() -> list[str]:
    try:
        from PySide6.QtPrintSupport import QPrinterInfo

        return list(QPrinterInfo.availablePrinterNames())
    except ImportError:  # pragma: no cover - QtPrintSupport ships with PySide6
        return []


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="settingsPage")
        self.ctx = ctx
        s = ctx.settings
        self.station: StationInfo | None = None
        self.hq_url = QLineEdit(s.hq_url, objectName="hqUrl")
        self.language = QComboBox(objectName="language")
        for code, name in LANGUAGE_NAMES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(s.language)))
        self.scanner_source = QComboBox(objectName="scannerSource")
        self.serial_port = QComboBox(objectName="serialPort", editable=True)
        self.serial_baud = QComboBox(objectName="serialBaud")
        for baud in BAUDS:
            self.serial_baud.addItem(str(baud), baud)
        self.serial_baud.setCurrentIndex(max(0, self.serial_baud.findData(s.serial_baud)))
        self.refresh_ports = QPushButton(objectName="refreshPorts")
        self.test_field = QLineEdit(objectName="scannerTestField")
        self.test_result = QLabel(objectName="scannerTestResult")
        self.test_result.setWordWrap(True)
        self.sounds = QCheckBox(objectName="sounds")
        self.sounds.setChecked(s.sounds_enabled)
        self.auto_lock = QSpinBox(objectName="autoLock", minimum=0, maximum=240)
        self.auto_lock.setValue(s.idle_lock_minutes)
        self.printer = QComboBox(objectName="printer")
        self.about = QLabel(objectName="about")
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.about.setWordWrap(True)

        self.boxes = {k: QGroupBox() for k in ("general", "scanner", "counter", "about")}
        self.form_labels: dict[str, QLabel] = {}

        def form(box: QGroupBox, rows: list[tuple[str, QWidget | Any]]) -> None:
            layout = QFormLayout(box)
            for key, widget in rows:
                label = QLabel()
                self.form_labels[key] = label
                layout.addRow(label, widget)

        form(
            self.boxes["general"],
            [("hq", self.hq_url), ("language", self.language), ("printer", self.printer)],
        )
        port_row = QHBoxLayout()
        port_row.addWidget(self.serial_port, 1)
        port_row.addWidget(self.refresh_ports)
        port_widget = QWidget()
        port_widget.setLayout(port_row)
        port_row.setContentsMargins(0, 0, 0, 0)
        form(
            self.boxes["scanner"],
            [
                ("source", self.scanner_source),
                ("port", port_widget),
                ("baud", self.serial_baud),
                ("test", self.test_field),
                ("result", self.test_result),
            ],
        )
        form(self.boxes["counter"], [("sounds", self.sounds), ("lock", self.auto_lock)])
        QVBoxLayout(self.boxes["about"]).addWidget(self.about)
        inner = QWidget()
        column = QVBoxLayout(inner)
        for box in self.boxes.values():
            column.addWidget(box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        QVBoxLayout(self).addWidget(scroll)

        # the self-test listens like the counter does: bursts anywhere on this page, or the serial port
        self.scanner = ScannerInput(self, self.test_field)
        self.scanner.scanned.connect(self._on_scanner_scanned)
        self.scanner.serial_failed.connect(lambda text: self.test_result.setText(text))

        self.hq_url.editingFinished.connect(self._on_hq_url_editing_finished)
        self.language.currentIndexChanged.connect(self._on_language_changed)
        self.scanner_source.currentIndexChanged.connect(self._on_scanner_changed)
        self.serial_port.currentTextChanged.connect(lambda _t: self._on_scanner_changed())
        self.serial_baud.currentIndexChanged.connect(lambda _i: self._on_scanner_changed())
        self.refresh_ports.clicked.connect(self._fill_ports)
        self.sounds.toggled.connect(self._on_sounds_toggled)
        self.auto_lock.valueChanged.connect(self._on_auto_lock_changed)
        self.printer.currentIndexChanged.connect(self._on_printer_changed)
        self._fill_ports()
        self._fill_printers()
        self.retranslate()
        ctx.runner.read(station_info, description="station").on_success(self._on_station).start()

    # ---- each setting, saved when changed

    def _save(self) -> None:
        self.ctx.settings.sync()

    def _on_hq_url_editing_finished(self) -> None:
        self.ctx.settings.hq_url = self.hq_url.text().strip()
        self._save()

    def _on_language_changed(self, _index: int) -> None:
        code = self.language.currentData()
        self.ctx.settings.language = code
        self._save()
        install_translations(code)  # every widget gets a LanguageChange event and retranslates itself

    def _on_scanner_changed(self, *_args: Any) -> None:
        s = self.ctx.settings
        s.scanner_source = self.scanner_source.currentData() or "keyboard"
        s.serial_port = self.serial_port.currentText().strip()
        s.serial_baud = int(self.serial_baud.currentData() or 9600)
        self._save()
        serial = s.scanner_source == "serial"
        self.serial_port.setEnabled(serial)
        self.serial_baud.setEnabled(serial)
        self.refresh_ports.setEnabled(serial)
        if serial and s.serial_port:
            self.scanner.apply_settings(s)
        else:
            self.scanner.stop_serial()

    def _on_sounds_toggled(self, on: bool) -> None:
        self.ctx.settings.sounds_enabled = on
        self._save()

    def _on_auto_lock_changed(self, minutes: int) -> None:
        self.ctx.settings.idle_lock_minutes = minutes
        self._save()

    def _on_printer_changed(self, _index: int) -> None:
        self.ctx.settings.printer_name = self.printer.currentData() or ""
        self._save()

    def _fill_ports(self) -> None:
        current = self.ctx.settings.serial_port
        self.serial_port.blockSignals(True)
        self.serial_port.clear()
        for name, description in SerialScanSource.available_ports():
            self.serial_port.addItem(f"{name}", name)
            self.serial_port.setItemData(
                self.serial_port.count() - 1, description, Qt.ItemDataRole.ToolTipRole
            )
        if current and self.serial_port.findText(current) < 0:
            self.serial_port.addItem(current, current)
        self.serial_port.setCurrentText(current)
        self.serial_port.blockSignals(False)

    def _fill_printers(self) -> None:
        current = self.ctx.settings.printer_name
        self.printer.blockSignals(True)
        self.printer.clear()
        self.printer.addItem(self.tr("System default"), "")
        for name in printers():
            self.printer.addItem(name, name)
        if current and self.printer.findData(current) < 0:
            self.printer.addItem(current, current)
        self.printer.setCurrentIndex(max(0, self.printer.findData(current)))
        self.printer.blockSignals(False)

    def _on_scanner_scanned(self, _text: str) -> None:
        self.test_field.clear()
        self.test_result.setText(self.scanner.describe_last_scan())

    def _on_station(self, info: StationInfo) -> None:
        self.station = info
        self._about()

    def _about(self) -> None:
        info = self.station
        last = (
            info.last_sync_at.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M")
            if info and info.last_sync_at
            else "—"
        )
        lines = [
            self.tr("GuideDesk {version}").format(version=app_version()),
            self.tr("Data folder: {path}").format(path=self.ctx.ws.data_dir),
            self.tr("Device id: {id}").format(id=(info.device_id if info else None) or "—"),
            self.tr("Store: {name}").format(name=(info.store_name if info else "") or "—"),
            self.tr("HQ: {url}").format(url=(info.hq_url if info else "") or "—"),
            self.tr("Last sync: {at}").format(at=last),
        ]
        self.about.setText("\n".join(lines))

    # ---- language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        titles = {"general": self.tr("General"), "scanner": self.tr("Scanner"), "counter": self.tr("Counter"),
                  "about": self.tr("About")}  # fmt: skip
        for key, box in self.boxes.items():
            box.setTitle(titles[key])
        labels = {
            "hq": self.tr("HQ address"),
            "language": self.tr("Language"),
            "printer": self.tr("Printer"),
            "source": self.tr("Scanner type"),
            "port": self.tr("Serial port"),
            "baud": self.tr("Baud rate"),
            "test": self.tr("Self-test"),
            "result": "",
            "sounds": self.tr("Sounds"),
            "lock": self.tr("Lock after idle (minutes, 0 = never)"),
        }
        for key, label in self.form_labels.items():
            label.setText(labels[key])
        self.hq_url.setPlaceholderText("https://hq.example.com")
        source = self.ctx.settings.scanner_source
        self.scanner_source.blockSignals(True)
        self.scanner_source.clear()
        self.scanner_source.addItem(self.tr("Keyboard (USB HID)"), "keyboard")
        self.scanner_source.addItem(self.tr("Serial port (USB-COM)"), "serial")
        self.scanner_source.setCurrentIndex(max(0, self.scanner_source.findData(source)))
        self.scanner_source.blockSignals(False)
        self.refresh_ports.setText(self.tr("Refresh"))
        self.test_field.setPlaceholderText(self.tr("Scan any code here (or anywhere on this page)"))
        if self.scanner.last_scan is None:
            self.test_result.setText(self.scanner.describe_last_scan())
        self.sounds.setText(self.tr("Play a sound after each scan"))
        self.printer.setItemText(0, self.tr("System default"))
        self._about()
        serial = source == "serial"
        self.serial_port.setEnabled(serial)
        self.serial_baud.setEnabled(serial)
        self.refresh_ports.setEnabled(serial)
