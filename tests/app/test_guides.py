"""Offline login at the counter: PINs, the lock-out, manager checks, and the audited phone reveal."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.db.models import AuditEvent, Guide, Outbox
from app.errors import AuthError
from app.services.guides import list_guides, login, require_manager, reveal_phone
from app.workstation import Workstation
from tests.factories import PIN, seed


@pytest.fixture
def store(ws):
    return seed(ws)


def attempt(ws, employee_no, pin) -> str:
    with pytest.raises(AuthError) as exc:
        login(ws.db, employee_no=employee_no, pin=pin, now=ws.clock.now())
    return exc.value.code


def test_login_with_the_right_pin(ws, store):
    """A guide logs in with employee number and PIN, offline."""
    guide = login(ws.db, employee_no="A002", pin=PIN, now=ws.clock.now())
    assert (guide.id, guide.name, guide.role) == ("g-li", "李娜", "guide")


def test_five_wrong_pins_lock_for_five_minutes_even_across_restarts(ws, store, clock):
    """A stolen till cannot be guessed into: 5 wrong PINs lock the number, and a restart does not help."""
    for left in (4, 3, 2, 1):
        with pytest.raises(AuthError) as exc:
            login(ws.db, employee_no="A002", pin="000000", now=clock.now())
        assert (exc.value.code, exc.value.details["attempts_left"]) == ("wrong_pin", left)
    assert attempt(ws, "A002", "000000") == "locked"
    reopened = Workstation.open(ws.data_dir, clock=clock)
    try:
        assert attempt(reopened, "A002", PIN) == "locked", "the right PIN does not open a locked number"
        clock.advance(minutes=5, seconds=1)
        assert login(reopened.db, employee_no="A002", pin=PIN, now=clock.now()).id == "g-li"
    finally:
        reopened.close()


def test_unknown_employee_gets_the_same_answer_as_a_wrong_pin(ws, store):
    """Employee numbers cannot be probed from the login screen."""
    assert attempt(ws, "Z999", PIN) == attempt(ws, "A003", "000000") == "wrong_pin"


def test_inactive_guide_cannot_log_in(ws, store):
    """A guide who left the store is refused even with the right PIN."""
    with ws.db.transaction() as s:
        s.execute(update(Guide).where(Guide.id == "g-zhang").values(active=False))
    assert attempt(ws, "A003", PIN) == "guide_inactive"
    with ws.db.read() as s:
        assert [g.employee_no for g in list_guides(s, store_id="store-a")] == ["A001", "A002"]


def test_manager_actions_need_a_manager_pin(ws, store):
    """Approvals and exports ask for a manager; a guide's PIN is not enough."""
    assert require_manager(ws.db, employee_no="A001", pin=PIN, now=ws.clock.now()).is_manager
    with pytest.raises(AuthError) as exc:
        require_manager(ws.db, employee_no="A002", pin=PIN, now=ws.clock.now())
    assert exc.value.code == "manager_required"


def test_logins_are_audited(ws, store):
    """Who logged in, and who failed, is in the audit log."""
    login(ws.db, employee_no="A002", pin=PIN, now=ws.clock.now())
    attempt(ws, "A002", "999999")
    with ws.db.read() as s:
        assert list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id))) == [
            "login.ok",
            "login.fail",
        ]


def test_revealing_a_phone_is_audited_here_and_at_hq(ws, store):
    """PIPL: the full number is shown only on request, and the reveal travels to HQ's audit log."""
    with ws.db.transaction() as s:
        phone = reveal_phone(s, member_id="m-2", guide=store.guide, now=ws.clock.now(), cipher=ws.cipher)
    assert phone == "13900002222"
    with ws.db.read() as s:
        row = s.scalars(select(Outbox)).one()
        assert (row.name, row.args["action"], row.args["subject_id"]) == (
            "audit.append.v1",
            "pii.reveal_phone",
            "m-2",
        )
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.outbox_id == row.id)) == "audit.append.v1"
