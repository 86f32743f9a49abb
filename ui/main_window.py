"""The shell: a window with a page list on the left, the current page, the manager-PIN prompt on the same
screen, and the status bar (who is logged in, sync state). Screens before the shell (first-run wizard,
login) are stacked in the same window, so the counter never closes when guides switch.

Pages come from the registry in `ui/pages/__init__.py` and are built the first time they are shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.services.common import GuideRef
from ui import messages
from ui.context import AppContext
from ui.pages import PageSpec, page_specs
from ui.pages.login import LoginScreen
from ui.resources import icon
from ui.station import StationInfo, station_info
from ui.sync_controller import SyncController
from ui.widgets.idle import IdleLock
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
        if ctx.sync is None:
            ctx.sync = SyncController(ctx, parent=self)
        self.station: StationInfo | None = None
        self.shell = Shell(ctx, specs if specs is not None else page_specs(), self)
        self.screens.addWidget(self.shell)
        self.login = LoginScreen(ctx, self)
        self.screens.addWidget(self.login)
        self.wizard: QWidget | None = None
        ctx.request_manager = self.shell.ask_manager

        self.toolbar = QToolBar(self.tr("Guide"), objectName="guideBar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.store_label = QLabel(objectName="storeName")
        self.toolbar.addWidget(self.store_label)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.switch_action = self._action(self.tr("Switch guide"), "F12", "switch", self.switch_guide)
        self.lock_action = self._action(self.tr("Lock"), "Ctrl+L", "lock", self.lock)
        self.sync_action = self._action(self.tr("Sync now"), "F5", "sync", lambda: self.ctx.sync.sync_now())

        self.idle_lock = IdleLock(ctx.settings.idle_lock_minutes, self)
        self.idle_lock.idle.connect(self._on_idle_lock_idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_lock)

        self.sync_status = SyncStatusBar(ctx, self)
        self.sync_status.open_sync_view.connect(lambda: self.shell.open_page("sync"))
        self.statusBar().addPermanentWidget(self.sync_status, 1)
        self.guide_label = QLabel(objectName="guideLabel")
        self.statusBar().insertPermanentWidget(0, self.guide_label)
        ctx.session.guide_changed.connect(self._on_session_guide_changed)
        ctx.runner.task_failed.connect(self._on_runner_task_failed)
        self._on_session_guide_changed(ctx.session.guide)
        geometry = ctx.settings.window_geometry
        if not geometry or not self.restoreGeometry(geometry):
            self._fit_screen()

    # ---- screens

    def _fit_screen(self) -> None:
        """First start: fill the screen (a till's screen is this window's; 1366x768 is common)."""
        screen = QApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            self.setGeometry(area)
        else:
            self.resize(1280, 720)

    def _action(self, text: str, key: str, icon_name: str, slot: Callable[[], None]) -> QAction:
        action = QAction(icon(icon_name), f"{text} ({key})", self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.toolbar.addAction(action)
        return action

    def start(self) -> None:
        """The first screen: the first-run wizard on a data dir not enrolled yet, else the login screen."""
        self.ctx.runner.read(station_info, description="station").on_success(self._route).start()

    def _route(self, info: StationInfo) -> None:
        self.station = info
        self.store_label.setText(f"{info.store_code} {info.store_name}".strip())
        if not info.enrolled:
            self.show_wizard()
            return
        self.ctx.sync.start(enrolled=True)
        self.login.show_store(info.store_name, info.guides)
        if self.ctx.session.guide is None:
            self.show_login()
        else:
            self.show_shell()

    def show_wizard(self) -> None:
        from ui.pages.wizard import FirstRunWizard

        if self.wizard is None:
            self.wizard = FirstRunWizard(self.ctx, self)
            self.wizard.finished.connect(self.start)
        self.toolbar.hide()
        self.show_screen(self.wizard)
        self.wizard.url_edit.setFocus()

    def show_login(self, *, switching: bool = False) -> None:
        self.toolbar.hide()
        self.idle_lock.disarm()
        self.shell.manager_prompt.close_prompt()
        self.show_screen(self.login)
        self.login.prepare(switching=switching)

    def switch_guide(self) -> None:
        """Another guide takes the till: lock, then the login screen with the guide buttons."""
        if self.ctx.session.guide is None:
            return
        self.ctx.session.lock()
        self.show_login(switching=True)
        if self.station is not None:  # guides may have changed since start (a sync)
            self.ctx.runner.read(station_info).on_success(
                lambda info: self.login.show_store(info.store_name, info.guides)
            ).start()

    def lock(self) -> None:
        if self.ctx.session.guide is not None:
            self.ctx.session.lock()

    def _on_idle_lock_idle(self) -> None:
        if self.ctx.session.guide is not None and self.screens.currentWidget() is self.shell:
            log.info("idle: locking the counter")
            self.ctx.session.lock()

    def show_screen(self, widget: QWidget) -> None:
        if self.screens.indexOf(widget) < 0:
            self.screens.addWidget(widget)
        self.screens.setCurrentWidget(widget)

    def show_shell(self, page: str | None = None) -> None:
        self.toolbar.show()
        self.screens.setCurrentWidget(self.shell)
        self.idle_lock.arm()
        self.shell.open_page(page or self.shell.current_key or self.ctx.settings.last_page or "counter")

    # ---- slots

    def _on_session_guide_changed(self, guide: GuideRef | None) -> None:
        if guide is None:
            self.guide_label.setText(self.tr("Locked"))
            if self.station is not None and self.screens.currentWidget() is self.shell:
                self.show_login()
        else:
            self.guide_label.setText(self.tr("{name} ({no})").format(name=guide.name, no=guide.employee_no))
            if self.station is not None:
                self.show_shell("counter")

    def _on_runner_task_failed(self, error: BaseException, description: str) -> None:
        text = messages.text_for(error)
        log.info("task %s failed: %s", description, getattr(error, "code", type(error).__name__))
        self.statusBar().showMessage(text, 10_000)
        if not hasattr(error, "code"):
            QMessageBox.warning(self, self.tr("GuideDesk"), text)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ctx.sync.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle_lock)
        self.ctx.settings.window_geometry = bytes(self.saveGeometry().data())
        self.ctx.settings.last_page = self.shell.current_key or "counter"
        self.ctx.settings.sync()
        super().closeEvent(event)
