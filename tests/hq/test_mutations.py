"""The counter's other mutations at HQ: enrollment (consent, one member per phone, card clashes),
declines, tags as set operations, notes, tasks moving only forward, audit events appended."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from contract.wire import Mutation
from hq.db.models import AuditEvent, Decline, Member, TaskItem
from hq.services.stores import StoreView, find_store
from hq.services.tags import create_tag, create_tag_group
from hq.services.tasks import cancel_task_list, publish_task_list
from tests.hq.harness import DeviceClient, Hq


def _uid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def counter(hq: Hq) -> tuple[Hq, DeviceClient, str, str]:
    store = hq.store("CD01", "成都春熙路店")
    guide = hq.guide(store, "陈静")
    manager = hq.guide(store, "王店长", role="manager")
    return hq, hq.device(store), guide.id, manager.id


def _store(hq: Hq, device: DeviceClient) -> StoreView:
    with hq.runtime.db.read() as s:
        return find_store(s, device.store_id)


def _enroll_args(**overrides: Any) -> dict[str, Any]:
    args = {
        "member_id": _uid(),
        "card_no": "GD" + str(uuid.uuid4().int)[:10],
        "name": "新会员",
        "phone": "13512345678",
        "phone_masked": "135****5678",
        "consent": {"at": "2026-11-19T02:00:00+00:00", "text_version": "v3", "channel": "counter"},
        "paid": True,
    }
    args.update(overrides)
    return args


def test_an_enrollment_creates_the_member_with_consent_and_the_enrolling_guide(counter: Any) -> None:
    """拉新: the member exists at HQ with the phone, consent and the guide who enrolled them."""
    hq, device, guide_id, _ = counter
    args = _enroll_args()
    result = device.send(Mutation.MEMBER_ENROLL, args, guide_id)
    assert result["status"] == "applied" and result["details"]["card_no"] == args["card_no"]
    with hq.runtime.db.read() as s:
        member = s.get(Member, args["member_id"])
        assert member is not None
        assert (member.phone, member.enrolled_by_guide_id, member.is_paid) == ("13512345678", guide_id, True)
        assert (member.consent_text_version, member.consent_channel) == ("v3", "counter")
    pulled = {c["t"]: c for c in device.pull_all() if c["id"] in (args["member_id"], args["card_no"])}
    assert pulled["member"]["data"]["phone"] == "13512345678" and "member_code" in pulled


def test_a_clashing_card_number_is_replaced_and_returned(counter: Any) -> None:
    """Two counters minting the same card number: the second gets a new one in the result details."""
    hq, device, guide_id, _ = counter
    first = _enroll_args(phone="13500000001")
    device.send(Mutation.MEMBER_ENROLL, first, guide_id)
    second = _enroll_args(phone="13500000002", card_no=first["card_no"])
    result = device.send(Mutation.MEMBER_ENROLL, second, guide_id)
    assert result["status"] == "applied" and result["code"] == "card_no_reassigned"
    assert result["details"]["card_no"] != first["card_no"]
    with hq.runtime.db.read() as s:
        member = s.get(Member, second["member_id"])
        assert member is not None and member.card_no == result["details"]["card_no"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"consent": None}, "consent_required"),
        (
            {"consent": {"at": "2026-11-19T02:00:00+00:00", "text_version": "v3", "channel": "fax"}},
            "invalid_args",
        ),
        ({"phone": "12345"}, "invalid_args"),
        ({"name": "  "}, "invalid_args"),
        ({"paid": "yes"}, "invalid_args"),
    ],
)
def test_enrollments_without_consent_or_with_bad_data_are_rejected(
    counter: Any, overrides: Any, code: str
) -> None:
    """PIPL: no consent, no member; and garbage never becomes a member."""
    hq, device, guide_id, _ = counter
    args = _enroll_args(**overrides)
    if args.get("consent") is None:
        del args["consent"]
    assert device.send(Mutation.MEMBER_ENROLL, args, guide_id)["code"] == code
    with hq.runtime.db.read() as s:
        assert s.get(Member, args["member_id"]) is None


def test_one_member_per_phone_across_the_chain(hq: Hq) -> None:
    """Two stores enrolling the same phone: the second is told the phone is already a member."""
    a, b = hq.store(), hq.store()
    ga, gb = hq.guide(a), hq.guide(b)
    assert (
        hq.device(a).send(Mutation.MEMBER_ENROLL, _enroll_args(phone="13700000000"), ga.id)["status"]
        == "applied"
    )
    again = hq.device(b).send(Mutation.MEMBER_ENROLL, _enroll_args(phone="13700000000"), gb.id)
    assert again["code"] == "phone_already_member" and "member_id" not in again.get("details", {})


def test_declines_are_counted_once(counter: Any) -> None:
    """The join rate's denominator: the same decline id twice counts once."""
    hq, device, guide_id, _ = counter
    decline = {"decline_id": _uid(), "reason": "不想留电话"}
    assert device.send(Mutation.MEMBER_DECLINE, decline, guide_id)["status"] == "applied"
    assert device.send(Mutation.MEMBER_DECLINE, decline, guide_id)["status"] == "merged"
    with hq.runtime.db.read() as s:
        assert len(s.scalars(select(Decline.id)).all()) == 1


def test_tags_are_set_operations_in_arrival_order(counter: Any) -> None:
    """Add twice is one tag; remove of an absent tag is a no-op; an unknown tag is refused."""
    hq, device, guide_id, _ = counter
    member = hq.member(hq.store())  # another store's member is unknown here
    own = hq.member(_store(hq, device))
    with hq.tx() as (s, changes):
        tag_id = create_tag(
            s, group_id=create_tag_group(s, name="兴趣", changes=changes), name="瑜伽", changes=changes
        ).id
    add = {"member_id": own.id, "tag_id": tag_id}
    assert device.send(Mutation.TAG_ADD, add, guide_id)["status"] == "applied"
    assert device.send(Mutation.TAG_ADD, add, guide_id)["code"] == "already_tagged"
    assert device.send(Mutation.TAG_REMOVE, add, guide_id)["status"] == "applied"
    assert device.send(Mutation.TAG_REMOVE, add, guide_id)["code"] == "not_tagged"
    assert (
        device.send(Mutation.TAG_ADD, {"member_id": own.id, "tag_id": _uid()}, guide_id)["code"]
        == "unknown_tag"
    )
    assert (
        device.send(Mutation.TAG_ADD, {"member_id": member.id, "tag_id": tag_id}, guide_id)["code"]
        == "unknown_member"
    )


def test_notes_are_bounded(counter: Any) -> None:
    """A note is at most 500 characters; longer is refused, not truncated silently."""
    hq, device, guide_id, _ = counter
    member = hq.member(_store(hq, device))
    long = {"note_id": _uid(), "member_id": member.id, "body": "长" * 501}
    assert device.send(Mutation.NOTE_ADD, long, guide_id)["code"] == "invalid_args"
    multi = {"note_id": _uid(), "member_id": member.id, "body": "第一行\n第二行"}
    assert device.send(Mutation.NOTE_ADD, multi, guide_id)["status"] == "applied"


def test_tasks_move_only_forward(counter: Any) -> None:
    """Created, assigned by a manager only, completed once; a second completion is merged."""
    hq, device, guide_id, manager_id = counter
    member = hq.member(_store(hq, device))
    task = {"task_id": _uid(), "member_id": member.id, "kind": "call", "due_at": "2026-11-21T02:00:00+00:00"}
    assert device.send(Mutation.TASK_CREATE, task, guide_id)["status"] == "applied"
    assign = {"task_id": task["task_id"], "guide_id": manager_id}
    assert device.send(Mutation.TASK_ASSIGN, assign, guide_id)["code"] == "manager_required"
    assert device.send(Mutation.TASK_ASSIGN, assign, manager_id)["status"] == "applied"
    done = {"task_id": task["task_id"], "outcome": "reached", "completed_at": hq.clock().isoformat()}
    assert device.send(Mutation.TASK_COMPLETE, done, manager_id)["status"] == "applied"
    assert device.send(Mutation.TASK_COMPLETE, done, guide_id)["code"] == "task_already_closed"
    assert (
        device.send(Mutation.TASK_ASSIGN, {"task_id": task["task_id"], "guide_id": guide_id}, manager_id)[
            "code"
        ]
        == "task_closed"
    )


def test_a_completion_after_hq_cancelled_is_kept_and_flagged(counter: Any) -> None:
    """The call was made: HQ keeps the outcome even though it cancelled the list meanwhile."""
    hq, device, guide_id, _ = counter
    member = hq.member(_store(hq, device))
    with hq.tx() as (s, changes):
        published = publish_task_list(
            s, title="双十一回访", member_ids=[member.id], kind="call", now=hq.clock(), changes=changes
        )
    item_id = next(c["id"] for c in device.pull_all() if c["t"] == "task_item")
    with hq.tx() as (s, changes):
        assert cancel_task_list(s, list_id=published.list_id, changes=changes) == 1
    done = {
        "task_id": item_id,
        "outcome": "reached",
        "note": "已联系",
        "completed_at": hq.clock().isoformat(),
    }
    result = device.send(Mutation.TASK_COMPLETE, done, guide_id)
    assert result["status"] == "applied" and result["code"] == "completed_after_cancel"
    with hq.runtime.db.read() as s:
        item = s.get(TaskItem, item_id)
        assert item is not None and (item.state, item.outcome, item.flagged) == ("cancelled", "reached", True)


def test_audit_events_are_appended_with_device_and_guide(counter: Any) -> None:
    """A phone reveal at the counter is on HQ's audit trail, attributed."""
    hq, device, guide_id, _ = counter
    event = {"action": "pii.reveal_phone", "subject_id": _uid(), "details": {}}
    assert device.send(Mutation.AUDIT_APPEND, event, guide_id)["status"] == "applied"
    huge = {"action": "pii.reveal_phone", "details": {"x": "y" * 5000}}
    assert device.send(Mutation.AUDIT_APPEND, huge, guide_id)["code"] == "invalid_args"
    with hq.runtime.db.read() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.guide_id, AuditEvent.device_id).where(
                AuditEvent.action == "pii.reveal_phone"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("pii.reveal_phone", guide_id, device.device_id)]


def test_a_till_testing_phone_numbers_is_cut_off(hq: Hq) -> None:
    """`phone_already_member` says a number is a member somewhere in the chain; a till told so 20 times
    in a day has every enrollment refused (`enroll_limited`) for the rest of that day, so probing stops
    paying, while other tills enroll as before. Fails on the code before the fix: the 21st probe (and
    every one after) still answered whether the number was a member."""
    home, prober, other = hq.store(), hq.store(), hq.store()
    g = hq.guide(home)
    members = [f"1370000{n:04d}" for n in range(21)]
    seeding = hq.device(home)
    for phone in members:
        assert seeding.send(Mutation.MEMBER_ENROLL, _enroll_args(phone=phone), g.id)["status"] == "applied"
    till, gp = hq.device(prober), hq.guide(prober)
    for phone in members[:20]:
        assert (
            till.send(Mutation.MEMBER_ENROLL, _enroll_args(phone=phone), gp.id)["code"]
            == "phone_already_member"
        )
    assert (
        till.send(Mutation.MEMBER_ENROLL, _enroll_args(phone=members[20]), gp.id)["code"] == "enroll_limited"
    )
    assert (
        till.send(Mutation.MEMBER_ENROLL, _enroll_args(phone="13912340000"), gp.id)["code"]
        == "enroll_limited"
    )
    assert (
        hq.device(other).send(Mutation.MEMBER_ENROLL, _enroll_args(phone="13912340001"), hq.guide(other).id)[
            "status"
        ]
        == "applied"
    )
    hq.clock.advance(days=1, seconds=1)
    assert till.send(Mutation.MEMBER_ENROLL, _enroll_args(phone="13912340000"), gp.id)["status"] == "applied"
