"""The shell: the CLI/window dispatch, the page registry, settings, translations, resource paths,
error words."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.errors import AuthError, ScanRejected
from ui import messages
from ui.app import wants_cli
from ui.i18n import build_translations, i18n_dir, install_translations
from ui.pages import PageSpec
from ui.resources import resource_path
from ui.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_guidedesk_with_a_subcommand_stays_the_headless_cli(tmp_path: Path, template_db: Path) -> None:
    """Store IT scripts run `guidedesk status` on PCs without a display: it must not need Qt."""
    (tmp_path / "d").mkdir()
    shutil.copyfile(template_db, tmp_path / "d" / template_db.name)
    code = (
        "import sys; from ui.app import main; rc = main(['--data-dir', sys.argv[1], 'status', '--json']);"
        "assert 'PySide6' not in sys.modules, 'the CLI imported Qt'; sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "d")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"enrolled": false' in done.stdout


def test_no_arguments_means_the_window() -> None:
    assert not wants_cli([])
    assert not wants_cli(["--data-dir", "x", "--lang", "en"])
    assert wants_cli(["status"])
    assert wants_cli(["--data-dir", "x", "sync"])
    assert wants_cli(["--help"])


def test_without_a_display_the_window_says_so(tmp_path: Path) -> None:
    """On a headless box the window explains itself instead of crashing in Qt's platform plugin."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GUIDEDESK_DATA_DIR": str(tmp_path / "d")}
    done = subprocess.run(
        [sys.executable, "-m", "ui"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3
    assert "no display" in done.stderr


def test_settings_are_typed_and_survive_a_restart(tmp_path: Path) -> None:
    """An ini file stores text; the window must get back ints and bools, and defaults for junk."""
    first = Settings.for_data_dir(tmp_path)
    assert first.language == "zh_CN" and first.idle_lock_minutes == 5 and first.sounds_enabled is True
    first.idle_lock_minutes = 12
    first.sounds_enabled = False
    first.window_geometry = b"\x01\x02"
    first.sync()
    raw = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    raw.setValue("scanner/serial_baud", "not a number")
    raw.sync()
    again = Settings.for_data_dir(tmp_path)
    assert again.idle_lock_minutes == 12
    assert again.sounds_enabled is False
    assert again.window_geometry == b"\x01\x02"
    assert again.serial_baud == 9600


def test_translations_build_and_zh_cn_is_the_default(qapp, tmp_path: Path) -> None:
    """Every .ts has a .qm after a build, and the default language shows Chinese error words."""
    build_translations()
    for ts in i18n_dir().glob("*.ts"):
        assert ts.with_suffix(".qm").exists(), ts.name
    try:
        install_translations("zh_CN", build=False)
        assert "付款码" in messages.text_for(ScanRejected("payment_code"))
        install_translations("en", build=False)
        assert "payment code" in messages.text_for(ScanRejected("payment_code"))
    finally:
        install_translations("en", build=False)


def test_resource_path_finds_files_from_source_and_from_a_bundle(monkeypatch, tmp_path: Path) -> None:
    assert resource_path("i18n").is_dir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("icons", "x.svg") == tmp_path / "resources" / "icons" / "x.svg"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (AuthError("wrong_pin", attempts_left=2), "2 tries left"),
        (ScanRejected("expired_code"), "expired"),
        (AuthError("no_such_code_ever"), "no_such_code_ever"),
        (ZeroDivisionError(), "ZeroDivisionError"),
    ],
)
def test_error_codes_become_words(qapp, error: BaseException, expected: str) -> None:
    install_translations("en", build=False)
    assert expected in messages.text_for(error)


def test_a_registered_page_plugs_into_the_shell(make_window, enrolled, qtbot) -> None:
    """A manager page appended to the registry appears in the nav and asks for a manager PIN."""
    from PySide6.QtWidgets import QLabel

    from ui import pages

    spec = PageSpec("probe", "Probe", lambda ctx: QLabel("probe page"), needs_manager=True)
    pages.PAGES.append(spec)
    try:
        window = make_window()
    finally:
        pages.PAGES.remove(spec)
    window.start()
    window.ctx.session.log_in(enrolled.guide)
    titles = [window.shell.nav.item(i).text() for i in range(window.shell.nav.count())]
    assert "Probe" in titles
    window.shell.open_page("probe")
    prompt = window.shell.manager_prompt
    assert not prompt.isHidden() and window.shell.current_key != "probe"
    prompt.employee.setText(enrolled.manager.employee_no)
    prompt.pin.setText("246810")
    prompt.ok.click()
    assert window.shell.current_key == "probe"
    assert window.shell.pages["probe"].text() == "probe page"
