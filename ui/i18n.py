"""Translations: English source text in the code, Chinese (the default) and English in Qt Linguist `.ts`
files, one pair per area (`resources/i18n/<area>_zh_CN.ts`, `<area>_en.ts`; areas shell, counter,
scanner, manager), so engineers working on different areas never edit the same file.

`.qm` files are built from the `.ts` with `pyside6-lrelease` (by `run.py`, the tests, and here at start-up
when one is missing or older than its `.ts`), never committed. `install_translations()` loads every
`*_<lang>.qm` and Qt's own catalogue for standard buttons.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from ui.resources import resource_path

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
AREAS = ("shell", "counter", "scanner", "manager")
# Which sources feed which area's .ts (paths relative to the repository). Anything under ui/ not named
# here belongs to the manager area, so a new manager page needs no edit here.
AREA_SOURCES = {
    "shell": (
        "ui/app.py",
        "ui/main_window.py",
        "ui/messages.py",
        "ui/pages/__init__.py",
        "ui/pages/sync.py",
        "ui/pages/login.py",
        "ui/pages/wizard.py",
        "ui/widgets/manager_prompt.py",
        "ui/widgets/sync_status.py",
        "ui/sync_controller.py",
        "ui/models/sync.py",
        "ui/widgets/idle.py",
    ),
    "counter": (
        "ui/pages/counter.py",
        "ui/widgets/member_card.py",
        "ui/widgets/counter_dialogs.py",
        "ui/widgets/chips.py",
    ),
    "scanner": ("ui/scanner.py", "ui/sounds.py", "ui/widgets/scanner_settings.py"),
}

_installed: list[QTranslator] = []


def i18n_dir() -> Path:
    return resource_path("i18n")


def lrelease() -> str | None:
    """The `pyside6-lrelease` next to this interpreter, or on PATH."""
    exe = "pyside6-lrelease.exe" if os.name == "nt" else "pyside6-lrelease"
    beside = Path(sys.executable).parent / exe
    return str(beside) if beside.exists() else shutil.which("pyside6-lrelease")


def stale_ts_files(directory: Path | None = None) -> list[Path]:
    """`.ts` files whose `.qm` is missing or older."""
    folder = directory or i18n_dir()
    stale = []
    for ts in sorted(folder.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            stale.append(ts)
    return stale


def build_translations(directory: Path | None = None, *, force: bool = False) -> list[Path]:
    """Compile `.ts` → `.qm` where needed; returns the `.qm` files written. Quietly does nothing inside a
    bundle (its `.qm` are built at packaging time) or without lrelease (the source text is shown)."""
    folder = directory or i18n_dir()
    todo = sorted(folder.glob("*.ts")) if force else stale_ts_files(folder)
    if not todo:
        return []
    tool = lrelease()
    if tool is None or getattr(sys, "frozen", False):
        log.warning("pyside6-lrelease not found: %d translation file(s) not built", len(todo))
        return []
    written = []
    for ts in todo:
        qm = ts.with_suffix(".qm")
        done = subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], capture_output=True, text=True)
        if done.returncode != 0:
            log.warning("lrelease failed for %s: %s", ts.name, done.stderr.strip()[:500])
            continue
        written.append(qm)
    return written


def install_translations(language: str = DEFAULT_LANGUAGE, *, build: bool = True) -> list[Path]:
    """Replace the installed translators with the `language` ones; returns the `.qm` files loaded.
    English is the source language: its files hold only corrections, so nothing missing is an error."""
    app = QCoreApplication.instance()
    assert app is not None, "install_translations needs a QApplication"
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    if build:
        build_translations()
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    loaded: list[Path] = []
    qt_catalogue = QTranslator(app)
    if qt_catalogue.load(
        QLocale(language), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    ):
        app.installTranslator(qt_catalogue)
        _installed.append(qt_catalogue)
    for qm in sorted(i18n_dir().glob(f"*_{language}.qm")):
        translator = QTranslator(app)
        if translator.load(str(qm)):
            app.installTranslator(translator)
            _installed.append(translator)
            loaded.append(qm)
        else:
            log.warning("could not load %s", qm)
    QLocale.setDefault(QLocale(language))
    return loaded


def area_sources(root: Path) -> dict[str, list[Path]]:
    """The existing source files of each area (manager = every other .py under ui/)."""
    named = {area: [root / f for f in files if (root / f).exists()] for area, files in AREA_SOURCES.items()}
    taken = {p for files in named.values() for p in files}
    named["manager"] = sorted(p for p in (root / "ui").rglob("*.py") if p not in taken)
    return named


def update_ts(root: Path, areas: tuple[str, ...] = AREAS) -> None:
    """Refresh the .ts files of `areas` from the sources (`python -m ui.i18n update [area …]`); new
    strings arrive unfinished for a translator, vanished ones are dropped."""
    exe = "pyside6-lupdate.exe" if os.name == "nt" else "pyside6-lupdate"
    beside = Path(sys.executable).parent / exe
    tool = str(beside) if beside.exists() else shutil.which("pyside6-lupdate")
    if tool is None:
        raise SystemExit("pyside6-lupdate not found")
    for area, files in area_sources(root).items():
        if area not in areas or not files:
            continue
        targets = [str(i18n_dir() / f"{area}_{lang}.ts") for lang in LANGUAGES]
        subprocess.run(
            [tool, "-no-obsolete", "-locations", "none", *map(str, files), "-ts", *targets], check=True
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["update"]:
        update_ts(Path(__file__).resolve().parents[1], tuple(args[1:]) or AREAS)
    elif args[:1] == ["build"]:
        print("\n".join(str(p) for p in build_translations(force=True)))
    else:
        raise SystemExit("usage: python -m ui.i18n update [area …] | build")
