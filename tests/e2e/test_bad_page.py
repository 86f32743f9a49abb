"""A page this workstation cannot read (an HQ bug, a proxy mangling JSON) is a failed sync run with a
reason, not a crash of the sync lane: nothing of the page is written, the cursor stays, and the next run
after HQ is fixed picks up from where it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.db.models import Member, SyncState
from app.sync.client import HqClient
from app.sync.device import open_client
from app.sync.engine import SyncEngine
from tests.e2e.conftest import HqProcess, sync, workstation


def test_a_malformed_page_fails_the_run_and_writes_nothing(
    tmp_path: Path, hq_server: HqProcess, monkeypatch
) -> None:
    """Shown to fail before the engine mapped the applier's protocol_error: `run()` raised
    GuideDeskError out of the sync lane instead of returning a report."""
    for i in range(3):
        hq_server.admin.member(hq_server.stores["A"], f"会员{i}")
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    real_pull = HqClient.pull

    def mangled_pull(self: HqClient, body: dict[str, Any]) -> dict[str, Any]:
        answer = real_pull(self, body)
        for change in answer.get("changes", []):
            if change["t"] == "member" and change["op"] == "put":
                change["data"]["enrolled_at"] = "not a time"
                break
        return answer

    monkeypatch.setattr(HqClient, "pull", mangled_pull)
    client = open_client(ws)
    try:
        report = SyncEngine(ws, client).run()
    finally:
        client.close()
    assert not report.ok and report.error is not None
    assert (report.error.kind, report.error.code) == ("protocol", "bad_page")
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0
        assert s.get(SyncState, 1).cursor is None, "the unreadable page did not move the cursor"

    monkeypatch.setattr(HqClient, "pull", real_pull)  # HQ fixed
    sync(ws)
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) > 0
    ws.close()
