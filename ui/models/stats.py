"""The manager's per-guide numbers for a date range, with the store's totals as the last row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from app.services.stats import StatsReport
from contract.measures import join_rate

CONTEXT = "GuideStatsTableModel"
COLUMNS = (
    ("guide_name", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Guide")),
    ("served", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Served")),
    ("bindings", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Bindings")),
    ("enrollments", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Enrollments")),
    ("paid", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Paid members")),
    ("declines", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Declines")),
    ("join_rate", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Join rate")),
    ("tasks_done", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Tasks done")),
    ("tasks_overdue", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Tasks overdue")),
    ("transfers", QT_TRANSLATE_NOOP("GuideStatsTableModel", "Transfers")),
)
_SUMMED = [key for key, _ in COLUMNS[1:] if key != "join_rate"]


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


class GuideStatsTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def set_report(self, report: StatsReport | None) -> None:
        self.beginResetModel()
        self._rows = []
        if report is not None:
            for t in report.totals:
                row = {key: getattr(t, key) for key, _ in COLUMNS if key != "join_rate"}
                row["join_rate"] = t.join_rate
                self._rows.append(row)
            total: dict[str, Any] = {k: sum(r[k] for r in self._rows) for k in _SUMMED}
            total["guide_name"] = None  # "Store total", in the current language
            total["join_rate"] = join_rate(total["enrollments"], total["declines"])
            self._rows.append(total)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(COLUMNS):
            return QCoreApplication.translate(CONTEXT, COLUMNS[section][1])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        total = index.row() == len(self._rows) - 1
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "guide_name" and row[key] is None:
                return QCoreApplication.translate("GuideStatsTableModel", "Store total")
            if key == "join_rate":
                return percent(row[key])
            return row[key] if key == "guide_name" else f"{row[key]:,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and key != "guide_name":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and total:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def value(self, row: int, key: str) -> Any:
        return self._rows[row][key]
