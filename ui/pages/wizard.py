"""First run: HQ address + one-time enrollment code → enrolled → first sync with a progress bar (pages,
records, rate, time left) and a cancel that resumes later (each pulled page is committed with its cursor,
so the next run continues where this one stopped). A data dir already enrolled never sees it."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.sync.device import Enrollment, enroll_device
from app.sync.engine import SyncProgress, SyncReport
from ui import messages
from ui.context import AppContext


def _valid_url(text: str) -> bool:
    return text.startswith(("http://", "https://")) and len(text) > len("https://") and " " not in text


class FirstRunWizard(QWidget):
    finished = Signal()  # enrolled and the first sync done (or left for later)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="wizard")
        self.ctx = ctx
        self.enrollment: Enrollment | None = None
        self._started_at = 0.0
        self._last: SyncProgress | None = None
        self.steps = QStackedWidget()

        # ---- step 1: enroll
        enroll = QWidget()
        title = QLabel(self.tr("Welcome to GuideDesk"), objectName="screenTitle")
        intro = QLabel(
            self.tr(
                "Connect this counter to your HQ. Ask HQ for the address and a one-time enrollment code "
                "for this store."
            )
        )
        intro.setWordWrap(True)
        self.url_edit = QLineEdit(placeholderText="https://hq.example.cn")
        self.code_edit = QLineEdit(placeholderText=self.tr("one-time code from HQ"))
        for edit in (self.url_edit, self.code_edit):
            edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        form = QFormLayout()
        form.addRow(self.tr("HQ address"), self.url_edit)
        form.addRow(self.tr("Enrollment code"), self.code_edit)
        self.enroll_button = QPushButton(self.tr("Enroll (Enter)"), objectName="primary")
        self.enroll_error = QLabel(objectName="errorText")
        self.enroll_error.setWordWrap(True)
        col = QVBoxLayout(enroll)
        col.addWidget(title)
        col.addWidget(intro)
        col.addLayout(form)
        col.addWidget(self.enroll_button, 0, Qt.AlignmentFlag.AlignLeft)
        col.addWidget(self.enroll_error)
        col.addStretch(1)
        self.url_edit.returnPressed.connect(self.code_edit.setFocus)
        self.code_edit.returnPressed.connect(self._on_enroll_clicked)
        self.enroll_button.clicked.connect(self._on_enroll_clicked)

        # ---- step 2: first sync
        sync = QWidget()
        self.sync_title = QLabel(objectName="screenTitle")
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.pages_label = QLabel()
        self.records_label = QLabel()
        self.rate_label = QLabel()
        self.left_label = QLabel()
        self.sync_message = QLabel(objectName="errorText")
        self.sync_message.setWordWrap(True)
        facts = QFormLayout()
        facts.addRow(self.tr("Pages"), self.pages_label)
        facts.addRow(self.tr("Records"), self.records_label)
        facts.addRow(self.tr("Rate"), self.rate_label)
        facts.addRow(self.tr("Time left"), self.left_label)
        self.cancel_button = QPushButton(self.tr("Cancel (Esc)"))
        self.resume_button = QPushButton(self.tr("Continue (Enter)"), objectName="primary")
        self.later_button = QPushButton(self.tr("Finish later"))
        self.done_button = QPushButton(self.tr("Start (Enter)"), objectName="primary")
        buttons = QHBoxLayout()
        for b in (self.done_button, self.resume_button, self.later_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        col2 = QVBoxLayout(sync)
        col2.addWidget(self.sync_title)
        col2.addWidget(self.bar)
        col2.addLayout(facts)
        col2.addWidget(self.sync_message)
        col2.addLayout(buttons)
        col2.addStretch(1)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.later_button.clicked.connect(self.finished.emit)
        self.done_button.clicked.connect(self.finished.emit)

        self.steps.addWidget(enroll)
        self.steps.addWidget(sync)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 32)
        self.steps.setMaximumWidth(760)
        outer.addWidget(self.steps)
        self.url_edit.setText(ctx.settings.hq_url)
        self._show_buttons(running=True)

    # ---- step 1

    def _on_enroll_clicked(self) -> None:
        url, code = self.url_edit.text().strip().rstrip("/"), self.code_edit.text().strip()
        if not _valid_url(url):
            self.enroll_error.setText(messages.words("bad_hq_url"))
            self.url_edit.setFocus()
            return
        if not code:
            self.enroll_error.setText(messages.words("enrollment_code_invalid"))
            self.code_edit.setFocus()
            return
        self.enroll_error.setText(self.tr("Connecting to HQ…"))
        self.enroll_button.setEnabled(False)
        ws = self.ctx.ws
        self.ctx.runner.network(
            lambda _c: enroll_device(ws, hq_url=url, code=code), description="enroll"
        ).on_success(self._on_enrolled).on_failure(self._on_enroll_failed).on_finished(
            lambda: self.enroll_button.setEnabled(True)
        ).start()

    def _on_enroll_failed(self, error: BaseException) -> None:
        self.enroll_error.setText(messages.text_for(error))

    def _on_enrolled(self, enrollment: Enrollment) -> None:
        self.enrollment = enrollment
        self.ctx.settings.hq_url = enrollment.hq_url
        self.enroll_error.clear()
        self.sync_title.setText(
            self.tr("Enrolled for {store}. First sync…").format(
                store=f"{enrollment.store_code} {enrollment.store_name}"
            )
        )
        self.steps.setCurrentIndex(1)
        self.start_sync()

    # ---- step 2

    def start_sync(self) -> None:
        sync = self.ctx.sync
        sync.progressed.connect(self._on_sync_progressed)
        sync.finished.connect(self._on_sync_finished)
        self._started_at = time.monotonic()
        self._last = None
        self.bar.setRange(0, 0)  # busy until the first page says how far it is
        self.sync_message.clear()
        for label in (self.pages_label, self.records_label, self.rate_label, self.left_label):
            label.setText("—")
        self._show_buttons(running=True)
        sync.start(enrolled=True)
        sync.sync_now()

    def _on_sync_progressed(self, p: SyncProgress) -> None:
        if p.phase != "pull":
            return
        self._last = p
        elapsed = max(time.monotonic() - self._started_at, 1e-3)
        rate = p.pulled / elapsed
        behind = getattr(p, "behind", None)
        self.pages_label.setText(str(p.pages))
        self.records_label.setText(f"{p.pulled:,}")
        self.rate_label.setText(self.tr("{n}/s").format(n=f"{rate:,.0f}"))
        if behind is not None and rate > 0:
            total = p.pulled + behind
            self.bar.setRange(0, max(total, 1))
            self.bar.setValue(p.pulled)
            seconds = int(behind / rate)
            self.left_label.setText(self.tr("{m} min {s} s").format(m=seconds // 60, s=seconds % 60))
        else:
            self.left_label.setText(self.tr("estimating…"))

    def _on_sync_finished(self, report: SyncReport) -> None:
        sync = self.ctx.sync
        sync.progressed.disconnect(self._on_sync_progressed)
        sync.finished.disconnect(self._on_sync_finished)
        if report.skipped == "cancelled":
            self.sync_message.setText(messages.words("cancelled"))
            self._show_buttons(running=False, resumable=True)
            return
        if report.error is not None:
            self.sync_message.setText(messages.text_for(report.error))
            self._show_buttons(running=False, resumable=True)
            return
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.left_label.setText(self.tr("done"))
        self.records_label.setText(f"{report.pulled:,}" if self._last is None else f"{self._last.pulled:,}")
        self.pages_label.setText(str(report.pages))
        self.sync_title.setText(self.tr("Ready. Guides can log in now."))
        self._show_buttons(running=False, resumable=False)
        self.done_button.setFocus()

    def _on_cancel_clicked(self) -> None:
        self.ctx.sync.cancel()
        self.cancel_button.setEnabled(False)

    def _on_resume_clicked(self) -> None:
        self.start_sync()

    def _show_buttons(self, *, running: bool, resumable: bool = False) -> None:
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(True)
        self.resume_button.setVisible(not running and resumable)
        self.later_button.setVisible(not running and resumable)
        self.done_button.setVisible(not running and not resumable)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self.cancel_button.isVisible():
            self._on_cancel_clicked()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            for b in (self.done_button, self.resume_button):
                if b.isVisible():
                    b.click()
                    return
        super().keyPressEvent(event)
