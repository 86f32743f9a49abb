"""The manager pages at 1,000,000 members (issue 9, DESIGN.md §7): members page first paint, a filter or
sort change to repainted rows, scrolling end to end, the stats page for 365 days with its chart, and RSS —
each beside a floor from the same run (the raw sqlite3 query of the same page; a bare QTableView repaint).

    .venv/bin/python -m benchmarks.ui_dataset --members 1000000        # once, ~5-8 min
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.ui_manager --data .bench-data/ui-m1000000

Timings run on the real threaded task runner (DB lane), as the window does: "to repainted rows" is from
the user's action until the model has the new first page and the table has repainted it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GUIDEDESK_KEYRING", "file")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scroll-seconds", type=float, default=90.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    app = QApplication.instance() or QApplication(sys.argv)
    from app.clock import FixedClock
    from app.services.common import GuideRef
    from app.services.member_list import MemberFilter, MemberSort
    from app.workstation import Workstation
    from benchmarks.ui_dataset import NOW
    from ui.context import AppContext, GuideSession
    from ui.pages.members import MembersPage
    from ui.pages.stats import StatsPage
    from ui.settings import Settings
    from ui.tasks import TaskRunner

    rss_start = rss_mb()
    ws = Workstation.open(args.data, clock=FixedClock(NOW))
    runner = TaskRunner(ws)
    ctx = AppContext(
        ws=ws,
        runner=runner,
        settings=Settings.for_data_dir(Path("/tmp/ui-bench-settings")),
        session=GuideSession(),
    )
    manager = GuideRef(id="g-00", store_id="store-ui", employee_no="A000", name="王店长", role="manager")
    ctx.session.log_in(manager)
    members = ws.db.raw().execute("SELECT count(*) FROM members").fetchone()[0]
    out: dict[str, Any] = {"members": members, "runs": args.repeat}

    def checkpoint(phase: str) -> None:
        """Each phase's figures as soon as they exist (a loaded machine may not let the run finish)."""
        print(f"[{time.strftime('%H:%M:%S')}] {phase} done", file=sys.stderr, flush=True)
        if args.json:
            args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))

    def wait(pred: Any, timeout: float = 120.0) -> None:
        end = time.perf_counter() + timeout
        while not pred():
            app.processEvents()
            if time.perf_counter() > end:
                raise TimeoutError
            time.sleep(0.0002)

    # ---- floors: raw sqlite3 of the same first page; a bare table of 200 rows repainted
    raw = ws.db.raw()
    from app.services import member_list as ml

    floor_sql = (
        "SELECT id, name, card_no, phone_masked, level, stage, last_purchase_at, tag_key, bound_guide_id,"
        " bound_guide_name, last_visit_at, name FROM members ORDER BY name, id LIMIT 200"
    )
    floor_q = []
    for _ in range(args.repeat * 3):
        t = time.perf_counter()
        raw.execute(floor_sql).fetchall()
        floor_q.append((time.perf_counter() - t) * 1000)

    class Bare(QAbstractTableModel):
        def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
            return 200

        def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
            return 7

        def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
            return f"r{index.row()}c{index.column()}" if role == Qt.ItemDataRole.DisplayRole else None

    bare = QTableView()
    bare.setModel(Bare())
    bare.resize(1280, 720)
    bare.show()
    app.processEvents()
    floor_paint = []
    for _ in range(args.repeat * 3):
        t = time.perf_counter()
        bare.viewport().repaint()
        floor_paint.append((time.perf_counter() - t) * 1000)
    bare.close()
    out["floor_page_query_ms"] = statistics.median(floor_q)
    out["floor_table_repaint_ms"] = statistics.median(floor_paint)

    checkpoint("floors")
    # ---- first paint
    first: list[float] = []
    page = None
    for _ in range(args.repeat):
        if page is not None:
            page.close()
            page.deleteLater()
            app.processEvents()
        t = time.perf_counter()
        page = MembersPage(ctx)
        page.resize(1280, 720)
        page.show()
        wait(lambda p=page: p.model.rowCount() > 0)
        page.table.viewport().repaint()
        first.append((time.perf_counter() - t) * 1000)
    out["first_paint_ms"] = {"median": statistics.median(first), "first": first[0], "max": max(first)}
    wait(lambda: page.model.count is not None)
    out["rss_members_page_open_mb"] = round(rss_mb(), 1)
    out["rss_before_mb"] = round(rss_start, 1)

    checkpoint("first paint")
    # ---- filter / sort changes to repainted rows
    cases: dict[str, tuple[MemberFilter, MemberSort]] = {}
    for key in ml.SORT_KEYS:
        for desc in (False, True):
            cases[f"sort {key}{' desc' if desc else ''}"] = (MemberFilter(), MemberSort(key, desc))
    cases.update(
        {
            "filter stage=koc": (MemberFilter(stage="koc"), MemberSort()),
            "filter tag (护肤)": (MemberFilter(tag_id="t-00"), MemberSort()),
            "filter sleeping": (MemberFilter(sleeping=True), MemberSort()),
            "filter a guide": (MemberFilter(bound_guide_id="g-03"), MemberSort()),
            "filter unbound": (MemberFilter(unbound=True), MemberSort()),
            "a guide, by last visit desc": (
                MemberFilter(bound_guide_id="g-03"),
                MemberSort("last_visit", True),
            ),
            "tag + stage + sleeping": (
                MemberFilter(tag_id="t-04", stage="registered", sleeping=True),
                MemberSort(),
            ),
            "search 王 (name prefix)": (MemberFilter(search="王"), MemberSort()),
            "search 王 by last visit": (MemberFilter(search="王"), MemberSort("last_visit", True)),
            "search last four 1234": (MemberFilter(search="1234"), MemberSort()),
            "search card 88000123": (MemberFilter(search="88000123"), MemberSort()),
        }
    )
    changes: dict[str, dict[str, float]] = {}
    counts: dict[str, dict[str, Any]] = {}
    model = page.model
    for name, (f, srt) in cases.items():
        times, count_times = [], []
        for _ in range(max(3, args.repeat // 2)):
            t = time.perf_counter()
            model.set_query(filters=f, sort=srt)
            wait(lambda: not model.loading)
            page.table.viewport().repaint()
            times.append((time.perf_counter() - t) * 1000)
            wait(lambda: model.count is not None)
            count_times.append((time.perf_counter() - t) * 1000)
        print(f"  {name}: {statistics.median(times):.1f} ms", file=sys.stderr, flush=True)
        changes[name] = {
            "median": round(statistics.median(times), 2),
            "max": round(max(times), 2),
            "rows": model.rowCount(),
        }
        counts[name] = {
            "median_ms": round(statistics.median(count_times), 1),
            "count": model.count.count,
            "exact": model.count.exact,
        }
    out["change_to_repaint_ms"] = changes
    out["count_ms"] = counts

    checkpoint("changes")
    # ---- scroll top to bottom (name order): GUI-thread time of each frame while scrolling
    model.set_query(filters=MemberFilter(), sort=MemberSort())
    wait(lambda: not model.loading and model.rowCount() > 0)
    bar = page.table.verticalScrollBar()
    frames: list[float] = []
    started = time.perf_counter()
    last_gui = time.perf_counter()
    while time.perf_counter() - started < args.scroll_seconds:
        t = time.perf_counter()
        bar.setValue(bar.maximum())  # at the end: what the view does there, ask for the next page
        if model.canFetchMore():
            model.fetchMore()
        page.table.viewport().repaint()
        frames.append((time.perf_counter() - t) * 1000)
        if model.exhausted:
            break
        # let the DB lane deliver; each delivery (rows inserted) is timed as its own frame
        before = model.rowCount()
        give_up = time.perf_counter() + 30
        while model.rowCount() == before and not model.exhausted and time.perf_counter() < give_up:
            t = time.perf_counter()
            app.processEvents()
            spent = (time.perf_counter() - t) * 1000
            if spent > 0.5:
                frames.append(spent)
            time.sleep(0.0005)
        last_gui = time.perf_counter()
    elapsed = last_gui - started
    out["scroll"] = {
        "rows_reached": model.rowCount(),
        "reached_end": model.exhausted,
        "seconds": round(elapsed, 1),
        "rows_per_s": round(model.rowCount() / elapsed),
        "frames": len(frames),
        "frame_max_ms": round(max(frames), 2),
        "frame_p99_ms": round(sorted(frames)[int(len(frames) * 0.99)], 2),
        "frame_median_ms": round(statistics.median(frames), 2),
        "rss_after_mb": round(rss_mb(), 1),
    }

    checkpoint("scroll")
    # ---- stats page, 365 days, with its chart
    stats_times = []
    sp = StatsPage(ctx)
    sp.resize(1280, 720)
    sp.show()
    wait(lambda: sp.report is not None)
    end = NOW.date()
    for _ in range(args.repeat):
        sp.report = None
        t = time.perf_counter()
        sp.start_edit.blockSignals(True)
        sp.start_edit.setDate(end - timedelta(days=364))
        sp.end_edit.setDate(end)
        sp.start_edit.blockSignals(False)
        sp.set_range("custom")
        wait(lambda: sp.report is not None)
        sp.repaint()
        sp.chart_view.viewport().repaint()
        stats_times.append((time.perf_counter() - t) * 1000)
    floor_stats = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        raw.execute(
            "SELECT day, guide_id, served, bind, enroll, paid, decline, task_done, transfer FROM daily_stats"
            " WHERE day BETWEEN ? AND ?",
            ((end - timedelta(days=364)).isoformat(), end.isoformat()),
        ).fetchall()
        floor_stats.append((time.perf_counter() - t) * 1000)
    out["stats_365_ms"] = {
        "median": round(statistics.median(stats_times), 2),
        "max": round(max(stats_times), 2),
        "points_per_series": sp.series["bindings"].count(),
        "rows": len(sp.report.rows),
    }
    out["floor_stats_query_ms"] = round(statistics.median(floor_stats), 3)
    out["load_average"] = os.getloadavg()
    runner.shutdown()
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
