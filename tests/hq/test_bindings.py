"""Bindings arbitrated at HQ (DESIGN.md §5 "Conflicts"): first commit wins, same guide twice is merged,
losers are kept as conflicts both stores see, transfers are compare-and-set, protection and cross-store
rules are HQ's to decide."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from contract.wire import Mutation
from hq.db.models import Binding, BindingConflict
from hq.services.guides import set_guide_active
from hq.services.policy import new_revision
from tests.hq.harness import Hq


def _uid() -> str:
    return str(uuid.uuid4())


def _bind(device: Any, member_id: str, guide_id: str, **extra: Any) -> dict[str, Any]:
    return device.send(
        Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member_id, **extra}, guide_id
    )


def _active(hq: Hq, member_id: str) -> list[str]:
    """Guide ids of the member's active bindings."""
    with hq.runtime.db.read() as s:
        return list(
            s.scalars(
                select(Binding.guide_id).where(Binding.member_id == member_id, Binding.active.is_(True))
            )
        )


def test_first_bind_wins_and_the_loser_learns_who_won(hq: Hq) -> None:
    """The losing counter shows the winner's guide and store; the loss is kept as a conflict."""
    store = hq.store("BJ01", "北京三里屯店")
    winner, loser = hq.guide(store, "陈静"), hq.guide(store, "李雷")
    member = hq.member(store)
    device = hq.device(store)
    assert _bind(device, member.id, winner.id)["status"] == "applied"
    lost = _bind(device, member.id, loser.id)
    assert lost["status"] == "rejected" and lost["code"] == "member_already_bound"
    assert {
        k: lost["details"][k]
        for k in ("winner_guide_id", "winner_guide_name", "winner_store_id", "winner_store_name")
    } == {
        "winner_guide_id": winner.id,
        "winner_guide_name": "陈静",
        "winner_store_id": store.id,
        "winner_store_name": "北京三里屯店",
    }
    assert _active(hq, member.id) == [winner.id]
    conflicts = [c for c in device.pull_all() if c["t"] == "binding_conflict"]
    assert len(conflicts) == 1
    assert (
        conflicts[0]["data"]["losing_guide_id"] == loser.id
        and conflicts[0]["data"]["winning_guide_name"] == "陈静"
    )


def test_the_same_guide_binding_twice_is_merged(hq: Hq) -> None:
    """Two tills of one guide (or a re-bind after a reinstall) must not produce a conflict."""
    store = hq.store()
    guide = hq.guide(store)
    member = hq.member(store)
    first = _bind(hq.device(store), member.id, guide.id)
    again = _bind(hq.device(store), member.id, guide.id)
    assert again["status"] == "merged" and again["details"]["binding_id"] == first["details"]["binding_id"]
    with hq.runtime.db.read() as s:
        assert s.scalar(select(func.count()).select_from(BindingConflict)) == 0


def test_another_stores_member_needs_the_shoppers_signed_code(hq: Hq) -> None:
    """Without the code the member does not exist for this store; a forged code is refused; the real
    code lets the shopper be bound here, and the conflict, if any, reaches both stores."""
    home, away = hq.store("H1", "家店"), hq.store("W1", "外店")
    home_guide, away_guide = hq.guide(home, "家导购"), hq.guide(away, "外导购")
    member = hq.member(home)
    away_device, home_device = hq.device(away), hq.device(home)
    assert _bind(away_device, member.id, away_guide.id)["code"] == "unknown_member"
    forged = hq.member_code(member.id)[:-4] + "AAAA"
    refused = _bind(away_device, member.id, away_guide.id, code=forged)
    assert refused["code"] == "member_code_invalid"
    other_member = hq.member(home)
    wrong = _bind(away_device, member.id, away_guide.id, code=hq.member_code(other_member.id))
    assert wrong["code"] == "member_code_invalid" and wrong["details"]["reason"] == "other_member"
    assert _bind(away_device, member.id, away_guide.id, code=hq.member_code(member.id))["status"] == "applied"
    lost = _bind(home_device, member.id, home_guide.id)
    assert lost["code"] == "member_already_bound" and lost["details"]["winner_store_name"] == "外店"
    home_conflicts = [c for c in home_device.pull_all() if c["t"] == "binding_conflict"]
    away_conflicts = [c for c in away_device.pull_all() if c["t"] == "binding_conflict"]
    assert len(home_conflicts) == len(away_conflicts) == 1


def test_an_expired_code_is_honoured_for_an_offline_grace_only(hq: Hq) -> None:
    """A bind made offline with a code valid at the scan is pushed later: accepted within the grace,
    refused after."""
    home, away = hq.store(), hq.store()
    away_guide = hq.guide(away)
    early, late = hq.member(home), hq.member(home)
    device = hq.device(away)
    early_code, late_code = hq.member_code(early.id), hq.member_code(late.id)
    hq.clock.advance(days=1)
    assert _bind(device, early.id, away_guide.id, code=early_code)["status"] == "applied"
    hq.clock.advance(days=3)
    refused = _bind(device, late.id, away_guide.id, code=late_code)
    assert refused["code"] == "member_code_invalid" and refused["details"]["reason"] == "code_expired"


def _transfer(device: Any, guide_id: str, **args: Any) -> dict[str, Any]:
    return device.send(Mutation.BINDING_TRANSFER, {"binding_id": _uid(), **args}, guide_id)


def test_a_lapsed_takeover_is_refused_while_protection_lasts_and_visits_renew_it(hq: Hq) -> None:
    """HQ decides protection on its own clock: 90 days from the bind, renewed by the bound guide's
    visits; a takeover before it lapses loses (and is kept as a conflict)."""
    store = hq.store()
    owner, taker = hq.guide(store, "原导购"), hq.guide(store, "新导购")
    member = hq.member(store)
    device = hq.device(store)
    first = _bind(device, member.id, owner.id)["details"]["binding_id"]
    hq.clock.advance(days=30)
    visit = {"visit_id": _uid(), "member_id": member.id, "source": "scan", "at": hq.clock().isoformat()}
    device.send(Mutation.VISIT_RECORD, visit, owner.id)
    hq.clock.advance(days=61)  # 91 days after the bind, 61 after the visit
    args = {
        "member_id": member.id,
        "from_binding_id": first,
        "to_guide_id": taker.id,
        "reason": "protection_lapsed",
    }
    early = _transfer(device, taker.id, **args)
    assert early["code"] == "protected" and early["details"]["winner_guide_name"] == "原导购"
    hq.clock.advance(days=30)
    assert _transfer(device, taker.id, **args)["status"] == "applied"
    assert _active(hq, member.id) == [taker.id]


def test_a_transfer_is_compare_and_set_on_the_binding_it_replaces(hq: Hq) -> None:
    """Two managers approving transfers of one member from the same old binding: the second loses."""
    store = hq.store()
    owner, a, b = hq.guide(store, "原"), hq.guide(store, "甲"), hq.guide(store, "乙")
    manager = hq.guide(store, "店长", role="manager")
    member = hq.member(store)
    device = hq.device(store)
    first = _bind(device, member.id, owner.id)["details"]["binding_id"]
    common = {
        "member_id": member.id,
        "from_binding_id": first,
        "reason": "manager_approved",
        "approved_by": manager.id,
    }
    assert _transfer(device, manager.id, to_guide_id=a.id, **common)["status"] == "applied"
    stale = _transfer(device, manager.id, to_guide_id=b.id, **common)
    assert stale["code"] == "binding_changed" and stale["details"]["winner_guide_name"] == "甲"
    assert _active(hq, member.id) == [a.id]


def test_approved_transfers_and_departures_need_a_manager_of_the_store(hq: Hq) -> None:
    """A guide cannot approve their own takeover of a colleague's member."""
    store = hq.store()
    owner, taker = hq.guide(store), hq.guide(store)
    member = hq.member(store)
    device = hq.device(store)
    first = _bind(device, member.id, owner.id)["details"]["binding_id"]
    args = {"member_id": member.id, "from_binding_id": first, "to_guide_id": taker.id}
    assert (
        _transfer(device, taker.id, reason="departure", approved_by=taker.id, **args)["code"]
        == "manager_required"
    )
    assert _transfer(device, taker.id, reason="manager_approved", **args)["code"] == "manager_required"
    assert _active(hq, member.id) == [owner.id]


def test_cross_store_takeovers_follow_the_policy(hq: Hq) -> None:
    """By default a member bound to another store's guide stays there; HQ's policy can allow it."""
    home, away = hq.store(), hq.store()
    home_guide, away_guide = hq.guide(home), hq.guide(away)
    member = hq.member(home)
    away_device, home_device = hq.device(away), hq.device(home)
    first = _bind(away_device, member.id, away_guide.id, code=hq.member_code(member.id))["details"][
        "binding_id"
    ]
    hq.clock.advance(days=91)
    args = {
        "member_id": member.id,
        "from_binding_id": first,
        "to_guide_id": home_guide.id,
        "reason": "protection_lapsed",
    }
    assert _transfer(home_device, home_guide.id, **args)["code"] == "bound_other_store"
    with hq.tx() as (s, changes):
        new_revision(s, changes=changes, now=hq.clock(), cross_store_transfer=True)
    assert _transfer(home_device, home_guide.id, **args)["status"] == "applied"


def test_ending_a_binding_is_for_its_guide_or_a_manager_and_idempotent(hq: Hq) -> None:
    """binding.end frees the member; ending it again is merged, a colleague cannot end it."""
    store = hq.store()
    owner, colleague = hq.guide(store), hq.guide(store)
    member = hq.member(store)
    device = hq.device(store)
    binding_id = _bind(device, member.id, owner.id)["details"]["binding_id"]
    end = {"binding_id": binding_id, "member_id": member.id, "reason": "member_request"}
    assert device.send(Mutation.BINDING_END, end, colleague.id)["code"] == "manager_required"
    assert device.send(Mutation.BINDING_END, end, owner.id)["status"] == "applied"
    assert device.send(Mutation.BINDING_END, end, owner.id)["code"] == "already_ended"
    assert _active(hq, member.id) == []
    assert _bind(device, member.id, colleague.id)["status"] == "applied"


def test_the_home_store_cannot_end_another_stores_protected_binding_and_rebind(hq: Hq) -> None:
    """A guide of store A binds a member of store B with the shopper's signed code. Store B may not end
    that binding while it is protected (nor at all unless the policy allows cross-store moves), so it
    cannot rebind the member to its own guide. Fails on the handler before the fix: B's manager's
    binding.end.v1 was applied (it accepted the member's home store), and B's bind then won."""
    a, b = hq.store(), hq.store()
    guide_a = hq.guide(a)
    guide_b, manager_b = hq.guide(b), hq.guide(b, role="manager")
    member = hq.member(b)
    device_a, device_b = hq.device(a), hq.device(b)
    held = _bind(device_a, member.id, guide_a.id, code=hq.member_code(member.id))["details"]["binding_id"]
    end = {"binding_id": held, "member_id": member.id, "reason": "member_request"}

    refused = device_b.send(Mutation.BINDING_END, end, manager_b.id)
    assert (refused["status"], refused["code"]) == ("rejected", "bound_other_store")
    assert _bind(device_b, member.id, guide_b.id)["code"] == "member_already_bound"
    assert _active(hq, member.id) == [guide_a.id]

    # Even where the policy allows cross-store moves, protection holds, and only a manager may end it.
    with hq.tx() as (s, changes):
        new_revision(s, changes=changes, now=hq.clock(), cross_store_transfer=True)
    refused = device_b.send(Mutation.BINDING_END, end, manager_b.id)
    assert (refused["status"], refused["code"]) == ("rejected", "protected")
    assert _active(hq, member.id) == [guide_a.id]
    hq.clock.advance(days=91)
    assert device_b.send(Mutation.BINDING_END, end, guide_b.id)["code"] == "manager_required"
    assert device_b.send(Mutation.BINDING_END, end, manager_b.id)["status"] == "applied"
    assert _active(hq, member.id) == []


def test_an_inactive_manager_cannot_end_a_binding(hq: Hq) -> None:
    """A manager deactivated at HQ cannot free the store's members. Fails before the fix: binding.end
    did not look at `active` (only binding.create did)."""
    store = hq.store()
    guide, manager = hq.guide(store), hq.guide(store, role="manager")
    member = hq.member(store)
    device = hq.device(store)
    binding_id = _bind(device, member.id, guide.id)["details"]["binding_id"]
    with hq.tx() as (s, changes):
        set_guide_active(s, guide_id=manager.id, active=False, changes=changes, now=hq.clock())
    hq.clock.advance(minutes=10)
    end = {"binding_id": binding_id, "member_id": member.id, "reason": "member_request"}
    refused = device.send(Mutation.BINDING_END, end, manager.id)
    assert (refused["status"], refused["code"]) == ("rejected", "guide_inactive")
    assert _active(hq, member.id) == [guide.id]
