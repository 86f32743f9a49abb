"""Outbox & conflicts: what waits for HQ, what HQ refused and why (a bind lost to another store names
the store, the guide and when), and the binding conflicts HQ recorded against this store."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.models.sync import ConflictTableModel, OutboxTableModel, RefusedTableModel
from ui.station import SyncViewData, sync_view


def _table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class SyncPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="syncPage")
        self.ctx = ctx
        self.waiting = OutboxTableModel(self)
        self.refused = RefusedTableModel(self)
        self.conflicts = ConflictTableModel(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(_table(self.waiting), "")
        self.tabs.addTab(_table(self.refused), "")
        self.tabs.addTab(_table(self.conflicts), "")
        self.summary = QLabel(objectName="screenTitle")
        self.sync_button = QPushButton(self.tr("Sync now (F5)"), objectName="primary")
        self.sync_button.clicked.connect(lambda: self.ctx.sync.sync_now())
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.tabs, 1)
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        self._shown = False
        self._label(SyncViewData((), (), ()))

    def page_shown(self) -> None:
        self._shown = True
        self.refresh()

    def refresh(self) -> None:
        self.ctx.runner.read(sync_view, description="sync view").on_success(self._show).start()

    def _show(self, data: SyncViewData) -> None:
        self.waiting.set_rows(data.waiting)
        self.refused.set_rows(data.refused)
        self.conflicts.set_rows(data.conflicts)
        self._label(data)

    def _label(self, data: SyncViewData) -> None:
        self.tabs.setTabText(0, self.tr("Waiting for HQ ({n})").format(n=len(data.waiting)))
        self.tabs.setTabText(1, self.tr("Refused by HQ ({n})").format(n=len(data.refused)))
        self.tabs.setTabText(2, self.tr("Binding conflicts ({n})").format(n=len(data.conflicts)))
        self.summary.setText(self.tr("Outbox & conflicts"))

    def _on_runner_data_changed(self, _changes: Any, _initiator: object) -> None:
        if self._shown and self.isVisible():
            self.refresh()
