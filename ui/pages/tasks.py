"""The tasks page: a guide's follow-ups by window (overdue, today, upcoming, undated), HQ's task lists with
their progress, completion with an outcome and a note in two keystrokes (1-4, then Enter), the contact
budget's warning before one more outreach, and the manager's assignment of one or many items to a guide.

Keys on the task table: 1 reached, 2 not reached, 3 call back, 4 declined → the note field takes focus with
the outcome chosen; Enter completes (Esc cancels). When the member's contact budget is spent, the first
Enter shows the warning and a second Enter completes anyway (audited by the service)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.clock import STORE_TZ
from app.errors import RuleRefused
from app.services.common import GuideRef
from app.services.guides import GuideView, list_guides
from app.services.tasks import (
    WINDOWS,
    ContactBudget,
    TaskBoard,
    TaskListProgress,
    TaskView,
    assign_task,
    complete_task,
    contact_budget,
    list_tasks,
    task_board,
    task_lists,
)
from ui import messages
from ui.context import AppContext

ALL_OPEN = "all"  # the store's open tasks, whoever has them (manager view)
OUTCOME_KEYS = {
    Qt.Key.Key_1: "reached",
    Qt.Key.Key_2: "not_reached",
    Qt.Key.Key_3: "call_back",
    Qt.Key.Key_4: "declined",
}
OUTCOME_TITLES = {
    "reached": QT_TRANSLATE_NOOP("TasksPage", "Reached"),
    "not_reached": QT_TRANSLATE_NOOP("TasksPage", "Not reached"),
    "call_back": QT_TRANSLATE_NOOP("TasksPage", "Call back"),
    "declined": QT_TRANSLATE_NOOP("TasksPage", "Declined"),
}
KIND_TITLES = {
    "call": QT_TRANSLATE_NOOP("TasksTableModel", "Call"),
    "message": QT_TRANSLATE_NOOP("TasksTableModel", "Message"),
    "invite": QT_TRANSLATE_NOOP("TasksTableModel", "Invite"),
    "visit": QT_TRANSLATE_NOOP("TasksTableModel", "Visit"),
}
TASK_COLUMNS = (
    QT_TRANSLATE_NOOP("TasksTableModel", "Member"),
    QT_TRANSLATE_NOOP("TasksTableModel", "Kind"),
    QT_TRANSLATE_NOOP("TasksTableModel", "Due"),
    QT_TRANSLATE_NOOP("TasksTableModel", "Assigned to"),
    QT_TRANSLATE_NOOP("TasksTableModel", "Task list"),
    QT_TRANSLATE_NOOP("TasksTableModel", "State"),
)
LIST_COLUMNS = (
    QT_TRANSLATE_NOOP("TaskListsTableModel", "Task list"),
    QT_TRANSLATE_NOOP("TaskListsTableModel", "From"),
    QT_TRANSLATE_NOOP("TaskListsTableModel", "Due"),
    QT_TRANSLATE_NOOP("TaskListsTableModel", "Progress"),
    QT_TRANSLATE_NOOP("TaskListsTableModel", "Overdue"),
)
WINDOW_TITLES = {
    "overdue": QT_TRANSLATE_NOOP("TasksPage", "Overdue ({n})"),
    "today": QT_TRANSLATE_NOOP("TasksPage", "Today ({n})"),
    "upcoming": QT_TRANSLATE_NOOP("TasksPage", "Upcoming ({n})"),
    "undated": QT_TRANSLATE_NOOP("TasksPage", "No due date ({n})"),
    ALL_OPEN: QT_TRANSLATE_NOOP("TasksPage", "All open in the store"),
}


def _due(at: Any) -> str:
    return "" if at is None else at.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M")


class TasksTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.tasks: list[TaskView] = []
        self.guide_names: dict[str, str] = {}

    def set_tasks(self, tasks: tuple[TaskView, ...], guide_names: dict[str, str]) -> None:
        self.beginResetModel()
        self.tasks, self.guide_names = list(tasks), guide_names
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.tasks)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(TASK_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(TASK_COLUMNS):
            return QCoreApplication.translate("TasksTableModel", TASK_COLUMNS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.tasks):
            return None
        t = self.tasks[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole and t.overdue:
            from PySide6.QtGui import QColor

            return QColor("#C62828")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        _t = QCoreApplication.translate
        if index.column() == 0:
            return t.member_name or "—"
        if index.column() == 1:
            return _t("TasksTableModel", KIND_TITLES[t.kind]) if t.kind in KIND_TITLES else t.kind
        if index.column() == 2:
            return _due(t.due_at)
        if index.column() == 3:
            return self.guide_names.get(t.assigned_guide_id or "", "") or QCoreApplication.translate(
                "TasksTableModel", "Nobody yet"
            )
        if index.column() == 4:
            return t.list_title or ""
        state = _t("TasksPage", OUTCOME_TITLES[t.outcome]) if t.outcome in OUTCOME_TITLES else ""
        if t.pending:
            state = (state + " · " if state else "") + QCoreApplication.translate(
                "TasksTableModel", "pending HQ"
            )
        return state


class TaskListsTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.lists: list[TaskListProgress] = []

    def set_lists(self, lists: tuple[TaskListProgress, ...]) -> None:
        self.beginResetModel()
        self.lists = list(lists)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lists)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LIST_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(LIST_COLUMNS):
            return QCoreApplication.translate("TaskListsTableModel", LIST_COLUMNS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            not index.isValid()
            or not 0 <= index.row() < len(self.lists)
            or role != Qt.ItemDataRole.DisplayRole
        ):
            return None
        p = self.lists[index.row()]
        _t = QCoreApplication.translate
        if index.column() == 0:
            return p.title
        if index.column() == 1:
            return (
                QCoreApplication.translate("TaskListsTableModel", "HQ")
                if p.source == "hq"
                else QCoreApplication.translate("TaskListsTableModel", "Store")
            )
        if index.column() == 2:
            return _due(p.due_at)
        if index.column() == 3:
            pct = 0 if p.total == 0 else round(100 * p.done / p.total)
            return f"{p.done} / {p.total} ({pct}%)"
        return str(p.overdue)


class TasksPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="tasksPage")
        self.ctx = ctx
        self.guides: tuple[GuideView, ...] = ()
        self.board: TaskBoard | None = None
        self.window = "today"
        self.list_id: str | None = None
        self.outcome: str | None = None
        self.budget_warned_for: str | None = None
        self.who = QComboBox(objectName="tasksWho")
        self.tabs = QTabBar(objectName="tasksWindows")
        for _w in (*WINDOWS, ALL_OPEN):
            self.tabs.addTab("")
        self.model = TasksTableModel(self)
        self.table = QTableView(objectName="tasksTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.installEventFilter(self)
        self.script = QLabel(objectName="taskScript")  # the selected task's list script, when it has one
        self.script.setWordWrap(True)
        self.script.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.script.setVisible(False)
        self.hint = QLabel(objectName="tasksHint")
        self.hint.setWordWrap(True)
        self.budget_label = QLabel(objectName="budgetLabel")
        self.budget_label.setWordWrap(True)
        self.note = QLineEdit(objectName="taskNote")
        self.note.installEventFilter(self)
        self.assign_to = QComboBox(objectName="assignTo")
        self.assign_button = QPushButton(objectName="assignButton")
        self.lists_model = TaskListsTableModel(self)
        self.lists_table = QTableView(objectName="taskLists")
        self.lists_table.setModel(self.lists_model)
        self.lists_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lists_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lists_table.verticalHeader().setVisible(False)
        self.lists_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.lists_title = QLabel(objectName="taskListsTitle")
        self.message = QLabel(objectName="tasksMessage")
        self.message.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.who)
        top.addWidget(self.tabs, 1)
        complete = QHBoxLayout()
        complete.addWidget(self.note, 1)
        complete.addWidget(self.assign_to)
        complete.addWidget(self.assign_button)
        upper = QWidget()
        up = QVBoxLayout(upper)
        up.setContentsMargins(0, 0, 0, 0)
        up.addLayout(top)
        up.addWidget(self.table, 1)
        up.addWidget(self.script)
        up.addWidget(self.hint)
        up.addWidget(self.budget_label)
        up.addLayout(complete)
        lower = QWidget()
        low = QVBoxLayout(lower)
        low.setContentsMargins(0, 0, 0, 0)
        low.addWidget(self.lists_title)
        low.addWidget(self.lists_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.who.currentIndexChanged.connect(lambda _i: self.reload())
        self.assign_button.clicked.connect(self.assign_selected)
        self.lists_table.clicked.connect(self._on_lists_table_clicked)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        self.tabs.setCurrentIndex(WINDOWS.index("today"))
        self._loaded = False
        self.retranslate()

    # ---- loading

    def page_shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._load_guides()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.page_shown()

    def _on_runner_data_changed(self, _changes: Any, initiator: object) -> None:
        if self._loaded and initiator is not self:
            self.reload()

    def _load_guides(self) -> None:
        guide = self.ctx.guide
        if guide is None:
            return
        store_id = guide.store_id
        self.ctx.runner.read(lambda s: list_guides(s, store_id=store_id), description="guides").on_success(
            self._set_guides
        ).start()

    def _set_guides(self, guides: tuple[GuideView, ...]) -> None:
        self.guides = guides
        me = self.ctx.guide
        for combo in (self.who, self.assign_to):
            combo.blockSignals(True)
            combo.clear()
        self.who.addItem(self.tr("My tasks"), me.id if me else "")
        for g in guides:
            if me is None or g.id != me.id:
                self.who.addItem(self.tr("Tasks of {name}").format(name=g.name), g.id)
            self.assign_to.addItem(self.tr("Assign to {name}").format(name=g.name), g.id)
        for combo in (self.who, self.assign_to):
            combo.blockSignals(False)
        manager = me is not None and me.is_manager
        self.who.setVisible(manager)
        self.assign_to.setVisible(manager)
        self.assign_button.setVisible(manager)
        self.tabs.setTabVisible(len(WINDOWS), manager)
        self.reload()

    def guide_id(self) -> str:
        return self.who.currentData() or (self.ctx.guide.id if self.ctx.guide else "")

    def reload(self) -> None:
        guide = self.ctx.guide
        if guide is None:
            return
        store_id, guide_id, ws, window, list_id = (
            guide.store_id,
            self.guide_id(),
            self.ctx.ws,
            self.window,
            self.list_id,
        )

        def work(s: Any) -> tuple[TaskBoard, tuple[TaskView, ...], tuple[TaskListProgress, ...]]:
            now = ws.hq_now()
            board = task_board(s, store_id=store_id, guide_id=guide_id, now=now, list_id=list_id)
            everyone: tuple[TaskView, ...] = ()
            if window == ALL_OPEN:
                everyone = list_tasks(
                    s,
                    store_id=store_id,
                    guide_id=None,
                    state="open",
                    overdue_only=False,
                    now=now,
                    limit=500,
                    list_id=list_id,
                )
            return board, everyone, task_lists(s, store_id=store_id, now=now)

        self.ctx.runner.read(work, description="tasks").on_success(self._show).on_failure(
            self._show_error
        ).start()

    def _show(self, result: tuple[TaskBoard, tuple[TaskView, ...], tuple[TaskListProgress, ...]]) -> None:
        self.board, everyone, lists = result
        names = {g.id: g.name for g in self.guides}
        shown = everyone if self.window == ALL_OPEN else getattr(self.board, self.window)
        self.model.set_tasks(shown, names)
        self.lists_model.set_lists(lists)
        self._title_tabs()
        if self.model.rowCount():
            self.table.selectRow(0)
        self._show_selected()

    def _show_error(self, error: BaseException) -> None:
        self.message.setText(messages.text_for(error))

    def _on_tabs_current_changed(self, index: int) -> None:
        self.window = (*WINDOWS, ALL_OPEN)[index]
        self.reload()

    def _on_lists_table_clicked(self, index: QModelIndex) -> None:
        chosen = self.lists_model.lists[index.row()].id
        self.list_id = None if chosen == self.list_id else chosen
        if self.list_id is None:
            self.lists_table.clearSelection()
        self.reload()

    # ---- completing

    def current_task(self) -> TaskView | None:
        index = self.table.currentIndex()
        return (
            self.model.tasks[index.row()] if index.isValid() and index.row() < len(self.model.tasks) else None
        )

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if watched is self.table and key in OUTCOME_KEYS and self.current_task() is not None:
                self.choose_outcome(OUTCOME_KEYS[key])
                return True
            if watched is self.note and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.outcome:
                self.complete()
                return True
            if watched is self.note and key == Qt.Key.Key_Escape and self.outcome:
                self.cancel_outcome()
                return True
        return super().eventFilter(watched, event)

    def choose_outcome(self, outcome: str) -> None:
        self.outcome = outcome
        self.budget_warned_for = None
        title = QCoreApplication.translate("TasksPage", OUTCOME_TITLES[outcome])
        self.note.setPlaceholderText(
            self.tr("{outcome} — note (optional), Enter completes, Esc cancels").format(outcome=title)
        )
        self.note.setFocus()

    def cancel_outcome(self) -> None:
        self.outcome = None
        self.note.clear()
        self._placeholder()
        self.table.setFocus()

    def _show_selected(self) -> None:
        self._show_script()
        self._show_budget()

    def _show_script(self) -> None:
        task = self.current_task()
        script = task.list_script if task is not None else None
        self.script.setVisible(bool(script))
        self.script.setText(self.tr("Script: {script}").format(script=script) if script else "")

    def _show_budget(self) -> None:
        task = self.current_task()
        if task is None:
            self.budget_label.clear()
            return
        ws = self.ctx.ws
        self.ctx.runner.read(
            lambda s: contact_budget(s, member_id=task.member_id, now=ws.hq_now()), description="budget"
        ).on_success(lambda b: self._budget_text(task, b)).start()

    def _budget_text(self, task: TaskView, budget: ContactBudget) -> None:
        if task is not self.current_task():
            return
        text = self.tr("Contacts with {name} in the last {days} days: {used} of {limit}.").format(
            name=task.member_name or "—", days=budget.window_days, used=budget.used, limit=budget.limit
        )
        if budget.remaining <= 0:
            text += " " + self.tr("Contact budget spent: one more call or message is too many.")
        self.budget_label.setText(text)

    def complete(self) -> None:
        task, outcome, guide, ws = self.current_task(), self.outcome, self.ctx.guide, self.ctx.ws
        if task is None or outcome is None or guide is None:
            return
        note = self.note.text().strip() or None
        override = self.budget_warned_for == task.id
        self.ctx.runner.mutate(
            lambda s: complete_task(
                s,
                task_id=task.id,
                outcome=outcome,
                note=note,
                guide=guide,
                now=ws.hq_now(),
                over_budget_ok=override,
            ),
            description="complete task",
            initiator=self,
        ).on_success(lambda _r: self._completed(task)).on_failure(
            lambda e: self._complete_failed(task, e)
        ).start()

    def _completed(self, task: TaskView) -> None:
        title = QCoreApplication.translate("TasksPage", OUTCOME_TITLES[self.outcome or "reached"])
        self.message.setText(
            self.tr("Done: {name} — {outcome}.").format(name=task.member_name or "—", outcome=title)
        )
        self.outcome, self.budget_warned_for = None, None
        self.note.clear()
        self._placeholder()
        self.table.setFocus()
        self.reload()

    def _complete_failed(self, task: TaskView, error: BaseException) -> None:
        if isinstance(error, RuleRefused) and error.code == "contact_budget_exceeded":
            self.budget_warned_for = task.id
            self.message.setText(
                messages.text_for(error)
                + " "
                + self.tr("Press Enter again to complete anyway (recorded), Esc to cancel.")
            )
            return
        self.message.setText(messages.text_for(error))

    # ---- assigning (manager)

    def selected_tasks(self) -> list[TaskView]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.tasks[r] for r in rows]

    def assign_selected(self) -> None:
        tasks, to_guide = self.selected_tasks(), self.assign_to.currentData()
        if not tasks or not to_guide:
            return
        self.ctx.request_manager(self.tr("Assign tasks"), lambda m: self._assign(tasks, to_guide, m))

    def _assign(self, tasks: list[TaskView], to_guide: str, manager: GuideRef) -> None:
        ws = self.ctx.ws

        def work(s: Any) -> int:
            now = ws.hq_now()
            for t in tasks:
                assign_task(s, task_id=t.id, to_guide_id=to_guide, manager=manager, now=now)
            return len(tasks)

        name = {g.id: g.name for g in self.guides}.get(to_guide, "")
        self.ctx.runner.mutate(work, description="assign tasks", initiator=self).on_success(
            lambda n: self._after_assign(n, name)
        ).on_failure(self._show_error).start()

    def _after_assign(self, n: int, name: str) -> None:
        self.message.setText(self.tr("{n} task(s) assigned to {name}.").format(n=n, name=name))
        self.reload()

    # ---- language

    def _title_tabs(self) -> None:
        counts = self.board.counts if self.board else {}
        for i, w in enumerate((*WINDOWS, ALL_OPEN)):
            self.tabs.setTabText(
                i, QCoreApplication.translate("TasksPage", WINDOW_TITLES[w]).format(n=counts.get(w, 0))
            )

    def _placeholder(self) -> None:
        self.note.setPlaceholderText(
            self.tr("Select a task, press 1 reached · 2 not reached · 3 call back · 4 declined")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self._title_tabs()
        self._placeholder()
        self.hint.setText(self.tr("Keys: 1 reached · 2 not reached · 3 call back · 4 declined, then Enter."))
        self._show_script()
        self.assign_button.setText(self.tr("Assign selected"))
        self.lists_title.setText(self.tr("Task lists and their progress (click one to show only its items)"))
        for m in (self.model, self.lists_model):
            m.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, m.columnCount() - 1)
        if self.guides:
            self._set_guides(self.guides)
