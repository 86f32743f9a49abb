"""The dashboard's roll-ups (hq/db/rollup.py): after any mix of inserts, updates and deletes on the
counted tables they equal a count made afresh, and the dashboard read from them says what a plain count
of the rows says — per store, per guide, per day, for ranges cut into months and days, with overdue
items counted up to the minute."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from contract.storetime import STORE_TZ
from hq.db import rollup
from hq.db.models import Binding, Decline, Member, TaskItem
from hq.services import dashboard
from hq.services.dashboard import Figures
from tests.hq.harness import Hq

# Store midnight of 1 February (a month's first day) in UTC: writes land on both sides of day and month
# boundaries.
EDGE = datetime(2026, 1, 31, 16, 0, tzinfo=UTC)


def _moment(rng: random.Random) -> datetime:
    return EDGE + timedelta(days=rng.randint(-40, 40), minutes=rng.choice((-1, 0, 1, 600)))


class Writer:
    """Random writes straight on HQ's tables, as any writer (a push, the console, an import) makes them."""

    def __init__(self, hq: Hq, rng: random.Random) -> None:
        self.rng = rng
        self.stores = [hq.store() for _ in range(3)]
        self.guides = {s.id: [hq.guide(s).id for _ in range(2)] for s in self.stores}
        self.n = 0

    def _id(self) -> str:
        self.n += 1
        return str(uuid.UUID(int=self.rng.getrandbits(128)))

    def _store_guide(self) -> tuple[str, str]:
        store = self.rng.choice(self.stores).id
        return store, self.rng.choice(self.guides[store])

    def step(self, s: Session) -> None:
        rng = self.rng
        store, guide = self._store_guide()
        kind = rng.choice(("member", "decline", "binding", "task"))
        if kind == "member":
            rows = s.scalars(select(Member)).all()
            if rows and rng.random() < 0.6:
                m = rng.choice(rows)
                change = rng.choice(
                    ("enroll", "unenroll", "paid", "guide", "store", "created", "name", "delete")
                )
                if change == "enroll":
                    m.enrolled_at, m.enrolled_by_guide_id = (
                        _moment(rng),
                        guide if m.store_id == store else None,
                    )
                elif change == "unenroll":
                    m.enrolled_at = None
                elif change == "paid":
                    m.is_paid = not m.is_paid
                elif change == "guide":
                    m.enrolled_by_guide_id = rng.choice(self.guides[m.store_id] + [None])  # type: ignore[operator]
                elif change == "store":
                    m.store_id = store
                elif change == "created":
                    m.created_at = _moment(rng)
                elif change == "name":
                    m.name = f"改名{self.n}"
                elif not s.scalar(
                    select(Binding.id).where(Binding.member_id == m.id).limit(1)
                ) and not s.scalar(select(TaskItem.id).where(TaskItem.member_id == m.id).limit(1)):
                    s.delete(m)
                return
            at = _moment(rng)
            enrolled = rng.random() < 0.7
            s.add(
                Member(
                    id=self._id(),
                    store_id=store,
                    card_no=f"C{self.n:08d}",
                    name=f"会员{self.n}",
                    level="普卡",
                    stage="registered",
                    is_paid=rng.random() < 0.3,
                    online=False,
                    enrolled_at=at if enrolled else None,
                    enrolled_by_guide_id=guide if enrolled else None,
                    created_at=at,
                )
            )
        elif kind == "decline":
            rows = s.scalars(select(Decline)).all()
            if rows and rng.random() < 0.5:
                d = rng.choice(rows)
                if rng.random() < 0.5:
                    s.delete(d)
                else:
                    d.at = _moment(rng)
                return
            s.add(Decline(id=self._id(), store_id=store, guide_id=guide, at=_moment(rng), received_at=EDGE))
        elif kind == "binding":
            members = s.scalars(select(Member.id).where(Member.store_id == store)).all()
            rows = s.scalars(select(Binding)).all()
            if rows and rng.random() < 0.5:
                b = rng.choice(rows)
                change = rng.choice(("delete", "at", "end"))
                if change == "delete":
                    s.delete(b)
                elif change == "at":
                    b.bound_at = _moment(rng)
                else:
                    b.ended_at, b.ended_reason = _moment(rng), "transfer"  # not a counted column
                return
            if members:
                s.add(
                    Binding(
                        id=self._id(),
                        member_id=rng.choice(members),
                        guide_id=guide,
                        store_id=store,
                        active=False,
                        bound_at=_moment(rng),
                    )
                )
        else:
            members = s.scalars(select(Member.id).where(Member.store_id == store)).all()
            rows = s.scalars(select(TaskItem)).all()
            if rows and rng.random() < 0.6:
                t = rng.choice(rows)
                change = rng.choice(("done", "reopen", "cancel", "assign", "due", "delete"))
                if change == "done":
                    t.state, t.completed_at = "done", _moment(rng)
                    t.completed_by_guide_id = rng.choice([*self.guides[t.store_id], None])
                elif change == "reopen":
                    t.state, t.completed_at, t.completed_by_guide_id = "open", None, None
                elif change == "cancel":
                    t.state = "cancelled"
                elif change == "assign":
                    t.assigned_guide_id = rng.choice([*self.guides[t.store_id], None])
                elif change == "due":
                    t.due_at = rng.choice((None, _moment(rng)))
                else:
                    s.delete(t)
                return
            if members:
                s.add(
                    TaskItem(
                        id=self._id(),
                        store_id=store,
                        member_id=rng.choice(members),
                        kind="call",
                        assigned_guide_id=rng.choice((guide, None)),
                        due_at=_moment(rng),
                        state="open",
                        flagged=False,
                        created_at=EDGE,
                    )
                )


def _write(hq: Hq, steps: int, seed: int = 7) -> Writer:
    writer = Writer(hq, random.Random(seed))
    for _ in range(steps // 10):
        with hq.tx() as (s, _changes):
            for _ in range(10):
                writer.step(s)
                s.flush()
    return writer


def _rollups(hq: Hq) -> dict[str, set[tuple[Any, ...]]]:
    """Every roll-up row that counts something (a row taken back to all zeros is the same as none)."""
    out = {}
    with hq.runtime.db.read() as s:
        for table in rollup.TABLES:
            rows = s.execute(text(f"SELECT * FROM {table}")).all()
            out[table] = {tuple(r) for r in rows if any(r[-len(rollup.METRICS) :])}
    return out


def test_triggers_keep_the_rollups_equal_to_a_recount(hq: Hq) -> None:
    """Catches a source write the triggers miss or count twice: an update that moves a row to another
    day, guide or store, a state change of a task, a delete."""
    _write(hq, 400)
    kept = _rollups(hq)
    assert sum(len(rows) for rows in kept.values()) > 100
    with hq.runtime.db.write() as s:
        rollup.rebuild(s.connection())
    assert _rollups(hq) == kept


def _store_day(at: datetime) -> date:
    return at.astimezone(STORE_TZ).date()


def _events(hq: Hq, now: datetime) -> list[tuple[str, str | None, str, datetime, int]]:
    """(store, guide, metric, at, n) for every counted fact, the dashboard's definitions applied to every
    row in Python; an open item counts as overdue at its due time when that is before `now`."""
    out = []
    with hq.runtime.db.read() as s:
        for m in s.scalars(select(Member)):
            out.append((m.store_id, None, "new_members", m.created_at, 1))
            if m.enrolled_by_guide_id is not None and m.enrolled_at is not None:
                out.append((m.store_id, m.enrolled_by_guide_id, "enrolled", m.enrolled_at, 1))
                out.append((m.store_id, m.enrolled_by_guide_id, "paid", m.enrolled_at, int(m.is_paid)))
        out += [(d.store_id, d.guide_id, "declined", d.at, 1) for d in s.scalars(select(Decline))]
        out += [(b.store_id, b.guide_id, "bound", b.bound_at, 1) for b in s.scalars(select(Binding))]
        for t in s.scalars(select(TaskItem)):
            if t.state == "done" and t.completed_at is not None:
                out.append((t.store_id, t.completed_by_guide_id, "tasks_done", t.completed_at, 1))
            if t.state == "open" and t.due_at is not None and t.due_at < now:
                out.append((t.store_id, t.assigned_guide_id, "tasks_overdue", t.due_at, 1))
    return out


def test_the_dashboard_from_rollups_says_what_a_count_of_the_rows_says(hq: Hq) -> None:
    """Catches a range cut wrongly into months and days (a day counted twice or not at all), overdue
    items of today or of a month read whole, a guide's figures under another key."""
    writer = _write(hq, 300, seed=3)
    one_store = writer.stores[0].id
    cases = [
        (date(2026, 1, 1), date(2026, 3, 10), EDGE + timedelta(days=5, hours=3)),  # today inside February
        (date(2025, 12, 20), date(2026, 2, 28), EDGE + timedelta(days=60)),  # whole months, all over
        (date(2026, 1, 31), date(2026, 2, 1), EDGE + timedelta(minutes=1)),  # across midnight, now just after
        (date(2026, 2, 1), date(2026, 2, 28), EDGE - timedelta(days=3)),  # entirely in the future
        (date(2025, 12, 1), date(2026, 3, 31), EDGE + timedelta(days=20, hours=20)),
    ]
    with hq.runtime.db.read() as s:
        due = s.scalars(
            select(TaskItem.due_at).where(TaskItem.state == "open", TaskItem.due_at.is_not(None))
        ).all()
    # Now half a minute after items fell due: overdue already, earlier today.
    cases += [(date(2025, 12, 1), date(2026, 3, 31), at + timedelta(seconds=30)) for at in sorted(due)[:3]]
    for start, end, now in cases:
        events = [e for e in _events(hq, now) if start <= _store_day(e[3]) <= end]
        for store in (None, one_store):
            with hq.runtime.db.read() as s:
                board = dashboard.dashboard(s, start=start, end=end, now=now, store=store)
            mine = [e for e in events if store is None or e[0] == store]
            per: dict[tuple[str, str | None], Counter[str]] = {}
            by_store: dict[str, Counter[str]] = {}
            by_day: dict[date, Counter[str]] = {}
            for sid, gid, metric, at, n in mine:
                per.setdefault((sid, gid), Counter())[metric] += n
                by_store.setdefault(sid, Counter())[metric] += n
                by_day.setdefault(_store_day(at), Counter())[metric] += n
            label = (start, end, now, store)
            assert {s.store_id: s.figures for s in board.stores if s.figures != Figures()} == {
                sid: Figures(**c) for sid, c in by_store.items() if Figures(**c) != Figures()
            }, label
            guides = {k: replace(Figures(**c), new_members=0) for k, c in per.items()}
            assert {(g.store_id, g.guide_id): g.figures for g in board.guides} == {
                k: f for k, f in guides.items() if f != Figures()
            }, label
            with hq.runtime.db.read() as s:
                top = dashboard.dashboard(s, start=start, end=end, now=now, store=store, top_guides=2)
            assert top.guides == board.guides[:2] and top.guides_active == len(board.guides), label
            trend = ("new_members", "enrolled", "declined", "bound")
            assert {
                d.day: tuple(getattr(d, m) for m in trend)
                for d in board.days
                if any(getattr(d, m) for m in trend)
            } == {day: tuple(c[m] for m in trend) for day, c in by_day.items() if any(c[m] for m in trend)}, (
                label
            )
