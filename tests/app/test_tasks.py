"""Follow-up tasks: create, assign (managers), complete forward-only within the contact budget, and the
task list as effective state (HQ's items with what this counter did on top), paged in SQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.db.models import Activity, AuditEvent, Base, Guide, Outbox
from app.errors import AuthError, GuideDeskError, InvalidInput, MemberNotFound, RuleRefused
from app.services.members import Consent, enroll_member
from app.services.outbox import list_outbox
from app.services.tasks import (
    assign_task,
    complete_task,
    contact_budget,
    create_task,
    get_task,
    list_tasks,
    overdue_count,
)
from tests.conftest import T0
from tests.factories import add_member, add_task_item, add_task_list, seed

DAY = timedelta(days=1)


@pytest.fixture
def store(ws):
    """The seeded store plus an HQ list: overdue, upcoming, undated, done and cancelled items."""
    seeded = seed(ws)
    with ws.db.transaction() as s:
        add_task_list(s, list_id="L1", title="唤醒沉睡会员", created_at=T0 - 10 * DAY)
        s.flush()
        items = [
            # id,     member, kind,     assignee,  due,           state
            ("i-late", "m-6", "call", "g-li", T0 - DAY, "open"),
            ("i-soon", "m-1", "message", "g-zhang", T0 + 2 * DAY, "open"),
            ("i-undated", "m-1", "visit", "g-li", None, "open"),
            ("i-done", "m-2", "call", "g-li", T0 - 5 * DAY, "done"),
            ("i-cancelled", "m-3", "call", "g-li", T0 + DAY, "cancelled"),
        ]
        for item_id, member, kind, assignee, due, state in items:
            add_task_item(
                s,
                item_id=item_id,
                list_id="L1",
                member_id=member,
                kind=kind,
                assigned_guide_id=assignee,
                due_at=due,
                state=state,
                created_at=T0 - 10 * DAY,
                completed_at=T0 - 4 * DAY if state == "done" else None,
            )
    return seeded


def counts(ws) -> tuple[int, ...]:
    with ws.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables)


def refused(ws, fn, **kwargs) -> GuideDeskError:
    before = counts(ws)
    with pytest.raises(GuideDeskError) as exc, ws.db.transaction() as s:
        fn(s, **kwargs)
    assert counts(ws) == before, "a refused action wrote rows"
    return exc.value


def create(
    ws, store, member_id="m-1", *, kind="call", due_at=None, assigned_guide_id=None, note=None, guide=None
):
    with ws.db.transaction() as s:
        return create_task(
            s,
            member_id=member_id,
            kind=kind,
            due_at=due_at,
            assigned_guide_id=assigned_guide_id,
            note=note,
            guide=guide or store.guide,
            now=T0,
        ).task


def complete(ws, store, task_id, *, outcome="reached", note=None, over_budget_ok=False, at=T0):
    with ws.db.transaction() as s:
        return complete_task(
            s,
            task_id=task_id,
            outcome=outcome,
            note=note,
            guide=store.guide,
            now=at,
            over_budget_ok=over_budget_ok,
        )


def listed(ws, store, *, guide_id=None, state="all", overdue_only=False, offset=0, limit=100):
    with ws.db.read() as s:
        return list_tasks(
            s,
            store_id=store.store_id,
            guide_id=guide_id,
            state=state,
            overdue_only=overdue_only,
            now=T0,
            offset=offset,
            limit=limit,
        )


def ids(views) -> list[str]:
    return [v.id for v in views]


# ---------------------------------------------------------------- create


def test_create_assigns_the_creator_and_shows_pending(ws, store):
    """A follow-up made at the counter is the creator's by default and is listed at once, pending HQ."""
    view = create(ws, store, kind="invite", due_at=T0 + 3 * DAY, note="  周末新品  ")
    assert (view.member_id, view.member_name, view.kind, view.assigned_guide_id) == (
        "m-1",
        "刘洋",
        "invite",
        "g-li",
    )
    assert (view.state, view.pending, view.overdue, view.list_title, view.due_at) == (
        "open",
        True,
        False,
        None,
        T0 + 3 * DAY,
    )
    with ws.db.read() as s:
        [entry] = list_outbox(s)
    assert (entry.name, entry.guide_id, entry.member_id) == ("task.create.v1", "g-li", "m-1")
    assert entry.args == {
        "task_id": view.id,
        "member_id": "m-1",
        "kind": "invite",
        "assigned_guide_id": "g-li",
        "due_at": "2026-11-22T02:00:00+00:00",
        "note": "周末新品",
    }
    assert view.id in ids(listed(ws, store, guide_id="g-li", state="open"))


def test_create_for_a_colleague_and_for_a_member_enrolled_offline(ws, store):
    """A guide may queue a task for a colleague; a member enrolled here (not yet at HQ) can get one."""
    with ws.db.transaction() as s:
        new = enroll_member(
            s,
            guide=store.guide,
            name="钱多多",
            phone="18600001234",
            paid=False,
            now=T0,
            consent=Consent(True, "v1"),
            cipher=ws.cipher,
        )
    view = create(ws, store, new.member_id, assigned_guide_id="g-zhang")
    assert (view.member_name, view.assigned_guide_id) == ("钱多多", "g-zhang")
    assert view.id in ids(listed(ws, store, guide_id="g-zhang"))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "email"}, "bad_kind"),
        ({"due_at": datetime(2026, 11, 20, 10, 0)}, "bad_due_at"),
        ({"note": "x" * 501}, "bad_note"),
        ({"member_id": "m-nobody"}, "member_not_local"),
        ({"assigned_guide_id": "g-chen"}, "unknown_guide"),  # another store's guide
        ({"assigned_guide_id": "g-ghost"}, "unknown_guide"),
    ],
)
def test_create_refusals_write_nothing(ws, store, kwargs, code):
    """Bad kinds, naive times, long notes, unknown members or assignees: refused, nothing written."""
    args = {"member_id": "m-1", "kind": "call", "due_at": None, "assigned_guide_id": None, "note": None}
    args.update(kwargs)
    err = refused(ws, create_task, guide=store.guide, now=T0, **args)
    assert err.code == code


def test_create_refuses_an_inactive_colleague(ws, store):
    """A departed guide cannot be given new work."""
    with ws.db.transaction() as s:
        s.execute(update(Guide).where(Guide.id == "g-zhang").values(active=False))
    err = refused(
        ws,
        create_task,
        member_id="m-1",
        kind="call",
        due_at=None,
        assigned_guide_id="g-zhang",
        note=None,
        guide=store.guide,
        now=T0,
    )
    assert isinstance(err, InvalidInput) and err.code == "unknown_guide"


# ---------------------------------------------------------------- assign


def test_assign_is_for_managers_only(ws, store):
    """A guide cannot hand out work; the refusal writes nothing."""
    err = refused(ws, assign_task, task_id="i-late", to_guide_id="g-zhang", manager=store.guide, now=T0)
    assert isinstance(err, AuthError) and err.code == "manager_required"


def test_assign_moves_the_task_between_guides_lists(ws, store):
    """After a manager reassigns an HQ item it leaves the old guide's list and joins the new one, pending."""
    with ws.db.transaction() as s:
        view = assign_task(s, task_id="i-late", to_guide_id="g-zhang", manager=store.manager, now=T0).task
    assert (view.assigned_guide_id, view.pending, view.list_title) == ("g-zhang", True, "唤醒沉睡会员")
    assert "i-late" not in ids(listed(ws, store, guide_id="g-li"))
    assert "i-late" in ids(listed(ws, store, guide_id="g-zhang", state="open"))
    with ws.db.read() as s:
        [entry] = list_outbox(s)
    assert (entry.name, entry.guide_id, entry.args) == (
        "task.assign.v1",
        "g-mgr",
        {"task_id": "i-late", "guide_id": "g-zhang"},
    )
    # The latest assignment wins; giving it to whoever has it writes nothing.
    with ws.db.transaction() as s:
        assert assign_task(
            s, task_id="i-late", to_guide_id="g-li", manager=store.manager, now=T0
        ).task.pending
        again = assign_task(s, task_id="i-late", to_guide_id="g-li", manager=store.manager, now=T0)
        assert again.task.pending and not again.changes
    assert [e.args["guide_id"] for e in list_outbox_all(ws)] == ["g-zhang", "g-li"]
    assert "i-late" in ids(listed(ws, store, guide_id="g-li"))


def list_outbox_all(ws):
    with ws.db.read() as s:
        return list_outbox(s)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to_guide_id": "g-chen"}, "unknown_guide"),
        ({"to_guide_id": "g-ghost"}, "unknown_guide"),
        ({"task_id": "i-nothing"}, "unknown_task"),
        ({"task_id": "i-done"}, "task_closed"),
        ({"task_id": "i-cancelled"}, "task_closed"),
    ],
)
def test_assign_refusals_write_nothing(ws, store, kwargs, code):
    """Only open tasks, only to an active guide of the manager's store."""
    args = {"task_id": "i-late", "to_guide_id": "g-zhang"}
    args.update(kwargs)
    assert refused(ws, assign_task, manager=store.manager, now=T0, **args).code == code


# ---------------------------------------------------------------- complete


def test_complete_closes_counts_and_shows_done_pending(ws, store):
    """A completed task is done at once (pending HQ), counts task_done for the guide, and leaves "open"."""
    result = complete(ws, store, "i-late", outcome="call_back", note="明天再打")
    assert (result.task.state, result.task.outcome, result.task.pending, result.task.overdue) == (
        "done",
        "call_back",
        True,
        False,
    )
    assert not result.flagged
    with ws.db.read() as s:
        assert get_task(s, task_id="i-late", now=T0) == result.task  # what it said is what is stored
        assert contact_budget(s, member_id="m-6", now=T0) == result.budget
        [entry] = list_outbox(s)
        ledger = s.execute(select(Activity.kind, Activity.guide_id, Activity.member_id)).all()
    assert (entry.name, entry.member_id) == ("task.complete.v1", "m-6")
    assert entry.args == {
        "task_id": "i-late",
        "outcome": "call_back",
        "note": "明天再打",
        "completed_at": T0.isoformat(),
    }
    assert ledger == [("task_done", "g-li", "m-6")]
    assert "i-late" not in ids(listed(ws, store, state="open"))
    assert "i-late" in ids(listed(ws, store, state="done"))


def test_state_only_moves_forward(ws, store):
    """A task done at HQ, or already completed here, cannot be completed again."""
    assert (
        refused(
            ws, complete_task, task_id="i-done", outcome="reached", note=None, guide=store.guide, now=T0
        ).code
        == "task_closed"
    )
    complete(ws, store, "i-soon")
    err = refused(
        ws, complete_task, task_id="i-soon", outcome="declined", note=None, guide=store.guide, now=T0
    )
    assert isinstance(err, RuleRefused) and err.code == "task_closed"
    mine = create(ws, store, kind="visit")
    complete(ws, store, mine.id)
    assert (
        refused(
            ws, complete_task, task_id=mine.id, outcome="reached", note=None, guide=store.guide, now=T0
        ).code
        == "task_closed"
    )


def test_completing_a_task_hq_cancelled_is_kept_and_flagged(ws, store):
    """The work was done before the cancellation arrived: it is recorded, and the outcome says flagged."""
    result = complete(ws, store, "i-cancelled", outcome="reached")
    assert result.flagged and result.task.state == "done"
    assert [e.args["task_id"] for e in list_outbox_all(ws)] == ["i-cancelled"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"outcome": "maybe"}, "bad_outcome"),
        ({"note": "x" * 501}, "bad_note"),
        ({"task_id": "i-nothing"}, "unknown_task"),
    ],
)
def test_complete_refusals_write_nothing(ws, store, kwargs, code):
    """Unknown outcomes, long notes and unknown tasks are refused."""
    args = {"task_id": "i-late", "outcome": "reached", "note": None}
    args.update(kwargs)
    assert refused(ws, complete_task, guide=store.guide, now=T0, **args).code == code


# ---------------------------------------------------------------- contact budget


def _contacted(ws, member_id, *days_ago_and_kind):
    with ws.db.transaction() as s:
        for i, (days_ago, kind) in enumerate(days_ago_and_kind):
            add_task_item(
                s,
                item_id=f"past-{member_id}-{i}",
                member_id=member_id,
                kind=kind,
                state="done",
                outcome="reached",
                completed_at=T0 - days_ago * DAY,
                created_at=T0 - 60 * DAY,
            )


def test_budget_warns_before_refuses_and_allows_an_audited_override(ws, store):
    """4 contacts per 30 days: the counter sees what is left, the 5th is refused unless the guide insists."""
    # Three outreach contacts in the window; older ones and visits do not count.
    _contacted(ws, "m-1", (1, "call"), (2, "message"), (29, "invite"), (31, "call"), (3, "visit"))
    with ws.db.read() as s:
        assert _budget(s) == (3, 4, 30, 1)
    fourth = complete(ws, store, "i-soon")  # a message: the last one allowed
    assert (fourth.budget.used, fourth.budget.remaining, fourth.over_budget) == (4, 0, False)

    call = create(ws, store, kind="call")
    err = refused(ws, complete_task, task_id=call.id, outcome="reached", note=None, guide=store.guide, now=T0)
    assert (err.code, err.details) == ("contact_budget_exceeded", {"used": 4, "limit": 4})

    # A visit is not outreach: it is never refused.
    assert complete(ws, store, "i-undated").task.state == "done"

    forced = complete(ws, store, call.id, over_budget_ok=True)
    assert forced.over_budget and forced.task.state == "done"
    assert (forced.budget.used, forced.budget.remaining) == (5, 0)
    with ws.db.read() as s:
        audit = s.execute(select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.guide_id)).all()
    assert ("contact_budget.override", "m-1", "g-li") in audit


def _budget(s):
    b = contact_budget(s, member_id="m-1", now=T0)
    return (b.used, b.limit, b.window_days, b.remaining)


def test_budget_window_slides(ws, store):
    """A contact 31 days ago no longer counts; one 29 days ago still does."""
    _contacted(ws, "m-1", (29, "call"), (31, "call"))
    with ws.db.read() as s:
        assert _budget(s) == (1, 4, 30, 3)


def test_budget_counts_each_task_once(ws, store):
    """A completion made here that HQ already confirmed (replica done, outbox acked) is one contact."""
    complete(ws, store, "i-soon")
    with ws.db.transaction() as s:
        s.execute(update(Outbox).values(state="acked"))
        s.execute(
            update(Base.metadata.tables["task_items"])
            .where(Base.metadata.tables["task_items"].c.id == "i-soon")
            .values(state="done", outcome="reached", completed_at=T0)
        )
    with ws.db.read() as s:
        assert _budget(s) == (1, 4, 30, 3)


def test_budget_counts_follow_ups_made_here_and_ignores_rejected(ws, store):
    """Completions of tasks created offline count; a completion HQ rejected does not."""
    a, b = create(ws, store, kind="call"), create(ws, store, kind="message")
    complete(ws, store, a.id)
    complete(ws, store, b.id)
    with ws.db.read() as s:
        assert _budget(s)[0] == 2
    with ws.db.transaction() as s:
        s.execute(update(Outbox).where(Outbox.args["task_id"].as_string() == b.id).values(state="rejected"))
    with ws.db.read() as s:
        assert _budget(s)[0] == 1


# ---------------------------------------------------------------- the list


def test_list_orders_by_due_with_undated_last_and_pending_creates_in_place(ws, store):
    """Tasks created here sort among HQ's by due time (undated last), and a store filter applies."""
    mid = create(ws, store, "m-2", due_at=T0 + timedelta(hours=12))
    undated = create(ws, store, "m-2")
    with ws.db.transaction() as s:
        add_member(
            s,
            ws.cipher,
            member_id="m-far",
            store_id="store-b",
            card_no="990001",
            name="外店",
            phone="13100009999",
        )
        add_task_list(s, list_id="L-b", title="北京任务", store_id="store-b", created_at=T0)
        s.flush()
        add_task_item(s, item_id="i-other-store", list_id="L-b", member_id="m-far", due_at=T0, created_at=T0)
    everything = listed(ws, store)
    assert ids(everything[:5]) == ["i-done", "i-late", mid.id, "i-cancelled", "i-soon"]
    assert set(ids(everything[5:])) == {"i-undated", undated.id}
    assert "i-other-store" not in ids(everything)
    assert {v.id: v.list_title for v in everything}["i-late"] == "唤醒沉睡会员"
    assert ids(listed(ws, store, state="open")) == ["i-late", mid.id, "i-soon", *ids(everything[5:])]
    assert ids(listed(ws, store, state="done")) == ["i-done"]


def test_list_pages_in_sql_without_gaps_or_repeats(ws, store):
    """Paging through the list yields every task exactly once, in order."""
    for i in range(7):
        create(ws, store, due_at=T0 + (i - 3) * timedelta(hours=7))
    full = ids(listed(ws, store))
    assert len(full) == 12
    pages = [ids(listed(ws, store, offset=o, limit=5)) for o in (0, 5, 10)]
    assert [len(p) for p in pages] == [5, 5, 2]
    assert [t for page in pages for t in page] == full


def test_overlay_shows_pending_completes_and_assigns(ws, store):
    """A completion or assignment made here is what the list shows until HQ answers."""
    mine = create(ws, store, due_at=T0 - DAY)  # overdue at once
    complete(ws, store, "i-late")
    with ws.db.transaction() as s:
        assign_task(s, task_id=mine.id, to_guide_id="g-zhang", manager=store.manager, now=T0)
    views = {v.id: v for v in listed(ws, store)}
    assert (views["i-late"].state, views["i-late"].pending) == ("done", True)
    assert (views[mine.id].assigned_guide_id, views[mine.id].overdue) == ("g-zhang", True)
    assert (views["i-soon"].pending, views["i-soon"].overdue) == (False, False)
    assert ids(listed(ws, store, guide_id="g-zhang", overdue_only=True)) == [mine.id]
    assert ids(listed(ws, store, guide_id="g-li", overdue_only=True)) == []


def test_overdue_count_follows_effective_state(ws, store):
    """The overdue badge counts HQ items and follow-ups made here, and drops what was completed or moved."""
    with ws.db.read() as s:
        assert overdue_count(s, guide_id="g-li", now=T0) == 1  # i-late
    late_here = create(ws, store, due_at=T0 - timedelta(minutes=1))
    create(ws, store, due_at=T0 + timedelta(minutes=1))
    with ws.db.read() as s:
        assert overdue_count(s, guide_id="g-li", now=T0) == 2
    complete(ws, store, "i-late")
    with ws.db.transaction() as s:
        assign_task(s, task_id=late_here.id, to_guide_id="g-zhang", manager=store.manager, now=T0)
        assert overdue_count(s, guide_id="g-li", now=T0) == 0
        assert overdue_count(s, guide_id="g-zhang", now=T0) == 1
        assert overdue_count(s, guide_id="g-zhang", now=T0 + 3 * DAY) == 2  # i-soon is now late too


def test_get_task_and_list_filters_are_checked(ws, store):
    """Unknown tasks read as None; a bad filter or page size is refused."""
    with ws.db.read() as s:
        assert get_task(s, task_id="nope", now=T0) is None
        assert get_task(s, task_id="i-undated", now=T0).kind == "visit"
    for kwargs, code in [
        ({"state": "closed"}, "bad_filter"),
        ({"limit": 0}, "bad_page"),
        ({"limit": 501}, "bad_page"),
        ({"offset": -1}, "bad_page"),
    ]:
        with pytest.raises(InvalidInput) as exc:
            listed(ws, store, **kwargs)
        assert exc.value.code == code


def test_member_not_found_is_a_member_error(ws, store):
    """The counter can offer to enroll or retry: an unknown member is MemberNotFound, not a generic error."""
    err = refused(
        ws,
        create_task,
        member_id="m-x",
        kind="call",
        due_at=None,
        assigned_guide_id=None,
        note=None,
        guide=store.guide,
        now=T0,
    )
    assert isinstance(err, MemberNotFound)


def test_a_follow_up_pulled_back_from_hq_is_listed_once(ws, store):
    """Between push and ack the task is both in the outbox and in the replica: one row, HQ's version."""
    mine = create(ws, store, due_at=T0 + DAY)
    with ws.db.transaction() as s:
        s.execute(update(Outbox).values(state="sent"))
        add_task_item(
            s, item_id=mine.id, member_id="m-1", assigned_guide_id="g-li", due_at=T0 + DAY, created_at=T0
        )
    views = [v for v in listed(ws, store) if v.id == mine.id]
    assert [(v.pending, v.state) for v in views] == [(False, "open")]
    with ws.db.read() as s:
        assert overdue_count(s, guide_id="g-li", now=T0 + 2 * DAY) == 2  # i-late and this one, once


def test_the_guides_badge_and_the_managers_stats_count_the_same_overdue_tasks(ws, store):
    """One definition of "overdue": after a manager reassigns an overdue item offline and a guide adds a
    follow-up already past due, the badge and the stats agree. Fails on the stats' own count before it
    used the badge's definition (badge {A002: 1, A003: 1}, stats {A002: 1, A003: 0})."""
    from app.services.stats import guide_day_stats

    with ws.db.transaction() as s:
        assign_task(s, task_id="i-late", to_guide_id="g-zhang", manager=store.manager, now=T0)
        create_task(
            s, member_id="m-2", kind="call", due_at=T0 - DAY / 2, assigned_guide_id=None, note=None,
            guide=store.guide, now=T0 - DAY,
        )  # fmt: skip
    with ws.db.read() as s:
        badge = {g: overdue_count(s, guide_id=g, now=T0) for g in ("g-li", "g-zhang")}
        report = guide_day_stats(s, store_id="store-a", start=(T0 - DAY).date(), end=T0.date(), now=T0)
    stats = {t.guide_id: t.tasks_overdue for t in report.totals if t.guide_id in badge}
    assert badge == {"g-li": 1, "g-zhang": 1}
    assert stats == badge


def test_the_task_board_splits_a_guides_open_tasks_by_when_they_are_due(ws, store):
    """The guide sees overdue / due today / upcoming / undated with counts, and can keep one HQ list."""
    from app.services.tasks import task_board, task_lists

    with ws.db.transaction() as s:
        create_task(
            s, member_id="m-2", kind="call", due_at=T0 + timedelta(minutes=30), assigned_guide_id=None,
            note=None, guide=store.guide, now=T0,
        )  # fmt: skip
    with ws.db.read() as s:
        board = task_board(s, store_id="store-a", guide_id="g-li", now=T0)
        only_l1 = task_board(s, store_id="store-a", guide_id="g-li", now=T0, list_id="L1")
        lists = task_lists(s, store_id="store-a", now=T0)
    assert board.counts == {"overdue": 1, "today": 1, "upcoming": 0, "undated": 1}
    assert [t.id for t in board.overdue] == ["i-late"] and board.today[0].member_id == "m-2"
    assert only_l1.counts == {"overdue": 1, "today": 0, "upcoming": 0, "undated": 1}
    [l1] = lists
    assert (l1.title, l1.total, l1.done, l1.open, l1.overdue) == ("唤醒沉睡会员", 4, 1, 3, 1)
