"""The store's members as a lazy table: pages of rows fetched by key from `app.services.member_list`
through the task runner's DB lane, appended as the view scrolls (`canFetchMore`/`fetchMore`). Sorting and
filtering are new queries, never a proxy over loaded rows (PERF-NOTES: a proxy over 1 M rows is 3.7 s).

Results of a query that was replaced while its page was in flight are dropped (each query has a
generation number), so a fast typist never sees rows of an older search.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from app.clock import STORE_TZ
from app.services.member_list import (
    SORT_KEYS,
    MemberCount,
    MemberFilter,
    MemberPage,
    MemberRow,
    MemberSort,
    count_members,
    list_page,
)

PAGE_SIZE = 200
CONTEXT = "MembersTableModel"
COLUMN_TITLES = (
    QT_TRANSLATE_NOOP("MembersTableModel", "Name"),
    QT_TRANSLATE_NOOP("MembersTableModel", "Phone"),
    QT_TRANSLATE_NOOP("MembersTableModel", "Level"),
    QT_TRANSLATE_NOOP("MembersTableModel", "Stage"),
    QT_TRANSLATE_NOOP("MembersTableModel", "Tags"),
    QT_TRANSLATE_NOOP("MembersTableModel", "Bound guide"),
    QT_TRANSLATE_NOOP("MembersTableModel", "Last visit"),
)
STAGE_TITLES = {
    "visitor": QT_TRANSLATE_NOOP("MembersTableModel", "Visitor"),
    "registered": QT_TRANSLATE_NOOP("MembersTableModel", "Registered"),
    "first_order": QT_TRANSLATE_NOOP("MembersTableModel", "First order"),
    "experience": QT_TRANSLATE_NOOP("MembersTableModel", "Experience officer"),
    "koc": QT_TRANSLATE_NOOP("MembersTableModel", "Ambassador (KOC)"),
}
MEMBER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


def _t(text: str) -> str:
    """A marked (QT_TRANSLATE_NOOP) text of this context, translated now."""
    return QCoreApplication.translate(CONTEXT, text)


def stage_title(stage: str) -> str:
    return _t(STAGE_TITLES[stage]) if stage in STAGE_TITLES else stage


class MembersTableModel(QAbstractTableModel):
    """Columns: name, masked phone, level, stage (+ sleeping), tags, bound guide, last visit — the
    `SORT_KEYS` of the query service, in that order."""

    count_changed = Signal(object)  # MemberCount of the current query
    page_loaded = Signal(int)  # rows now loaded (after each page)
    query_failed = Signal(object)  # the exception

    def __init__(
        self,
        runner: Any,
        *,
        now: Callable[[], datetime],
        cipher: Any = None,
        page_size: int = PAGE_SIZE,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._now = now
        self._cipher = cipher
        self._page_size = page_size
        self._rows: list[MemberRow] = []
        self._after: Any = None
        self._exhausted = True
        self._fetching = False
        self._generation = 0
        self.filters = MemberFilter()
        self.sort_by = MemberSort()
        self.count: MemberCount | None = None
        self._started = False  # no query until the page asks (a view's setSortingEnabled sorts at once)

    # ---- queries

    def set_query(self, filters: MemberFilter | None = None, sort: MemberSort | None = None) -> None:
        """Show the members matching `filters` in `sort` order (None: keep the current one): the rows go,
        the first page and the count are asked for."""
        self.filters = filters if filters is not None else self.filters
        self.sort_by = sort if sort is not None else self.sort_by
        self.refresh()

    def refresh(self) -> None:
        """Run the current query again from the top (after data changed)."""
        self._started = True
        self._generation += 1
        self.beginResetModel()
        self._rows, self._after, self._exhausted, self._fetching = [], None, False, False
        self.count = None
        self.endResetModel()
        self._fetch()
        generation, filters = self._generation, self.filters
        self._runner.read(
            lambda s: count_members(s, filters=filters, now=self._now(), cipher=self._cipher),
            description="members count",
        ).on_success(lambda c: self._on_count(generation, c)).on_failure(self.query_failed.emit).start()

    def _on_count(self, generation: int, count: MemberCount) -> None:
        if generation == self._generation:
            self.count = count
            self.count_changed.emit(count)

    def _fetch(self) -> None:
        if self._fetching or self._exhausted:
            return
        self._fetching = True
        generation, after = self._generation, self._after
        filters, sort, limit = self.filters, self.sort_by, self._page_size
        self._runner.read(
            lambda s: list_page(
                s, after=after, limit=limit, sort=sort, filters=filters, now=self._now(), cipher=self._cipher
            ),
            description="members page",
        ).on_success(lambda page: self._on_page(generation, page)).on_failure(
            lambda e: self._on_failed(generation, e)
        ).start()

    def _on_page(self, generation: int, page: MemberPage) -> None:
        if generation != self._generation:
            return  # an older query's page
        self._after = page.next_after
        if page.rows:
            # still "fetching" while rows go in: a view or checker reacting to the insert must not start
            # the next page inside this one
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        self._fetching = False
        self._exhausted = page.next_after is None
        self.page_loaded.emit(len(self._rows))

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self._exhausted = True
            self.query_failed.emit(error)

    @property
    def loading(self) -> bool:
        return self._fetching

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def member_id(self, row: int) -> str:
        return self._rows[row].id

    def row_at(self, row: int) -> MemberRow:
        return self._rows[row]

    # ---- QAbstractTableModel

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(SORT_KEYS)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._fetching

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if not parent.isValid():
            self._fetch()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(COLUMN_TITLES):
            return _t(COLUMN_TITLES[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 5 and row.binding_pending:
            return QCoreApplication.translate("MembersTableModel", "Made here, waiting for HQ to confirm")
        if role == Qt.ItemDataRole.ForegroundRole and column == 3 and row.sleeping:
            return QColor("#8D6E63")
        if role == Qt.ItemDataRole.ForegroundRole and column == 5 and row.binding_pending:
            return QColor("#1565C0")
        if role == MEMBER_ID_ROLE:
            return row.id
        if role == ROW_ROLE:
            return row
        return None

    def _display(self, row: MemberRow, column: int) -> str:
        if column == 0:
            return row.name
        if column == 1:
            return row.phone_masked
        if column == 2:
            return row.level
        if column == 3:
            stage = stage_title(row.stage)
            return (
                stage + " · " + QCoreApplication.translate("MembersTableModel", "Sleeping")
                if row.sleeping
                else stage
            )
        if column == 4:
            return "、".join(row.tags)
        if column == 5:
            if row.bound_guide_id is None:
                return (
                    QCoreApplication.translate("MembersTableModel", "Unbound")
                    if not row.binding_pending
                    else QCoreApplication.translate("MembersTableModel", "Unbound (pending HQ)")
                )
            return (
                row.bound_guide_name + " · " + QCoreApplication.translate("MembersTableModel", "pending HQ")
                if row.binding_pending
                else row.bound_guide_name
            )
        if column == 6:
            if row.last_visit_at is None:
                return ""
            return row.last_visit_at.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M")
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header click: a new query in that column's order (on the database, by index)."""
        if 0 <= column < len(SORT_KEYS):
            wanted = MemberSort(SORT_KEYS[column], order == Qt.SortOrder.DescendingOrder)
            if not self._started:
                self.sort_by = wanted  # the view announcing its sort indicator: the first query uses it
            elif wanted != self.sort_by:
                self.set_query(sort=wanted)
