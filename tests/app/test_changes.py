""" "What changed": every mutation says which kinds and members it touched, and so does every pulled page,
so an open view refreshes exactly when its data changed (the window's one `data_changed` signal)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.changes import EVERYTHING, KINDS, NOTHING, Changes
from app.services.binding import bind_member, request_transfer, transfer_departing_guide
from app.services.guides import attempt_login, reveal_phone
from app.services.members import Consent, add_note, add_tag, enroll_member, record_decline, record_visit
from app.services.tasks import assign_task, complete_task, create_task
from app.sync.applier import ENTITY_MODELS, apply_changes
from contract.wire import Change
from tests.factories import PIN, seed


@pytest.fixture
def store(ws):
    return seed(ws)


def test_each_mutation_names_what_it_changed(ws, store):
    """A guide's action reports the kinds and the member it touched, so only the views showing them reload."""
    now = ws.clock.now()
    g, m = store.guide, store.members["unbound"]
    with ws.db.transaction() as s:
        outcomes = {
            "bind": (bind_member(s, member_id=m, guide=g, now=now), {"binding", "outbox", "activity"}),
            "tag": (add_tag(s, member_id=m, tag_id="t-vip", guide=g, now=now), {"member_tag", "outbox"}),
            "note": (add_note(s, member_id=m, body="喜欢护肤", guide=g, now=now), {"note", "outbox"}),
            "visit": (record_visit(s, member_id=m, guide=g, source="scan", now=now), {"visit", "activity"}),
            "task": (
                create_task(
                    s,
                    member_id=m,
                    kind="call",
                    due_at=None,
                    assigned_guide_id=None,
                    note=None,
                    guide=g,
                    now=now,
                ),
                {"task_item", "outbox"},
            ),
            "phone": (
                reveal_phone(s, member_id=m, guide=g, now=now, cipher=ws.cipher),
                {"audit", "outbox"},
            ),
        }
        task_id = outcomes["task"][0].task.id  # type: ignore[union-attr]
        outcomes["assign"] = (
            assign_task(s, task_id=task_id, to_guide_id=store.other_guide.id, manager=store.manager, now=now),
            {"task_item"},
        )
        outcomes["complete"] = (
            complete_task(s, task_id=task_id, outcome="reached", note=None, guide=g, now=now),
            {"task_item", "activity"},
        )
    for what, (outcome, kinds) in outcomes.items():
        changes = outcome.changes
        assert kinds <= changes.kinds, what
        assert changes.member_ids == {m}, what
        assert not changes.touches_member(store.members["mine"]), what


def test_walk_in_enrollment_and_decline_report_their_kinds(ws, store):
    """The stats page reloads after an enrollment or a decline (both move the join rate)."""
    now = ws.clock.now()
    with ws.db.transaction() as s:
        enrolled = enroll_member(
            s,
            guide=store.guide,
            name="钱多多",
            phone="13312345678",
            consent=Consent(given=True, text_version="2026-01"),
            paid=True,
            now=now,
            cipher=ws.cipher,
        )
        declined = record_decline(s, guide=store.guide, now=now)
        login = attempt_login(s, employee_no="A002", pin=PIN, now=now)
    assert {"member", "activity", "visit", "outbox"} <= enrolled.changes.kinds
    assert enrolled.changes.touches_member(enrolled.member_id)
    assert declined.changes.touches("decline", "activity") and declined.changes.member_ids == frozenset()
    assert login.changes.touches("login")


def test_transfers_name_every_member_they_move(ws, store):
    """A departing guide's members all refresh; a transfer request shows in the manager's queue."""
    now = ws.clock.now()
    with ws.db.transaction() as s:
        requested = request_transfer(
            s, member_id=store.members["colleague"], to_guide=store.guide, reason_note="", now=now
        )
    assert requested.changes.touches("transfer_request")
    with ws.db.transaction() as s:
        moved = transfer_departing_guide(
            s, from_guide_id=store.other_guide.id, to_guide=store.guide, manager=store.manager, now=now
        )
    assert moved.count == 2
    assert moved.changes.member_ids == {store.members["colleague"], store.members["lapsed"]}
    assert moved.changes.touches("binding")


def test_a_pulled_page_reports_its_kinds_and_members(ws, store):
    """A sync page that tags one member refreshes that member's card and no other (was: computed, dropped)."""
    m = store.members["mine"]
    page = [
        Change("member_tag", f"{m}:t-vip", "put", 10, {}),
        Change("note", "n-1", "put", 11, {"member_id": m, "body": "来电", "guide_id": "g-li",
                                          "created_at": (ws.clock.now() - timedelta(hours=1)).isoformat()}),
        Change("tag", "t-new", "put", 12, {"group_id": "tg-value", "name": "新品", "color": "#000000"}),
    ]  # fmt: skip
    with ws.db.transaction() as s:
        applied = apply_changes(s, page, cipher=ws.cipher)
    assert applied.changes.kinds == {"member_tag", "note", "tag"}
    assert applied.changes.member_ids == {m}
    assert applied.changes.touches_member(m) and not applied.changes.touches_member(store.members["unbound"])

    with ws.db.transaction() as s:
        removed = apply_changes(s, [Change("binding", "b-2", "remove", 13)], cipher=ws.cipher)
    # A removed binding names no member: every card may be concerned.
    assert removed.changes.member_ids is None and removed.changes.touches_member(store.members["unbound"])


def test_changes_combine_and_know_every_entity_type():
    """Unions keep "any member" open; every pulled entity type is a known kind (a new one must be named)."""
    a = Changes.of("binding", members=["m-1"])
    assert (a | Changes.of("note", members=["m-2"])).member_ids == {"m-1", "m-2"}
    assert (a | EVERYTHING).member_ids is None
    assert not NOTHING and a and not a.touches("task_item")
    assert set(ENTITY_MODELS) <= KINDS
    with pytest.raises(ValueError):
        Changes(frozenset({"members"}))
