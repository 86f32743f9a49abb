"""The one background-task runner of the window (DESIGN.md §2 rule 4; Anki's QueryOp/CollectionOp and
taskman, Picard's run_task).

Two lanes:
- the **DB lane**: one worker thread. SQLite takes one writer at a time anyway, and one worker keeps the
  counter's actions in the order the guide made them. `read()` gives the body a read-only snapshot,
  `mutate()` one transaction that commits when the body returns (one user action = one transaction),
  `call()` no session at all (services that open their own, like `guides.login`).
- the **network lane**: talks to HQ (sync, enrollment, online member lookup). Two workers, so a member
  lookup is not stuck behind a long first sync. The body gets a `TaskContext` to report progress and see
  a cancel request.

Results, errors and progress come back on the GUI thread. After a `mutate()` commits, its success
callback runs (the initiator's screen first), then the runner emits `data_changed(changes, initiator)`
once; views refresh what concerns them and may ignore what they
started (`initiator`). A sync emits the same signal for each applied pull page.

`inline=True` runs every body at once on the calling thread, callbacks included (Picard's fake thread
pool): widget tests are deterministic without waiting. Nothing else in `ui/` starts threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.errors import GuideDeskError

if TYPE_CHECKING:
    from app.workstation import Workstation

log = logging.getLogger(__name__)
T = TypeVar("T")

DB, NETWORK = "db", "network"


class TaskContext:
    """What a network-lane body may use: report progress (delivered on the GUI thread), see a cancel."""

    def __init__(self, task: Task[Any]) -> None:
        self._task = task

    def progress(self, value: Any) -> None:
        self._task._post_progress(value)

    def data_changed(self, changes: Any) -> None:
        """Tell the views that data changed (a sync applied a pull page)."""
        runner = self._task.runner
        runner._post(lambda: runner._emit_changed(changes, self._task.initiator))

    @property
    def cancelled(self) -> bool:
        return self._task.cancel_requested


class Task(Generic[T]):
    """One unit of background work. Build it, attach callbacks, `start()` it (once)."""

    def __init__(
        self,
        runner: TaskRunner,
        lane: str,
        body: Callable[[], T],
        *,
        description: str,
        initiator: object | None,
        changes: Any = None,
        emits_changes: bool = False,
    ) -> None:
        self.runner = runner
        self.lane = lane
        self.description = description
        self.initiator = initiator
        self._body = body
        self._changes = changes
        self._emits_changes = emits_changes
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._progress: Callable[[Any], None] | None = None
        self._finally: Callable[[], None] | None = None
        self.cancel_requested = False
        self.started = False
        self.finished = False

    def on_success(self, fn: Callable[[T], None]) -> Task[T]:
        self._success = fn
        return self

    def on_failure(self, fn: Callable[[BaseException], None]) -> Task[T]:
        """Handle a failure yourself; otherwise the runner's `task_failed` signal reports it."""
        self._failure = fn
        return self

    def on_progress(self, fn: Callable[[Any], None]) -> Task[T]:
        self._progress = fn
        return self

    def on_finished(self, fn: Callable[[], None]) -> Task[T]:
        """Called after success or failure (e.g. to re-enable a button)."""
        self._finally = fn
        return self

    def cancel(self) -> None:
        """Ask the body to stop at its next check (`TaskContext.cancelled`); what it committed stays."""
        self.cancel_requested = True

    def start(self) -> Task[T]:
        assert not self.started, "a task starts once"
        self.started = True
        self.runner._submit(self)
        return self

    # ---- called by the runner

    def _post_progress(self, value: Any) -> None:
        if self._progress is not None:
            fn = self._progress
            self.runner._post(lambda: fn(value))

    def _run(self) -> None:
        """On a lane's thread (or inline): run the body, post the outcome to the GUI thread."""
        try:
            result = self._body()
        except BaseException as exc:  # delivered, never lost in a worker thread
            error = exc  # `exc` is unbound when the except block ends
            self.runner._post(lambda: self._deliver_failure(error))
            return
        self.runner._post(lambda: self._deliver_success(result))

    def _deliver_success(self, result: T) -> None:
        self.finished = True
        try:
            # The initiator's screen first (the card a guide waits for), then every other view.
            if self._success is not None:
                self._success(result)
        finally:
            try:
                if self._emits_changes:
                    changes = self._changes(result) if callable(self._changes) else self._changes
                    if changes is None:
                        changes = getattr(result, "changes", None)
                    self.runner._emit_changed(changes, self.initiator)
            finally:
                self._done()

    def _deliver_failure(self, exc: BaseException) -> None:
        self.finished = True
        try:
            if not isinstance(exc, GuideDeskError):
                log.error("task %r failed", self.description, exc_info=exc)
            if self._failure is not None:
                self._failure(exc)
            else:
                self.runner.task_failed.emit(exc, self.description)
        finally:
            self._done()

    def _done(self) -> None:
        try:
            if self._finally is not None:
                self._finally()
        finally:
            self.runner._finished(self)


class TaskRunner(QObject):
    """The window's one runner. Create it on the GUI thread with the open workstation."""

    data_changed = Signal(object, object)  # changes (app.changes.Changes or None = "anything"), initiator
    task_failed = Signal(object, str)  # exception, description: for failures nobody handled
    busy_changed = Signal(bool)
    _deliver = Signal(object)

    def __init__(self, ws: Workstation, *, inline: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.inline = inline
        self._lock = threading.Lock()
        self._running: set[Task[Any]] = set()
        self._closed = False
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        if not inline:
            self._lanes = {
                DB: ThreadPoolExecutor(max_workers=1, thread_name_prefix="guidedesk-db"),
                NETWORK: ThreadPoolExecutor(max_workers=2, thread_name_prefix="guidedesk-net"),
            }
        # Queued: a worker thread emits, the GUI thread (where this object lives) runs the callable.
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    # ---- building tasks

    def read(self, fn: Callable[[Any], T], *, description: str = "read", initiator: object = None) -> Task[T]:
        """`fn(session)` on a read-only snapshot, on the DB lane."""

        def body() -> T:
            with self.ws.db.read() as session:
                return fn(session)

        return Task(self, DB, body, description=description, initiator=initiator)

    def mutate(
        self,
        fn: Callable[[Any], T],
        *,
        changes: Any = None,
        description: str = "mutate",
        initiator: object = None,
        announce: bool = True,
    ) -> Task[T]:
        """`fn(session)` in one transaction on the DB lane; committed before success is delivered, then
        `data_changed` is emitted with `changes` (a value, a function of the result, or, when None, the
        result's own `.changes`). `announce=False` for writes no view shows (a login attempt's audit)."""

        def body() -> T:
            with self.ws.db.transaction() as session:
                return fn(session)

        return Task(
            self,
            DB,
            body,
            description=description,
            initiator=initiator,
            changes=changes,
            emits_changes=announce,
        )

    def call(
        self,
        fn: Callable[[], T],
        *,
        description: str = "call",
        initiator: object = None,
        changes: Any = None,
        emits_changes: bool = False,
    ) -> Task[T]:
        """`fn()` on the DB lane with no session (for services that take the Database)."""
        return Task(
            self,
            DB,
            fn,
            description=description,
            initiator=initiator,
            changes=changes,
            emits_changes=emits_changes,
        )

    def network(
        self, fn: Callable[[TaskContext], T], *, description: str = "network", initiator: object = None
    ) -> Task[T]:
        """`fn(context)` on the network lane."""
        task: Task[T]

        def body() -> T:
            return fn(TaskContext(task))

        task = Task(self, NETWORK, body, description=description, initiator=initiator)
        return task

    # ---- state

    @property
    def idle(self) -> bool:
        with self._lock:
            return not self._running

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking work; cancel network tasks; let the DB lane finish what it holds (an action the
        guide made is committed, not dropped), then stop delivering callbacks."""
        with self._lock:
            running = list(self._running)
        for task in running:
            if task.lane == NETWORK:
                task.cancel()
        self._closed = True
        db = self._lanes.get(DB)
        if db is not None:
            db.shutdown(wait=wait)
        net = self._lanes.get(NETWORK)
        if net is not None:
            net.shutdown(wait=False, cancel_futures=True)

    # ---- internals

    def _submit(self, task: Task[Any]) -> None:
        if self._closed:
            log.info("runner closed: %r not started", task.description)
            return
        with self._lock:
            was_idle = not self._running
            self._running.add(task)
        if was_idle:
            self.busy_changed.emit(True)
        if self.inline:
            task._run()
        else:
            self._lanes[task.lane].submit(task._run)

    def _finished(self, task: Task[Any]) -> None:
        with self._lock:
            self._running.discard(task)
            now_idle = not self._running
        if now_idle:
            self.busy_changed.emit(False)

    def _post(self, fn: Callable[[], None]) -> None:
        if self.inline and threading.current_thread() is threading.main_thread():
            fn()
        else:
            self._deliver.emit(fn)

    def _emit_changed(self, changes: Any, initiator: object) -> None:
        self.data_changed.emit(changes, initiator)

    @Slot(object)
    def _on_deliver(self, fn: Callable[[], None]) -> None:
        if self._closed and not self.inline:
            # Still run it: the DB lane's last results close their task; widgets may be gone, so guard.
            try:
                fn()
            except RuntimeError:  # a deleted widget's callback
                log.debug("callback after shutdown skipped", exc_info=True)
            return
        fn()
