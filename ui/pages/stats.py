"""The manager's stats page: a date range (today, this week, this month, custom), the per-guide table
with the store's totals and 在线率, a trend chart (QtCharts) of bindings, enrollments and 入会率 per day,
export to XLSX or CSV through a save dialog, and — where HQ's figures for a day differ from what was
counted here (a bind that lost a conflict) — both numbers and why."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDate, QDateTime, QEvent, QPointF, Qt, QTime
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.clock import STORE_TZ, store_day
from app.services.export import DAY_COLUMNS, TOTAL_COLUMNS, export_stats
from app.services.stats import StatsReport, guide_day_stats
from app.services.stats_differences import StatsDifference, stats_differences
from contract.measures import join_rate
from ui import messages
from ui.context import AppContext
from ui.models.stats import COLUMNS, GuideStatsTableModel, percent

RANGES = ("today", "week", "month", "custom")


def range_for(kind: str, today: date, custom: tuple[date, date]) -> tuple[date, date]:
    if kind == "today":
        return today, today
    if kind == "week":
        return today - timedelta(days=today.weekday()), today
    if kind == "month":
        return today.replace(day=1), today
    return custom


class StatsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="statsPage")
        self.ctx = ctx
        self.report: StatsReport | None = None
        self.differences: tuple[StatsDifference, ...] = ()
        self.range_buttons = {
            kind: QPushButton(objectName=f"range_{kind}", checkable=True) for kind in RANGES
        }
        self._group = QButtonGroup(self)
        for button in self.range_buttons.values():
            self._group.addButton(button)
        today = self._today()
        self.start_edit = QDateEdit(
            QDate(today.year, today.month, 1), calendarPopup=True, objectName="statsStart"
        )
        self.end_edit = QDateEdit(
            QDate(today.year, today.month, today.day), calendarPopup=True, objectName="statsEnd"
        )
        for edit in (self.start_edit, self.end_edit):
            edit.setDisplayFormat("yyyy-MM-dd")
        self.export_xlsx = QPushButton(objectName="exportXlsx")
        self.export_csv = QPushButton(objectName="exportCsv")
        self.online_label = QLabel(objectName="onlineRate")
        self.message = QLabel(objectName="statsMessage")
        self.model = GuideStatsTableModel(self)
        self.table = QTableView(objectName="statsTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # no clipped headers
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.chart = QChart()
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.series = {key: QLineSeries() for key in ("bindings", "enrollments", "join_rate")}
        for s in self.series.values():
            self.chart.addSeries(s)
        self.x_axis = QDateTimeAxis(format="MM-dd")
        self.count_axis = QValueAxis(labelFormat="%d")
        self.rate_axis = QValueAxis(labelFormat="%d%%", min=0, max=100)
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.count_axis, Qt.AlignmentFlag.AlignLeft)
        self.chart.addAxis(self.rate_axis, Qt.AlignmentFlag.AlignRight)
        for key, s in self.series.items():
            s.attachAxis(self.x_axis)
            s.attachAxis(self.rate_axis if key == "join_rate" else self.count_axis)
        self.chart_view = QChartView(self.chart, objectName="statsChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        self.diff_label = QLabel(objectName="statsDifferences")
        self.diff_label.setWordWrap(True)
        self.diff_label.setTextFormat(Qt.TextFormat.PlainText)

        top = QHBoxLayout()
        for kind in RANGES:
            top.addWidget(self.range_buttons[kind])
        top.addWidget(self.start_edit)
        top.addWidget(self.end_edit)
        top.addStretch(1)
        top.addWidget(self.export_xlsx)
        top.addWidget(self.export_csv)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart_view)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.online_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.diff_label)
        layout.addWidget(self.message)

        for kind, button in self.range_buttons.items():
            button.clicked.connect(lambda _=False, k=kind: self.set_range(k))
        self.start_edit.dateChanged.connect(lambda _d: self.set_range("custom"))
        self.end_edit.dateChanged.connect(lambda _d: self.set_range("custom"))
        self.export_xlsx.clicked.connect(lambda: self.ask_export("xlsx"))
        self.export_csv.clicked.connect(lambda: self.ask_export("csv"))
        ctx.runner.data_changed.connect(self._on_runner_data_changed)
        self.range_kind = "today"
        self.range_buttons["today"].setChecked(True)
        self._loaded = False
        self.retranslate()

    def _today(self) -> date:
        return store_day(self.ctx.ws.hq_now())

    def page_shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.reload()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.page_shown()

    def _on_runner_data_changed(self, _changes: Any, _initiator: object) -> None:
        if self._loaded:
            self.reload()

    # ---- range and loading

    def set_range(self, kind: str) -> None:
        self.range_kind = kind
        self.range_buttons[kind].setChecked(True)
        self.reload()

    def current_range(self) -> tuple[date, date]:
        custom = (self.start_edit.date().toPython(), self.end_edit.date().toPython())
        return range_for(self.range_kind, self._today(), custom)  # type: ignore[arg-type]

    def reload(self) -> None:
        guide = self.ctx.guide
        if guide is None:
            return
        start, end = self.current_range()
        store_id, ws = guide.store_id, self.ctx.ws

        def work(s: Any) -> tuple[StatsReport, tuple[StatsDifference, ...]]:
            report = guide_day_stats(s, store_id=store_id, start=start, end=end, now=ws.hq_now())
            return report, stats_differences(s, store_id=store_id, start=start, end=end)

        self.ctx.runner.read(work, description="stats").on_success(self._show).on_failure(
            self._show_error
        ).start()

    def _show(self, result: tuple[StatsReport, tuple[StatsDifference, ...]]) -> None:
        self.report, self.differences = result
        self.message.clear()
        self.model.set_report(self.report)
        self._fill_chart(self.report)
        self._show_texts()

    def _show_error(self, error: BaseException) -> None:
        self.message.setText(messages.text_for(error))

    def _fill_chart(self, report: StatsReport) -> None:
        by_day: dict[date, list[int]] = {}
        for r in report.rows:
            sums = by_day.setdefault(r.day, [0, 0, 0])
            sums[0] += r.bindings
            sums[1] += r.enrollments
            sums[2] += r.declines
        points: dict[str, list[QPointF]] = {key: [] for key in self.series}
        day, top = report.start, 1
        # noon of each store day as epoch ms, by arithmetic: a QDateTime per day cost ~0.3 ms each
        noon = QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0)).toMSecsSinceEpoch()
        while day <= report.end:
            x = float(noon + (day - report.start).days * 86_400_000)
            binds, enrolls, declines = by_day.get(day, (0, 0, 0))
            rate = join_rate(enrolls, declines)
            points["bindings"].append(QPointF(x, binds))
            points["enrollments"].append(QPointF(x, enrolls))
            points["join_rate"].append(QPointF(x, 0 if rate is None else rate * 100))
            top = max(top, binds, enrolls)
            day += timedelta(days=1)
        self.chart_view.setUpdatesEnabled(False)  # one repaint for the three series, not one each
        try:
            for key, s in self.series.items():
                s.replace(points[key])
        finally:
            self.chart_view.setUpdatesEnabled(True)
        first = QDateTime(QDate(report.start.year, report.start.month, report.start.day), QTime(0, 0))
        last = QDateTime(QDate(report.end.year, report.end.month, report.end.day), QTime(23, 59))
        self.x_axis.setRange(first, last)
        self.x_axis.setTickCount(min(8, max(2, (report.end - report.start).days + 1)))
        self.count_axis.setRange(0, max(4, top))
        self.count_axis.applyNiceNumbers()  # whole-number ticks, however small the counts

    def _show_texts(self) -> None:
        report = self.report
        if report is None:
            return
        self.online_label.setText(
            self.tr("Online rate (在线率): {rate}   ·   {start} – {end}").format(
                rate=percent(report.online_rate), start=report.start.isoformat(), end=report.end.isoformat()
            )
        )
        lines = []
        for d in self.differences:
            counted = self._hq_count(d) + d.lost
            why = messages.words(d.code) if d.code else self.tr("rejected by HQ")
            if d.winner_guide_name:
                why += " " + self.tr("(won by {name})").format(name=d.winner_guide_name)
            lines.append(
                self.tr("{day} {guide}: {what} counted here {here}, at HQ {hq} — {why}").format(
                    day=d.day.isoformat(),
                    guide=d.guide_name,
                    what=self._kind_title(d.kind),
                    here=counted,
                    hq=counted - d.lost,
                    why=why,
                )
            )
        self.diff_label.setText(
            (self.tr("Where HQ's figures differ from this counter's:") + "\n" + "\n".join(lines))
            if lines
            else ""
        )

    def _hq_count(self, d: StatsDifference) -> int:
        """What the stats (HQ's view: voided actions left out) show for that guide, day and kind."""
        column = {
            "bind": "bindings",
            "enroll": "enrollments",
            "paid": "paid",
            "decline": "declines",
            "transfer": "transfers",
            "served": "served",
            "task_done": "tasks_done",
        }.get(d.kind)
        if self.report is None or column is None:
            return 0
        return sum(
            getattr(r, column) for r in self.report.rows if r.day == d.day and r.guide_id == d.guide_id
        )

    def _kind_title(self, kind: str) -> str:
        titles = {
            "bind": self.tr("bindings"),
            "enroll": self.tr("enrollments"),
            "paid": self.tr("paid members"),
            "transfer": self.tr("transfers"),
            "decline": self.tr("declines"),
            "served": self.tr("served"),
            "task_done": self.tr("tasks done"),
        }
        return titles.get(kind, kind)

    # ---- export

    def headers(self) -> dict[str, str]:
        """Column keys → the header words in the current language (the export writes no words itself)."""
        titles = {
            key: self.model.headerData(i, Qt.Orientation.Horizontal) for i, (key, _) in enumerate(COLUMNS)
        }
        titles.update(
            day=self.tr("Day"),
            employee_no=self.tr("Employee no"),
            sheet_daily=self.tr("Daily"),
            sheet_totals=self.tr("Totals"),
        )
        return {
            k: str(titles.get(k, k)) for k in (*DAY_COLUMNS, *TOTAL_COLUMNS, "sheet_daily", "sheet_totals")
        }

    def ask_export(self, fmt: str) -> None:
        if self.report is None:
            return
        name = f"stats-{self.report.start.isoformat()}-{self.report.end.isoformat()}.{fmt}"
        filters = self.tr("Excel workbook (*.xlsx)") if fmt == "xlsx" else self.tr("CSV, UTF-8 (*.csv)")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export stats"), str(Path.home() / name), filters)
        if path:
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: str) -> None:
        report, guide, ws, headers = self.report, self.ctx.guide, self.ctx.ws, self.headers()
        if report is None or guide is None:
            return
        self.ctx.runner.mutate(
            lambda s: export_stats(
                s, report=report, path=path, fmt=fmt, headers=headers, guide=guide, now=ws.hq_now()
            ),
            description="export stats",
            initiator=self,
            announce=False,
        ).on_success(
            lambda r: self.message.setText(
                self.tr("Saved {rows} rows to {path}").format(rows=r.rows, path=r.path)
            )
        ).on_failure(self._show_error).start()

    # ---- language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        titles = {
            "today": self.tr("Today"),
            "week": self.tr("This week"),
            "month": self.tr("This month"),
            "custom": self.tr("Custom"),
        }
        for kind, button in self.range_buttons.items():
            button.setText(titles[kind])
        self.export_xlsx.setText(self.tr("Export XLSX…"))
        self.export_csv.setText(self.tr("Export CSV…"))
        self.series["bindings"].setName(self.tr("Bindings"))
        self.series["enrollments"].setName(self.tr("Enrollments"))
        self.series["join_rate"].setName(self.tr("Join rate (%)"))
        self.chart.setTitle(self.tr("Trend per day"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1)
        self._show_texts()


def store_now_text(at: datetime) -> str:
    return at.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M")
