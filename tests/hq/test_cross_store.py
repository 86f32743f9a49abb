"""The cross-store sweep (DESIGN.md §6): a device of store A names store B's guides, members, bindings
and tasks in every mutation and every endpoint. Everything is refused, nothing of B changes, and no
answer carries any of B's identifiers or personal data — probing must teach A nothing about B."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from contract.wire import Mutation
from hq.db.models import (
    AuditEvent,
    Binding,
    BindingConflict,
    Decline,
    Member,
    MemberTag,
    Note,
    TaskItem,
    Visit,
)  # fmt: skip
from hq.services.guides import set_guide_active
from hq.services.tags import create_tag, create_tag_group
from tests.hq.harness import Hq

WATCHED = (Binding, BindingConflict, Decline, Member, MemberTag, Note, TaskItem, Visit, AuditEvent)


def _uid() -> str:
    return str(uuid.uuid4())


def _counts(hq: Hq) -> dict[str, int]:
    with hq.runtime.db.read() as s:
        return {m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0) for m in WATCHED}


def test_every_mutation_naming_another_stores_objects_is_refused_and_reveals_nothing(hq: Hq) -> None:
    """Catches a handler that trusts ids from the body instead of the token's store. Shown to fail by
    dropping the store check of `store_member`: A's tag on B's member was applied. Also fails on the
    binding.end handler before it followed the transfer rules: A's manager ended a protected binding
    store C held on A's member (applied), and A's deactivated manager ended A's binding (applied)."""
    a, b = hq.store("A001", "甲店"), hq.store("B001", "乙店")
    ga, ma = hq.guide(a, "甲导购"), hq.guide(a, "甲店长", role="manager")
    gb, mb = hq.guide(b, "乙导购"), hq.guide(b, "乙店长", role="manager")
    member_a = hq.member(a, "甲会员", phone="13600000001")
    # A member of A that a third store's guide bound with the shopper's code, and a manager of A who left.
    c = hq.store("C001", "丙店")
    gc, member_a2 = hq.guide(c, "丙导购"), hq.member(a, "甲会员二", phone="13600000004")
    ma_gone = hq.guide(a, "甲前店长", role="manager")
    with hq.tx() as (s, changes):
        set_guide_active(s, guide_id=ma_gone.id, active=False, changes=changes, now=hq.clock())
    hq.clock.advance(minutes=10)  # everything below is made after the manager left
    member_b = hq.member(b, "乙会员", phone="13600000002")
    with hq.tx() as (s, changes):
        tag_id = create_tag(
            s, group_id=create_tag_group(s, name="兴趣", changes=changes), name="茶", changes=changes
        ).id
    device_a, device_b = hq.device(a), hq.device(b)
    at = hq.clock().isoformat()
    # B's own life: a binding, a note, a task, a visit, a decline.
    binding_b = device_b.send(
        Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member_b.id}, gb.id
    )
    binding_b_id = binding_b["details"]["binding_id"]
    binding_a_id = device_a.send(
        Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member_a.id}, ga.id
    )["details"]["binding_id"]
    note_b, task_b, visit_b, decline_b = _uid(), _uid(), _uid(), _uid()
    device_b.send(Mutation.NOTE_ADD, {"note_id": note_b, "member_id": member_b.id, "body": "乙的备注"}, gb.id)
    device_b.send(Mutation.TASK_CREATE, {"task_id": task_b, "member_id": member_b.id, "kind": "call"}, gb.id)
    device_b.send(
        Mutation.VISIT_RECORD,
        {"visit_id": visit_b, "member_id": member_b.id, "source": "scan", "at": at},
        gb.id,
    )
    device_b.send(Mutation.MEMBER_DECLINE, {"decline_id": decline_b}, gb.id)
    task_a = _uid()
    binding_c_id = hq.device(c).send(
        Mutation.BINDING_CREATE,
        {"binding_id": _uid(), "member_id": member_a2.id, "code": hq.member_code(member_a2.id)},
        gc.id,
    )["details"]["binding_id"]
    device_a.send(Mutation.TASK_CREATE, {"task_id": task_a, "member_id": member_a.id, "kind": "call"}, ga.id)

    secrets_of_b = {
        b.id, b.code, "乙店", gb.id, mb.id, gb.employee_no, mb.employee_no, "乙导购", "乙店长",
        member_b.id, member_b.card_no, "乙会员", "13600000002",
        binding_b_id, note_b, task_b, visit_b, decline_b,
    }  # fmt: skip

    def sweep() -> Iterator[tuple[str, dict[str, Any], str]]:
        enroll = {
            "member_id": _uid(),
            "card_no": "GD" + str(uuid.uuid4().int)[:10],
            "name": "新",
            "phone": "13600000003",
            "consent": {"at": at, "text_version": "v1", "channel": "counter"},
            "paid": False,
        }
        lapsed = {"binding_id": _uid(), "member_id": member_b.id, "from_binding_id": binding_b_id,
                  "to_guide_id": ga.id, "reason": "protection_lapsed"}  # fmt: skip
        # Another store's guide acting, for every mutation name.
        yield Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member_a.id}, gb.id
        yield Mutation.MEMBER_ENROLL, enroll, gb.id
        yield Mutation.MEMBER_DECLINE, {"decline_id": _uid()}, mb.id
        yield Mutation.TAG_ADD, {"member_id": member_a.id, "tag_id": tag_id}, gb.id
        yield Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_a.id, "body": "x"}, gb.id
        yield (
            Mutation.VISIT_RECORD,
            {"visit_id": _uid(), "member_id": member_a.id, "source": "scan", "at": at},
            gb.id,
        )
        yield Mutation.TASK_CREATE, {"task_id": _uid(), "member_id": member_a.id, "kind": "call"}, gb.id
        yield Mutation.TASK_ASSIGN, {"task_id": task_a, "guide_id": ga.id}, mb.id
        yield Mutation.TASK_COMPLETE, {"task_id": task_a, "outcome": "reached", "completed_at": at}, gb.id
        yield Mutation.AUDIT_APPEND, {"action": "pii.reveal_phone", "details": {}}, gb.id
        withdraw = {"member_id": member_a.id, "at": at, "channel": "counter"}
        yield Mutation.MEMBER_CONSENT_WITHDRAW, withdraw, gb.id
        yield (
            Mutation.BINDING_END,
            {"binding_id": binding_a_id, "member_id": member_a.id, "reason": "x"},
            mb.id,
        )
        # Own guide acting on another store's objects.
        yield Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member_b.id}, ga.id
        yield Mutation.BINDING_TRANSFER, lapsed, ga.id
        yield Mutation.BINDING_TRANSFER, {**lapsed, "reason": "departure", "approved_by": mb.id}, ma.id
        approved = {"binding_id": _uid(), "member_id": member_a.id, "from_binding_id": binding_a_id,
                    "to_guide_id": gb.id, "reason": "manager_approved", "approved_by": ma.id}  # fmt: skip
        yield Mutation.BINDING_TRANSFER, approved, ma.id
        yield (
            Mutation.BINDING_END,
            {"binding_id": binding_b_id, "member_id": member_b.id, "reason": "x"},
            ma.id,
        )
        # The member's home store ending a binding another store holds (protected): the takeover's
        # first step. And a deactivated manager ending the store's own binding.
        yield (
            Mutation.BINDING_END,
            {"binding_id": binding_c_id, "member_id": member_a2.id, "reason": "x"},
            ma.id,
        )
        yield (
            Mutation.BINDING_END,
            {"binding_id": binding_a_id, "member_id": member_a.id, "reason": "x"},
            ma_gone.id,
        )
        yield Mutation.MEMBER_ENROLL, {**enroll, "member_id": member_b.id}, ga.id
        yield Mutation.MEMBER_ENROLL, {**enroll, "member_id": _uid(), "phone": "13600000002"}, ga.id
        yield Mutation.MEMBER_DECLINE, {"decline_id": decline_b}, ga.id
        yield Mutation.MEMBER_CONSENT_WITHDRAW, {**withdraw, "member_id": member_b.id}, ga.id
        yield Mutation.TAG_ADD, {"member_id": member_b.id, "tag_id": tag_id}, ga.id
        yield Mutation.TAG_REMOVE, {"member_id": member_b.id, "tag_id": tag_id}, ga.id
        yield Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member_b.id, "body": "x"}, ga.id
        yield Mutation.NOTE_ADD, {"note_id": note_b, "member_id": member_a.id, "body": "x"}, ga.id
        yield (
            Mutation.VISIT_RECORD,
            {"visit_id": _uid(), "member_id": member_b.id, "source": "scan", "at": at},
            ga.id,
        )
        yield (
            Mutation.VISIT_RECORD,
            {"visit_id": visit_b, "member_id": member_a.id, "source": "scan", "at": at},
            ga.id,
        )
        yield Mutation.TASK_CREATE, {"task_id": _uid(), "member_id": member_b.id, "kind": "call"}, ga.id
        yield (
            Mutation.TASK_CREATE,
            {"task_id": _uid(), "member_id": member_a.id, "kind": "call", "assigned_guide_id": gb.id},
            ga.id,
        )
        yield Mutation.TASK_CREATE, {"task_id": task_b, "member_id": member_a.id, "kind": "call"}, ga.id
        yield Mutation.TASK_ASSIGN, {"task_id": task_b, "guide_id": ga.id}, ma.id
        yield Mutation.TASK_ASSIGN, {"task_id": task_a, "guide_id": gb.id}, ma.id
        yield Mutation.TASK_COMPLETE, {"task_id": task_b, "outcome": "reached", "completed_at": at}, ga.id

    before = _counts(hq)
    names_swept = set()
    for name, args, guide_id in sweep():
        names_swept.add(name)
        answer = device_a.push([device_a.mutation(name, args, guide_id)])
        assert answer.status_code == 200, answer.text
        result = answer.json()["results"][0]
        assert result["status"] == "rejected", (name, args, result)
        leaked = [x for x in secrets_of_b if x in answer.text]
        assert leaked == [], (name, result, leaked)
    assert names_swept == {getattr(Mutation, k) for k in vars(Mutation) if k.isupper()}
    assert _counts(hq) == before

    for answer in (
        device_a.pull(None),
        device_a.hello(),
        hq.client.get("/v1/members/lookup", params={"code": "GDM1:" + member_b.id}, headers=device_a.headers),
        hq.client.get(
            "/v1/members/lookup",
            params={"code": hq.member_code(member_b.id)[:-3] + "AAA"},
            headers=device_a.headers,
        ),
        device_a.post("/v1/sync/pull", {"device_id": device_b.device_id, "cursor": None}),
        device_a.post("/v1/sync/push", {"device_id": device_b.device_id, "mutations": []}),
    ):
        leaked = [x for x in secrets_of_b if x in answer.text]
        assert leaked == [], (answer.request.url, leaked)
    pulled = str(device_a.pull_all())
    assert not [x for x in secrets_of_b if x in pulled]
