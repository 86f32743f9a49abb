"""The one task runner (ui/tasks.py): work off the GUI thread, results on it, one data_changed after a
commit, failures delivered, the DB lane in order, inline mode deterministic."""

from __future__ import annotations

import threading

from app.errors import RuleRefused
from app.services.members import add_note
from app.services.outbox import pending_count
from tests.factories import Seeded
from ui.tasks import TaskRunner


def test_results_arrive_on_the_gui_thread_after_work_ran_elsewhere(qtbot, ws, seeded: Seeded) -> None:
    """A slow query must not run on the GUI thread, and its callback must (widgets are not thread-safe)."""
    runner = TaskRunner(ws)
    seen: dict[str, object] = {}

    def work(session):  # type: ignore[no-untyped-def]
        seen["worker"] = threading.current_thread()
        return pending_count(session)

    def done(count: int) -> None:
        seen["callback"] = threading.current_thread()
        seen["count"] = count

    runner.read(work).on_success(done).start()
    qtbot.waitUntil(lambda: "count" in seen, timeout=5000)
    assert seen["worker"] is not threading.main_thread()
    assert seen["callback"] is threading.main_thread()
    assert seen["count"] == 0
    runner.shutdown()


def test_a_mutation_commits_before_success_and_data_changed(qtbot, ws, seeded: Seeded) -> None:
    """The initiator hears first (its card is what the guide waits for); views refresh on data_changed,
    and by then the write is visible to a fresh read."""
    runner = TaskRunner(ws)
    order: list[tuple[str, object]] = []
    runner.data_changed.connect(lambda changes, initiator: order.append(("changed", initiator)))
    me = object()
    runner.mutate(
        lambda s: add_note(
            s, member_id=seeded.members["mine"], body="想看新款", guide=seeded.guide, now=ws.clock.now()
        ),
        initiator=me,
    ).on_success(lambda outcome: order.append(("success", outcome.outbox_id))).start()
    qtbot.waitUntil(lambda: len(order) == 2, timeout=5000)
    assert order[0][0] == "success"
    assert order[1] == ("changed", me)
    with ws.db.read() as s:
        assert pending_count(s) == 1
    runner.shutdown()


def test_a_refused_mutation_rolls_back_and_reaches_on_failure(qtbot, ws, seeded: Seeded) -> None:
    """A rule refusal is delivered as the typed error, nothing is written, no data_changed."""
    runner = TaskRunner(ws)
    changed: list[object] = []
    errors: list[BaseException] = []
    runner.data_changed.connect(lambda *a: changed.append(a))

    def refuse(s):  # type: ignore[no-untyped-def]
        add_note(s, member_id=seeded.members["mine"], body="先写", guide=seeded.guide, now=ws.clock.now())
        raise RuleRefused("protected")

    runner.mutate(refuse).on_failure(errors.append).start()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert getattr(errors[0], "code", None) == "protected"
    assert not changed
    with ws.db.read() as s:
        assert pending_count(s) == 0
    runner.shutdown()


def test_unhandled_failures_reach_task_failed(qtbot, ws) -> None:
    """Nobody handled it: the shell still hears of it (and shows it) instead of it vanishing."""
    runner = TaskRunner(ws)
    with qtbot.waitSignal(runner.task_failed, timeout=5000) as blocker:
        runner.call(lambda: 1 / 0, description="divide").start()
    assert isinstance(blocker.args[0], ZeroDivisionError)
    assert blocker.args[1] == "divide"
    runner.shutdown()


def test_the_db_lane_keeps_the_guides_order(qtbot, ws, seeded: Seeded) -> None:
    """Actions made one after another commit in that order (one DB worker)."""
    runner = TaskRunner(ws)
    ids: list[int] = []
    for i in range(5):
        runner.mutate(
            lambda s, i=i: add_note(
                s, member_id=seeded.members["mine"], body=f"第{i}条", guide=seeded.guide, now=ws.clock.now()
            )
        ).on_success(lambda o: ids.append(o.outbox_id)).start()
    qtbot.waitUntil(lambda: len(ids) == 5, timeout=5000)
    assert ids == sorted(ids)
    runner.shutdown()


def test_network_progress_and_cancel(qtbot, ws) -> None:
    """A long network task reports progress on the GUI thread and stops when cancelled."""
    runner = TaskRunner(ws)
    progress: list[int] = []
    results: list[str] = []
    gate = threading.Event()

    def body(ctx):  # type: ignore[no-untyped-def]
        for i in range(1000):
            if ctx.cancelled:
                return f"stopped at {i}"
            ctx.progress(i)
            gate.wait(0.005)
        return "ran to the end"

    task = runner.network(body).on_progress(progress.append).on_success(results.append).start()
    qtbot.waitUntil(lambda: len(progress) >= 3, timeout=5000)
    task.cancel()
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results[0].startswith("stopped at")
    assert runner.idle
    runner.shutdown()


def test_inline_mode_runs_everything_before_start_returns(ws, seeded: Seeded, qapp) -> None:
    """Widget tests use the inline runner: no waiting, same callbacks."""
    runner = TaskRunner(ws, inline=True)
    got: list[int] = []
    runner.read(pending_count).on_success(got.append).start()
    assert got == [0]
    runner.shutdown()
