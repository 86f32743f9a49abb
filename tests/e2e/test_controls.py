"""Negative controls for the fault checker (DESIGN.md §8: each attack is shown to fail on a build that
has the bug). Each test runs twice: on the real code, where the checker passes, and with the bug
swapped in from the test side, where it must fail — a strict xfail, so a checker that stopped seeing
the bug would fail the suite.

- The push ack moved out of the effect's transaction at HQ (tests/e2e/broken_hq.py): killed between
  the two, HQ runs the mutation again on retry — applied twice.
- A first sync's snapshot position saved before, and apart from, its chunk's rows
  (tests/e2e/broken_client.py): killed between the two, the resumed sync starts after a chunk that never
  landed — the replica lacks bindings HQ has.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.services.binding import bind_member
from app.services.members import add_note
from app.sync.device import open_client
from app.sync.engine import SyncEngine
from app.workstation import Workstation
from contract.wire import Mutation
from hq.services.members import add_member
from tests.e2e.conftest import ROOT, HqProcess, guide_ref, start_hq, sync, workstation
from tests.e2e.test_faults import _check_invariants, _sync_through_faults

ACK_OUTSIDE = pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="an ack outside the effect's transaction applies twice"
)
POSITION_FIRST = pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="a position saved before its chunk loses the chunk"
)
MEMBERS, CHUNK_ROWS, KILL_AFTER_CHUNK = 300, 100, 1


@pytest.mark.parametrize("mode", ["atomic", pytest.param("split", marks=ACK_OUTSIDE)])
def test_hq_killed_between_a_mutations_effect_and_its_ack(
    tmp_path: Path, hq_server: HqProcess, mode: str
) -> None:
    """HQ is SIGKILLed while applying a bind (mutation 2 of 3), restarted, and the till retries. With the
    effect, stored result and last_mutation_id in one transaction the bind applies once; with the ack
    committed apart from the effect (`split`), the retry finds the bind's own binding and answers
    `merged`: the checker reports mutation 2 applied twice."""
    member = hq_server.admin.member(hq_server.stores["A"], "孙丽").id
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    guide = guide_ref(hq_server, "A")
    try:
        sync(ws)
        with ws.db.transaction() as s:
            add_note(s, member_id=member, body="绑定前", guide=guide, now=ws.clock.now())
        with ws.db.transaction() as s:
            bind_member(s, member_id=member, guide=guide, now=ws.clock.now(), code="GDM1:presence")
        with ws.db.transaction() as s:
            add_note(s, member_id=member, body="绑定后", guide=guide, now=ws.clock.now())
        port = urlsplit(hq_server.url).port
        data_dir = hq_server.admin.settings.data_dir
        hq_server.stop()
        hq_server.process, _ = start_hq(data_dir, port, entry=("-m", "tests.e2e.broken_hq", mode, "2"))
        client = open_client(ws)
        try:
            assert SyncEngine(ws, client).run().error is not None  # HQ died under the push
        finally:
            client.close()
        assert hq_server.process.wait(timeout=30) == -signal.SIGKILL
        hq_server.process, _ = start_hq(data_dir, port)
        _sync_through_faults(ws)
        assert _check_invariants(hq_server, {"A": ws}) == 3
    finally:
        ws.close()


@pytest.mark.parametrize("order", ["one_transaction", pytest.param("position_first", marks=POSITION_FIRST)])
def test_a_first_sync_killed_between_a_chunk_and_its_position(
    tmp_path: Path, hq_server: HqProcess, order: str
) -> None:
    """A first sync is SIGKILLed after its first snapshot chunk of bindings, then resumed. With each chunk
    and its position in one transaction the replica ends equal to HQ's store; with the position saved
    first (`position_first`), that chunk's bindings are skipped for good and the checker reports the
    replica short of HQ's."""
    store = hq_server.stores["A"]
    with hq_server.admin.tx() as (s, changes):
        now = hq_server.admin.clock()
        members = [
            add_member(s, store=store.id, name=f"会员{i}", phone=f"138{i:08d}", now=now, changes=changes).id
            for i in range(MEMBERS)
        ]
    till = hq_server.admin.device(store)
    guide = hq_server.guides["A"].id
    for member in members[: 2 * CHUNK_ROWS]:
        till.send(Mutation.BINDING_CREATE, {"binding_id": str(uuid.uuid4()), "member_id": member}, guide)
    workstation(tmp_path, "till-a", hq_server, "A").close()
    command = [sys.executable, "-m", "tests.e2e.broken_client", order, str(KILL_AFTER_CHUNK), str(CHUNK_ROWS)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.run([*command, str(tmp_path / "till-a")], cwd=ROOT, env=env, timeout=120)
    assert child.returncode == -signal.SIGKILL, "the run was killed after the chunk"
    ws = Workstation.open(tmp_path / "till-a")
    try:
        _sync_through_faults(ws)  # resumes from the position on disk
        _check_invariants(hq_server, {"A": ws})
    finally:
        ws.close()
