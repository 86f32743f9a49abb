"""The outbox's states are all written: a mutation in a push whose answer was lost shows as `sent` (HQ may
have it), then `acked` once a retry hears HQ's stored answer; the outbox page lists it newest first."""

from __future__ import annotations

from pathlib import Path

from app.services.binding import bind_member
from app.services.members import record_decline
from app.services.station import outbox_page, station_info
from app.sync.device import open_client, repoint_hq
from app.sync.engine import SyncEngine
from tests.e2e.conftest import HqProcess, guide_ref, sync, workstation
from tests.faultproxy import FaultProxy


def test_a_push_whose_answer_is_lost_shows_sent_then_acked(tmp_path: Path, hq_server: HqProcess) -> None:
    """`sent` was declared and never set: a lost answer left the row `pending`, as if never sent."""
    member = hq_server.admin.member(hq_server.stores["A"], "刘洋", phone="13800001111")
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    sync(ws)
    guide = guide_ref(hq_server, "A")
    with ws.db.transaction() as s:
        record_decline(s, guide=guide, now=ws.clock.now())
        bind_member(s, member_id=member.id, guide=guide, now=ws.clock.now())
    proxy = FaultProxy(
        hq_server.url, plan=lambda _m, path: "drop_response" if path.endswith("/push") else None
    )
    try:
        repoint_hq(ws, proxy.url)
        client = open_client(ws)
        try:
            lost = SyncEngine(ws, client).run()
        finally:
            client.close()
    finally:
        proxy.close()
    assert lost.error is not None
    with ws.db.read() as s:
        page = outbox_page(s, limit=1)
        assert [(r.name, r.state) for r in page.rows] == [("binding.create.v1", "sent")]
        older = outbox_page(s, before_id=page.before_id, limit=10)
        assert [(r.name, r.state) for r in older.rows] == [("member.decline.v1", "sent")]
        assert older.before_id is None and station_info(s).pending == 2
    repoint_hq(ws, hq_server.url)
    again = sync(ws)
    assert again.pushed == 2 and not again.rejections
    with ws.db.read() as s:
        assert {r.state for r in outbox_page(s).rows} == {"acked"}
        assert station_info(s).pending == 0
    ws.close()
