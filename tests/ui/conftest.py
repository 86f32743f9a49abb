"""UI fixtures: a seeded workstation (tests/factories.py), settings in tmp_path, translations built once,
and the window over an inline task runner (deterministic) unless a test asks for the threaded one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.workstation import Workstation
from tests.factories import Seeded, seed
from ui.settings import Settings


@pytest.fixture(scope="session", autouse=True)
def _translations_built() -> None:
    from ui.i18n import build_translations

    build_translations()


@pytest.fixture
def seeded(ws: Workstation) -> Seeded:
    return seed(ws)


def mark_enrolled(ws: Workstation, store_id: str = "store-a") -> None:
    """The workstation as the wizard leaves it (device id, store), without an HQ: the window goes
    straight to the login screen."""
    from app.db.models import SyncState

    with ws.db.transaction() as s:
        s.add(SyncState(id=1, device_id="dev-test", store_id=store_id, hq_url="http://127.0.0.1:9"))


@pytest.fixture
def enrolled(seeded: Seeded, ws: Workstation) -> Seeded:
    """The seeded store, enrolled (no HQ behind it: sync runs only when a test asks)."""
    mark_enrolled(ws)
    return seeded


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.for_data_dir(tmp_path / "ui-settings")


@pytest.fixture
def make_window(qtbot, ws: Workstation, settings: Settings) -> Iterator:  # type: ignore[no-untyped-def]
    """Build the main window over `ws`: `make_window(inline=True, lang="en")`."""
    from ui.app import build_window
    from ui.i18n import install_translations

    built = []

    def make(*, inline: bool = True, lang: str = "en", demo: object = None, autosync: bool = False):  # type: ignore[no-untyped-def]
        install_translations(lang, build=False)
        window = build_window(ws, settings, inline=inline, demo=demo, autosync=autosync)
        qtbot.addWidget(window)
        built.append(window)
        return window

    yield make
    for window in built:
        window.ctx.runner.shutdown()


def log_in(window, employee_no: str, pin: str = "246810") -> None:  # type: ignore[no-untyped-def]
    """Type an employee number and PIN into the login screen and press Enter (inline runner)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window.login.employee.setText(employee_no)
    window.login.pin.setText(pin)
    QTest.keyClick(window.login.pin, Qt.Key.Key_Return)


def activate(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Show the window and wait until it is the active one (shortcuts and key routing need that)."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
