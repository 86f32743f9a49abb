"""The tasks page, driven by keys: complete with an outcome and a note in two keystrokes, the contact
budget's warning before one more outreach, HQ task lists with progress and their script, and the manager
assigning one and many items."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.db.models import Policy
from app.services.tasks import get_task
from tests.factories import add_task_item, add_task_list
from tests.ui.manager_fixtures import PageEnv, env, type_text  # noqa: F401
from ui.pages.tasks import ALL_OPEN, TasksPage

SCRIPT = "您好，我是您的专属导购，本周新品到店，欢迎来试穿。"


def _tasks(e: PageEnv) -> None:
    now = e.ws.clock.now()
    with e.ws.db.transaction() as s:
        add_task_list(
            s,
            list_id="L1",
            title="唤醒沉睡会员",
            created_at=now - timedelta(days=2),
            due_at=now + timedelta(days=3),
            script=SCRIPT,
        )
        s.flush()
        for i, (label, guide, due) in enumerate(
            [
                ("sleeper", e.seeded.guide.id, now + timedelta(hours=2)),  # today
                ("mine", e.seeded.guide.id, now - timedelta(days=1)),  # overdue
                ("unbound", None, now + timedelta(days=2)),  # nobody yet
                ("colleague", None, now + timedelta(days=2)),
                ("lapsed", None, now + timedelta(days=2)),
            ]
        ):
            member = e.seeded.members[label]
            add_task_item(s, item_id=f"t-{i}", list_id="L1", member_id=member, created_at=now,
                          assigned_guide_id=guide, due_at=due)  # fmt: skip


def _page(qtbot, e: PageEnv) -> TasksPage:  # type: ignore[no-untyped-def]
    page = TasksPage(e.ctx)
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=3000)  # keyboard focus needs the active window
    return page


def test_complete_with_outcome_and_note_in_two_keystrokes(qtbot, env: PageEnv):  # noqa: F811
    """Today's task: "3" (call back) then Enter completes it with that outcome; a note typed between
    goes with it."""
    _tasks(env)
    env.ctx.session.log_in(env.seeded.guide)
    page = _page(qtbot, env)
    assert page.tabs.tabText(0).endswith("(1)") and page.tabs.tabText(1).endswith("(1)")  # overdue, today
    assert [t.id for t in page.model.tasks] == ["t-0"]
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_3)
    assert page.outcome == "call_back"
    qtbot.waitUntil(page.note.hasFocus)
    type_text(page.note, "周末再联系")
    QTest.keyClick(page.note, Qt.Key.Key_Return)
    with env.ws.db.read() as s:
        done = get_task(s, task_id="t-0", now=env.ws.clock.now())
    assert (done.state, done.outcome, done.pending) == ("done", "call_back", True)
    assert "Done" in page.message.text()
    assert page.model.tasks == [] and page.tabs.tabText(1).endswith("(0)")


def test_the_contact_budget_warns_before_one_more_outreach(qtbot, env: PageEnv):  # noqa: F811
    """With the member's budget spent, Enter shows the warning and completes nothing; Enter again
    completes (the override is the service's, audited)."""
    _tasks(env)
    with env.ws.db.transaction() as s:
        s.get(Policy, 1).contact_budget = 0
    env.ctx.session.log_in(env.seeded.guide)
    page = _page(qtbot, env)
    assert "Contact budget spent" in page.budget_label.text()
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_1)
    QTest.keyClick(page.note, Qt.Key.Key_Return)
    with env.ws.db.read() as s:
        assert get_task(s, task_id="t-0", now=env.ws.clock.now()).state == "open"
    assert "Enter again" in page.message.text()
    QTest.keyClick(page.note, Qt.Key.Key_Return)
    with env.ws.db.read() as s:
        assert get_task(s, task_id="t-0", now=env.ws.clock.now()).state == "done"


def test_task_lists_show_their_progress(qtbot, env: PageEnv):  # noqa: F811
    """HQ's list with 5 items, none done: 0 / 5; after one completion 1 / 5."""
    _tasks(env)
    env.ctx.session.log_in(env.seeded.guide)
    page = _page(qtbot, env)
    assert page.lists_model.data(page.lists_model.index(0, 3)) == "0 / 5 (0%)"
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_1)
    QTest.keyClick(page.note, Qt.Key.Key_Return)
    assert page.lists_model.data(page.lists_model.index(0, 3)) == "1 / 5 (20%)"


def test_the_manager_assigns_one_and_many(qtbot, env: PageEnv):  # noqa: F811
    """In the store's open tasks the manager assigns one item to 张伟, then two at once to 李娜."""
    _tasks(env)
    page = _page(qtbot, env)
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    assert page.window == ALL_OPEN and len(page.model.tasks) == 5
    unassigned = [r for r, t in enumerate(page.model.tasks) if t.assigned_guide_id is None]
    page.table.clearSelection()
    page.table.selectRow(unassigned[0])
    page.assign_to.setCurrentIndex(page.assign_to.findData(env.seeded.other_guide.id))
    QTest.mouseClick(page.assign_button, Qt.MouseButton.LeftButton)
    assert "1 task(s) assigned" in page.message.text()
    rest = [t.id for t in page.model.tasks if t.assigned_guide_id is None]
    assert len(rest) == 2
    page.table.clearSelection()
    for r, t in enumerate(page.model.tasks):
        if t.id in rest:
            page.table.selectionModel().select(
                page.model.index(r, 0),
                page.table.selectionModel().SelectionFlag.Select
                | page.table.selectionModel().SelectionFlag.Rows,
            )
    page.assign_to.setCurrentIndex(page.assign_to.findData(env.seeded.guide.id))
    QTest.mouseClick(page.assign_button, Qt.MouseButton.LeftButton)
    assert "2 task(s) assigned" in page.message.text()
    with env.ws.db.read() as s:
        now = env.ws.clock.now()
        assert {get_task(s, task_id=t, now=now).assigned_guide_id for t in rest} == {env.seeded.guide.id}


def test_the_selected_tasks_list_script_is_shown_and_a_follow_up_shows_none(qtbot, env: PageEnv):  # noqa: F811
    """What the guide says on the call: HQ's script for the list of the selected task, shown with
    it; a follow-up made at the counter belongs to no list and shows no script."""
    _tasks(env)
    with env.ws.db.transaction() as s:
        add_task_item(s, item_id="follow-up", member_id=env.seeded.members["sleeper"],
                      created_at=env.ws.clock.now(), assigned_guide_id=env.seeded.guide.id,
                      due_at=env.ws.clock.now() + timedelta(hours=1))  # fmt: skip
    env.ctx.session.log_in(env.seeded.guide)
    page = _page(qtbot, env)
    qtbot.waitUntil(lambda: len(page.model.tasks) == 2)
    page.table.setFocus()
    rows = {t.id: i for i, t in enumerate(page.model.tasks)}
    page.table.selectRow(rows["t-0"])
    qtbot.waitUntil(page.script.isVisible)
    assert page.script.text() == "Script: " + SCRIPT  # 话术：… in zh_CN
    QTest.keyClick(page.table, Qt.Key.Key_Down if rows["follow-up"] > rows["t-0"] else Qt.Key.Key_Up)
    assert page.current_task().id == "follow-up"
    assert not page.script.isVisible() and page.script.text() == ""
