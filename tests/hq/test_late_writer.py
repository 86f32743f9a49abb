"""A writer that commits late while others write and pull must never be skipped (DESIGN.md §8).

The scenario: writer T1 takes its version, then holds its transaction open; writer T2 starts later and
commits first; a workstation pulls in between; then T1 commits. With HQ's counters, T2 cannot take a
version until T1 commits (T1 holds the counter's row lock), so the pull in between sees neither and
the next pull sees both. With a sequence-based cursor (the classic bug), T2 gets a higher number and
commits first, the pull moves the cursor past it, and T1's change — committed later under a lower
number — is never delivered.

The `sequence` variant swaps in exactly that naive allocator (a PostgreSQL sequence, high-water mark =
max version in the index) and is expected to fail: it proves, on every run, that this test catches the
bug. It is an `xfail(strict=True)`: if the naive cursor ever passed, the suite would fail.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from contract.wire import Mutation
from hq.db.models import ChangeIndex, Counter, Note
from hq.sync import changes as versions
from hq.sync.changes import ChangeSet, ScopeMark, record, store_scope
from tests.hq.harness import Hq


class SequenceAllocator:
    """The bug under test, for this test only: versions from a sequence (taken at write time, not in
    commit order), and the high-water mark read from the index."""

    def allocate(self, session: Session, scope: str, count: int) -> list[int]:
        return [
            int(session.execute(text("SELECT nextval('naive_change_seq')")).scalar_one())
            for _ in range(count)
        ]

    def index_one_version(self, session: Session, scope: str, entries: Any, now: Any) -> int | None:
        return None  # every write through allocate()

    def marks(self, session: Session, scopes: list[str]) -> dict[str, ScopeMark]:
        out = {}
        for scope in scopes:
            top = session.scalar(select(func.max(ChangeIndex.version)).where(ChangeIndex.scope == scope)) or 0
            pruned = session.scalar(select(Counter.pruned_through).where(Counter.scope == scope)) or 0
            out[scope] = ScopeMark(int(top), int(pruned))
        return out


NAIVE = pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="a sequence cursor skips the late writer"
)


@pytest.fixture(params=["counter", pytest.param("sequence", marks=NAIVE)])
def cursor_impl(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "sequence":
        monkeypatch.setattr(versions, "ALLOCATOR", SequenceAllocator())
    yield request.param


def _note(hq: Hq, session: Session, member_id: str, store_id: str, body: str) -> None:
    note = Note(
        id=str(uuid.uuid4()),
        member_id=member_id,
        store_id=store_id,
        guide_id="hq",
        body=body,
        created_at=hq.clock(),
    )
    session.add(note)
    session.flush()
    changes = ChangeSet()
    changes.put(store_scope(store_id), "note", note.id)
    record(session, changes, now=hq.clock())


def test_a_late_committing_writer_is_never_skipped(hq_pg: Hq, cursor_impl: str) -> None:
    """Catches a cursor built on a sequence/identity (or a timestamp): the late writer's change is lost
    for good on every workstation that pulled in between."""
    hq = hq_pg
    if cursor_impl == "sequence":
        with hq.runtime.db.write() as s:
            s.execute(text("CREATE SEQUENCE IF NOT EXISTS naive_change_seq START 1000000"))
    store = hq.store()
    guide = hq.guide(store)
    early, late = hq.member(store, "先写"), hq.member(store, "后写")
    device = hq.device(store)
    device.pull_all()

    t1_has_version = threading.Event()
    release_t1 = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:  # T1: versioned first, committed last
        try:
            with hq.runtime.db.write() as s:
                _note(hq, s, early.id, store.id, "T1 late commit")
                t1_has_version.set()
                release_t1.wait(timeout=20)
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    def quick_writer() -> None:  # T2: starts after T1 took its version, commits as soon as it can
        try:
            device.send(
                Mutation.NOTE_ADD,
                {"note_id": str(uuid.uuid4()), "member_id": late.id, "body": "T2"},
                guide.id,
            )
        except BaseException as exc:
            errors.append(exc)

    t1 = threading.Thread(target=slow_writer)
    t1.start()
    assert t1_has_version.wait(timeout=10)
    t2 = threading.Thread(target=quick_writer)
    t2.start()
    time.sleep(0.5)  # T2 commits now if nothing holds it back (the sequence), or waits on T1's lock
    seen = device.pull_all()  # a workstation syncing in between
    release_t1.set()
    t1.join(timeout=30)
    t2.join(timeout=30)
    assert not errors, errors
    seen += device.pull_all()
    bodies = {c["data"]["body"] for c in seen if c["t"] == "note" and c["op"] == "put"}
    assert bodies == {"T1 late commit", "T2"}


def test_a_pull_during_a_long_write_sees_nothing_of_it_until_commit(hq: Hq) -> None:
    """On both databases: an uncommitted change is invisible, and appears whole after the commit."""
    store = hq.store()
    member = hq.member(store)
    device = hq.device(store)
    device.pull_all()
    started, release = threading.Event(), threading.Event()

    def writer() -> None:
        with hq.runtime.db.write() as s:
            _note(hq, s, member.id, store.id, "long write")
            started.set()
            release.wait(timeout=20)

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(timeout=10)
    assert device.pull_all() == []
    release.set()
    thread.join(timeout=30)
    assert [c["data"]["body"] for c in device.pull_all()] == ["long write"]
