"""Applying a pushed batch (DESIGN.md §5 "Push"), one mutation per transaction, in order.

First, one read answers the ids already applied (a retried batch costs no write); it is skipped when
the caller's authentication read already showed every id above `last_mutation_id` (`seen_last`), the
common case of a fresh batch: a concurrent delivery that applies them meanwhile is caught under the
device lock below, like any other. Then each new
mutation's transaction: lock the device row (PostgreSQL `FOR UPDATE`; SQLite's write lock), then

- id ≤ `last_mutation_id` → a replay: the stored result if the payload matches — the workstation's
  fingerprint (`sha256`, fixed when the mutation was made) and HQ's hash of the arguments received —
  else `idempotency_payload_mismatch` (422);
- id > `last_mutation_id` + 1 → `mutation_gap` (409) with the expected id;
- id = `last_mutation_id` + 1 → run the handler. Then, in the same transaction: the result row, the
  device's new `last_mutation_id`, and the versions of every change (hq/sync/changes.py). Commit. A
  `Rejected` from the handler rolls the whole transaction back, and a second transaction takes the
  same steps with the rejection as the result (no savepoint: two round trips saved on every mutation
  that applies, for a second transaction on the rare one that is refused).

So the effect, the acknowledgement and the stored answer are committed together or not at all: a
response lost on the way back is answered again, identically, from `mutation_results`; two concurrent
deliveries of one batch serialise on the device row and each mutation applies once.

A transient database failure (deadlock, serialisation failure, lock timeout, pool exhausted) is retried
a few times, then answered 503: mutations before it are committed, nothing after it is applied.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Row, Table, bindparam, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from contract.wire import REJECTED, MutationEnvelope, MutationResult, payload_sha256
from hq.db.errors import is_transient
from hq.db.models import Device, Guide, MutationResultRow, PolicyRevision
from hq.logsafe import describe
from hq.runtime import HqRuntime
from hq.services.policy import POLICY_FIELDS, Policy
from hq.sync.changes import ChangeSet, record
from hq.sync.handlers import HANDLERS
from hq.sync.handlers.base import ActingGuide, Context, Rejected

log = logging.getLogger("hq.push")
T = TypeVar("T")
ATTEMPTS = 4


class PushGap(Exception):
    def __init__(self, expected: int) -> None:
        super().__init__(expected)
        self.expected = expected


class PayloadMismatch(Exception):
    def __init__(self, mutation_id: int) -> None:
        super().__init__(mutation_id)
        self.mutation_id = mutation_id


class DeviceRevoked(Exception):
    pass


class TransientFailure(Exception):
    def __init__(self, mutation_id: int) -> None:
        super().__init__(mutation_id)
        self.mutation_id = mutation_id


@dataclass(frozen=True)
class PushAnswer:
    last_mutation_id: int
    results: list[dict[str, Any]]


def push_batch(
    runtime: HqRuntime, *, device_id: str, mutations: list[MutationEnvelope], seen_last: int | None = None
) -> PushAnswer:
    """Apply the batch in order. Raises PushGap, PayloadMismatch, DeviceRevoked or TransientFailure;
    everything before the raising mutation stays committed. `seen_last`: the device's last_mutation_id
    as the caller just read it, if it did."""
    stored: dict[int, StoredResult] = {}
    if seen_last is not None and all(m.id > seen_last for m in mutations):
        last = seen_last
    else:
        last, stored = _retrying(
            mutations[0].id if mutations else 0, lambda: _stored_results(runtime, device_id, mutations)
        )
    results: list[dict[str, Any]] = []
    for mutation in mutations:
        if mutation.id in stored:  # a replay, answered without taking any lock
            results.append(_check_replay(stored[mutation.id], mutation))
            continue
        result, last = _retrying(mutation.id, lambda m=mutation: _apply_one(runtime, device_id, m))  # type: ignore[misc]
        results.append(result)
    return PushAnswer(last, results)


@dataclass(frozen=True)
class StoredResult:
    payload_sha256: str
    args_sha256: str
    result: dict[str, Any]


def _stored_results(
    runtime: HqRuntime, device_id: str, mutations: list[MutationEnvelope]
) -> tuple[int, dict[int, StoredResult]]:
    """The device's last_mutation_id and the stored results of the batch's already-applied ids, in one
    read: a retried batch (lost response, 5xx storm) costs no write transaction. Stored results never
    change once committed, so reading them without the device lock is safe."""
    with runtime.db.read() as session:
        last = int(session.scalar(select(Device.last_mutation_id).where(Device.id == device_id)) or 0)
        seen = [m.id for m in mutations if m.id <= last]
        if not seen:
            return last, {}
        rows = session.execute(
            select(
                MutationResultRow.mutation_id,
                MutationResultRow.payload_sha256,
                MutationResultRow.args_sha256,
                MutationResultRow.result,
            ).where(MutationResultRow.device_id == device_id, MutationResultRow.mutation_id.in_(seen))
        )
        return last, {
            r.mutation_id: StoredResult(r.payload_sha256, r.args_sha256, dict(r.result)) for r in rows
        }


def _check_replay(stored: StoredResult | MutationResultRow, mutation: MutationEnvelope) -> dict[str, Any]:
    computed = payload_sha256(mutation.name, mutation.args)
    if stored.payload_sha256 != mutation.sha256 or stored.args_sha256 != computed:
        raise PayloadMismatch(mutation.id)
    return dict(stored.result)


def _retrying(mutation_id: int, attempt: Callable[[], T]) -> T:
    for n in range(ATTEMPTS):
        try:
            return attempt()
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("transient failure on mutation %s (try %s): %s", mutation_id, n + 1, describe(exc))
            if n + 1 < ATTEMPTS:
                time.sleep(0.02 * 2**n + random.random() * 0.02)  # jitter, not security
    raise TransientFailure(mutation_id)


_d, _g, _r, _p = (cast(Table, m.__table__) for m in (Device, Guide, MutationResultRow, PolicyRevision))
_POLICY = (
    select(_p.c.revision, *(_p.c[name] for name in POLICY_FIELDS))
    .order_by(_p.c.revision.desc())
    .limit(1)
    .subquery("policy")
)
# The statements of every mutation, built once. The device row, locked, with the acting guide and the
# policy in force: one round trip, where these were three. Core on the tables, not ORM entities: the
# ORM's load and flush machinery, and building statements per call, were most of a push's CPU
# (profiled under benchmarks/hq_load.py).
_LOCK_DEVICE = (
    select(
        _d.c.store_id,
        _d.c.status,
        _d.c.last_mutation_id,
        _g.c.id.label("guide_id"),
        _g.c.store_id.label("guide_store_id"),
        _g.c.role,
        _g.c.active,
        _g.c.deactivated_at,
        *_POLICY.c,
    )
    .select_from(_d.outerjoin(_g, _g.c.id == bindparam("guide_id")).outerjoin(_POLICY, true()))
    .where(_d.c.id == bindparam("device_id"))
    .with_for_update(of=_d)
)
# Parameters named apart from every column: in one statement with the UPDATE below, a parameter named
# like a column of `devices` (`status`) would be taken as one more value to set.
_STORE_RESULT = insert(_r).values({c.name: bindparam(f"r_{c.name}", type_=c.type) for c in _r.c})
_SET_LAST = update(_d).where(_d.c.id == bindparam("b_device")).values(last_mutation_id=bindparam("b_last"))
# PostgreSQL takes both in one statement (a data-modifying CTE): one round trip fewer per mutation.
_STORE_RESULT_SET_LAST = _STORE_RESULT.add_cte(_SET_LAST.cte("set_last"))


class _Undone(Exception):
    """The handler refused: its transaction is rolled back and `result` is stored in a fresh one."""

    def __init__(self, result: MutationResult) -> None:
        super().__init__(result.code)
        self.result = result


def _apply_one(runtime: HqRuntime, device_id: str, mutation: MutationEnvelope) -> tuple[dict[str, Any], int]:
    # No savepoint around the handler (two round trips on every mutation): a refusal, rare, rolls the
    # whole transaction back instead, and the rejection is stored by a second one that locks and checks
    # the device row again, so a concurrent delivery in between is still answered as a replay.
    try:
        return _apply(runtime, device_id, mutation, None)
    except _Undone as undone:
        return _apply(runtime, device_id, mutation, undone.result)


def _apply(
    runtime: HqRuntime, device_id: str, mutation: MutationEnvelope, rejection: MutationResult | None
) -> tuple[dict[str, Any], int]:
    with runtime.db.write() as session:
        device = session.execute(_LOCK_DEVICE, {"device_id": device_id, "guide_id": mutation.guide_id}).one()
        if device.status != "active":
            raise DeviceRevoked()
        last = int(device.last_mutation_id)
        if mutation.id <= last:  # applied by a concurrent delivery since our first read
            return _replay(session, device_id, mutation), last
        if mutation.id != last + 1:
            raise PushGap(last + 1)
        now = runtime.now()
        changes = ChangeSet()
        result = rejection or _run_handler(session, runtime, device_id, device, mutation, changes, now)
        stored = {
            "r_device_id": device_id,
            "r_mutation_id": mutation.id,
            "r_name": mutation.name[:40],
            "r_payload_sha256": mutation.sha256[:64],
            "r_args_sha256": payload_sha256(mutation.name, mutation.args),
            "r_status": result.status,
            "r_result": result.to_wire(),
            "r_guide_id": mutation.guide_id[:36] or None,
            "r_client_time": mutation.client_time[:40] or None,
            "r_applied_at": now,
        }
        last_id = {"b_device": device_id, "b_last": mutation.id}
        if runtime.db.is_sqlite:
            session.execute(_STORE_RESULT, stored)
            session.execute(_SET_LAST, last_id)
        else:
            session.execute(_STORE_RESULT_SET_LAST, stored | last_id)
        record(session, changes, now=now)
        return result.to_wire(), mutation.id


def _replay(session: Any, device_id: str, mutation: MutationEnvelope) -> dict[str, Any]:
    stored = session.get(MutationResultRow, (device_id, mutation.id))
    if stored is None:  # results are kept for good; this only happens after a manual purge
        log.error("no stored result for device %s mutation %s", device_id, mutation.id)
        return {"id": mutation.id, "status": "applied", "code": "result_unavailable"}
    return _check_replay(stored, mutation)


def _policy(device: Row[Any]) -> Policy:
    if device.revision is None:  # no revision written yet: the defaults
        return Policy(revision=0)
    return Policy(revision=device.revision, **{name: device._mapping[name] for name in POLICY_FIELDS})


def _made_before_deactivation(client_time: str, deactivated_at: datetime | None, policy: Policy) -> bool:
    """A mutation of a guide HQ has since deactivated still applies if the workstation made it before the
    deactivation (its clock, within the policy's tolerance): a till that was offline when a guide left
    loses nothing the guide did while still employed. Without a deactivation time (guides deactivated
    before it was kept) or a readable client time, it does not."""
    if deactivated_at is None or not client_time:
        return False
    try:
        made = datetime.fromisoformat(client_time)
    except ValueError:
        return False
    if made.tzinfo is None:
        return False
    return made <= deactivated_at + timedelta(seconds=policy.clock_tolerance_seconds)


def _run_handler(
    session: Any,
    runtime: HqRuntime,
    device_id: str,
    device: Row[Any],
    mutation: MutationEnvelope,
    changes: ChangeSet,
    now: datetime,
) -> MutationResult:
    """The handler's result; raises `_Undone` when it refused after it may have written."""

    def rejected(code: str, **details: Any) -> MutationResult:
        return MutationResult(mutation.id, REJECTED, code, details)

    handler = HANDLERS.get(mutation.name)
    if handler is None:
        return rejected("unknown_mutation")
    if device.guide_id is None or device.guide_store_id != device.store_id:
        return rejected("unknown_guide")
    policy = _policy(device)
    active = bool(device.active) or _made_before_deactivation(
        mutation.client_time, device.deactivated_at, policy
    )
    ctx = Context(
        session=session,
        device_id=device_id,
        store_id=device.store_id,
        guide=ActingGuide(device.guide_id, device.guide_store_id, device.role, active),
        mutation_id=mutation.id,
        name=mutation.name,
        args=mutation.args,
        client_time=mutation.client_time,
        now=now,
        changes=changes,
        settings=runtime.settings,
        policy=policy,
    )
    if not active:  # a guide HQ deactivated before this was made (every mutation, not only binds)
        return rejected("guide_inactive")
    try:
        result = handler(ctx)
        session.flush()  # what the handler left pending fails here, as its own failure, not later
        return result
    except Rejected as exc:
        raise _Undone(rejected(exc.code, **exc.details)) from exc
    except IntegrityError as exc:
        if is_transient(exc):
            raise
        # A race the handler did not foresee: acknowledge it as rejected rather than block the queue.
        log.warning("integrity error in %s for device %s: %s", mutation.name, device_id, describe(exc))
        raise _Undone(rejected("conflict")) from exc
