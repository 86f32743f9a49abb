"""The guide's personal binding QR: large on screen, printed, or saved as a PDF poster (A4) or counter label
(A6) with the store and guide name. The code is drawn as an image with whole device pixels per module at
the printer's resolution (no scaling), so its edges stay sharp on paper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QMarginsF, QRect, Qt
from PySide6.QtGui import QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.qr import guide_code, qr_png_for_width
from ui import messages
from ui.context import AppContext
from ui.station import StationInfo, station_info

PDF_DPI = 600
SIZES = {"A4": QPageSize.PageSizeId.A4, "A6": QPageSize.PageSizeId.A6}


def render_qr_page(device: Any, *, code: str, store_name: str, guide_name: str, caption: str) -> None:
    """Draw one page: store name, the QR (about 60 % of the page width, whole pixels per module), the
    guide's name and a caption, centred. `device` is a QPdfWriter, a QPrinter or a QImage."""
    painter = QPainter(device)
    try:
        w, h = device.width(), device.height()
        dpi = device.logicalDpiX()
        png = qr_png_for_width(code, int(w * 0.6))
        image = QImage.fromData(png)
        if image.width() > w * 0.8:  # rounding up a module can overshoot on a narrow page
            image = QImage.fromData(qr_png_for_width(code, int(w * 0.45)))
        x, y = (w - image.width()) // 2, int(h * 0.2)
        painter.drawImage(QRect(x, y, image.width(), image.height()), image)  # 1:1, no resampling
        title = QFont("Noto Sans CJK SC")
        title.setPixelSize(max(12, int(dpi * 0.28)))
        title.setBold(True)
        painter.setFont(title)
        painter.drawText(QRect(0, int(h * 0.06), w, int(h * 0.1)), Qt.AlignmentFlag.AlignCenter, store_name)
        name = QFont(title)
        name.setPixelSize(max(12, int(dpi * 0.36)))
        painter.setFont(name)
        below = y + image.height() + int(dpi * 0.1)
        painter.drawText(QRect(0, below, w, int(dpi * 0.6)), Qt.AlignmentFlag.AlignCenter, guide_name)
        small = QFont(title)
        small.setBold(False)
        small.setPixelSize(max(10, int(dpi * 0.16)))
        painter.setFont(small)
        painter.drawText(
            QRect(0, below + int(dpi * 0.6), w, int(dpi * 0.5)), Qt.AlignmentFlag.AlignCenter, caption
        )
    finally:
        painter.end()


class GuideQrPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="guideQrPage")
        self.ctx = ctx
        self.station: StationInfo | None = None
        self.store_label = QLabel(objectName="qrStore", alignment=Qt.AlignmentFlag.AlignCenter)
        self.store_label.setStyleSheet("font-size: 22px; font-weight: 600;")
        self.qr = QLabel(objectName="qrImage", alignment=Qt.AlignmentFlag.AlignCenter)
        self.guide_label = QLabel(objectName="qrGuide", alignment=Qt.AlignmentFlag.AlignCenter)
        self.guide_label.setStyleSheet("font-size: 26px; font-weight: 600;")
        self.caption = QLabel(objectName="qrCaption", alignment=Qt.AlignmentFlag.AlignCenter)
        self.poster_button = QPushButton(objectName="savePoster")
        self.label_button = QPushButton(objectName="saveLabel")
        self.print_button = QPushButton(objectName="printQr")
        self.message = QLabel(objectName="qrMessage", alignment=Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.poster_button, self.label_button, self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.store_label)
        layout.addWidget(self.qr, 1)
        layout.addWidget(self.guide_label)
        layout.addWidget(self.caption)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.poster_button.clicked.connect(lambda: self.ask_pdf("A4"))
        self.label_button.clicked.connect(lambda: self.ask_pdf("A6"))
        self.print_button.clicked.connect(self.print_dialog)
        ctx.session.guide_changed.connect(lambda _g: self._show())
        self.retranslate()
        ctx.runner.read(station_info, description="station").on_success(self._on_station).start()

    def _on_station(self, info: StationInfo) -> None:
        self.station = info
        self._show()

    def code(self) -> str:
        guide = self.ctx.guide
        return guide_code(guide.id) if guide is not None else ""

    def _show(self) -> None:
        guide = self.ctx.guide
        if guide is None:
            self.qr.clear()
            return
        self.store_label.setText(self.station.store_name if self.station else "")
        self.guide_label.setText(self.tr("{name} · your exclusive guide").format(name=guide.name))
        side = max(240, min(self.height() - 220, self.width() - 80, 520))
        pixmap = QPixmap()
        pixmap.loadFromData(qr_png_for_width(self.code(), side))
        self.qr.setPixmap(pixmap)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.ctx.guide is not None:
            self._show()

    def _caption(self) -> str:
        return self.tr("Scan to make me your exclusive guide (专属导购)")

    # ---- paper

    def save_pdf(self, path: Path, size: str) -> Path:
        guide = self.ctx.guide
        if guide is None:
            raise ValueError("nobody logged in")
        writer = QPdfWriter(str(path))
        writer.setResolution(PDF_DPI)
        writer.setPageLayout(
            QPageLayout(QPageSize(SIZES[size]), QPageLayout.Orientation.Portrait, QMarginsF(8, 8, 8, 8))
        )
        writer.setTitle(f"GuideDesk {guide.name} {self.code()}")
        writer.setCreator("GuideDesk")
        render_qr_page(
            writer,
            code=self.code(),
            store_name=self.station.store_name if self.station else "",
            guide_name=guide.name,
            caption=self._caption(),
        )
        return path

    def ask_pdf(self, size: str) -> None:
        guide = self.ctx.guide
        if guide is None:
            return
        kind = self.tr("poster") if size == "A4" else self.tr("label")
        default = Path.home() / f"guide-qr-{guide.employee_no}-{size}.pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the QR {kind} as PDF").format(kind=kind), str(default), self.tr("PDF (*.pdf)")
        )
        if path:
            try:
                self.save_pdf(Path(path), size)
                self.message.setText(self.tr("Saved {path}").format(path=path))
            except OSError as exc:
                self.message.setText(messages.words("export_failed", error=str(exc)))

    def print_dialog(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        guide = self.ctx.guide
        if guide is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        name = self.ctx.settings.printer_name if hasattr(self.ctx.settings, "printer_name") else ""
        if name:
            printer.setPrinterName(name)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            render_qr_page(
                printer,
                code=self.code(),
                store_name=self.station.store_name if self.station else "",
                guide_name=guide.name,
                caption=self._caption(),
            )

    # ---- language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.caption.setText(self._caption())
        self.poster_button.setText(self.tr("Save A4 poster (PDF)…"))
        self.label_button.setText(self.tr("Save A6 counter label (PDF)…"))
        self.print_button.setText(self.tr("Print…"))
        self._show()
