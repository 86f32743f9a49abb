"""A first sync that dies part-way resumes from its last whole snapshot chunk; an idle hour costs only
hellos and empty pulls; a counter PC whose clock is a year off still syncs and is warned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from app.db.models import Member, SyncState
from app.sync.device import open_client
from app.sync.engine import SyncEngine
from app.workstation import Workstation
from hq.services.members import add_member
from tests.e2e.conftest import ROOT, HqProcess, sync, workstation

MEMBERS = 3000
PAGE = 250


def _seed_members(server: HqProcess, n: int) -> None:
    with server.admin.tx() as (s, changes):
        for i in range(n):
            store_id, now = server.stores["A"].id, server.admin.clock()
            add_member(s, store=store_id, name=f"会员{i}", phone=f"139{i:08d}", now=now, changes=changes)


def test_a_first_sync_killed_mid_way_resumes_from_its_last_chunk(
    tmp_path: Path, hq_server: HqProcess
) -> None:
    """SIGKILL during the first sync's snapshot keeps every whole chunk applied with its position; the
    next run loads only what is left, not from zero."""
    _seed_members(hq_server, MEMBERS)
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    ws.close()
    script = (
        "import os, signal, sys\n"
        "from app.sync.device import open_client\n"
        "from app.sync.engine import SyncEngine\n"
        "from app.workstation import Workstation\n"
        "ws = Workstation.open(sys.argv[1])\n"
        "members = []\n"
        "def progress(p):\n"
        "    if p.phase == 'pull' and p.changes.touches('member'):\n"
        "        members.append(p)\n"
        "    if len(members) == 4:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)  # the power cut, after member chunk 4\n"
        f"SyncEngine(ws, open_client(ws), on_progress=progress, snapshot_rows={PAGE}).run()\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), GUIDEDESK_KEYRING="file")
    child = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "till-a")], cwd=ROOT, env=env, timeout=120
    )
    assert child.returncode == -signal.SIGKILL
    ws = Workstation.open(tmp_path / "till-a")
    try:
        with ws.db.read() as s:
            survived = s.scalar(select(func.count()).select_from(Member))
            state = s.get(SyncState, 1)
            assert state.snapshot_position, "the position of the last whole chunk is on disk"
            assert state.cursor is None
        assert 0 < survived < MEMBERS
        client = open_client(ws)
        try:
            report = SyncEngine(ws, client, snapshot_rows=PAGE).run()
        finally:
            client.close()
        assert report.ok
        with ws.db.read() as s:
            assert s.scalar(select(func.count()).select_from(Member)) == MEMBERS
    finally:
        ws.close()
    fresh = workstation(tmp_path, "till-fresh", hq_server, "A")
    full = SyncEngine(fresh, open_client(fresh), snapshot_rows=PAGE).run()
    fresh.close()
    # Every member that survived the kill came in a change the resumed run did not pull again.
    assert report.pulled <= full.pulled - survived, (
        f"resumed after the chunks already applied, not from zero ({report.pulled} of {full.pulled})"
    )


def test_an_idle_hour_is_only_hellos_and_empty_pulls(tmp_path: Path, hq_server: HqProcess) -> None:
    """80 timer cycles (an hour at 45 s) with nothing new: 80 hellos, 80 empty pulls, no pushes, no
    local writes."""
    _seed_members(hq_server, 10)
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    sync(ws)
    sync(ws)
    client = open_client(ws)
    totals = {"hellos": 0, "pulls": 0, "pushes": 0, "local_writes": 0, "pulled": 0}
    started = time.monotonic()
    try:
        for _ in range(80):
            report = SyncEngine(ws, client).run()
            assert report.ok
            for key in totals:
                totals[key] += getattr(report, key)
    finally:
        client.close()
        ws.close()
    assert totals == {"hellos": 80, "pulls": 80, "pushes": 0, "local_writes": 0, "pulled": 0}
    assert time.monotonic() - started < 60
