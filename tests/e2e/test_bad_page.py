"""A page or snapshot chunk this workstation cannot read (an HQ bug, a proxy mangling JSON) is a failed
sync run with a reason, not a crash of the sync lane: nothing of it is written, the cursor (or the
snapshot's position) stays, and the next run after HQ is fixed picks up from where it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.db.models import Member, SyncState
from app.sync.client import HqClient
from app.sync.device import open_client
from app.sync.engine import SyncEngine
from tests.e2e.conftest import HqProcess, sync, workstation


def _members(ws) -> int:
    with ws.db.read() as s:
        return s.scalar(select(func.count()).select_from(Member)) or 0


def _run(ws) -> Any:
    client = open_client(ws)
    try:
        return SyncEngine(ws, client).run()
    finally:
        client.close()


def test_a_malformed_page_fails_the_run_and_writes_nothing(
    tmp_path: Path, hq_server: HqProcess, monkeypatch
) -> None:
    """Shown to fail before the engine mapped the applier's protocol_error: `run()` raised
    GuideDeskError out of the sync lane instead of returning a report. Pages come after the first
    sync's snapshot, so the members arrive by a pull page here."""
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    sync(ws)
    with ws.db.read() as s:
        cursor = s.get(SyncState, 1).cursor
    assert cursor is not None
    for i in range(3):
        hq_server.admin.member(hq_server.stores["A"], f"会员{i}")
    real_pull = HqClient.pull

    def mangled_pull(self: HqClient, body: dict[str, Any]) -> dict[str, Any]:
        answer = real_pull(self, body)
        for change in answer.get("changes", []):
            if change["t"] == "member" and change["op"] == "put":
                change["data"]["enrolled_at"] = "not a time"
                break
        return answer

    monkeypatch.setattr(HqClient, "pull", mangled_pull)
    report = _run(ws)
    assert not report.ok and report.error is not None
    assert (report.error.kind, report.error.code) == ("protocol", "bad_page")
    assert _members(ws) == 0
    with ws.db.read() as s:
        assert s.get(SyncState, 1).cursor == cursor, "the unreadable page did not move the cursor"

    monkeypatch.setattr(HqClient, "pull", real_pull)  # HQ fixed
    sync(ws)
    assert _members(ws) == 3
    ws.close()


def test_a_malformed_snapshot_chunk_fails_the_run_and_the_next_run_resumes(
    tmp_path: Path, hq_server: HqProcess, monkeypatch
) -> None:
    """The first member chunk of the first sync's snapshot holds a time that is not one: the run fails
    with `bad_chunk`, no member is written, the position of the chunks before it stays, and once HQ is
    fixed the next run resumes from that position and loads the members."""
    for i in range(3):
        hq_server.admin.member(hq_server.stores["A"], f"会员{i}")
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    real_snapshot = HqClient.snapshot
    positions: list[str] = []

    def mangled_snapshot(self: HqClient, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for line in real_snapshot(self, body):
            if line.get("t") == "member":
                at = 2 + line["fields"].index("enrolled_at")  # rows are [id, version, *fields]
                line["rows"][0][at] = "not a time"
            elif "position" in line:
                positions.append(line["position"])
            yield line

    monkeypatch.setattr(HqClient, "snapshot", mangled_snapshot)
    report = _run(ws)
    assert not report.ok and report.error is not None
    assert (report.error.kind, report.error.code) == ("protocol", "bad_chunk")
    assert _members(ws) == 0
    with ws.db.read() as s:
        state = s.get(SyncState, 1)
        assert state.cursor is None
        assert positions and state.snapshot_position == positions[-1], "the chunks before it stay"

    resumed: list[str | None] = []

    def recorded_snapshot(self: HqClient, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        resumed.append(body.get("position"))
        yield from real_snapshot(self, body)

    monkeypatch.setattr(HqClient, "snapshot", recorded_snapshot)  # HQ fixed
    sync(ws)
    assert resumed[0] == positions[-1], "the next run resumed from the last applied chunk"
    assert _members(ws) == 3
    ws.close()
