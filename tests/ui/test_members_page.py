"""The members page, driven by keys and clicks: what it shows equals what the query service says for the
same filter, sort and search; the lazy model passes Qt's model checks; a row opens the member's card."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.services import member_list as ml
from tests.ui.manager_fixtures import PageEnv, env, type_text  # noqa: F401
from ui.models.members import MembersTableModel
from ui.pages.members import MembersPage


def _service_ids(e: PageEnv, sort: ml.MemberSort, f: ml.MemberFilter) -> list[str]:
    ids: list[str] = []
    after = None
    with e.ws.db.read() as s:
        while True:
            page = ml.list_page(
                s, after=after, limit=500, sort=sort, filters=f, now=e.ws.hq_now(), cipher=e.ws.cipher
            )
            ids += [r.id for r in page.rows]
            if page.next_after is None:
                return ids
            after = page.next_after


def _click_header(header, column: int) -> None:  # type: ignore[no-untyped-def]
    QTest.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(header.sectionViewportPosition(column) + 10, header.height() // 2),
    )


def _loaded_ids(page: MembersPage) -> list[str]:
    model = page.model
    while model.canFetchMore():
        model.fetchMore()
    return [model.member_id(r) for r in range(model.rowCount())]


def test_the_members_model_passes_qt_model_checks(qtmodeltester, env: PageEnv):  # noqa: F811
    """Row/column counts, parents, data roles and inserts while fetching are what views rely on."""
    model = MembersTableModel(env.ctx.runner, now=env.ws.hq_now, cipher=env.ws.cipher, page_size=50)
    model.set_query()
    qtmodeltester.check(model)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 306
    qtmodeltester.check(model)


def test_filter_sort_and_search_show_the_services_rows(qtbot, env: PageEnv):  # noqa: F811
    """A manager narrows the list by menu, sorts by a header and types a search: the rows are exactly the
    service's, in its order (a view-side filter or sort would differ at the first tie or page)."""
    page = MembersPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    assert _loaded_ids(page) == _service_ids(env, ml.MemberSort(), ml.MemberFilter())

    page.stage.setCurrentIndex(page.stage.findData("registered"))
    page.binding.setCurrentIndex(page.binding.findData(env.seeded.other_guide.id))
    header = page.table.horizontalHeader()
    _click_header(header, 6)  # last visit, ascending
    f = ml.MemberFilter(stage="registered", bound_guide_id=env.seeded.other_guide.id)
    assert page.model.sort_by == ml.MemberSort("last_visit", False)
    assert _loaded_ids(page) == _service_ids(env, ml.MemberSort("last_visit"), f)

    _click_header(header, 6)  # again: descending
    assert _loaded_ids(page) == _service_ids(env, ml.MemberSort("last_visit", True), f)

    page.stage.setCurrentIndex(0)
    page.binding.setCurrentIndex(0)
    page.search.setFocus()
    type_text(page.search, "王")
    QTest.keyClick(page.search, Qt.Key.Key_Return)
    ids = _loaded_ids(page)
    assert ids and ids == _service_ids(env, ml.MemberSort("last_visit", True), ml.MemberFilter(search="王"))
    assert all(page.model.row_at(r).name.startswith("王") for r in range(page.model.rowCount()))

    page.search.clear()
    QTest.keyClicks(page.search, env.seeded.phones["mine"][-4:])  # last four phone digits
    QTest.keyClick(page.search, Qt.Key.Key_Return)
    assert env.seeded.members["mine"] in _loaded_ids(page)
    qtbot.waitUntil(lambda: page.count_label.text() != "")


def test_my_members_and_the_count(qtbot, env: PageEnv):  # noqa: F811
    """ "My members" shows the logged-in guide's bound members and the count says how many."""
    env.ctx.session.log_in(env.seeded.guide)
    page = MembersPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    page.binding.setCurrentIndex(page.binding.findData("__mine__"))
    ids = _loaded_ids(page)
    assert ids == _service_ids(env, ml.MemberSort(), ml.MemberFilter(bound_guide_id=env.seeded.guide.id))
    assert str(len(ids)) in page.count_label.text()


def test_enter_on_a_row_opens_the_member_card_and_binds(qtbot, env: PageEnv):  # noqa: F811
    """Enter on a member opens the card; "Bind to me" binds as at the counter and the list shows it."""
    env.ctx.session.log_in(env.seeded.guide)
    page = MembersPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    page.search.setText(env.seeded.cards["unbound"])
    page.apply_filters()
    assert page.model.rowCount() == 1
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.card_dialog
    assert dialog.name.text() == "刘洋"
    QTest.mouseClick(dialog.bind_button, Qt.MouseButton.LeftButton)
    assert "李娜" in dialog.fields["binding"].text()
    dialog.close()
    assert page.model.row_at(0).bound_guide_id == env.seeded.guide.id
    assert page.model.row_at(0).binding_pending


def test_opening_the_page_queries_the_first_page_once(qtbot, env: PageEnv, monkeypatch):  # noqa: F811
    """The view announcing its sort indicator must not start queries of its own: opening the page used
    to fetch the first page three times (setSortingEnabled, setSortIndicator, then the page), tripling
    the first paint at a million members."""
    import ui.models.members as models

    calls = []
    real = models.list_page
    monkeypatch.setattr(models, "list_page", lambda *a, **k: calls.append(k["sort"]) or real(*a, **k))
    page = MembersPage(env.ctx)
    qtbot.addWidget(page)
    page.show()
    assert calls == [ml.MemberSort()]
