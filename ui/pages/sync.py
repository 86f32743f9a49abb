"""Outbox & conflicts: what is waiting for HQ and what HQ refused, and why. (Grows in a later step.)"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.context import AppContext


class SyncPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="syncPage")
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Outbox & conflicts")))
        layout.addStretch(1)
