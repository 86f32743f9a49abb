"""Table models of the sync view: what waits for HQ, what HQ refused, and binding conflicts. Each holds
one bounded page of plain rows (ui/station.py reads them on the DB lane), never a database handle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from app.clock import STORE_TZ
from ui import messages
from ui.station import ConflictRow, OutboxRow

_C = "SyncModels"
MUTATION_WORDS = {
    "binding.create.v1": QT_TRANSLATE_NOOP("SyncModels", "Bind"),
    "binding.transfer.v1": QT_TRANSLATE_NOOP("SyncModels", "Transfer"),
    "binding.end.v1": QT_TRANSLATE_NOOP("SyncModels", "End binding"),
    "member.enroll.v1": QT_TRANSLATE_NOOP("SyncModels", "Enroll"),
    "member.decline.v1": QT_TRANSLATE_NOOP("SyncModels", "Declined to join"),
    "tag.add.v1": QT_TRANSLATE_NOOP("SyncModels", "Add tag"),
    "tag.remove.v1": QT_TRANSLATE_NOOP("SyncModels", "Remove tag"),
    "note.add.v1": QT_TRANSLATE_NOOP("SyncModels", "Note"),
    "task.create.v1": QT_TRANSLATE_NOOP("SyncModels", "Follow-up"),
    "task.assign.v1": QT_TRANSLATE_NOOP("SyncModels", "Assign task"),
    "task.complete.v1": QT_TRANSLATE_NOOP("SyncModels", "Task done"),
    "visit.record.v1": QT_TRANSLATE_NOOP("SyncModels", "Visit"),
    "audit.append.v1": QT_TRANSLATE_NOOP("SyncModels", "Audit record"),
}
STATE_WORDS = {
    "pending": QT_TRANSLATE_NOOP("SyncModels", "waiting"),
    "sent": QT_TRANSLATE_NOOP("SyncModels", "sent, no answer yet"),
    "rejected": QT_TRANSLATE_NOOP("SyncModels", "refused"),
}


def _t(text: str) -> str:
    return QCoreApplication.translate(_C, text)


def when(at: datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(STORE_TZ).strftime("%m-%d %H:%M")


def action_words(name: str) -> str:
    return _t(MUTATION_WORDS[name]) if name in MUTATION_WORDS else name


class _RowsTableModel(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any] | tuple[Any, ...]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self.HEADERS):
            return _t(self.HEADERS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not (0 <= index.row() < len(self.rows)):
            return None
        return self.cell(self.rows[index.row()], index.column())

    def cell(self, row: Any, column: int) -> str:
        raise NotImplementedError


class OutboxTableModel(_RowsTableModel):
    HEADERS = (
        QT_TRANSLATE_NOOP("SyncModels", "#"),
        QT_TRANSLATE_NOOP("SyncModels", "When"),
        QT_TRANSLATE_NOOP("SyncModels", "What"),
        QT_TRANSLATE_NOOP("SyncModels", "Member"),
        QT_TRANSLATE_NOOP("SyncModels", "Guide"),
        QT_TRANSLATE_NOOP("SyncModels", "State"),
    )

    def cell(self, row: OutboxRow, column: int) -> str:
        return (
            str(row.id),
            when(row.created_at),
            action_words(row.name),
            row.member_name or "—",
            row.guide_name or "—",
            _t(STATE_WORDS.get(row.state, row.state)),
        )[column]


class RefusedTableModel(_RowsTableModel):
    HEADERS = (
        QT_TRANSLATE_NOOP("SyncModels", "#"),
        QT_TRANSLATE_NOOP("SyncModels", "When"),
        QT_TRANSLATE_NOOP("SyncModels", "What"),
        QT_TRANSLATE_NOOP("SyncModels", "Member"),
        QT_TRANSLATE_NOOP("SyncModels", "Guide"),
        QT_TRANSLATE_NOOP("SyncModels", "Why HQ refused"),
    )

    def cell(self, row: OutboxRow, column: int) -> str:
        if column == 5:
            return messages.words(row.code or "unexpected", **row.details) if row.code else "—"
        return (
            str(row.id),
            when(row.created_at),
            action_words(row.name),
            row.member_name or "—",
            row.guide_name or "—",
        )[column]


class ConflictTableModel(_RowsTableModel):
    HEADERS = (
        QT_TRANSLATE_NOOP("SyncModels", "When"),
        QT_TRANSLATE_NOOP("SyncModels", "Member"),
        QT_TRANSLATE_NOOP("SyncModels", "Our guide"),
        QT_TRANSLATE_NOOP("SyncModels", "Won by"),
        QT_TRANSLATE_NOOP("SyncModels", "Store"),
    )

    def cell(self, row: ConflictRow, column: int) -> str:
        return (
            when(row.created_at),
            row.member_name,
            row.losing_guide_name or "—",
            row.winning_guide_name,
            row.winning_store_name,
        )[column]
