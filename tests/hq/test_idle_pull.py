"""The idle pull's one-statement answer (hq/sync/pull.py `idle_page`): every idle till makes it each
sync interval, so it skips the full path — and must still say everything the full path would: who is
revoked, whose body names another device, who must reset, and the device's current last_mutation_id.

Each of these tests was run against an `idle_page` with the check it names removed, and failed."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import Integer, bindparam, event, text, update

from contract.wire import Mutation
from hq.db.database import HqDatabase, Lookup
from hq.db.models import Device
from hq.services.devices import revoke_device
from tests.hq.harness import Hq, idle_device


def test_an_idle_pull_is_one_statement(hq: Hq, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches the idle pull going back to a transaction of several statements (four round trips on
    PostgreSQL where one does): the budget of DESIGN.md §7 rests on it. Statements are counted both
    through SQLAlchemy and through `HqDatabase.fetch_inline`, which goes to the driver directly."""
    device = idle_device(hq)
    db = hq.runtime.db
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's own BEGIN DEFERRED; PostgreSQL sends none here
            statements.append(statement)

    def fetch_inline(lookup: Lookup, params: dict[str, Any]) -> list[tuple[Any, ...]] | None:
        statements.append(lookup.compiled(db.engine)[0])
        return HqDatabase.fetch_inline(db, lookup, params)

    monkeypatch.setattr(db, "fetch_inline", fetch_inline)
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        body = device.pull(device.cursor).json()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert body["changes"] == [] and body["cursor"] == device.cursor and body["has_more"] is False
    assert len(statements) == 1, statements


def test_a_revoked_till_with_an_up_to_date_cursor_is_refused(hq: Hq) -> None:
    """Catches an idle answer that ignores the device's status: a stolen till would keep syncing."""
    device = idle_device(hq)
    with hq.tx() as (s, _changes):
        assert revoke_device(s, device_id=device.device_id, now=hq.clock())
    answer = device.pull(device.cursor)
    assert answer.status_code == 403 and answer.json()["error"] == "device_revoked"


def test_an_up_to_date_cursor_under_another_device_id_is_refused(hq: Hq) -> None:
    """Catches an idle answer that trusts the body's device_id instead of comparing it to the token's."""
    device = idle_device(hq)
    answer = device.post("/v1/sync/pull", {"device_id": str(uuid.uuid4()), "cursor": device.cursor})
    assert answer.status_code == 403 and answer.json()["error"] == "device_mismatch"


def test_a_requested_reset_reaches_an_idle_till(hq: Hq) -> None:
    """Catches an idle answer that ignores reset_requested: the till would never rebuild its replica."""
    device = idle_device(hq)
    with hq.tx() as (s, _changes):
        s.execute(update(Device).where(Device.id == device.device_id).values(reset_requested=True))
    body = device.pull(device.cursor).json()
    assert body.get("reset_required") is True and body["reason"] == "requested"


def test_an_idle_pull_reports_a_rejected_push(hq: Hq) -> None:
    """A rejected mutation bumps last_mutation_id and no version: the idle answer must read the device
    row now (catches an answer built from anything cached or from the cursor)."""
    store = hq.store()
    guide = hq.guide(store)
    hq.member(store)
    device = hq.device(store)
    device.pull_all()
    result = device.send(
        Mutation.BINDING_CREATE, {"binding_id": str(uuid.uuid4()), "member_id": "nobody"}, guide.id
    )
    assert result["status"] == "rejected"
    body = device.pull(device.cursor).json()
    assert body["changes"] == [] and body["last_mutation_id"] == 1


def test_an_idle_pull_is_answered_when_the_event_loop_connection_breaks(hq: Hq) -> None:
    """Catches a broken event-loop connection reaching the till as a 500, or staying broken: the pull
    goes the threadpool way instead, and the next one is answered on a new connection (shown to fail
    without the except clause in fetch_inline, and without dropping the broken connection)."""
    device = idle_device(hq)
    db = hq.runtime.db
    assert device.pull(device.cursor).status_code == 200  # the loop's connection is open now
    assert db._held is not None
    broken = db._held.driver_connection
    broken.close()  # as when the server or the network drops it

    for _ in range(2):
        answer = device.pull(device.cursor)
        assert answer.status_code == 200, answer.text
        assert answer.json()["changes"] == [] and answer.json()["cursor"] == device.cursor
    assert db._held is not None and db._held.driver_connection is not broken


def test_the_event_loops_connection_holds_no_transaction_open_between_pulls(hq_pg: Hq) -> None:
    """Catches the loop's kept connection leaving a transaction open after its read (as it would
    without autocommit): every answer would still be right, but the transaction would keep its locks on
    `devices` and `counters` for as long as the worker lives, and a migration's ALTER TABLE would wait
    on it. Shown to fail with the inline engine's autocommit taken out."""
    device = idle_device(hq_pg)
    for _ in range(3):
        assert device.pull(device.cursor).status_code == 200
    held = hq_pg.runtime.db._held
    assert held is not None
    pid = held.driver_connection.info.backend_pid
    with hq_pg.runtime.db.lookup() as s:
        state = s.execute(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()
    assert state == "idle", state


def test_a_second_event_loop_does_not_wait_on_the_firsts_read(hq_pg: Hq) -> None:
    """Two event loops in one process (a test's client beside a live server) share the kept connection.
    Catches the second one waiting for the first's read to finish, stalling its loop, or sharing its
    cursor: it must take the threadpool way at once, and the first read its own rows (shown to fail
    without the lock in fetch_inline: the second call waited for the first's statement)."""
    db = hq_pg.runtime.db
    slow = Lookup(text("SELECT :n AS n FROM pg_sleep(0.6)").bindparams(bindparam("n", type_=Integer)))
    quick = Lookup(text("SELECT :n AS n").bindparams(bindparam("n", type_=Integer)))
    assert db.fetch_inline(quick, {"n": 0}) == [(0,)]  # the connection is open and kept
    assert db._held is not None
    pid = db._held.driver_connection.info.backend_pid
    first: list[Any] = []
    reading = threading.Thread(target=lambda: first.append(db.fetch_inline(slow, {"n": 1})))
    reading.start()
    running = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND query LIKE '%pg_sleep%'")
    deadline = time.monotonic() + 0.5  # the inline statements time out at 1 s
    while time.monotonic() < deadline:  # until the first loop's statement is running at the server
        with db.lookup() as s:
            if s.execute(running, {"pid": pid}).scalar():
                break
    started = time.monotonic()
    second = db.fetch_inline(quick, {"n": 2})
    waited = time.monotonic() - started
    reading.join()
    assert second is None and waited < 0.1, (second, waited)
    assert first == [[(1,)]]
