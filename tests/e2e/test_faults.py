"""Seeded fault runs: two stores' workstations bind, tag and note through a proxy that drops requests,
drops responses after HQ committed, duplicates, delays, reorders, truncates and answers 5xx. After the
network heals, the checker asserts DESIGN.md §8's invariants. A failing seed is printed; rerun it with
`GUIDEDESK_FAULT_SEEDS=<seed> python run.py test tests/e2e/test_faults.py`.

With `GUIDEDESK_SOAK_LOG=<file>` each seed appends one JSON line (seed, faults by kind, stale deliveries,
mutations checked, result: ok | violation | harness); `python -m tests.e2e.soak` runs many seeds and
totals them (docs/reliability.md).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.models import Binding as WsBinding
from app.db.models import Member as WsMember
from app.db.models import Outbox, SyncState
from app.errors import GuideDeskError
from app.services.binding import bind_member
from app.services.members import add_note, add_tag
from app.sync.device import open_client
from app.sync.engine import SyncEngine
from app.workstation import Workstation
from hq.db.models import Binding as HqBinding
from hq.db.models import BindingConflict, Device, MutationResultRow
from hq.db.models import Member as HqMember
from hq.services.tags import create_tag, create_tag_group
from tests.e2e.conftest import HqProcess, guide_ref, sync, workstation
from tests.faultproxy import FAULTS, FaultProxy, SeededPlan

DEFAULT_SEEDS = list(range(50))
SEEDS = [int(s) for s in os.environ.get("GUIDEDESK_FAULT_SEEDS", "").split(",") if s] or DEFAULT_SEEDS
ACTIONS_PER_TILL = 12
MAX_SYNC_TRIES = 150
# Mutations whose arguments carry the id of the record they create: a `merged` outcome that found that
# very id can only have met the mutation's own earlier, unacknowledged run (ids are never reused).
OWN_ID_ARG = {"binding.create.v1": "binding_id", "note.add.v1": "note_id"}
MET: dict[int, Counter[str]] = {}  # the faults each seed run in this session injected (passed or not)


class HarnessFailure(AssertionError):
    """The run could not be judged (a sync never completed, too few faults met): not a violation."""


def _through(ws: Workstation, proxy_url: str) -> None:
    with ws.db.transaction() as s:
        s.get(SyncState, 1).hq_url = proxy_url


def _act(
    ws: Workstation, rng: random.Random, server: HqProcess, store: str, members: list[str], tag: str
) -> None:
    guide = guide_ref(server, store)
    member = rng.choice(members)
    action = rng.choice(["bind", "tag", "note"])
    try:
        with ws.db.transaction() as s:
            if action == "bind":
                bind_member(s, member_id=member, guide=guide, now=ws.clock.now(), code="GDM1:presence")
            elif action == "tag":
                add_tag(s, member_id=member, tag_id=tag, guide=guide, now=ws.clock.now())
            else:
                add_note(
                    s, member_id=member, body=f"回访 {rng.randint(1, 999)}", guide=guide, now=ws.clock.now()
                )
    except GuideDeskError:
        pass  # a refused action (already bound, bind pending) writes nothing: part of the workload


def _sync_through_faults(ws: Workstation) -> int:
    """Sync until a run completes cleanly; returns how many runs failed on the way."""
    errors: list[str] = []
    for failures in range(MAX_SYNC_TRIES):
        client = open_client(ws)
        try:
            report = SyncEngine(ws, client).run()
        finally:
            client.close()
        if report.ok and report.error is None:
            return failures
        errors.append(
            f"{report.error.kind}:{report.error.code}"
            if report.error
            else str(report.skipped or report.action)
        )
    raise HarnessFailure(f"sync never completed in {MAX_SYNC_TRIES} tries; last errors {errors[-8:]}")


def _check_invariants(server: HqProcess, tills: dict[str, Workstation]) -> int:
    """Assert DESIGN.md §8's invariants; returns how many mutations were checked."""
    checked = 0
    with server.admin.runtime.db.read() as hq:
        # Never two active bindings for one member.
        doubled = hq.execute(
            select(HqBinding.member_id)
            .where(HqBinding.active)
            .group_by(HqBinding.member_id)
            .having(func.count() > 1)
        ).all()
        assert doubled == []
        for store, ws in tills.items():
            with ws.db.read() as s:
                device_id = s.get(SyncState, 1).device_id
                outbox = s.execute(
                    select(Outbox.id, Outbox.state, Outbox.sha256, Outbox.name, Outbox.args)
                ).all()
                replica_members = set(s.scalars(select(WsMember.id)))
                replica_bindings = set(s.scalars(select(WsBinding.id).where(WsBinding.active)))
            results = {
                r.mutation_id: r
                for r in hq.scalars(select(MutationResultRow).where(MutationResultRow.device_id == device_id))
            }
            # Every local mutation has exactly one outcome at HQ, with the same payload, and is settled here.
            assert sorted(results) == [row.id for row in outbox]
            assert all(results[row.id].payload_sha256 == row.sha256 for row in outbox)
            assert all(row.state in ("acked", "rejected") for row in outbox), "outbox drained"
            # Applied ids are contiguous.
            last = hq.scalar(select(Device.last_mutation_id).where(Device.id == device_id))
            assert last == len(outbox) and sorted(results) == list(range(1, last + 1))
            # Each took effect once: no outcome met the mutation's own earlier effect, and every losing
            # bind's conflict record is the one its outcome names (a second run would leave another).
            twice = [row.id for row in outbox if _met_itself(row.name, row.args, results[row.id])]
            assert twice == [], f"mutations {twice} were applied twice (merged with their own record)"
            conflicts = hq.execute(
                select(BindingConflict.mutation_id, BindingConflict.id).where(
                    BindingConflict.device_id == device_id
                )
            ).all()
            orphans = [
                c.mutation_id
                for c in conflicts
                if c.mutation_id not in results or _details(results[c.mutation_id]).get("conflict_id") != c.id
            ]
            assert orphans == [], f"mutations {orphans} left a conflict their outcome does not name"
            # The replica equals HQ's view of the store (its members; bindings of its members).
            store_id = server.stores[store].id
            hq_members = set(hq.scalars(select(HqMember.id).where(HqMember.store_id == store_id)))
            assert hq_members == replica_members, "the replica holds exactly its store's members"
            hq_bindings = set(
                hq.scalars(select(HqBinding.id).where(HqBinding.active, HqBinding.member_id.in_(hq_members)))
            )
            assert hq_bindings <= replica_bindings
            checked += len(outbox)
    return checked


def _details(result: MutationResultRow) -> dict[str, Any]:
    return dict(result.result.get("details") or {})


def _met_itself(name: str, args: dict[str, Any], result: MutationResultRow) -> bool:
    """A `merged` outcome that found the record this very mutation creates: it ran before, unacked."""
    key = OWN_ID_ARG.get(name)
    if key is None or result.status != "merged":
        return False
    return bool(_details(result).get(key, args[key]) == args[key])


def _log_soak(seed: int, proxy: FaultProxy, checked: int, result: str, error: str = "") -> None:
    path = os.environ.get("GUIDEDESK_SOAK_LOG")
    if not path:
        return
    line: dict[str, Any] = {
        "seed": seed,
        "faults": dict(proxy.injected),
        "stale": dict(proxy.stale),
        "requests": sum(proxy.requests.values()),
        "mutations": checked,
        "result": result,
        "error": error[:500],
        "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(line, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("seed", SEEDS)
def test_nothing_lost_or_doubled_under_network_faults(
    tmp_path: Path, hq_server: HqProcess, seed: int
) -> None:
    """Lost requests, lost acks, duplicates, stale originals arriving after their retry, truncation and
    5xx never lose a mutation or apply one twice."""
    rng = random.Random(seed)
    members = [hq_server.admin.member(hq_server.stores["A"], f"会员{i}").id for i in range(6)]
    with hq_server.admin.tx() as (s, changes):
        group = create_tag_group(s, name="兴趣", changes=changes)
        tag = create_tag(s, group_id=group, name="护肤", changes=changes).id
    tills = {
        "A": workstation(tmp_path, "till-a", hq_server, "A"),
        "B": workstation(tmp_path, "till-b", hq_server, "B"),
    }
    plan = SeededPlan(seed=seed, rate=0.35)
    proxy = FaultProxy(hq_server.url, plan)
    checked = 0
    try:
        for ws in tills.values():
            sync(ws)  # the first sync runs clean, then the network turns bad
            _through(ws, proxy.url)
        for _ in range(ACTIONS_PER_TILL):
            till = rng.choice(["A", "A", "B"])
            if till == "A":
                _act(tills["A"], rng, hq_server, "A", members, tag)
            if rng.random() < 0.4:
                _sync_through_faults(tills[till])
        for _ in range(30):  # make sure the bad network was really met before it heals
            if sum(proxy.injected.values()) >= 3:
                break
            _sync_through_faults(tills["A"])
        plan.enabled = False  # the network heals; originals still held back reach HQ now
        proxy.release_held()
        for ws in tills.values():
            _sync_through_faults(ws)
            _sync_through_faults(ws)
        if sum(proxy.injected.values()) < 3:
            raise HarnessFailure("the run met too few faults")
        # A stale original is a replay (or a gap) to HQ: never a payload mismatch, never a 5xx.
        refused = [k for k in proxy.stale if k.endswith(" 422") or k.split()[-1].startswith("5")]
        assert refused == [], f"HQ refused stale originals: {refused}"
        checked = _check_invariants(hq_server, tills)
    except AssertionError as exc:
        outcome = "harness" if isinstance(exc, HarnessFailure) else "violation"
        _log_soak(seed, proxy, checked, outcome, str(exc))
        raise type(exc)(f"seed {seed} failed (faults {dict(proxy.injected)}): {exc}") from exc
    finally:
        proxy.close()
        for ws in tills.values():
            ws.close()
        MET[seed] = proxy.injected
    _log_soak(seed, proxy, checked, "ok")


def test_the_default_seeds_meet_every_fault_kind() -> None:
    """Runs after the seeded runs: together they injected every fault kind the proxy knows, so a change
    to the plan or the workload cannot silently stop attacking with one (shown to fail by dropping
    "reorder" from SeededPlan's faults: the union then lacks it)."""
    if sorted(MET) != DEFAULT_SEEDS:
        pytest.skip(f"needs the {len(DEFAULT_SEEDS)} default seeds run in this session")
    met: Counter[str] = Counter()
    for faults in MET.values():
        met.update(faults)
    assert sorted(met) == sorted(FAULTS), f"never injected: {sorted(set(FAULTS) - set(met))}"


class _ReorderFirstPush:
    """Hold back the first push only; everything else passes."""

    def __init__(self) -> None:
        self.held = False

    def __call__(self, method: str, path: str) -> str | None:
        if self.held or not path.startswith("/v1/sync/push"):
            return None
        self.held = True
        return "reorder"


def test_a_stale_push_overtaken_by_its_retry_is_answered_as_a_replay(
    tmp_path: Path, hq_server: HqProcess
) -> None:
    """The first push is held back until the workstation has given up on it, made another note and
    pushed both; the stale original then reaches HQ, which answers it from the stored results (200) and
    applies nothing again. Shown to fail with push.py's two replay branches removed: the stale original
    is then answered 409 (gap) instead of from the stored results."""
    member = hq_server.admin.member(hq_server.stores["A"], "周敏").id
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    proxy = FaultProxy(hq_server.url, _ReorderFirstPush())
    guide = guide_ref(hq_server, "A")
    try:
        sync(ws)
        _through(ws, proxy.url)
        with ws.db.transaction() as s:
            add_note(s, member_id=member, body="先记的", guide=guide, now=ws.clock.now())
        client = open_client(ws)
        try:  # one run: its push is held back and it fails, as on a timeout
            assert SyncEngine(ws, client).run().error is not None
        finally:
            client.close()
        with ws.db.transaction() as s:
            add_note(s, member_id=member, body="后记的", guide=guide, now=ws.clock.now())
        _sync_through_faults(ws)  # pushes 1 and 2; the stale push of 1 reaches HQ right after
        assert proxy.stale == Counter({"/v1/sync/push 200": 1}), proxy.stale
        assert _check_invariants(hq_server, {"A": ws}) == 2
    finally:
        proxy.close()
        ws.close()


def test_the_checker_catches_an_optimistic_ack(tmp_path: Path, hq_server: HqProcess, monkeypatch) -> None:
    """Negative control: a client that counts a push whose request was lost as applied (the bug of POS
    apps that "lose offline orders") leaves mutations with no outcome at HQ, and the checker says so."""
    from app.sync.client import HqClient, SyncError

    real_push = HqClient.push

    def optimistic_push(self, body):  # type: ignore[no-untyped-def]
        try:
            return real_push(self, body)
        except SyncError:
            return {"results": [{"id": m["id"], "status": "applied"} for m in body["mutations"]]}

    monkeypatch.setattr(HqClient, "push", optimistic_push)
    members = [hq_server.admin.member(hq_server.stores["A"], f"会员{i}").id for i in range(3)]
    tills = {"A": workstation(tmp_path, "till-a", hq_server, "A")}
    plan = SeededPlan(seed=1, rate=1.0, faults=("drop_request",), paths=("/v1/sync/push",))
    proxy = FaultProxy(hq_server.url, plan)
    try:
        sync(tills["A"])
        _through(tills["A"], proxy.url)
        with tills["A"].db.transaction() as s:
            add_note(
                s,
                member_id=members[0],
                body="会丢吗",
                guide=guide_ref(hq_server, "A"),
                now=tills["A"].clock.now(),
            )
        _sync_through_faults(tills["A"])
        plan.enabled = False
        _sync_through_faults(tills["A"])
        with pytest.raises(AssertionError):
            _check_invariants(hq_server, tills)
    finally:
        proxy.close()
        tills["A"].close()
