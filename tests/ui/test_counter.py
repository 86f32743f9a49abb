"""The counter page: every action changes what the guide sees and writes its outbox row, the status bar's
pending count follows, refusals say why, and each scan error has its own plain message."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.db.models import Outbox
from app.qr import sign_member_code
from app.services.binding import list_transfer_requests
from app.services.outbox import list_outbox, pending_count
from tests.factories import Seeded
from tests.ui.conftest import activate, log_in
from tests.ui.keys import scan_clock, type_burst, type_like_a_person  # noqa: F401 - scan_clock is a fixture


@pytest.fixture
def counter(make_window, enrolled: Seeded, qtbot):  # type: ignore[no-untyped-def]
    """李娜 (A002) logged in at the counter, window active (shortcuts and keys routed as at a till)."""
    window = make_window()
    activate(window, qtbot)
    window.start()
    log_in(window, "A002")
    page = window.shell.page("counter")
    page.window_ = window
    return page


def outbox_names(ws) -> list[str]:  # type: ignore[no-untyped-def]
    with ws.db.read() as s:
        return [e.name for e in list_outbox(s)]


def scan_code(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """What a keyboard-mode scanner does: the characters, then Enter, into the focused scan field."""
    page.scan_edit.setFocus()
    page.scan_edit.setText(text)
    QTest.keyClick(page.scan_edit, Qt.Key.Key_Return)


def code(seeded: Seeded, ws, label: str, **kw) -> str:  # type: ignore[no-untyped-def]
    return seeded.member_code(label, issued=ws.clock.now(), **kw)


def test_a_scan_shows_the_card_and_records_the_visit(counter, enrolled: Seeded) -> None:
    """Scan → card in words; the visit is an outbox row and the status bar's pending count shows it."""
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "unbound"))
    assert counter.card_view.member_name() == "刘洋"
    assert counter.card_view.binding_text() == "Not bound yet: press F2 to bind to you"
    assert counter.card_view.phone_label.text() == "138****1111"
    assert outbox_names(ws) == ["visit.record.v1"]
    assert counter.window_.sync_status.pending == 1


def test_f2_binds_and_enter_never_does(counter, enrolled: Seeded) -> None:
    """A second Enter (a misread burst) must not bind; F2 does, and the card says it waits for HQ."""
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "unbound"))
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_Return)
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_Enter)
    assert "binding.create.v1" not in outbox_names(ws)
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F2)
    assert outbox_names(ws)[-1] == "binding.create.v1"
    assert counter.card_view.binding_text() == "Bound to you, waiting for HQ to confirm"
    assert counter.banner.text() == "Bound to you. Waiting for HQ to confirm."
    assert counter.window_.sync_status.pending == 2


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("colleague", "Bound to 张伟, protected until"),
        ("foreign", "Bound to 陈静 at 北京三里屯店 (another store): cannot bind here."),
        ("mine", "This member is already bound to you."),
    ],
)
def test_a_refused_bind_says_why_and_writes_nothing(
    counter, enrolled: Seeded, label: str, reason: str
) -> None:
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, label))
    before = outbox_names(ws)
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F2)
    assert reason in counter.banner.text()
    assert counter.banner.property("tone") == "refused"
    assert outbox_names(ws) == before


def test_the_binding_states_read_as_words(counter, enrolled: Seeded) -> None:
    """Each binding situation in the seeded store, as the guide reads it."""
    ws = counter.ctx.ws
    expected = {
        "mine": "Bound to you (protected until",
        "colleague": "Bound to 张伟 at this store, protected until",
        "lapsed": "Bound to 张伟 at this store, protection over: F2 takes over",
        "foreign": "Bound to 陈静 at 北京三里屯店 (another store)",
    }
    for label, words in expected.items():
        scan_code(counter, code(enrolled, ws, label))
        assert words in counter.card_view.binding_text(), label


def test_the_sleeping_overlay_and_the_chips(counter, enrolled: Seeded) -> None:
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "sleeper"))
    assert not counter.card_view.sleeping_label.isHidden()
    assert "sleeping: no purchase for 400 days" in counter.card_view.stage_label.text()
    scan_code(counter, code(enrolled, ws, "mine"))
    assert counter.card_view.sleeping_label.isHidden()
    assert "护肤" in counter.card_view.tags_label.text() and "兴趣" in counter.card_view.tags_label.text()


def test_a_lost_bind_shows_the_winner_after_a_sync(counter, enrolled: Seeded) -> None:
    """HQ rejected our bind (another store's came first): the card names the winner once sync says so."""
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "unbound"))
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F2)
    with ws.db.transaction() as s:
        row = s.query(Outbox).filter(Outbox.name == "binding.create.v1").one()
        row.state = "rejected"
        row.result = {
            "code": "member_already_bound",
            "details": {"winner_guide_name": "陈静", "winner_store_name": "北京三里屯店"},
        }
    counter.ctx.runner.data_changed.emit(None, counter.ctx.sync)  # what a sync announces
    assert counter.card_view.binding_text() == "Lost to 陈静 (北京三里屯店): HQ kept their earlier binding"
    assert counter.card_view.binding_label.property("tone") == "bad"


def test_transfer_request_is_recorded_for_the_manager(counter, enrolled: Seeded) -> None:
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "colleague"))
    dialog = counter.open_transfer()
    dialog.reason.setPlainText("顾客要求由我服务")
    dialog.ok.click()
    assert counter.banner.text() == "Transfer requested. A manager decides."
    assert not dialog.isVisible()
    with ws.db.read() as s:
        requests = list_transfer_requests(s, store_id="store-a")
    assert [(r.member_name, r.to_guide_name) for r in requests] == [("孙丽", "李娜")]


def test_enroll_is_refused_without_consent_then_shows_the_new_member(counter, enrolled: Seeded) -> None:
    ws = counter.ctx.ws
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F8)
    dialog = counter.dialog
    dialog.name.setText("王小美")
    dialog.phone.setText("13912345678")
    dialog.paid.setChecked(True)
    dialog.ok.click()
    assert "consent" in dialog.error.text()
    assert "member.enroll.v1" not in outbox_names(ws)
    dialog.consent.setChecked(True)
    dialog.ok.click()
    assert not dialog.isVisible()
    assert counter.card_view.member_name() == "王小美"
    assert not counter.card_view.pending_label.isHidden()
    assert "Paid member" in counter.card_view.badges_label.text()
    assert "member.enroll.v1" in outbox_names(ws)


def test_a_phone_not_found_is_offered_for_enrollment(counter, enrolled: Seeded) -> None:
    scan_code(counter, "13912340000")
    assert "not on this workstation" in counter.banner.text()
    dialog = counter.open_enroll()
    assert dialog.phone.text() == "13912340000"


def test_decline_is_counted(counter, enrolled: Seeded) -> None:
    ws = counter.ctx.ws
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F9)
    counter.dialog.reason.setCurrentIndex(2)
    counter.dialog.ok.click()
    assert counter.banner.text() == "Recorded: the shopper declined to join."
    assert outbox_names(ws) == ["member.decline.v1"]
    assert counter.window_.sync_status.pending == 1


def test_tags_added_and_removed_show_as_chips(counter, enrolled: Seeded) -> None:
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "mine"))
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F4)
    dialog = counter.dialog
    dialog.boxes[enrolled.tags["箱包"]].setChecked(True)
    dialog.boxes[enrolled.tags["护肤"]].setChecked(False)
    dialog.ok.click()
    chips = counter.card_view.tags_label.text()
    assert "箱包" in chips and "护肤" not in chips
    assert outbox_names(ws)[-2:] == ["tag.add.v1", "tag.remove.v1"]


def test_note_and_follow_up_appear_on_the_card(counter, enrolled: Seeded) -> None:
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "mine"))
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F6)
    assert counter.note_edit.hasFocus()
    counter.note_edit.setText("喜欢蓝色款")
    QTest.keyClick(counter.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "喜欢蓝色款" in counter.card_view.notes_label.text()
    assert counter.note_edit.text() == ""
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F7)
    counter.dialog.days.setValue(3)
    counter.dialog.ok.click()
    assert counter.banner.text() == "Follow-up in 3 days created."
    due = (ws.clock.now() + timedelta(days=3)).astimezone().strftime("%m-")
    assert "Call" in counter.card_view.tasks_label.text() and due[:2] in counter.card_view.tasks_label.text()
    assert outbox_names(ws)[-2:] == ["note.add.v1", "task.create.v1"]


def test_the_phone_reveal_asks_the_purpose_and_is_audited(counter, enrolled: Seeded) -> None:
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "mine"))
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F10)
    dialog = counter.dialog
    dialog.purpose.setCurrentIndex(3)  # other
    dialog.ok.click()
    assert "what the number is for" in dialog.error.text()
    dialog.other.setText("送货上门")
    dialog.ok.click()
    assert dialog.number.text() == "13900002222"
    assert counter.card_view.phone_label.text() == "13900002222"
    with ws.db.read() as s:
        audit = [e for e in list_outbox(s) if e.name == "audit.append.v1"]
    assert audit[-1].args["details"] == {"purpose": "other: 送货上门"}
    counter._hide_phone.timeout.emit()
    assert counter.card_view.phone_label.text() == "139****2222"


def test_actions_need_a_card_and_say_so(counter, enrolled: Seeded) -> None:
    QTest.keyClick(counter.scan_edit, Qt.Key.Key_F2)
    assert not counter.buttons["bind"].isEnabled()
    assert counter.card_view.member_name() == ""


def test_every_action_shows_its_shortcut(counter) -> None:
    texts = [b.text() for b in counter.buttons.values()]
    for key in ("F2", "F3", "F4", "F6", "F7", "F8", "F9", "F10", "Esc"):
        assert any(f"({key})" in t for t in texts), key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _forged(seeded: Seeded, ws) -> str:  # type: ignore[no-untyped-def]
    head, _, sig = code(seeded, ws, "unbound").rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[10] ^= 1
    return head + "." + _b64(bytes(raw))


SCAN_ERRORS = {
    "payment": (
        lambda s, ws: "134567890123456789",
        "This is a payment code. Please ask for the member code instead.",
    ),
    "garbage": (lambda s, ws: "hello world!", "Unknown code. Ask the shopper for their member code."),
    "malformed": (lambda s, ws: "GDM1:abc", "The member code is damaged."),
    "forged": (_forged, "This member code is not genuine"),
    "unknown_key": (
        lambda s, ws: sign_member_code(
            s.signing_key, key_id="k9", member_id="m-1", issued=ws.clock.now(), ttl_seconds=300
        ),
        "signed with a key this counter does not know yet",
    ),
    "expired": (
        lambda s, ws: s.member_code("unbound", issued=ws.clock.now() - timedelta(hours=1)),
        "The member code has expired.",
    ),
    "not_yet_valid": (
        lambda s, ws: s.member_code("unbound", issued=ws.clock.now() + timedelta(hours=1)),
        "The member code is not valid yet.",
    ),
    "not_local": (
        lambda s, ws: sign_member_code(
            s.signing_key, key_id=s.key_id, member_id="m-elsewhere", issued=ws.clock.now(), ttl_seconds=300
        ),
        "This member is not on this workstation yet.",
    ),
}


@pytest.mark.parametrize("case", sorted(SCAN_ERRORS))
def test_each_scan_error_has_its_own_message(counter, enrolled: Seeded, case: str) -> None:
    """Offline (HQ unreachable), a member elsewhere is 'not on this workstation yet'."""
    make, words = SCAN_ERRORS[case]
    scan_code(counter, make(enrolled, counter.ctx.ws))
    assert words in counter.banner.text()
    assert counter.banner.property("tone") == "refused"
    assert counter.card_view.member_name() == ""


def test_a_replayed_code_is_refused(counter, enrolled: Seeded) -> None:
    shown = code(enrolled, counter.ctx.ws, "unbound")
    scan_code(counter, shown)
    scan_code(counter, shown)
    assert "already used" in counter.banner.text()


def test_messages_are_chinese_by_default(make_window, enrolled: Seeded, qtbot) -> None:
    window = make_window(lang="zh_CN")
    window.start()
    log_in(window, "A002")
    page = window.shell.page("counter")
    scan_code(page, "134567890123456789")
    assert page.banner.text() == "这是付款码，请出示会员码。"
    scan_code(page, code(enrolled, window.ctx.ws, "unbound"))
    assert "绑定" in page.card_view.binding_text() and "F2" in page.card_view.binding_text()


def test_the_pending_count_follows_a_sync(counter, enrolled: Seeded) -> None:
    """Rows acknowledged by HQ leave the count when sync announces it."""
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "unbound"))
    assert counter.window_.sync_status.pending == 1
    with ws.db.transaction() as s:
        for row in s.query(Outbox):
            row.state = "acked"
    counter.ctx.runner.data_changed.emit(None, counter.ctx.sync)
    assert counter.window_.sync_status.pending == 0
    with ws.db.read() as s:
        assert pending_count(s) == 0


@pytest.mark.usefixtures("scan_clock")
def test_a_burst_into_the_note_field_goes_to_the_scanner(counter, enrolled: Seeded, qtbot) -> None:
    """A scan while the guide types a note shows the new card and leaves the note as it was."""
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "mine"))
    counter.note_edit.setFocus()
    type_like_a_person(qtbot, counter.note_edit, "vip")
    type_burst(qtbot, counter.note_edit, code(enrolled, ws, "unbound"), gap_ms=2)
    qtbot.waitUntil(lambda: counter.card_view.member_name() == "刘洋", timeout=5000)
    assert counter.note_edit.text() == "vip"


@pytest.mark.usefixtures("scan_clock")
def test_human_typing_in_the_note_field_is_not_a_scan(counter, enrolled: Seeded, qtbot) -> None:
    """A guide typing a card-number-like note at a person's speed keeps it as a note: no lookup."""
    ws = counter.ctx.ws
    scan_code(counter, code(enrolled, ws, "mine"))
    counter.note_edit.setFocus()
    type_like_a_person(qtbot, counter.note_edit, "8800000000\n")
    assert counter.note_edit.text() == "8800000000"
    assert counter.card_view.member_name() == "赵敏"
