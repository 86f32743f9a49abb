"""Workstations and a real HQ process on loopback: enroll, first sync, a bind made at the counter reaching
HQ exactly once, the cross-store binding race, and the idle cycle."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.db.models import BindingConflict, Guide, Member, Outbox, SyncState
from app.services.binding import bind_member
from app.services.cards import member_card
from app.sync.device import lookup_member_online, open_client
from hq.db.models import Binding as HqBinding
from tests.e2e.conftest import HqProcess, guide_ref, sync, workstation


def test_enroll_and_first_sync_bring_the_store_to_the_counter(tmp_path: Path, hq_server: HqProcess) -> None:
    """A new till enrolls with a one-time code and pulls its store: members and guides with PIN hashes."""
    for i in range(25):
        hq_server.admin.member(hq_server.stores["A"], f"会员{i}", phone=f"1380000{i:04d}")
    hq_server.admin.member(hq_server.stores["B"], "北京会员", phone="13911112222")
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    report = sync(ws)
    assert report.ok and report.pulled > 0
    with ws.db.read() as s:
        members = s.scalars(select(Member.name)).all()
        assert len(members) == 25 and "北京会员" not in members, "another store's members never arrive"
        assert s.scalar(select(Guide.pin_hash).where(Guide.id == hq_server.guides["A"].id))
        assert s.get(SyncState, 1).cursor
    ws.close()


def test_a_bind_at_the_counter_reaches_hq_once(tmp_path: Path, hq_server: HqProcess) -> None:
    """Bind offline, sync twice: HQ has exactly one active binding, the outbox row is acked, the card says
    confirmed after the pull."""
    member = hq_server.admin.member(hq_server.stores["A"], "刘洋", phone="13800001111")
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    sync(ws)
    guide = guide_ref(hq_server, "A")
    with ws.db.transaction() as s:
        bind_member(s, member_id=member.id, guide=guide, now=ws.clock.now())
    first = sync(ws)
    again = sync(ws)
    assert (first.applied, first.pushed, again.pushed) == (1, 1, 0)
    with ws.db.read() as s:
        assert s.scalars(select(Outbox.state)).all() == ["acked"]
        card = member_card(s, member_id=member.id, viewer=guide, now=ws.clock.now())
    assert (card.binding.relation, card.binding.state) == ("mine", "confirmed")
    with hq_server.admin.runtime.db.read() as s:
        active = s.scalar(
            select(func.count())
            .select_from(HqBinding)
            .where(HqBinding.member_id == member.id, HqBinding.active)
        )
    assert active == 1
    ws.close()


def test_two_stores_bind_one_member_offline_one_wins_both_see_the_conflict(
    tmp_path: Path, hq_server: HqProcess
) -> None:
    """The DESIGN §5 race: the first bind to reach HQ wins; the other counter is told who won."""
    member = hq_server.admin.member(hq_server.stores["A"], "孙丽", phone="13700003333")
    till_a = workstation(tmp_path, "till-a", hq_server, "A")
    till_b = workstation(tmp_path, "till-b", hq_server, "B")
    sync(till_a)
    sync(till_b)
    code = hq_server.admin.member_code(member.id)
    client = open_client(till_b)
    try:  # the shopper shows their code in store B: looked up online, cached in B's replica
        assert lookup_member_online(till_b, client, code=code) == member.id
    finally:
        client.close()
    with till_a.db.transaction() as s:  # both counters offline now
        bind_member(s, member_id=member.id, guide=guide_ref(hq_server, "A"), now=till_a.clock.now())
    with till_b.db.transaction() as s:
        bind_member(
            s, member_id=member.id, guide=guide_ref(hq_server, "B"), now=till_b.clock.now(), code=code
        )
    won, lost = sync(till_a), sync(till_b)
    assert won.applied == 1 and not won.rejections
    [rejection] = lost.rejections
    assert rejection.code == "member_already_bound"
    assert rejection.details["winner_guide_name"] == "李娜"
    assert rejection.details["winner_store_name"] == "上海南京西路店"
    with till_b.db.read() as s:
        card = member_card(s, member_id=member.id, viewer=guide_ref(hq_server, "B"), now=till_b.clock.now())
        assert card.binding.winner_guide_name == "李娜"
    sync(till_a)
    with till_a.db.read() as s:
        assert s.scalar(select(func.count()).select_from(BindingConflict)) == 1, (
            "the winning store sees it too"
        )
    till_a.close()
    till_b.close()


def test_an_idle_cycle_is_one_hello_and_one_empty_pull_with_no_local_writes(
    tmp_path: Path, hq_server: HqProcess
) -> None:
    """A quiet store's workstation costs HQ almost nothing and never touches its own disk."""
    hq_server.admin.member(hq_server.stores["A"], "赵敏", phone="13900002222")
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    sync(ws)
    sync(ws)  # settle the clock offset
    idle = sync(ws)
    assert (idle.hellos, idle.pushes, idle.pulls, idle.local_writes, idle.pulled) == (1, 0, 1, 0, 0)
    ws.close()
