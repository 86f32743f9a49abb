"""First screens of the day: the login screen (PIN, lock-out with minutes left), the quick guide switch,
idle auto-lock, the manager PIN prompt, and the wizard on a data dir that is not enrolled."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.factories import Seeded
from tests.ui.conftest import activate, log_in


def test_an_enrolled_counter_opens_on_the_login_screen_with_its_guides(make_window, enrolled: Seeded) -> None:
    """No wizard for an enrolled data dir; the store's guides are one click away."""
    window = make_window()
    window.start()
    assert window.screens.currentWidget() is window.login
    names = [
        window.login.guides_grid.itemAt(i).widget().text() for i in range(window.login.guides_grid.count())
    ]
    assert any("李娜" in n for n in names)
    assert window.store_label.text() == "SH001 上海南京西路店"


def test_the_right_pin_opens_the_counter_for_that_guide(make_window, enrolled: Seeded) -> None:
    window = make_window()
    window.start()
    log_in(window, enrolled.guide.employee_no)
    assert window.ctx.session.guide == enrolled.guide
    assert window.screens.currentWidget() is window.shell
    assert window.shell.current_key == "counter"
    assert "李娜" in window.guide_label.text()


def test_wrong_pins_count_down_then_lock_with_minutes_left(make_window, enrolled: Seeded) -> None:
    """Five wrong PINs lock for five minutes; the right PIN is refused while locked, and says so."""
    window = make_window()
    window.start()
    log_in(window, "A002", "000000")
    assert "4 tries left" in window.login.message.text()
    for _ in range(4):
        log_in(window, "A002", "000000")
    assert "Locked for 5 more minute(s)" in window.login.message.text()
    window.ctx.ws.clock.advance(minutes=2, seconds=30)
    log_in(window, "A002")
    assert "Locked for 3 more minute(s)" in window.login.message.text()
    assert window.ctx.session.guide is None
    window.ctx.ws.clock.advance(minutes=3)
    log_in(window, "A002")
    assert window.ctx.session.guide == enrolled.guide


def test_the_login_screen_speaks_chinese_by_default(make_window, enrolled: Seeded) -> None:
    window = make_window(lang="zh_CN")
    window.start()
    log_in(window, "A002", "000000")
    assert "工号或 PIN 不对，还可以再试 4 次" in window.login.message.text()


def test_quick_guide_switch_keeps_the_counter_open(make_window, enrolled: Seeded, qtbot) -> None:
    """F12 → another guide's button → PIN: same counter page, now acting as the other guide."""
    window = make_window()
    activate(window, qtbot)
    window.start()
    log_in(window, "A002")
    counter = window.shell.page("counter")
    QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_F12)
    assert window.screens.currentWidget() is window.login
    assert window.login.title.text() == "Switch guide"
    buttons = [window.login.guides_grid.itemAt(i).widget() for i in range(window.login.guides_grid.count())]
    next(b for b in buttons if "张伟" in b.text()).click()
    assert window.login.employee.text() == "A003"
    window.login.pin.setText("246810")
    QTest.keyClick(window.login.pin, Qt.Key.Key_Return)
    assert window.ctx.session.guide == enrolled.other_guide
    assert window.shell.page("counter") is counter
    assert window.screens.currentWidget() is window.shell


def test_idle_minutes_lock_the_counter(make_window, enrolled: Seeded, qtbot) -> None:
    """Nobody touched the till for the idle time: back to the login screen, PIN needed again."""
    window = make_window()
    window.show()
    window.start()
    log_in(window, "A002")
    window.idle_lock.set_timeout_ms(80)
    qtbot.waitUntil(lambda: window.screens.currentWidget() is window.login, timeout=3000)
    assert window.ctx.session.guide is None


def test_activity_keeps_the_counter_unlocked(make_window, enrolled: Seeded, qtbot) -> None:
    """Keys pressed at the counter restart the idle count."""
    window = make_window()
    window.show()
    window.start()
    log_in(window, "A002")
    window.idle_lock.set_timeout_ms(300)
    for _ in range(6):
        qtbot.wait(100)
        QTest.keyClick(window.shell.page("counter"), Qt.Key.Key_Shift)
    assert window.ctx.session.guide == enrolled.guide


def test_a_guide_cannot_pass_the_manager_prompt(make_window, enrolled: Seeded) -> None:
    """The manager PIN prompt refuses a guide's own PIN with the reason, and accepts a manager's."""
    window = make_window()
    window.start()
    log_in(window, "A002")
    granted = []
    window.ctx.request_manager("approve transfer", granted.append)
    prompt = window.shell.manager_prompt
    assert prompt.isVisible() or not prompt.isHidden()
    prompt.employee.setText("A002")
    prompt.pin.setText("246810")
    prompt.ok.click()
    assert "manager's PIN" in prompt.error.text()
    assert not granted
    prompt.employee.setText("A001")
    prompt.pin.setText("246810")
    prompt.ok.click()
    assert granted == [enrolled.manager]
    assert prompt.isHidden()


def test_a_new_data_dir_starts_with_the_wizard(make_window, seeded: Seeded) -> None:
    """Not enrolled: the wizard, with clear words for a bad address and an HQ that does not answer."""
    window = make_window()
    window.start()
    wizard = window.wizard
    assert window.screens.currentWidget() is wizard
    wizard.url_edit.setText("hq.example")
    wizard.code_edit.setText("ABCD-EFGH")
    wizard.enroll_button.click()
    assert "Enter HQ's address" in wizard.enroll_error.text()
    wizard.url_edit.setText("http://127.0.0.1:9")  # nothing listens on the discard port
    wizard.enroll_button.click()
    assert "Cannot reach HQ" in wizard.enroll_error.text()
