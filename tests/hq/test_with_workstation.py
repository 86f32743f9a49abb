"""The contract end to end: the workstation's own enrollment, sync engine and HTTP client against a live
HQ on loopback — the first sync, a bind, an offline enrollment, a lost bind showing who won, an idle
sync that writes nothing, and a revoked till wiping its replica."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from app.db.models import Binding as ReplicaBinding
from app.db.models import Member as ReplicaMember
from app.services.binding import bind_member
from app.services.common import GuideRef
from app.services.members import Consent, enroll_member
from app.services.tasks import list_tasks
from app.sync.device import enroll_device, open_client
from app.sync.engine import SyncEngine, SyncReport
from app.workstation import Workstation
from contract.wire import Mutation
from hq.db.models import Binding, Member
from hq.services import outreach, segments
from hq.services.devices import revoke_device
from hq.services.guides import GuideView
from tests.hq.harness import Hq
from tests.hq.live import live_server


def _sync(ws: Workstation) -> SyncReport:
    client = open_client(ws)
    try:
        return SyncEngine(ws, client).run()
    finally:
        client.close()


def _ref(guide: GuideView) -> GuideRef:
    return GuideRef(guide.id, guide.store_id, guide.employee_no, guide.name, guide.role)


def _count(ws: Workstation, model: Any) -> int:
    with ws.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_workstation_syncs_with_hq_through_its_own_engine(hq: Hq, ws: Workstation) -> None:
    """Catches any drift between what the client sends or expects and what HQ says (names, shapes,
    statuses): everything here goes through app/sync/client.py and app/sync/engine.py."""
    store = hq.store("NJ01", "南京新街口店")
    guide = hq.guide(store, "陈静")
    rival = hq.guide(store, "李雷")
    members = [hq.member(store, f"会员{i}", phone=f"1390000{i:04d}") for i in range(5)]
    with live_server(hq) as url:
        enroll_device(ws, hq_url=url, code=hq.enrollment_code(store))
        first = _sync(ws)
        assert first.ok and first.pulled > 0 and first.error is None, first
        assert _count(ws, ReplicaMember) == 5

        now = ws.clock.now()
        with ws.db.transaction() as s:
            bind_member(s, member_id=members[0].id, guide=_ref(guide), now=now)
            enrolled = enroll_member(
                s, guide=_ref(guide), name="新会员", phone="13711112222",
                consent=Consent(True, "v1"), paid=False, now=now, cipher=ws.cipher,
            )  # fmt: skip
            bind_member(s, member_id=members[1].id, guide=_ref(guide), now=now)
        # Meanwhile another till binds members[1] to a colleague, and HQ sees that first.
        other = hq.device(store)
        other.send(
            Mutation.BINDING_CREATE, {"binding_id": str(uuid.uuid4()), "member_id": members[1].id}, rival.id
        )

        second = _sync(ws)
        assert second.ok, second
        assert second.applied == 2 and len(second.rejections) == 1, second.rejections
        lost = second.rejections[0]
        assert lost.code == "member_already_bound" and lost.details["winner_guide_name"] == "李雷"
        with hq.runtime.db.read() as s:
            assert (
                s.scalar(
                    select(Binding.guide_id).where(
                        Binding.member_id == members[0].id, Binding.active.is_(True)
                    )
                )
                == guide.id
            )
            assert s.scalar(select(Member.phone).where(Member.id == enrolled.member_id)) == "13711112222"
        with ws.db.read() as s:
            assert s.get(ReplicaMember, enrolled.member_id) is not None  # confirmed by HQ, pulled back
            assert (
                s.scalar(select(ReplicaBinding.guide_name).where(ReplicaBinding.member_id == members[1].id))
                == "李雷"
            )

        idle = _sync(ws)
        assert idle.ok and (idle.hellos, idle.pushes, idle.pulls, idle.local_writes) == (1, 0, 1, 0), idle

        with hq.tx() as (s, _changes):
            with ws.db.read() as ls:
                from app.db.models import SyncState

                state = ls.get(SyncState, 1)
                assert state is not None and state.device_id
                device_id = state.device_id
            revoke_device(s, device_id=device_id, now=hq.clock())
        revoked = _sync(ws)
        assert revoked.action == "device_revoked"
        assert _count(ws, ReplicaMember) == 0


def test_a_task_lists_script_reaches_the_workstation_by_snapshot_and_by_page(hq: Hq, ws: Workstation) -> None:
    """HQ's composer gives a list a script for the guide; the workstation shows it with each item of
    the list. A list published before the till's first sync comes in its snapshot, a later one by a
    pull page. Fails without the replica's task_lists.script (migration 0011): the script was dropped
    as an unknown field."""
    store = hq.store("NJ01", "南京新街口店")
    hq.guide(store, "陈静")
    for i in range(3):
        hq.member(store, f"会员{i}", phone=f"1390000{i:04d}")

    def publish(title: str, script: str) -> None:
        with hq.tx() as (s, changes):
            outreach.publish(s, segment=segments.Segment(stores=(store.id,)), title=title, kind="call",
                             due_at=None, script=script, now=hq.clock(), changes=changes)  # fmt: skip

    def scripts() -> dict[str | None, str | None]:
        with ws.db.read() as s:
            tasks = list_tasks(s, store_id=store.id, guide_id=None, state="open", overdue_only=False,
                               now=ws.clock.now())  # fmt: skip
        return {t.list_title: t.list_script for t in tasks}

    publish("新品邀约", "您好，本周新品到店，欢迎来试穿。")
    with live_server(hq) as url:
        enroll_device(ws, hq_url=url, code=hq.enrollment_code(store))
        assert _sync(ws).ok
        assert scripts() == {"新品邀约": "您好，本周新品到店，欢迎来试穿。"}
        publish("沉睡唤醒", "好久不见，店里为您留了一份会员礼。")
        later = _sync(ws)
        assert later.ok and later.pages >= 1, later
    assert scripts() == {
        "新品邀约": "您好，本周新品到店，欢迎来试穿。",
        "沉睡唤醒": "好久不见，店里为您留了一份会员礼。",
    }
