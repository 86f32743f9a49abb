"""What every page is handed: the open workstation, the task runner, the settings and who is at the
counter. Pages take an `AppContext`; they never open the database or start threads themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.services.common import GuideRef

if TYPE_CHECKING:
    from app.workstation import Workstation
    from ui.settings import Settings
    from ui.tasks import TaskRunner


class GuideSession(QObject):
    """Who is logged in at the counter. `guide_changed(GuideRef | None)`: None means locked."""

    guide_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._guide: GuideRef | None = None
        self._manager: GuideRef | None = None  # a manager who entered a PIN for this guide's session

    @property
    def guide(self) -> GuideRef | None:
        return self._guide

    @property
    def manager(self) -> GuideRef | None:
        """The logged-in guide if a manager, or the manager whose PIN was given during this session."""
        if self._guide is not None and self._guide.is_manager:
            return self._guide
        return self._manager

    def log_in(self, guide: GuideRef) -> None:
        self._guide, self._manager = guide, None
        self.guide_changed.emit(guide)

    def grant_manager(self, manager: GuideRef) -> None:
        self._manager = manager

    def lock(self) -> None:
        if self._guide is None:
            return
        self._guide, self._manager = None, None
        self.guide_changed.emit(None)


@dataclass
class AppContext:
    ws: Workstation
    runner: TaskRunner
    settings: Settings
    session: GuideSession
    # Set by the main window: ask for a manager PIN on the current screen, then call back with the manager.
    request_manager: Callable[[str, Callable[[GuideRef], None]], None] = lambda _why, _then: None
    # The sync controller (ui/sync_controller.py): `sync_now()`, signals for status and progress.
    sync: Any = None
    # Demo mode only (python run.py app): mints a fresh signed member code at the local HQ.
    demo: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def guide(self) -> GuideRef | None:
        return self.session.guide
