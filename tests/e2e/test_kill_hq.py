"""SIGKILL of the HQ process in the middle of a workstation's push: after HQ restarts, every mutation
has exactly one outcome and the applied ids are contiguous (DESIGN.md §8)."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.services.members import add_note
from app.sync.device import open_client
from app.sync.engine import SyncEngine
from tests.e2e.conftest import HqProcess, guide_ref, start_hq, sync, workstation
from tests.e2e.test_faults import _check_invariants, _sync_through_faults

NOTES = 300


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hq_killed_mid_push_loses_and_doubles_nothing(
    tmp_path: Path, hq_server: HqProcess, seed: int
) -> None:
    """HQ dies at a random moment while 300 notes are being pushed; nothing is lost or applied twice."""
    rng = random.Random(seed)
    member = hq_server.admin.member(hq_server.stores["A"], "吴芳").id
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    sync(ws)
    guide = guide_ref(hq_server, "A")
    with ws.db.transaction() as s:
        for i in range(NOTES):
            add_note(s, member_id=member, body=f"回访记录 {i}", guide=guide, now=ws.clock.now())
    interrupted = []

    def push_once() -> None:  # one run, cut short when HQ dies under it
        client = open_client(ws)
        try:
            interrupted.append(SyncEngine(ws, client).run().error is not None)
        finally:
            client.close()

    pusher = threading.Thread(target=push_once, daemon=True)
    pusher.start()
    time.sleep(rng.uniform(0.05, 0.6))
    hq_server.process.kill()  # SIGKILL: no shutdown, a transaction may be half way
    hq_server.process.wait(timeout=30)
    hq_server.process, _url = start_hq(hq_server.admin.settings.data_dir, port=urlsplit(hq_server.url).port)
    pusher.join(timeout=120)
    assert not pusher.is_alive()
    _sync_through_faults(ws)
    try:
        _check_invariants(hq_server, {"A": ws})
    finally:
        ws.close()
