"""The manager's stats page: per-guide numbers with store totals, the trend chart, exports opened back with
openpyxl and csv, and a day where HQ's figure differs from the counter's shown with both and why."""

from __future__ import annotations

import csv
from datetime import timedelta

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.db.models import Outbox
from app.services.binding import bind_member
from app.services.members import Consent, enroll_member, record_decline
from tests.ui.manager_fixtures import PageEnv, env  # noqa: F401
from ui.pages.stats import StatsPage


def _activity(e: PageEnv) -> int:
    """Today: 李娜 binds two members (one later loses at HQ), enrolls one walk-in, one declines."""
    ws, g, now = e.ws, e.seeded.guide, e.ws.clock.now()
    with ws.db.transaction() as s:
        bind_member(s, member_id=e.seeded.members["unbound"], guide=g, now=now)
        enroll_member(s, guide=g, name="新会员", phone="13912345678", consent=Consent(True, "v1"), paid=True,
                      now=now, cipher=ws.cipher)  # fmt: skip
        record_decline(s, guide=g, now=now)
    with ws.db.transaction() as s:
        # an unbound crowd member bound here, then rejected by HQ: another guide won the race
        from app.services.member_list import MemberFilter, MemberSort, list_page

        row = list_page(
            s, after=None, limit=1, sort=MemberSort(), filters=MemberFilter(unbound=True), now=now
        ).rows[0]
        outcome = bind_member(s, member_id=row.id, guide=g, now=now)
    with ws.db.transaction() as s:
        from app.services.ledger import void_activity_of

        ob = s.get(Outbox, outcome.outbox_id)
        ob.state = "rejected"
        ob.result = {"id": ob.id, "status": "rejected", "code": "member_already_bound",
                     "details": {"winner_guide_name": "陈静"}}  # fmt: skip
        void_activity_of(s, ob.id)
    return outcome.outbox_id


def test_today_shows_each_guide_the_totals_and_why_hq_differs(qtbot, env: PageEnv):  # noqa: F811
    """The guide's counted bind and enrollment, the store total, 入会率, and the lost bind both ways."""
    _activity(env)
    page = StatsPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    model = page.model
    names = [model.value(r, "guide_name") for r in range(model.rowCount())]
    li = names.index("李娜")
    assert (model.value(li, "bindings"), model.value(li, "enrollments"), model.value(li, "paid")) == (1, 1, 1)
    total = model.rowCount() - 1
    assert model.data(model.index(total, 0)) == "Store total"
    assert model.data(model.index(total, 6)) == "50.0%"  # 1 enrollment ÷ (1 + 1 decline)
    assert "counted here 2, at HQ 1" in page.diff_label.text()
    assert "陈静" in page.diff_label.text()


def test_a_month_draws_one_point_per_day(qtbot, env: PageEnv):  # noqa: F811
    """The trend chart has bindings, enrollments and 入会率 for every day of the range."""
    _activity(env)
    page = StatsPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    QTest.mouseClick(page.range_buttons["month"], Qt.MouseButton.LeftButton)
    start, end = page.current_range()
    days = (end - start).days + 1
    assert [page.series[k].count() for k in ("bindings", "enrollments", "join_rate")] == [days] * 3
    last = page.series["bindings"].at(days - 1)
    assert last.y() == 1  # today's confirmed bind (the lost one is not HQ's)


def test_exports_open_back_with_the_same_numbers(qtbot, env: PageEnv, tmp_path):  # noqa: F811
    """XLSX (daily + totals sheets) and CSV with a UTF-8 BOM hold the numbers the page shows."""
    _activity(env)
    page = StatsPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    page.export_to(tmp_path / "s.xlsx", "xlsx")
    page.export_to(tmp_path / "s.csv", "csv")
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    totals = book.worksheets[1]
    header = [c.value for c in totals[1]]
    assert "Guide" in header and "Bindings" in header
    rows = {r[header.index("Guide")]: r for r in totals.iter_rows(min_row=2, values_only=True)}
    assert rows["李娜"][header.index("Bindings")] == 1
    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    li = [r for r in lines if r["Guide"] == "李娜"]
    assert li and li[0]["Enrollments"] == "1"
    assert "Saved" in page.message.text()


def test_a_custom_range_reloads(qtbot, env: PageEnv):  # noqa: F811
    """Custom dates make a report for exactly that range."""
    page = StatsPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    today = page.current_range()[1]
    page.start_edit.setDate(today - timedelta(days=9))
    page.end_edit.setDate(today)
    assert page.range_kind == "custom"
    assert page.report is not None and (page.report.start, page.report.end) == (
        today - timedelta(days=9),
        today,
    )
