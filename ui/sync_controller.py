"""Runs the sync engine on the runner's network lane when `app/sync/scheduler.py` says it is due: after
a local write (debounced), on its timer, when the network comes back, and on "Sync now". One run at a
time; applied pull pages and snapshot chunks are announced on `data_changed`, at most every
`ANNOUNCE_S`, so open views refresh as data arrives without reloading ~150 times in a first sync.

Online/offline is what the last run found: a network error means offline, any answer from HQ online.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.changes import NOTHING
from app.sync.device import open_client
from app.sync.engine import SyncEngine, SyncProgress, SyncReport
from app.sync.scheduler import SyncScheduler
from ui.context import AppContext
from ui.tasks import Task, TaskContext

log = logging.getLogger(__name__)
TICK_MS = 1000
ANNOUNCE_S = 0.5  # what a first sync applied is announced this often at most (the run's end says the rest)


class SyncController(QObject):
    started = Signal()
    progressed = Signal(object)  # SyncProgress
    finished = Signal(object)  # SyncReport (a failed run has .error set)
    status_changed = Signal()

    def __init__(
        self,
        ctx: AppContext,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        auto: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.auto = auto  # False: runs only on sync_now() (widget tests without an HQ)
        self.monotonic = monotonic
        self.scheduler = SyncScheduler()
        self.enrolled = False
        self.online: bool | None = None  # None until the first run answers
        self.last_report: SyncReport | None = None
        self.last_error: BaseException | None = None
        self.task: Task[SyncReport] | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_timer_timeout)
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        self._watch_network()

    # ---- control

    def start(self, *, enrolled: bool = True) -> None:
        """Begin scheduling (the workstation is enrolled). A first run is due at once."""
        self.enrolled = enrolled
        if enrolled and self.auto and not self.timer.isActive():
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.cancel()

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.finished

    def sync_now(self) -> None:
        """立即同步: ignores backoff; never a second run at once."""
        self.scheduler.sync_now(self.monotonic())
        self._run_if_due()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    # ---- internals

    def _watch_network(self) -> None:
        try:
            from PySide6.QtNetwork import QNetworkInformation

            if QNetworkInformation.loadDefaultBackend() and QNetworkInformation.instance() is not None:
                QNetworkInformation.instance().reachabilityChanged.connect(
                    self._on_network_reachability_changed
                )
        except Exception:  # no backend on this platform: the timer and backoff still find HQ again
            log.info("no network-reachability backend; relying on the sync timer", exc_info=True)

    def _on_network_reachability_changed(self, reachability: Any) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        if reachability == QNetworkInformation.Reachability.Online:
            self.network_regained()

    def network_regained(self) -> None:
        self.scheduler.network_regained(self.monotonic())
        self._run_if_due()

    def _on_runner_data_changed(self, _changes: Any, initiator: object) -> None:
        if initiator is self or not self.enrolled:
            return
        self.scheduler.local_write(self.monotonic())

    def _on_timer_timeout(self) -> None:
        self._run_if_due()

    def _run_if_due(self) -> None:
        if not self.enrolled or self.running or not self.scheduler.due(self.monotonic()):
            return
        self.scheduler.started()
        ws = self.ctx.ws
        seen_pages = [0]
        unannounced = [NOTHING]
        announced_at = [self.monotonic()]

        def body(task: TaskContext) -> SyncReport:
            def progress(p: SyncProgress) -> None:
                task.progress(p)
                if p.phase == "pull" and p.pages > seen_pages[0]:
                    seen_pages[0] = p.pages
                    unannounced[0] |= p.changes
                    now = self.monotonic()
                    if now - announced_at[0] >= ANNOUNCE_S:
                        task.data_changed(unannounced[0])
                        unannounced[0], announced_at[0] = NOTHING, now

            client = open_client(ws)
            try:
                return SyncEngine(
                    ws, client, on_progress=progress, should_cancel=lambda: task.cancelled
                ).run()
            finally:
                client.close()

        self.started.emit()
        self.task = (
            self.ctx.runner.network(body, description="sync", initiator=self)
            .on_progress(self.progressed.emit)
            .on_success(self._on_sync_done)
            .on_failure(self._on_sync_failed)
        )
        self.task.start()

    def _on_sync_done(self, report: SyncReport) -> None:
        now = self.monotonic()
        if report.skipped:  # busy (another instance) or cancelled: try again on schedule
            self.scheduler.finished(now, ok=True)
        elif report.error is not None:
            self.scheduler.finished(now, ok=False)
            self.last_error = report.error
            if report.error.kind == "network":
                self.online = False
        else:
            self.scheduler.finished(now, ok=True)
            self.online, self.last_error = True, None
        self.last_report = report
        changes = getattr(report, "changes", None)
        if changes or (changes is None and (report.pushed or report.rejections)):
            # Settled outbox rows (pending count, "waiting for HQ" → confirmed or lost on the cards).
            self.ctx.runner.data_changed.emit(changes, self)
        self.finished.emit(report)
        self.status_changed.emit()

    def _on_sync_failed(self, error: BaseException) -> None:
        """The run raised (not enrolled, no token…): reported like a failed run."""
        self.scheduler.finished(self.monotonic(), ok=False)
        self.last_error = error
        report = SyncReport(ok=False)
        report.error = error  # type: ignore[assignment]
        self.last_report = report
        self.finished.emit(report)
        self.status_changed.emit()
