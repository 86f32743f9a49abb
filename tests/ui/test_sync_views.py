"""Sync status in the status bar (online/offline, pending, last sync, refused badge), the outbox &
conflicts view, and the scheduler wired to what the guide does."""

from __future__ import annotations

from datetime import timedelta

from app.db.models import BindingConflict, Outbox
from app.security.secrets import SecretStore
from app.services.members import add_note, record_decline
from app.sync.device import TOKEN
from tests.factories import Seeded
from tests.ui.conftest import log_in
from ui.models.sync import ConflictTableModel, OutboxTableModel, RefusedTableModel
from ui.station import ConflictRow, OutboxRow


def _window(make_window):  # type: ignore[no-untyped-def]
    window = make_window()
    window.start()
    log_in(window, "A002")
    return window


def test_an_unreachable_hq_shows_offline_and_work_goes_on(make_window, enrolled: Seeded) -> None:
    """HQ down: the bar says offline, the action is kept and counted as waiting."""
    window = _window(make_window)
    SecretStore(window.ctx.ws.data_dir).set(TOKEN, "device-token")
    bar = window.sync_status
    assert bar.online_label.text() == "○ Not synced yet"
    with window.ctx.ws.db.transaction() as s:
        record_decline(s, guide=enrolled.guide, now=window.ctx.ws.clock.now())
    window.ctx.sync.sync_now()  # the inline runner: the run is over when this returns
    assert bar.online_label.text() == "● Offline: working locally"
    assert bar.pending == 1 and bar.pending_label.text() == "Waiting for HQ: 1"
    assert bar.last_label.text() == "Last sync: never"


def test_the_refused_badge_opens_the_view_that_says_why(make_window, enrolled: Seeded) -> None:
    """A bind HQ refused names the winner; a conflict names store, guide and when."""
    window = _window(make_window)
    ws = window.ctx.ws
    with ws.db.transaction() as s:
        add_note(
            s, member_id=enrolled.members["mine"], body="等会员卡", guide=enrolled.guide, now=ws.clock.now()
        )
        s.add(
            Outbox(
                name="binding.create.v1",
                args={"binding_id": "b-x", "member_id": enrolled.members["unbound"]},
                sha256="0" * 64,
                created_at=ws.clock.now() - timedelta(hours=1),
                guide_id=enrolled.guide.id,
                member_id=enrolled.members["unbound"],
                state="rejected",
                result={
                    "code": "member_already_bound",
                    "details": {"winner_guide_name": "陈静", "winner_store_name": "北京三里屯店"},
                },
            )
        )
        s.add(
            BindingConflict(
                id="c-1",
                member_id=enrolled.members["unbound"],
                losing_guide_id=enrolled.guide.id,
                losing_store_id="store-a",
                winning_guide_id="g-chen",
                winning_store_id="store-b",
                winning_guide_name="陈静",
                winning_store_name="北京三里屯店",
                created_at=ws.clock.now() - timedelta(minutes=50),
            )
        )
    window.sync_status.refresh()
    badge = window.sync_status.badge
    assert not badge.isHidden() and badge.text() == "Refused by HQ: 2"
    badge.click()
    page = window.shell.pages["sync"]
    assert window.shell.current_key == "sync"
    assert page.tabs.tabText(0) == "Waiting for HQ (1)"
    assert page.waiting.data(page.waiting.index(0, 2)) == "Note"
    assert page.waiting.data(page.waiting.index(0, 3)) == "赵敏"
    why = page.refused.data(page.refused.index(0, 5))
    assert why == "HQ refused: the member was bound to 陈静 (北京三里屯店) first."
    assert page.refused.data(page.refused.index(0, 3)) == "刘洋"
    assert [page.conflicts.data(page.conflicts.index(0, c)) for c in (1, 2, 3, 4)] == [
        "刘洋",
        "李娜",
        "陈静",
        "北京三里屯店",
    ]


def test_a_guide_action_schedules_a_debounced_sync(make_window, enrolled: Seeded) -> None:
    """After a write the sync waits ~2 s for more actions, then is due; the scheduler gets the writes."""
    window = _window(make_window)
    clock = [1000.0]
    sync = window.ctx.sync
    sync.monotonic = lambda: clock[0]
    sync.scheduler.finished(clock[0], ok=True)  # as after a good run: next by the timer in 45 s
    assert not sync.scheduler.due(clock[0] + 5)
    page = window.shell.page("counter")
    page.scan_edit.setText(enrolled.cards["mine"])
    page.scan_edit.returnPressed.emit()  # a card scan records a visit: a local write
    assert not sync.scheduler.due(clock[0] + 1.0)
    assert sync.scheduler.due(clock[0] + 2.1)


def test_the_models_pass_qt_model_tester(qtmodeltester, enrolled: Seeded, ws) -> None:
    now = ws.clock.now()
    rows = [OutboxRow(1, "note.add.v1", now, "pending", "赵敏", "李娜", "", {})]
    for model, data in (
        (OutboxTableModel(), rows),
        (
            RefusedTableModel(),
            [OutboxRow(2, "binding.create.v1", now, "rejected", "刘洋", "李娜", "protected", {})],
        ),
        (ConflictTableModel(), [ConflictRow("刘洋", "李娜", "陈静", "北京三里屯店", now, False)]),
    ):
        model.set_rows(data)
        qtmodeltester.check(model)
