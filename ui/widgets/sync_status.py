"""Sync status, always visible in the status bar: online/offline, what waits for HQ, the last sync, and
a badge for what HQ refused (click it for the outbox & conflicts view). Refreshed after every
`data_changed` and whenever the sync controller reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.clock import STORE_TZ
from ui.context import AppContext
from ui.station import SyncSummary, sync_summary

CLOCK_WARNING_MS = 5 * 60 * 1000


def _restyle(widget: QWidget, tone: str) -> None:
    if widget.property("tone") != tone:
        widget.setProperty("tone", tone)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class SyncStatusBar(QWidget):
    open_sync_view = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="syncStatus")
        self.ctx = ctx
        self.pending = 0
        self.summary: SyncSummary | None = None
        self.online_label = QLabel(objectName="onlineLabel")
        self.pending_label = QLabel(objectName="pendingLabel")
        self.last_label = QLabel(objectName="lastSyncLabel")
        self.clock_label = QLabel(objectName="clockWarning")
        self.badge = QPushButton(objectName="conflictBadge")
        self.badge.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.badge.setFlat(True)
        self.badge.clicked.connect(self.open_sync_view.emit)
        self.sync_button = QPushButton(self.tr("Sync now (F5)"), objectName="syncNow")
        self.sync_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        for w in (
            self.clock_label,
            self.badge,
            self.pending_label,
            self.last_label,
            self.online_label,
            self.sync_button,
        ):
            layout.addWidget(w)
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        sync = ctx.sync
        if sync is not None:
            sync.status_changed.connect(self.refresh)
            sync.started.connect(self._show_online)
            sync.finished.connect(lambda _r: self._show_online())
        self._show(SyncSummary(0, 0, 0, None, 0))
        self._show_online()
        self.refresh()

    def refresh(self) -> None:
        self.ctx.runner.read(sync_summary, description="sync summary").on_success(self._show).start()

    def _on_sync_button_clicked(self) -> None:
        if self.ctx.sync is not None:
            self.ctx.sync.sync_now()

    def _show_online(self) -> None:
        sync = self.ctx.sync
        running = sync is not None and sync.running
        online = None if sync is None else sync.online
        if running:
            self.online_label.setText(self.tr("● Syncing…"))
            _restyle(self.online_label, "wait")
        elif online is True:
            self.online_label.setText(self.tr("● Online"))
            _restyle(self.online_label, "ok")
        elif online is False:
            self.online_label.setText(self.tr("● Offline: working locally"))
            _restyle(self.online_label, "bad")
        else:
            self.online_label.setText(self.tr("○ Not synced yet"))
            _restyle(self.online_label, "neutral")
        self.sync_button.setEnabled(not running)

    def _show(self, summary: SyncSummary) -> None:
        self.summary = summary
        self.pending = summary.pending
        self.pending_label.setText(self.tr("Waiting for HQ: {n}").format(n=summary.pending))
        _restyle(self.pending_label, "wait" if summary.pending else "neutral")
        if summary.last_sync_at is None:
            self.last_label.setText(self.tr("Last sync: never"))
        else:
            at = (
                summary.last_sync_at
                if summary.last_sync_at.tzinfo
                else summary.last_sync_at.replace(tzinfo=UTC)
            )
            local = at.astimezone(STORE_TZ)
            today = datetime.now(UTC).astimezone(STORE_TZ).date()
            shown = local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")
            self.last_label.setText(self.tr("Last sync: {t}").format(t=shown))
        trouble = summary.refused + summary.conflicts
        self.badge.setText(self.tr("Refused by HQ: {n}").format(n=trouble))
        self.badge.setVisible(trouble > 0)
        _restyle(self.badge, "bad")
        skew = abs(summary.clock_offset_ms)
        self.clock_label.setVisible(skew > CLOCK_WARNING_MS)
        self.clock_label.setText(self.tr("This PC's clock is {m} min off HQ").format(m=skew // 60000))
        self._show_online()

    def _on_runner_data_changed(self, _changes: Any, _initiator: object) -> None:
        self.refresh()
