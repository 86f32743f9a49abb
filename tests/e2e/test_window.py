"""The window against a real HQ process on 127.0.0.1 (the e2e harness): the first-run wizard enrolls and
syncs, a guide logs in, scans a code HQ signed, binds with F2, syncs and sees the bind confirmed; and
when another store binds a member first, the card names the winner."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.services.binding import bind_member
from app.sync.device import lookup_member_online, open_client
from app.workstation import Workstation
from tests.e2e.conftest import PIN, HqProcess, guide_ref, sync, workstation
from ui.app import build_window
from ui.i18n import install_translations
from ui.settings import Settings


@pytest.fixture
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    ws = Workstation.open(tmp_path / "till-window")
    install_translations("en")
    win = build_window(ws, Settings.for_data_dir(tmp_path / "till-window"), inline=True, autosync=False)
    qtbot.addWidget(win)
    yield win
    win.ctx.runner.shutdown()
    ws.close()


def scan(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.scan_edit.setFocus()
    page.scan_edit.setText(code)
    QTest.keyClick(page.scan_edit, Qt.Key.Key_Return)


def test_enroll_sync_bind_confirmed_and_a_bind_lost_to_another_store(
    window, hq_server: HqProcess, tmp_path: Path
) -> None:
    admin = hq_server.admin
    first = admin.member(hq_server.stores["A"], "刘洋", phone="13800001111")
    second = admin.member(hq_server.stores["A"], "孙丽", phone="13700003333")

    # ---- first run: the wizard, a wrong code, then the right one; the first sync fills the counter
    window.start()
    wizard = window.wizard
    assert window.screens.currentWidget() is wizard
    wizard.url_edit.setText(hq_server.url)
    wizard.code_edit.setText("WRONG-CODE-0000")
    wizard.enroll_button.click()
    assert "enrollment code is not valid" in wizard.enroll_error.text()
    wizard.code_edit.setText(admin.enrollment_code(hq_server.stores["A"]))
    wizard.enroll_button.click()
    assert wizard.sync_title.text() == "Ready. Guides can log in now."
    assert int(wizard.pages_label.text()) >= 1
    wizard.done_button.click()

    # ---- login as the store's guide
    assert window.screens.currentWidget() is window.login
    window.login.employee.setText(hq_server.guides["A"].employee_no)
    window.login.pin.setText(PIN)
    QTest.keyClick(window.login.pin, Qt.Key.Key_Return)
    assert window.ctx.session.guide is not None and window.ctx.session.guide.name == "李娜"
    page = window.shell.page("counter")
    bar = window.sync_status

    # ---- scan a code HQ signed, F2, sync: confirmed
    scan(page, admin.member_code(first.id))
    assert page.card_view.member_name() == "刘洋"
    page.bind()
    assert page.card_view.binding_text() == "Bound to you, waiting for HQ to confirm"
    assert bar.pending >= 2  # the visit and the bind
    window.ctx.sync.sync_now()
    assert page.card_view.binding_text().startswith("Bound to you (protected until")
    assert bar.pending == 0
    assert bar.online_label.text() == "● Online"

    # ---- another store binds the second member first; our bind loses and the card says to whom
    scan(page, admin.member_code(second.id))
    assert page.card_view.binding_text() == "Not bound yet: press F2 to bind to you"
    other = workstation(tmp_path, "till-b", hq_server, "B")
    sync(other)
    code = admin.member_code(second.id)
    client = open_client(other)
    try:
        lookup_member_online(other, client, code=code)
    finally:
        client.close()
    with other.db.transaction() as s:
        bind_member(s, member_id=second.id, guide=guide_ref(hq_server, "B"), now=other.clock.now(), code=code)
    assert not sync(other).rejections
    other.close()
    page.bind()
    window.ctx.sync.sync_now()
    assert page.card_view.binding_text() == "Lost to 陈静 (北京三里屯店): HQ kept their earlier binding"
    assert not bar.badge.isHidden() and bar.badge.text().startswith("Refused by HQ:")
