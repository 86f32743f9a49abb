"""Push exactly as DESIGN.md §5 says: device-monotonic ids, effect + last_mutation_id + stored result in
one transaction, replays answered from the stored result, 422 for a reused id with another payload,
409 for a gap, permanent failures acknowledged as rejected, transient failures 503 with nothing after
them applied, batch limits."""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from contract.wire import Mutation
from hq.db.models import Binding, ChangeIndex, Counter, Device, MutationResultRow, Note, Visit
from hq.sync import handlers
from tests.hq.harness import DeviceClient, Hq


def _uid() -> str:
    return str(uuid.uuid4())


def _count(hq: Hq, model: Any, *where: Any) -> int:
    with hq.runtime.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _last_id(hq: Hq, device: DeviceClient) -> int:
    with hq.runtime.db.read() as s:
        return int(s.scalar(select(Device.last_mutation_id).where(Device.id == device.device_id)) or 0)


def _counter(hq: Hq, store_id: str) -> int:
    with hq.runtime.db.read() as s:
        return int(s.scalar(select(Counter.version).where(Counter.scope == f"store:{store_id}")) or 0)


@pytest.fixture
def counter_scene(hq: Hq) -> tuple[Hq, DeviceClient, str, str]:
    store = hq.store("SH01", "上海静安店")
    guide = hq.guide(store, "陈静")
    member = hq.member(store, "刘洋", phone="13800001111")
    return hq, hq.device(store), guide.id, member.id


def _batch(device: DeviceClient, guide_id: str, member_id: str) -> list[dict[str, Any]]:
    at = device.hq.clock().isoformat()
    return [
        device.mutation(Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member_id}, guide_id),
        device.mutation(
            Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "喜欢红色"}, guide_id
        ),
        device.mutation(
            Mutation.VISIT_RECORD,
            {"visit_id": _uid(), "member_id": member_id, "source": "scan", "at": at},
            guide_id,
        ),
    ]


def test_a_lost_response_retried_ten_times_has_one_effect_and_identical_results(counter_scene: Any) -> None:
    """Catches double application and recomputed answers on retry. Shown to fail by answering replays
    with a fresh run of the handler instead of the stored result: the second answer of the bind was
    `merged`, not the `applied` the first (lost) answer said."""
    hq, device, guide_id, member_id = counter_scene
    batch = _batch(device, guide_id, member_id)
    answers = [device.push(batch) for _ in range(11)]  # the first answer is "lost", ten retries
    assert {a.status_code for a in answers} == {200}
    bodies = [a.json() for a in answers]
    assert all(b["results"] == bodies[0]["results"] for b in bodies)
    assert [r["status"] for r in bodies[0]["results"]] == ["applied", "applied", "applied"]
    assert all(b["last_mutation_id"] == 3 for b in bodies)
    assert _count(hq, Binding, Binding.member_id == member_id) == 1
    assert _count(hq, Note, Note.member_id == member_id) == 1
    assert _count(hq, Visit, Visit.member_id == member_id) == 1
    assert _count(hq, MutationResultRow, MutationResultRow.device_id == device.device_id) == 3


def test_replays_do_not_bump_versions(counter_scene: Any) -> None:
    """A replay must not look like a change to pulling workstations (no new version)."""
    hq, device, guide_id, member_id = counter_scene
    batch = _batch(device, guide_id, member_id)
    device.push(batch)
    before = _counter(hq, device.store_id)
    for _ in range(3):
        device.push(batch)
    assert _counter(hq, device.store_id) == before


def test_a_reused_id_with_another_payload_is_refused_with_422(counter_scene: Any) -> None:
    """Catches a client that reuses ids after a reinstall: HQ must not return the old result as if it
    were this payload's. Shown to fail by comparing only ids (the stored `applied` came back)."""
    hq, device, guide_id, member_id = counter_scene
    first = device.mutation(
        Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "a"}, guide_id
    )
    assert device.push([first]).status_code == 200
    other = device.mutation(
        Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "b"}, guide_id, id=1
    )
    answer = device.push([other])
    assert answer.status_code == 422
    assert answer.json()["error"] == "idempotency_payload_mismatch" and answer.json()["id"] == 1
    assert _count(hq, Note, Note.member_id == member_id) == 1


def test_the_workstations_fingerprint_is_compared_on_replay(counter_scene: Any) -> None:
    """The workstation fixes `sha256` when the mutation is made (over its sealed form, which HQ cannot
    recompute): HQ accepts it as given, and a replay under the same id must carry the same one."""
    _hq, device, guide_id, member_id = counter_scene
    args = {"note_id": _uid(), "member_id": member_id, "body": "a"}
    first = {**device.mutation(Mutation.NOTE_ADD, args, guide_id), "sha256": "f" * 64}
    assert device.push([first]).json()["results"][0]["status"] == "applied"
    assert device.push([first]).status_code == 200
    answer = device.push([{**first, "sha256": "e" * 64}])
    assert answer.status_code == 422 and answer.json()["id"] == 1


def test_a_gap_is_409_with_the_expected_id_and_applies_nothing_after(counter_scene: Any) -> None:
    """Catches HQ accepting id 5 after 2 (a lost mutation in between would never be noticed)."""
    hq, device, guide_id, member_id = counter_scene
    ok = device.mutation(
        Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "a"}, guide_id
    )
    gapped = device.mutation(
        Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "b"}, guide_id, id=5
    )
    answer = device.push([ok, gapped])
    assert answer.status_code == 409
    assert answer.json()["error"] == "mutation_gap" and answer.json()["expected"] == 2
    assert _last_id(hq, device) == 1
    assert _count(hq, Note, Note.member_id == member_id) == 1


def test_permanent_failures_are_acknowledged_and_do_not_block_the_queue(counter_scene: Any) -> None:
    """An unknown mutation, bad arguments and another store's guide are each acknowledged as rejected
    with a code, and the mutation after them still applies."""
    hq, device, guide_id, member_id = counter_scene
    other_store = hq.store()
    stranger = hq.guide(other_store, "外店导购")
    batch = [
        device.mutation("member.teleport.v9", {"member_id": member_id}, guide_id),
        device.mutation(
            Mutation.NOTE_ADD, {"note_id": "not a uuid!", "member_id": member_id, "body": "x"}, guide_id
        ),
        device.mutation(
            Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "x"}, stranger.id
        ),
        device.mutation(
            Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "好"}, guide_id
        ),
    ]
    body = device.push(batch).json()
    assert [(r["status"], r.get("code")) for r in body["results"]] == [
        ("rejected", "unknown_mutation"),
        ("rejected", "invalid_args"),
        ("rejected", "unknown_guide"),
        ("applied", None),
    ]
    assert body["last_mutation_id"] == 4
    assert _count(hq, Note, Note.member_id == member_id) == 1


def _locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


def test_a_transient_failure_is_503_with_nothing_after_it_applied(
    counter_scene: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a server that skips a failed mutation and applies the next (the device would then see a
    gap it cannot fill) or that acknowledges it as rejected (a busy database is not a verdict)."""
    hq, device, guide_id, member_id = counter_scene
    batch = _batch(device, guide_id, member_id)
    real = handlers.HANDLERS[Mutation.NOTE_ADD]

    def busy(_ctx: Any) -> Any:
        raise _locked()

    monkeypatch.setitem(handlers.HANDLERS, Mutation.NOTE_ADD, busy)
    answer = device.push(batch)
    assert answer.status_code == 503
    assert answer.json()["error"] == "temporarily_unavailable" and answer.json()["details"]["failed_id"] == 2
    assert answer.headers["Retry-After"]
    assert _last_id(hq, device) == 1
    assert _count(hq, Visit, Visit.member_id == member_id) == 0
    monkeypatch.setitem(handlers.HANDLERS, Mutation.NOTE_ADD, real)
    retry = device.push(batch).json()
    assert [r["status"] for r in retry["results"]] == ["applied"] * 3 and retry["last_mutation_id"] == 3


def test_a_transient_failure_that_clears_is_retried_inside_hq(
    counter_scene: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deadlock victim is retried by HQ itself: the device just sees its result."""
    hq, device, guide_id, member_id = counter_scene
    real = handlers.HANDLERS[Mutation.NOTE_ADD]
    failures = iter([True, True, False])

    def flaky(ctx: Any) -> Any:
        if next(failures):
            raise _locked()
        return real(ctx)

    monkeypatch.setitem(handlers.HANDLERS, Mutation.NOTE_ADD, flaky)
    result = device.send(
        Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "x"}, guide_id
    )
    assert result["status"] == "applied"
    assert _count(hq, Note, Note.member_id == member_id) == 1


def test_two_concurrent_deliveries_of_one_batch_apply_each_mutation_once(counter_scene: Any) -> None:
    """In-process variant of tests/hq/test_concurrency.py: the same batch from two threads at once
    applies each mutation once and both answers agree."""
    hq, device, guide_id, member_id = counter_scene
    batch = _batch(device, guide_id, member_id) + [
        device.mutation(
            Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": str(i)}, guide_id
        )
        for i in range(5)
    ]
    answers: list[Any] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        barrier.wait()
        answers.append(device.push(batch))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["results"] == answers[1].json()["results"]
    assert _count(hq, Note, Note.member_id == member_id) == 6
    assert _count(hq, Binding, Binding.member_id == member_id) == 1


def test_batches_beyond_100_mutations_are_refused_whole(counter_scene: Any) -> None:
    """The batch limit is part of the contract; nothing of an oversized batch applies."""
    hq, device, guide_id, member_id = counter_scene
    batch = [
        device.mutation(Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "x"}, guide_id)
        for _ in range(101)
    ]
    answer = device.push(batch)
    assert answer.status_code == 400 and answer.json()["error"] == "batch_too_large"
    assert _last_id(hq, device) == 0


def test_bodies_beyond_256_kib_are_refused_and_gzip_bodies_are_accepted(counter_scene: Any) -> None:
    """The workstation gzips big pushes: HQ must inflate them, under the same cap (no zip bombs)."""
    hq, device, guide_id, member_id = counter_scene
    m = device.mutation(
        Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_id, "body": "压缩"}, guide_id
    )
    raw = json.dumps({"device_id": device.device_id, "mutations": [m]}, ensure_ascii=False).encode()
    headers = {**device.headers, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    answer = hq.client.post("/v1/sync/push", content=gzip.compress(raw), headers=headers)
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied"
    too_big = b'{"device_id": "' + b"x" * (300 * 1024) + b'"}'
    refused = hq.client.post(
        "/v1/sync/push", content=too_big, headers={**device.headers, "Content-Type": "application/json"}
    )
    assert refused.status_code == 413 and refused.json()["error"] == "payload_too_large"
    bomb = gzip.compress(b" " * (10 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    assert hq.client.post("/v1/sync/push", content=bomb, headers=headers).status_code == 413


def test_pushes_record_their_changes_in_the_index(counter_scene: Any) -> None:
    """Every applied effect reaches pulling workstations: one change-index row per entity touched."""
    hq, device, guide_id, member_id = counter_scene
    device.push(_batch(device, guide_id, member_id))
    with hq.runtime.db.read() as s:
        kinds = set(
            s.scalars(select(ChangeIndex.entity_type).where(ChangeIndex.scope == f"store:{device.store_id}"))
        )
    assert {"binding", "note", "member"} <= kinds
