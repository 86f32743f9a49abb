"""Where the app's plain files (SVG icons, QSS, sounds, translations) live: one `resource_path()` that
works from a source checkout and from a PyInstaller bundle (which unpacks `resources/` under
`sys._MEIPASS`)."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def resources_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) / "resources" if bundle else _SOURCE_ROOT / "resources"


def resource_path(*parts: str) -> Path:
    """`resource_path("icons", "bind.svg")` → the file, from source or from the bundle."""
    return resources_root().joinpath(*parts)


@cache
def icon(name: str) -> QIcon:
    """An SVG icon from resources/icons by name (without `.svg`); an empty icon if it is missing."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()


def style_sheet(name: str = "counter") -> str:
    """The QSS theme text (resources/styles/<name>.qss), or "" if absent."""
    path = resource_path("styles", f"{name}.qss")
    return path.read_text(encoding="utf-8") if path.exists() else ""
