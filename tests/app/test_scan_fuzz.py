"""Property tests: whatever a scanner or a keyboard sends, scan resolution answers with a hit or a typed
error that matches the shape of the input, a refusal writes nothing, and a payment code never reaches the
log. 10,500 generated inputs in all, run on one seeded workstation, each in a transaction rolled back."""

from __future__ import annotations

import base64
import json
import logging
import shutil

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.clock import FixedClock
from app.db.database import DB_FILENAME
from app.errors import GuideDeskError, MemberNotFound
from app.qr import MAX_CODE_LENGTH
from app.services.scan import ScanHit, classify, resolve_scan
from app.workstation import Workstation
from tests.conftest import T0
from tests.factories import Seeded, seed

# What each kind of input may answer besides a hit (DESIGN.md §4).
REFUSALS = {
    "unknown": {"unknown_code"},
    "payment": {"payment_code"},
    "member_code": {
        "malformed_code",
        "unknown_key",
        "forged_code",
        "expired_code",
        "not_yet_valid",
        "replayed_code",
        "member_not_local",
    },
    "phone": {"member_not_local"},
    "card": {"member_not_local"},
}


def budget(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )


@pytest.fixture(scope="module")
def station(tmp_path_factory, template_db):
    """One seeded workstation for all examples: each example runs in a transaction rolled back after."""
    data = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(template_db, data / DB_FILENAME)
    ws = Workstation.open(data, clock=FixedClock(T0))
    store = seed(ws)
    yield ws, store
    ws.close()


def outcome(station: tuple[Workstation, Seeded], text: str) -> ScanHit | GuideDeskError:
    """Resolve `text`; check the answer fits the input's kind and that a refusal wrote nothing."""
    ws, _store = station
    kind = classify(text)
    with ws.db.transaction() as s:
        conn = s.connection()
        before = conn.exec_driver_sql("SELECT total_changes()").scalar_one()
        try:
            result: ScanHit | GuideDeskError = resolve_scan(s, text=text, now=T0, cipher=ws.cipher)
        except GuideDeskError as exc:  # anything else fails the test
            result = exc
            event(f"{kind}: {exc.code}")  # shown by --hypothesis-show-statistics
            assert exc.code in REFUSALS[kind], (kind, exc, text[:80])
            assert not (s.new or s.dirty or s.deleted)
            changed = conn.exec_driver_sql("SELECT total_changes()").scalar_one() - before
            assert changed == 0, f"a refused scan wrote {changed} row(s): {text[:80]!r}"
            if isinstance(exc, MemberNotFound):
                assert exc.details["kind"] == kind
        else:
            event(f"{kind}: hit")
            assert result.kind == kind, (kind, result, text[:80])
            assert result.member_id
        s.rollback()  # keep the station pristine (a spent nonce would turn the next example into a replay)
    return result


# ---------------------------------------------------------------- any text


_ANY_CHAR = st.characters(exclude_categories=())  # every category: controls, format, surrogates, unassigned
_CODE_CHAR = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:")


@st.composite
def near_codes(draw: st.DrawFn) -> str:
    """A real prefix, code-like characters, now and then one odd character, and a line ending."""
    head = draw(st.sampled_from(["GDM1:", "GDC1:", "GDG1:", "GD", "1", "62", ""]))
    body = draw(st.text(_CODE_CHAR, max_size=40))
    odd = draw(st.sampled_from(["", "", "", "\x00", "\t", "\r\n", "\u200b", "\u3000", "１", "Ｇ", "é", " "]))
    at = draw(st.integers(0, len(body)))
    end = draw(st.sampled_from(["", "\r\n", "\n", "\r", "\r\n\r\n", " "]))
    return head + body[:at] + odd + body[at:] + end


@budget(4000)
@given(st.one_of(near_codes(), st.text(_ANY_CHAR, max_size=300)))
def test_any_text_gets_a_typed_answer(station, text):
    """Random text in every Unicode category, control characters and lone surrogates included."""
    outcome(station, text)


@budget(1500)
@given(
    st.one_of(
        st.text(st.characters(codec="ascii"), min_size=300, max_size=10_000),
        st.text(_ANY_CHAR, min_size=500, max_size=10_000),
        st.builds(lambda n: "GDM1:" + "A" * n, st.integers(400, 10_000)),
    )
)
def test_long_pastes_are_unknown_codes(station, text):
    """A 10 kB paste into the scan field is refused calmly, before any parsing."""
    result = outcome(station, text)
    if len(text) > MAX_CODE_LENGTH + len("\r\n"):
        assert isinstance(result, GuideDeskError) and result.code == "unknown_code"


# ---------------------------------------------------------------- digit strings


def expected_kind(digits: str) -> str:
    """DESIGN.md §4 for a digit string, written with integer comparisons instead of the service's
    regular expressions, so the two are checked against each other."""
    n, head = len(digits), int(digits[:2]) if len(digits) >= 2 else -1
    if (n == 18 and 10 <= head <= 15) or (16 <= n <= 24 and 25 <= head <= 30) or (n == 19 and head == 62):
        return "payment"
    if n == 11 and 13 <= head <= 19:
        return "phone"
    return "card" if 4 <= n <= 32 else "unknown"


_PREFIXES = ["", "0", "1", "2", "6", "9"] + [str(p) for p in range(10, 32)] + ["61", "62", "63"]
# (first two digits, length) of every payment code, and of every number one step outside the table.
_PAYMENT_SHAPES = [(p, 18) for p in range(10, 16)] + [(62, 19)]
_PAYMENT_SHAPES += [(p, n) for p in range(25, 31) for n in range(16, 25)]
_EDGE_SHAPES = sorted(
    {(p + dp, n + dn) for p, n in _PAYMENT_SHAPES for dp, dn in [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]}
)


@st.composite
def digit_strings(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # any length 1–30, with a prefix that matters somewhere in the table
        n = draw(st.integers(1, 30))
        head = draw(st.sampled_from(_PREFIXES))[:n]
    else:  # a payment code or a number just outside one
        p, n = draw(st.sampled_from(_EDGE_SHAPES))
        head = str(p)
    return head + draw(st.text("0123456789", min_size=n - len(head), max_size=n - len(head)))


@pytest.fixture(scope="module")
def known_numbers(station) -> list[str]:
    _ws, store = station
    return sorted(store.phones.values()) + sorted(store.cards.values())


@budget(2500)
@given(digits=st.one_of(digit_strings(), st.integers(0, 99)))
def test_digit_strings_of_every_length(station, known_numbers, caplog, digits):
    """Card numbers, phones and payment codes all look alike: each is told apart exactly as the table
    says, the members' own numbers are found, and a payment code's digits never reach the log."""
    if isinstance(digits, int):  # now and then one of the seeded members' own phones and cards
        digits = known_numbers[digits % len(known_numbers)]
    kind = expected_kind(digits)
    assert classify(digits) == kind, digits
    if kind != "payment":
        result = outcome(station, digits)
        if digits in known_numbers:
            assert isinstance(result, ScanHit), (digits, result)
        return
    caplog.clear()
    with caplog.at_level(logging.DEBUG):  # every logger, SQLAlchemy's included
        result = outcome(station, digits)
    assert isinstance(result, GuideDeskError) and result.code == "payment_code"
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "payment" in messages, "the refusal was not logged at all: is caplog capturing?"
    assert not any(ch.isdigit() for ch in messages), messages


# ---------------------------------------------------------------- mutated signed codes


@budget(2500)
@given(data=st.data())
def test_mutated_member_codes_never_open_another_card(station, data):
    """A real signed code with characters flipped, inserted or deleted is never accepted for another
    member: only a change the signature does not cover (a line ending, a base64 padding bit) may pass."""
    _ws, store = station
    code = store.member_code("unbound", issued=T0, nonce="fuzz-nonce")
    spread = data.draw(
        st.randoms(use_true_random=False)
    )  # positions all along the code, not mostly its start
    for _ in range(data.draw(st.integers(1, 3))):
        position = spread.randint(0, len(code))
        char = data.draw(st.one_of(_CODE_CHAR, _ANY_CHAR))
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip":
            code = code[:position] + char + code[position + 1 :]
        elif action == "insert":
            code = code[:position] + char + code[position:]
        elif action == "delete":
            code = code[:position] + code[position + 1 :]
        else:
            code = code[:position]
    result = outcome(station, code)
    if isinstance(result, ScanHit):
        assert (result.member_id, result.kind) == (store.members["unbound"], "member_code")
    elif isinstance(result, MemberNotFound) and result.details["kind"] == "member_code":
        raise AssertionError(f"a mutated code verified for another member: {result.details}")


_EDGE_CLAIMS = [0, -1, 2**31, 253402300799, 253402300800, 10**12, 2**40 - 1, 2**40, 2**63, 1.5, True, None]
_EDGE_CLAIMS += ["", "k1", "m-1", "\ud800", "\x00", "\u202e", "a" * 64, "a" * 65]
_CLAIM = st.one_of(
    st.sampled_from(_EDGE_CLAIMS),  # the year-9999 edge of datetime, the 2**40 bound, unbindable text
    st.text(st.one_of(st.sampled_from("\ud800\udfff\x00\u202ek1"), _ANY_CHAR), max_size=70),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
)


@budget(1000)
@given(data=st.data())
def test_rewritten_claims_are_refused_or_verified(station, data):
    """Claims rewritten inside a well-formed code (valid base64 and JSON, any values) are refused with a
    code, whatever HQ's signature says: a random byte mutation almost never reaches this far."""
    _ws, store = station
    head, _, sig = store.member_code("unbound", issued=T0, nonce="fuzz-nonce").rpartition(".")
    claims = json.loads(base64.urlsafe_b64decode(head.removeprefix("GDM1:") + "=="))
    for name in data.draw(st.sets(st.sampled_from(sorted(claims)), min_size=1)):
        claims[name] = data.draw(_CLAIM)
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    result = outcome(station, "GDM1:" + body + "." + sig)
    assert not isinstance(result, ScanHit), "a rewritten code still verified"
