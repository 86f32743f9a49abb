"""Transfers and departures, driven by clicks: approve and reject a guide's transfer request; hand a
departing guide's members to one or to several colleagues with the preview's counts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.services.binding import departing_bindings, list_transfer_requests, request_transfer
from tests.ui.manager_fixtures import PageEnv, env  # noqa: F401
from ui.pages.transfers import TransfersPage


def _request(e: PageEnv, label: str) -> None:
    with e.ws.db.transaction() as s:
        request_transfer(
            s,
            member_id=e.seeded.members[label],
            to_guide=e.seeded.guide,
            reason_note="老客户",
            now=e.ws.clock.now(),
        )


def _page(qtbot, e: PageEnv) -> TransfersPage:  # type: ignore[no-untyped-def]
    page = TransfersPage(e.ctx)
    qtbot.addWidget(page)
    page.show()
    return page


def test_approve_and_reject_transfer_requests(qtbot, env: PageEnv):  # noqa: F811
    """The first request approved becomes a transfer for HQ; the second rejected stays with its guide."""
    _request(env, "colleague")
    _request(env, "lapsed")
    page = _page(qtbot, env)
    assert page.model.rowCount() == 2
    page.table.selectRow(0)
    QTest.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    assert "Approved" in page.message.text()
    assert page.model.rowCount() == 1
    page.table.selectRow(0)
    QTest.mouseClick(page.reject_button, Qt.MouseButton.LeftButton)
    assert "Rejected" in page.message.text()
    assert page.model.rowCount() == 0
    with env.ws.db.read() as s:
        states = {
            r.member_id: r.state for r in list_transfer_requests(s, store_id="store-a", state="approved")
        }
        rejected = {r.member_id for r in list_transfer_requests(s, store_id="store-a", state="rejected")}
    assert states == {env.seeded.members["colleague"]: "approved"}
    assert rejected == {env.seeded.members["lapsed"]}


def _choose(page: TransfersPage, departing_id: str, targets: list[str]) -> None:
    page.departing.setCurrentIndex(page.departing.findData(departing_id))
    for i in range(page.targets.count()):
        item = page.targets.item(i)
        if item.data(Qt.ItemDataRole.UserRole) in targets:
            rect = page.targets.visualItemRect(item)
            QTest.mouseClick(page.targets.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_departing_guides_members_go_to_several_colleagues(qtbot, env: PageEnv):  # noqa: F811
    """The preview says how many each colleague gets; the hand-over moves exactly those, none left."""
    leaving = env.seeded.other_guide.id
    with env.ws.db.read() as s:
        total = len(departing_bindings(s, leaving))
        mine_before = len(departing_bindings(s, env.seeded.guide.id))
    assert total > 10
    page = _page(qtbot, env)
    _choose(page, leaving, [env.seeded.guide.id, env.seeded.manager.id])
    assert str(total) in page.preview_label.text()
    shares = dict(page.preview.shares)
    assert sorted(shares.values()) == sorted([total // 2, total - total // 2])
    QTest.mouseClick(page.hand_over_button, Qt.MouseButton.LeftButton)
    assert f"{total} members handed over" in page.message.text()
    with env.ws.db.read() as s:
        assert departing_bindings(s, leaving) == []
        got = {g: len(departing_bindings(s, g)) for g in shares}
    assert got[env.seeded.manager.id] == shares[env.seeded.manager.id]
    assert got[env.seeded.guide.id] == shares[env.seeded.guide.id] + mine_before


def test_a_departing_guides_members_go_to_one_colleague(qtbot, env: PageEnv):  # noqa: F811
    """One colleague chosen: all of the departing guide's members go to them."""
    leaving = env.seeded.other_guide.id
    page = _page(qtbot, env)
    _choose(page, leaving, [env.seeded.manager.id])
    total = page.preview.total
    assert page.preview.shares == ((env.seeded.manager.id, total),)
    QTest.mouseClick(page.hand_over_button, Qt.MouseButton.LeftButton)
    with env.ws.db.read() as s:
        assert departing_bindings(s, leaving) == []
        assert len(departing_bindings(s, env.seeded.manager.id)) == total
