"""The members page: the store's members (a million rows stay smooth: a lazy model paged by key from the
database), filtered by tag, stage, sleeping and binding, searched by name, card number or the last four
phone digits, sorted by any column header. Enter or a double click opens the member's card."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.member_list import STAGES, FilterChoices, MemberCount, MemberFilter, filter_choices
from ui import messages
from ui.context import AppContext
from ui.models.members import MembersTableModel, stage_title
from ui.widgets.member_card_dialog import MemberCardDialog

SEARCH_DEBOUNCE_MS = 250
_ALL, _MINE, _UNBOUND = "", "__mine__", "__unbound__"


class MembersPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="membersPage")
        self.ctx = ctx
        ws = ctx.ws
        self.model = MembersTableModel(ctx.runner, now=ws.hq_now, cipher=ws.cipher, parent=self)
        self.search = QLineEdit(objectName="membersSearch", clearButtonEnabled=True)
        self.tag = QComboBox(objectName="membersTag")
        self.stage = QComboBox(objectName="membersStage")
        self.binding = QComboBox(objectName="membersBinding")
        self.sleeping = QCheckBox(objectName="membersSleeping")
        self.count_label = QLabel(objectName="membersCount")
        self.table = QTableView(objectName="membersTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((110, 120, 70, 200, 200, 120, 140)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.tag, 1)
        filters.addWidget(self.stage, 1)
        filters.addWidget(self.binding, 1)
        filters.addWidget(self.sleeping)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filters)
        for combo in (self.tag, self.stage, self.binding):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.sleeping.toggled.connect(self.apply_filters)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.installEventFilter(self)
        self.model.count_changed.connect(self._on_model_count_changed)
        self.model.query_failed.connect(self._on_model_query_failed)
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        self._choices = FilterChoices((), ())
        self._loaded = False
        self.retranslate()

    # ---- lifecycle

    def page_shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._load_choices()
            self.apply_filters()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.page_shown()

    def _load_choices(self) -> None:
        guide = self.ctx.guide
        store_id = guide.store_id if guide is not None else self._store_id()
        self.ctx.runner.read(
            lambda s: filter_choices(s, store_id=store_id), description="member filters"
        ).on_success(self._set_choices).start()

    def _store_id(self) -> str:
        return getattr(self.ctx.ws, "store_id", "") or ""

    def _set_choices(self, choices: FilterChoices) -> None:
        self._choices = choices
        self._fill_combos()

    def _fill_combos(self) -> None:
        """(Re)fill the menus in the current language, keeping what is selected."""
        for combo in (self.tag, self.stage, self.binding):
            combo.blockSignals(True)
        tag, stage, binding = self.tag.currentData(), self.stage.currentData(), self.binding.currentData()
        self.tag.clear()
        self.tag.addItem(self.tr("All tags"), _ALL)
        for t in self._choices.tags:
            self.tag.addItem(t.name, t.id)
        self.stage.clear()
        self.stage.addItem(self.tr("All stages"), _ALL)
        for s in STAGES:
            self.stage.addItem(stage_title(s), s)
        self.binding.clear()
        self.binding.addItem(self.tr("Anyone's members"), _ALL)
        self.binding.addItem(self.tr("My members"), _MINE)
        self.binding.addItem(self.tr("Unbound"), _UNBOUND)
        for g in self._choices.guides:
            self.binding.addItem(g.name, g.id)
        for combo, value in ((self.tag, tag), (self.stage, stage), (self.binding, binding)):
            at = combo.findData(value) if value is not None else 0
            combo.setCurrentIndex(max(at, 0))
            combo.blockSignals(False)

    # ---- filtering

    def current_filter(self) -> MemberFilter:
        binding = self.binding.currentData() or _ALL
        guide = self.ctx.guide
        guide_id = None
        if binding == _MINE:
            guide_id = guide.id if guide is not None else "-"
        elif binding not in (_ALL, _UNBOUND):
            guide_id = binding
        return MemberFilter(
            tag_id=self.tag.currentData() or None,
            stage=self.stage.currentData() or None,
            sleeping=self.sleeping.isChecked(),
            bound_guide_id=guide_id,
            unbound=binding == _UNBOUND,
            search=self.search.text().strip(),
        )

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.count_label.setText(self.tr("Counting…"))
        self.model.set_query(filters=self.current_filter())

    def _on_model_count_changed(self, count: MemberCount) -> None:
        n = f"{count.count:,}"
        text = self.tr("{n} members") if count.exact else self.tr("More than {n} members")
        self.count_label.setText(text.format(n=n))

    def _on_model_query_failed(self, error: BaseException) -> None:
        self.count_label.setText(messages.text_for(error))

    def _on_runner_data_changed(self, changes: Any, initiator: object) -> None:
        if self._loaded and self.isVisible():
            self.model.refresh()
        elif self._loaded:
            self._loaded = False  # query again when next shown

    # ---- opening a member

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self.open_member(index.row())

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.table.currentIndex().isValid():
                self.open_member(self.table.currentIndex().row())
                return True
        return super().eventFilter(watched, event)

    def open_member(self, row: int) -> MemberCardDialog:
        dialog = MemberCardDialog(self.ctx, self.model.member_id(row), parent=self)
        dialog.open()
        self.card_dialog = dialog
        return dialog

    # ---- language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search: name, card number or last 4 phone digits"))
        self.sleeping.setText(self.tr("Sleeping only"))
        self._fill_combos()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        if self.model.count is not None:
            self._on_model_count_changed(self.model.count)
