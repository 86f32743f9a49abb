"""A guide HQ deactivated cannot act any more — in any mutation, not only a bind — while what they did at
a till before leaving still arrives (security review, finding 5)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from contract.wire import Mutation
from hq.db.models import Note, Visit
from tests.hq.harness import ADMIN_TOKEN, Hq


def _count(hq: Hq, model: type) -> int:
    with hq.runtime.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_deactivated_guide_is_refused_after_but_not_before_leaving(hq: Hq) -> None:
    """Notes, visits and tasks named after a deactivated guide are refused `guide_inactive` when the till
    made them after the deactivation, and applied when it made them before (an offline till catching up).
    Fails on the code before the fix: only binding.create looked at `active`; the departed guide's note
    and visit were applied."""
    store = hq.store()
    leaver = hq.guide(store)
    member = hq.member(store)
    device = hq.device(store)
    made_before = device.mutation(
        Mutation.NOTE_ADD,
        {"note_id": str(uuid.uuid4()), "member_id": member.id, "body": "早上的回访"},
        leaver.id,
    )
    hq.clock.advance(minutes=30)
    deactivated = hq.client.post(
        f"/v1/admin/guides/{leaver.id}/deactivate", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert deactivated.status_code == 200, deactivated.text
    hq.clock.advance(minutes=30)
    at = hq.clock().isoformat()
    after = [
        (Mutation.NOTE_ADD, {"note_id": str(uuid.uuid4()), "member_id": member.id, "body": "离职后"}),
        (
            Mutation.VISIT_RECORD,
            {"visit_id": str(uuid.uuid4()), "member_id": member.id, "source": "scan", "at": at},
        ),
        (Mutation.TASK_CREATE, {"task_id": str(uuid.uuid4()), "member_id": member.id, "kind": "call"}),
    ]
    answer = device.push([made_before] + [device.mutation(name, args, leaver.id) for name, args in after])
    results = answer.json()["results"]
    assert results[0]["status"] == "applied"
    assert [(r["status"], r.get("code")) for r in results[1:]] == [("rejected", "guide_inactive")] * 3
    assert (_count(hq, Note), _count(hq, Visit)) == (1, 0)

    # Made on a till whose clock says before the deactivation (within the tolerance): applied.
    late = device.mutation(
        Mutation.NOTE_ADD, {"note_id": str(uuid.uuid4()), "member_id": member.id, "body": "x"}, leaver.id
    )
    late["client_time"] = (hq.clock() - timedelta(minutes=31)).isoformat()
    assert device.push([late]).json()["results"][0]["status"] == "applied"
