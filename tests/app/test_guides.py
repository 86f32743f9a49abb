"""Offline login at the counter: PINs, the lock-out, manager checks, the guide list, and the audited
phone reveal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.db.models import AuditEvent, Guide, LoginState, Member, Outbox
from app.errors import AuthError, InvalidInput, MemberNotFound, RuleRefused
from app.services.guides import (
    LOCK_FOR,
    LoginAttempt,
    attempt_login,
    list_guides,
    login,
    require_manager,
    reveal_phone,
)
from app.services.members import Consent, enroll_member
from app.workstation import Workstation
from tests.factories import PIN, seed

WRONG = "000000"


@pytest.fixture
def store(ws):
    return seed(ws)


def try_once(ws, employee_no, pin, *, manager=False) -> LoginAttempt:
    """One attempt in its own transaction, the way the UI's task runner makes it."""
    with ws.db.transaction() as s:
        return attempt_login(
            s,
            employee_no=employee_no,
            pin=pin,
            now=ws.clock.now(),
            manager=manager,
            monotonic=ws.clock.monotonic(),
        )


def refusal(ws, employee_no, pin) -> str:
    with pytest.raises(AuthError) as exc:
        login(ws.db, employee_no=employee_no, pin=pin, now=ws.clock.now(), monotonic=ws.clock.monotonic())
    return exc.value.code


def audit_actions(ws) -> list[str]:
    with ws.db.read() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_with_the_right_pin(ws, store):
    """A guide logs in with employee number and PIN, offline."""
    guide = login(ws.db, employee_no=" A002 ", pin=PIN, now=ws.clock.now())
    assert (guide.id, guide.store_id, guide.name, guide.role) == ("g-li", "store-a", "李娜", "guide")


def test_five_wrong_pins_in_separate_transactions_lock_even_the_right_pin(ws, store):
    """A refused attempt is data, not an exception: each transaction commits its count, so 5 wrong
    PINs lock the number, and then the right PIN is refused too."""
    for left in (4, 3, 2, 1):
        attempt = try_once(ws, "A002", WRONG)
        assert attempt.guide is None and attempt.error is not None
        assert (attempt.error.code, attempt.error.details["attempts_left"]) == ("wrong_pin", left)
    fifth = try_once(ws, "A002", WRONG)
    assert fifth.error is not None and fifth.error.code == "locked"
    assert fifth.error.details["until"] == ws.clock.now() + LOCK_FOR
    locked = try_once(ws, "A002", PIN)
    assert not locked.ok and locked.error is not None and locked.error.code == "locked"
    with pytest.raises(AuthError):
        locked.unwrap()


def test_login_raises_only_after_the_failure_is_committed(ws, store):
    """The raising `login` wrapper still counts: five failed logins lock the number."""
    assert [refusal(ws, "A002", WRONG) for _ in range(5)] == ["wrong_pin"] * 4 + ["locked"]
    assert refusal(ws, "A002", PIN) == "locked"


def test_the_lock_lapses_after_five_minutes_and_survives_a_restart(ws, store, clock):
    """Restarting the app does not reset the lock; five minutes later the right PIN works again and
    the count starts afresh."""
    for _ in range(5):
        try_once(ws, "A002", WRONG)
    ws.close()
    reopened = Workstation.open(ws.data_dir, clock=clock)
    try:
        clock.advance(minutes=4, seconds=59)
        assert refusal(reopened, "A002", PIN) == "locked", "a restart does not open a locked number"
        clock.advance(seconds=2)
        assert (
            login(reopened.db, employee_no="A002", pin=PIN, now=clock.now(), monotonic=clock.monotonic()).id
            == "g-li"
        )
        attempt = try_once(reopened, "A002", WRONG)
        assert attempt.error is not None and attempt.error.details["attempts_left"] == 4
    finally:
        reopened.close()


def test_a_success_resets_the_run_of_wrong_pins(ws, store):
    """Four slips, then the right PIN: the next slip is the first of a new run, not a lock."""
    for _ in range(4):
        try_once(ws, "A002", WRONG)
    assert try_once(ws, "A002", PIN).ok
    attempt = try_once(ws, "A002", WRONG)
    assert attempt.error is not None and attempt.error.details["attempts_left"] == 4


def test_a_clock_set_back_does_not_lengthen_the_lock(ws, store, clock):
    """A till whose clock jumps back a year is locked for five minutes from then, not for a year."""
    for _ in range(5):
        try_once(ws, "A002", WRONG)
    clock.set_wall(clock.now() - timedelta(days=365))
    attempt = try_once(ws, "A002", PIN)
    assert attempt.error is not None and attempt.error.code == "locked"
    assert attempt.error.details["until"] == clock.now() + LOCK_FOR
    clock.advance(minutes=5, seconds=1)
    assert try_once(ws, "A002", PIN).ok


def test_a_clock_set_forward_does_not_end_the_lock(ws, store, clock):
    """Five wrong PINs, then the PC's date set a day ahead: the right PIN is still refused, because the
    lock-out counts on the monotonic clock. Fails on the code before the fix: the lock followed the
    wall clock, so setting it forward cleared the lock and a guesser got five more tries each time."""
    for _ in range(5):
        with ws.db.transaction() as s:
            attempt_login(s, employee_no="A002", pin=WRONG, now=clock.now())
    clock.at = clock.at + timedelta(days=1)  # someone sets the PC's date forward
    with ws.db.transaction() as s:
        attempt = attempt_login(s, employee_no="A002", pin=PIN, now=clock.now())
    assert attempt.error is not None and attempt.error.code == "locked"


def test_pins_are_six_digits_and_cheap_hashes_never_verify():
    """HQ refuses PINs under six digits, and the workstation refuses a stored hash cheaper than the
    minimum cost even when the PIN is right. Fails on the code before the fix: 4-digit PINs were valid
    and a hash naming n=2**10 verified."""
    from contract.pins import hash_pin, valid_pin, verify_pin

    assert not valid_pin("2468") and not valid_pin("24680") and valid_pin("246810")
    assert not verify_pin("246810", hash_pin("246810", n=2**10))
    assert verify_pin("246810", hash_pin("246810"))


def test_unknown_employee_gets_the_same_answer_as_a_wrong_pin(ws, store):
    """Employee numbers cannot be probed: an unknown number is refused, counted and locked exactly
    like a known number with a wrong PIN."""
    unknown = [try_once(ws, "Z999", PIN).error for _ in range(5)]
    known = [try_once(ws, "A003", WRONG).error for _ in range(5)]
    assert [(e.code, e.details.get("attempts_left")) for e in unknown if e] == [
        (e.code, e.details.get("attempts_left")) for e in known if e
    ]
    assert unknown[-1] is not None and unknown[-1].code == "locked"


def test_inactive_guide_cannot_log_in(ws, store):
    """A guide who left the store is refused even with the right PIN, and is off the guide list."""
    with ws.db.transaction() as s:
        s.execute(update(Guide).where(Guide.id == "g-zhang").values(active=False))
    assert refusal(ws, "A003", PIN) == "guide_inactive"
    assert refusal(ws, "A003", WRONG) == "wrong_pin", "a wrong PIN says nothing about the guide"
    with ws.db.read() as s:
        assert [g.employee_no for g in list_guides(s, store_id="store-a")] == ["A001", "A002"]
        everyone = list_guides(s, store_id="store-a", include_inactive=True)
    assert [(g.employee_no, g.role, g.active) for g in everyone] == [
        ("A001", "manager", True),
        ("A002", "guide", True),
        ("A003", "guide", False),
    ]


def test_manager_actions_need_a_manager_pin(ws, store):
    """Approvals and exports ask for a manager; a guide's PIN is not enough."""
    assert require_manager(
        ws.db, employee_no="A001", pin=PIN, now=ws.clock.now(), monotonic=ws.clock.monotonic()
    ).is_manager
    with pytest.raises(AuthError) as exc:
        require_manager(ws.db, employee_no="A002", pin=PIN, now=ws.clock.now())
    assert exc.value.code == "manager_required"


def test_the_manager_check_locks_like_login(ws, store):
    """Guessing at the manager prompt locks the manager's number for login too."""
    for _ in range(5):
        with pytest.raises(AuthError):
            require_manager(
                ws.db, employee_no="A001", pin=WRONG, now=ws.clock.now(), monotonic=ws.clock.monotonic()
            )
    with pytest.raises(AuthError) as exc:
        require_manager(
            ws.db, employee_no="A001", pin=PIN, now=ws.clock.now(), monotonic=ws.clock.monotonic()
        )
    assert exc.value.code == "locked"
    assert refusal(ws, "A001", PIN) == "locked"


def test_logins_failures_and_locks_are_audited(ws, store):
    """Who logged in, who failed and when a number locked are in the audit log."""
    login(ws.db, employee_no="A002", pin=PIN, now=ws.clock.now())
    for _ in range(5):
        try_once(ws, "A003", WRONG)
    try_once(ws, "A003", PIN)
    assert audit_actions(ws) == ["login.ok"] + ["login.fail"] * 4 + ["login.lock", "login.locked"]
    with ws.db.read() as s:
        ok = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert ok is not None and ok.guide_id == "g-li"


def test_a_blank_employee_number_is_bad_input_and_writes_nothing(ws, store):
    """An empty number is a slip of the keyboard, not a login attempt: no count, no audit."""
    with pytest.raises(InvalidInput):
        try_once(ws, "  ", PIN)
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(LoginState)) == 0
    assert audit_actions(ws) == []


def test_revealing_a_phone_is_audited_here_and_at_hq(ws, store):
    """PIPL: the full number is shown only on request, logged locally and sent to HQ's audit log."""
    with ws.db.transaction() as s:
        phone = reveal_phone(
            s, member_id="m-2", guide=store.guide, now=ws.clock.now(), cipher=ws.cipher
        ).phone
    assert phone == "13900002222"
    with ws.db.read() as s:
        row = s.scalars(select(Outbox)).one()
        assert (row.name, row.guide_id, row.member_id, row.args) == (
            "audit.append.v1",
            "g-li",
            "m-2",
            {"action": "pii.reveal_phone", "subject_id": "m-2", "details": {}},
        )
        local = s.scalars(select(AuditEvent).where(AuditEvent.action == "pii.reveal_phone")).one()
        assert (local.guide_id, local.subject_id) == ("g-li", "m-2")
        assert "13900002222" not in repr(local.details) + repr(row.args)


def test_revealing_the_phone_of_a_member_enrolled_offline(ws, store):
    """A member enrolled here while HQ is unreachable can be called back: the phone comes from the
    sealed enrollment, and the reveal is audited all the same."""
    with ws.db.transaction() as s:
        enrolled = enroll_member(
            s,
            guide=store.guide,
            name="钱多多",
            phone="13312345678",
            consent=Consent(given=True, text_version="2026-01"),
            paid=False,
            now=ws.clock.now(),
            cipher=ws.cipher,
        )
    with ws.db.transaction() as s:
        assert s.get(Member, enrolled.member_id) is None
        phone = reveal_phone(
            s, member_id=enrolled.member_id, guide=store.guide, now=ws.clock.now(), cipher=ws.cipher
        ).phone
    assert phone == "13312345678"
    assert audit_actions(ws)[-1] == "audit.append.v1"
    assert "pii.reveal_phone" in audit_actions(ws)


def test_revealing_an_unknown_member_writes_nothing(ws, store):
    """A stale or foreign member id is refused without leaving a reveal in the logs."""
    with pytest.raises(MemberNotFound), ws.db.transaction() as s:
        reveal_phone(s, member_id="nobody", guide=store.guide, now=ws.clock.now(), cipher=ws.cipher)
    with ws.db.transaction() as s:
        s.execute(update(Member).where(Member.id == "m-3").values(phone_enc=None))
    with pytest.raises(RuleRefused), ws.db.transaction() as s:
        reveal_phone(s, member_id="m-3", guide=store.guide, now=ws.clock.now(), cipher=ws.cipher)
    assert audit_actions(ws) == []
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0
