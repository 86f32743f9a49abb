"""The shell: a window with a page list on the left, the current page, the manager-PIN prompt on the same
screen, and the status bar (who is logged in, sync state). Screens before the shell (first-run wizard,
login) are stacked in the same window, so the counter never closes when guides switch.

Pages come from the registry in `ui/pages/__init__.py` and are built the first time they are shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.common import GuideRef
from ui import messages
from ui.context import AppContext
from ui.pages import PageSpec, page_specs
from ui.resources import icon
from ui.widgets.manager_prompt import ManagerPrompt
from ui.widgets.sync_status import SyncStatusBar

log = logging.getLogger(__name__)


class Shell(QWidget):
    """Navigation + pages + the manager prompt: what a logged-in guide works in."""

    page_changed = Signal(str)

    def __init__(self, ctx: AppContext, specs: list[PageSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.specs = {s.key: s for s in specs}
        self.order = [s.key for s in specs]
        self.pages: dict[str, QWidget] = {}
        self._placeholders: dict[str, QWidget] = {}
        self.current_key = ""

        self.nav = QListWidget(objectName="nav")
        self.nav.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the page (and the scanner)
        self.stack = QStackedWidget(objectName="pages")
        self.manager_prompt = ManagerPrompt(ctx, self)
        self.manager_prompt.hide()

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.manager_prompt)
        right.addWidget(self.stack, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)

        for key in self.order:
            spec = self.specs[key]
            title = QCoreApplication.translate("pages", spec.title)
            item = QListWidgetItem(icon(spec.icon), title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            if spec.shortcut:
                item.setToolTip(f"{title}  ({spec.shortcut})")
                shortcut = QShortcut(QKeySequence(spec.shortcut), self)
                shortcut.activated.connect(lambda k=key: self.open_page(k))
            self.nav.addItem(item)
            holder = QWidget()
            self._placeholders[key] = holder
            self.stack.addWidget(holder)
        self.nav.setFixedWidth(max(150, self.nav.sizeHintForColumn(0) + 24))
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)

    def _on_nav_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.order) and self.order[row] != self.current_key:
            self.open_page(self.order[row])

    def page(self, key: str) -> QWidget:
        """The page widget, built on first use."""
        if key not in self.pages:
            widget = self.specs[key].factory(self.ctx)
            index = self.stack.indexOf(self._placeholders[key])
            self.stack.removeWidget(self._placeholders[key])
            self._placeholders.pop(key).deleteLater()
            self.stack.insertWidget(index, widget)
            self.pages[key] = widget
        return self.pages[key]

    def open_page(self, key: str) -> None:
        spec = self.specs.get(key)
        if spec is None:
            return
        if spec.needs_manager and self.ctx.session.manager is None:
            self.nav.setCurrentRow(self.order.index(self.current_key) if self.current_key else 0)
            why = QCoreApplication.translate("pages", spec.title)
            self.ctx.request_manager(why, lambda _m: self.open_page(key))
            return
        widget = self.page(key)
        self.stack.setCurrentWidget(widget)
        self.current_key = key
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(self.order.index(key))
        self.nav.blockSignals(False)
        shown = getattr(widget, "page_shown", None)
        if callable(shown):
            shown()
        self.page_changed.emit(key)

    def ask_manager(self, why: str, then: Callable[[GuideRef], None]) -> None:
        self.manager_prompt.ask(why, then)


class MainWindow(QMainWindow):
    """The one window. `screens` holds the first-run wizard, the login screen and the shell."""

    def __init__(self, ctx: AppContext, *, specs: list[PageSpec] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle(self.tr("GuideDesk"))
        self.setWindowIcon(icon("app"))
        self.screens = QStackedWidget(objectName="screens")
        self.setCentralWidget(self.screens)
        self.shell = Shell(ctx, specs if specs is not None else page_specs(), self)
        self.screens.addWidget(self.shell)
        ctx.request_manager = self.shell.ask_manager

        self.sync_status = SyncStatusBar(ctx, self)
        self.statusBar().addPermanentWidget(self.sync_status, 1)
        self.guide_label = QLabel(objectName="guideLabel")
        self.statusBar().insertPermanentWidget(0, self.guide_label)
        ctx.session.guide_changed.connect(self._on_session_guide_changed)
        ctx.runner.task_failed.connect(self._on_runner_task_failed)
        self._on_session_guide_changed(ctx.session.guide)
        geometry = ctx.settings.window_geometry
        if geometry:
            self.restoreGeometry(geometry)

    # ---- screens

    def start(self) -> None:
        """The first screen: the first-run wizard, the login screen, or the counter."""
        self.show_shell()

    def show_screen(self, widget: QWidget) -> None:
        if self.screens.indexOf(widget) < 0:
            self.screens.addWidget(widget)
        self.screens.setCurrentWidget(widget)

    def show_shell(self, page: str | None = None) -> None:
        self.screens.setCurrentWidget(self.shell)
        self.shell.open_page(page or self.shell.current_key or self.ctx.settings.last_page or "counter")

    # ---- slots

    def _on_session_guide_changed(self, guide: GuideRef | None) -> None:
        if guide is None:
            self.guide_label.setText(self.tr("Locked"))
        else:
            self.guide_label.setText(self.tr("{name} ({no})").format(name=guide.name, no=guide.employee_no))

    def _on_runner_task_failed(self, error: BaseException, description: str) -> None:
        text = messages.text_for(error)
        log.info("task %s failed: %s", description, getattr(error, "code", type(error).__name__))
        self.statusBar().showMessage(text, 10_000)
        if not hasattr(error, "code"):
            QMessageBox.warning(self, self.tr("GuideDesk"), text)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ctx.settings.window_geometry = bytes(self.saveGeometry().data())
        self.ctx.settings.last_page = self.shell.current_key or "counter"
        self.ctx.settings.sync()
        super().closeEvent(event)
