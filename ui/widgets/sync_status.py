"""Sync status, always visible in the status bar: online/offline, pending count, last sync, conflicts.
Refreshed after every `data_changed` and by the sync controller's reports."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app.services.outbox import pending_count
from ui.context import AppContext


class SyncStatusBar(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="syncStatus")
        self.ctx = ctx
        self.pending = 0
        self.pending_label = QLabel(objectName="pendingLabel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        layout.addWidget(self.pending_label)
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        self._show_pending(0)
        self.refresh()

    def refresh(self) -> None:
        self.ctx.runner.read(pending_count, description="pending count").on_success(
            self._show_pending
        ).start()

    def _show_pending(self, count: int) -> None:
        self.pending = count
        self.pending_label.setText(self.tr("Waiting for HQ: {n}").format(n=count))

    def _on_runner_data_changed(self, _changes: Any, _initiator: object) -> None:
        self.refresh()
