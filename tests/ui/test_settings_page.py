"""The settings page: every choice survives a restart, the language switches live (the pages already open
retranslate their visible text), and the scanner self-test reports a scan's speed and whether a dynamic
member code arrived whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from app.qr import sign_compact_member_code
from tests.ui.keys import scan_clock, type_burst
from tests.ui.manager_fixtures import PageEnv, env  # noqa: F401
from ui.i18n import install_translations
from ui.pages.members import MembersPage
from ui.pages.settings import SettingsPage
from ui.pages.stats import StatsPage
from ui.settings import Settings

pytestmark = pytest.mark.usefixtures("scan_clock")
assert scan_clock


@pytest.fixture(autouse=True)
def _english_after() -> None:
    yield
    install_translations("en", build=False)


def test_settings_survive_a_restart(qtbot, env: PageEnv):  # noqa: F811
    """HQ address, language, scanner port and baud, sounds, auto-lock and printer are read back by a new
    window (a new Settings over the same file) and shown by a new settings page."""
    page = SettingsPage(env.ctx)
    qtbot.addWidget(page)
    page.hq_url.setText("https://hq.example.cn")
    page.hq_url.editingFinished.emit()
    page.scanner_source.setCurrentIndex(page.scanner_source.findData("serial"))
    page.serial_port.setEditText("/dev/ttyUSB7")
    page.serial_baud.setCurrentIndex(page.serial_baud.findData(115200))
    page.sounds.setChecked(False)
    page.auto_lock.setValue(12)
    page.language.setCurrentIndex(page.language.findData("en"))

    path = env.ctx.settings.qsettings.fileName()
    del page
    again = Settings.for_data_dir(env.ws.data_dir.parent / "ui-settings")
    assert again.qsettings.fileName() == path
    assert (again.hq_url, again.language, again.scanner_source, again.serial_port, again.serial_baud) == (
        "https://hq.example.cn", "en", "serial", "/dev/ttyUSB7", 115200,
    )  # fmt: skip
    assert (again.sounds_enabled, again.idle_lock_minutes) == (False, 12)
    env.ctx.settings = again
    shown = SettingsPage(env.ctx)
    qtbot.addWidget(shown)
    assert shown.serial_port.currentText() == "/dev/ttyUSB7"
    assert shown.serial_baud.currentData() == 115200
    assert shown.auto_lock.value() == 12 and not shown.sounds.isChecked()


def test_switching_the_language_retranslates_open_pages(qtbot, env: PageEnv):  # noqa: F811
    """中文 → English → 中文 without a restart: the members and stats pages change their words at once."""
    install_translations("zh_CN", build=False)
    members, stats, settings = MembersPage(env.ctx), StatsPage(env.ctx), SettingsPage(env.ctx)
    for w in (members, stats, settings):
        qtbot.addWidget(w)
        w.show()
    assert members.sleeping.text() == "只看沉睡"
    assert members.model.headerData(0, Qt.Orientation.Horizontal) == "姓名"
    settings.language.setCurrentIndex(settings.language.findData("en"))
    qtbot.waitUntil(lambda: members.sleeping.text() == "Sleeping only")
    assert members.model.headerData(0, Qt.Orientation.Horizontal) == "Name"
    assert stats.range_buttons["week"].text() == "This week"
    assert settings.form_labels["language"].text() == "Language"
    settings.language.setCurrentIndex(settings.language.findData("zh_CN"))
    qtbot.waitUntil(lambda: stats.range_buttons["week"].text() == "本周")
    assert settings.boxes["scanner"].title() == "扫码枪"
    assert QCoreApplication.translate("pages", "Members") == "会员"


def test_the_scanner_self_test_reports_a_whole_dynamic_code(qtbot, env: PageEnv):  # noqa: F811
    """A compact member code typed as a scanner types it: the line says how many characters, how fast,
    and that the dynamic code arrived whole."""
    install_translations("en", build=False)
    page = SettingsPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    code = sign_compact_member_code(
        env.seeded.signing_key,
        key_id=env.seeded.key_id,
        member_id="3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        issued=env.ws.clock.now() - timedelta(seconds=5),
        ttl_seconds=300,
    )
    type_burst(qtbot, page.test_field, code)
    qtbot.waitUntil(lambda: "arrived whole" in page.test_result.text())
    assert f"{len(code)} characters" in page.test_result.text()
