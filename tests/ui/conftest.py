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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.for_data_dir(tmp_path / "ui-settings")


@pytest.fixture
def make_window(qtbot, ws: Workstation, settings: Settings) -> Iterator:  # type: ignore[no-untyped-def]
    """Build the main window over `ws`: `make_window(inline=True, lang="en")`."""
    from ui.app import build_window
    from ui.i18n import install_translations

    built = []

    def make(*, inline: bool = True, lang: str = "en", demo: object = None):  # type: ignore[no-untyped-def]
        install_translations(lang, build=False)
        window = build_window(ws, settings, inline=inline, demo=demo)
        qtbot.addWidget(window)
        built.append(window)
        return window

    yield make
    for window in built:
        window.ctx.runner.shutdown()
