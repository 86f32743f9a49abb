"""What the scan field does with each kind of input (DESIGN.md §4), and that refusals write nothing."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, event, select, update

from app.db.models import MemberCode, Policy, QrKey, UsedNonce
from app.errors import GuideDeskError, MemberNotFound, ScanRejected
from app.qr import sign_member_code
from app.services.outbox import record_mutation
from app.services.scan import ScanHit, classify, resolve_scan
from contract.wire import Mutation
from tests.conftest import T0
from tests.factories import Seeded, seed

TTL, TOLERANCE = 300, 120  # the seeded policy's code TTL and clock tolerance


@pytest.fixture
def store(ws):
    return seed(ws)


def _changes(session) -> int:
    return session.connection().exec_driver_sql("SELECT total_changes()").scalar_one()


def scan(ws, text: str, now: datetime = T0) -> ScanHit:
    with ws.db.transaction() as s:
        return resolve_scan(s, text=text, now=now, cipher=ws.cipher)


def refusal(ws, text: str, now: datetime = T0) -> GuideDeskError:
    """Scan expecting a refusal, and check that the refusal wrote nothing."""
    with ws.db.transaction() as s:
        before = _changes(s)
        with pytest.raises((ScanRejected, MemberNotFound)) as exc:
            resolve_scan(s, text=text, now=now, cipher=ws.cipher)
        assert _changes(s) == before, f"refusing {text[:40]!r} wrote to the database"
        assert not (s.new or s.dirty or s.deleted)
    return exc.value


def code_of(ws, text: str, now: datetime = T0) -> str:
    return refusal(ws, text, now).code


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def crafted(payload: dict[str, Any], signature: bytes = b"\0" * 64) -> str:
    """A GDM1 code with any payload (json escapes allowed) and a signature that verifies nothing."""
    return "GDM1:" + _b64(json.dumps(payload).encode()) + "." + _b64(signature)


def nonces(ws) -> dict[str, datetime]:
    with ws.db.read() as s:
        return dict(s.execute(select(UsedNonce.nonce, UsedNonce.expires_at)).all())


def enroll_here(ws, store: Seeded, *, member_id: str, phone: str, card_no: str) -> None:
    """A walk-in enrolled at this counter and not yet confirmed by HQ: only the outbox knows them."""
    with ws.db.transaction() as s:
        record_mutation(
            s,
            name=Mutation.MEMBER_ENROLL,
            args={"member_id": member_id, "card_no": card_no, "name": "新会员"},
            guide_id=store.guide.id,
            now=T0,
            member_id=member_id,
            lookup_key=ws.cipher.blind_index(phone),
            sealed={"phone": phone},
            cipher=ws.cipher,
        )


@contextmanager
def sql_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement that reaches SQLite while the block runs (BEGIN/COMMIT and our probes left out)."""
    seen: list[tuple[str, Any]] = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().upper()
        if verb.startswith(("SELECT", "INSERT", "UPDATE", "DELETE")) and "total_changes" not in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


# ---------------------------------------------------------------- dynamic member codes


def test_a_fresh_member_code_opens_the_card_and_spends_its_nonce(ws, store):
    """The shopper's dynamic code opens the card; its nonce is kept until the code could no longer pass."""
    hit = scan(ws, store.member_code("unbound", issued=T0, nonce="n-fresh"))
    assert hit == ScanHit(member_id=store.members["unbound"], kind="member_code", pending_enrollment=False)
    assert nonces(ws) == {"n-fresh": T0 + timedelta(seconds=TTL + TOLERANCE)}


@pytest.mark.parametrize("enter", ["\r\n", "\n", "\r"])
def test_the_enter_a_usb_scanner_types_after_a_code_is_accepted(ws, store, enter):
    """Scanners end each code with Enter (CR, LF or CRLF); the code still resolves."""
    assert scan(ws, store.member_code("unbound", issued=T0) + enter).kind == "member_code"
    assert scan(ws, store.cards["mine"] + enter).member_id == store.members["mine"]
    assert scan(ws, store.phones["mine"] + enter).member_id == store.members["mine"]


def test_two_enters_are_not_one_code(ws, store):
    """Only one trailing Enter is the scanner's; a second line break means the text is not a code."""
    assert code_of(ws, store.cards["mine"] + "\r\n\r\n") == "unknown_code"
    assert code_of(ws, "\r\n") == "unknown_code"


def test_a_code_with_a_flipped_signature_byte_is_forged(ws, store):
    """A code whose signature was tampered with is refused as forged, not as garbage."""
    head, _, sig = store.member_code("unbound", issued=T0).rpartition(".")
    raw = bytearray(_unb64(sig))
    raw[10] ^= 0x01
    assert code_of(ws, head + "." + _b64(bytes(raw))) == "forged_code"


def test_a_code_signed_by_another_key_under_a_known_key_id_is_forged(ws, store):
    """A shop cannot mint codes: a key that is not HQ's fails even when it claims HQ's key id."""
    impostor = Ed25519PrivateKey.generate()
    code = sign_member_code(
        impostor, key_id=store.key_id, member_id=store.members["unbound"], issued=T0, ttl_seconds=TTL
    )
    assert code_of(ws, code) == "forged_code"


def test_a_code_edited_to_name_another_member_is_forged(ws, store):
    """Swapping the member id in a real code (keeping HQ's signature) does not open another card."""
    head, _, sig = store.member_code("unbound", issued=T0).rpartition(".")
    payload = json.loads(_unb64(head.removeprefix("GDM1:")))
    payload["mid"] = store.members["mine"]
    assert code_of(ws, crafted(payload, _unb64(sig))) == "forged_code"


def test_an_unknown_or_retired_key_is_refused(ws, store):
    """A code signed under a key id this workstation has not synced, or that HQ retired, is refused."""
    code = sign_member_code(store.signing_key, key_id="k9", member_id="m-1", issued=T0, ttl_seconds=TTL)
    assert code_of(ws, code) == "unknown_key"
    with ws.db.transaction() as s:
        s.execute(update(QrKey).where(QrKey.key_id == store.key_id).values(active=False))
    assert code_of(ws, store.member_code("unbound", issued=T0)) == "unknown_key"


def test_expiry_is_judged_with_the_clock_tolerance(ws, store):
    """A code expired by more than the tolerance is refused; one just within it still opens the card."""
    late_ok = T0 + timedelta(seconds=TTL + TOLERANCE)
    assert scan(ws, store.member_code("unbound", issued=T0), now=late_ok).kind == "member_code"
    expired = refusal(ws, store.member_code("unbound", issued=T0), now=late_ok + timedelta(seconds=1))
    assert expired.code == "expired_code"
    assert expired.details["expired_at"] == T0 + timedelta(seconds=TTL)


def test_a_code_from_the_future_is_not_yet_valid(ws, store):
    """A code issued later than now + tolerance (a counter PC far behind HQ) is not yet valid."""
    early_ok = T0 - timedelta(seconds=TOLERANCE)
    assert scan(ws, store.member_code("unbound", issued=T0), now=early_ok).kind == "member_code"
    too_early = early_ok - timedelta(seconds=1)
    assert code_of(ws, store.member_code("unbound", issued=T0), now=too_early) == "not_yet_valid"


def test_a_code_shown_twice_is_replayed(ws, store):
    """A screenshot of a code already scanned here cannot be scanned again."""
    code = store.member_code("unbound", issued=T0)
    scan(ws, code)
    assert code_of(ws, code, now=T0 + timedelta(seconds=5)) == "replayed_code"
    assert code_of(ws, code + "\r\n", now=T0 + timedelta(seconds=5)) == "replayed_code"


def test_the_synced_policy_sets_the_tolerance_and_a_fresh_workstation_uses_the_default(ws, store):
    """HQ's clock tolerance applies; before any policy is pulled, the model's default (120 s) does."""
    one_minute_late = T0 + timedelta(seconds=TTL + 60)
    with ws.db.transaction() as s:
        s.execute(update(Policy).values(clock_tolerance_seconds=10))
    assert code_of(ws, store.member_code("unbound", issued=T0), now=one_minute_late) == "expired_code"
    with ws.db.transaction() as s:
        s.execute(delete(Policy))
    assert scan(ws, store.member_code("unbound", issued=T0), now=one_minute_late).kind == "member_code"


def test_accepting_a_code_forgets_nonces_that_can_no_longer_be_replayed(ws, store):
    """The nonce table does not grow forever: spent nonces past their code's life are dropped."""
    with ws.db.transaction() as s:
        s.add(UsedNonce(nonce="stale", expires_at=T0 - timedelta(seconds=1)))
        s.add(UsedNonce(nonce="live", expires_at=T0 + timedelta(seconds=30)))
    scan(ws, store.member_code("unbound", issued=T0, nonce="new"))
    assert set(nonces(ws)) == {"live", "new"}


@pytest.mark.parametrize(
    "text",
    [
        "GDM1:",
        "GDM1:abc",
        "GDM1:abc.def",
        "GDM1:!!!.AAAA",
        "GDM1:" + _b64(b"[1,2]") + ".AAAA",
        "GDM1:" + _b64(b"{not json") + ".AAAA",
        crafted({"mid": "m-1", "kid": "k1", "iat": 1, "exp": 2}),  # no nonce
        crafted({"mid": "m-1", "kid": "k1", "iat": "1", "exp": 2, "nonce": "n"}),
    ],
)
def test_a_malformed_member_code_says_so(ws, store, text):
    """A damaged or truncated dynamic code is 'malformed', so the guide asks for a fresh one."""
    assert code_of(ws, text) == "malformed_code"


@pytest.mark.parametrize(
    "payload",
    [
        {"mid": "m-1", "kid": "k1", "iat": 10**12, "exp": 10**12 + 300, "nonce": "n"},  # year 33658
        {"mid": "m-1", "kid": "\ud800", "iat": 1, "exp": 2, "nonce": "n"},  # SQLite cannot bind it
        {"mid": "m-1", "kid": "k1", "iat": 1, "exp": 2, "nonce": "n\u0000"},
        {"mid": "m\u202e1", "kid": "k1", "iat": 1, "exp": 2, "nonce": "n"},
    ],
)
def test_hostile_claims_are_malformed_not_a_crash(ws, store, payload):
    """Claims that decode but cannot be dates or ids (JSON escapes) are refused before any lookup."""
    assert code_of(ws, crafted(payload)) == "malformed_code"


def test_a_code_valid_until_year_9999_does_not_overflow(ws, store):
    """An absurd expiry signed by HQ is accepted without crashing on date arithmetic."""
    iat = int(T0.timestamp())
    end = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    code = sign_member_code(
        store.signing_key,
        key_id=store.key_id,
        member_id=store.members["unbound"],
        issued=T0,
        ttl_seconds=int(end.timestamp()) - iat,
        nonce="forever",
    )
    assert scan(ws, code).kind == "member_code"
    assert code_of(ws, code) == "replayed_code"


def test_a_valid_code_of_a_member_elsewhere_carries_the_id_for_an_hq_lookup(ws, store):
    """Online, the counter can fetch the member from HQ; the nonce is not spent, so the code can be
    scanned again once the member has arrived."""
    code = sign_member_code(
        store.signing_key, key_id=store.key_id, member_id="m-elsewhere", issued=T0, ttl_seconds=TTL
    )
    exc = refusal(ws, code)
    assert (exc.code, exc.details) == (
        "member_not_local",
        {"member_id": "m-elsewhere", "kind": "member_code"},
    )
    assert nonces(ws) == {}


def test_a_member_code_of_a_member_enrolled_here_is_pending(ws, store):
    """A member enrolled here and shown a code before our pull is found, marked pending at HQ."""
    enroll_here(ws, store, member_id="m-new", phone="13912345678", card_no="GD0000000001")
    code = sign_member_code(
        store.signing_key, key_id=store.key_id, member_id="m-new", issued=T0, ttl_seconds=TTL
    )
    assert scan(ws, code) == ScanHit(member_id="m-new", kind="member_code", pending_enrollment=True)


# ---------------------------------------------------------------- payment codes


PAYMENT_CODES = [
    "101234567890123456",  # WeChat Pay: 18 digits, 10…15
    "134567890123456789",
    "151234567890123456",
    "2512345678901234",  # Alipay: 16…24 digits, 25…30
    "280012345678901234",
    "301234567890123456789012",
    "6212345678901234567",  # UnionPay: 19 digits, 62
]


@pytest.mark.parametrize("payment", PAYMENT_CODES)
def test_a_payment_code_is_refused_unread_and_unlogged(ws, store, caplog, payment):
    """A payment code shown by mistake gets its own answer, is never looked up, and leaves no trace in
    the log or the error (not even its length)."""
    caplog.set_level(logging.DEBUG)
    for text in (payment, payment + "\r\n", " " + payment + " "):
        with sql_statements(ws.db.engine) as seen:
            exc = refusal(ws, text)
        assert (exc.code, exc.details) == ("payment_code", {})
        assert seen == [], "a payment code reached the database"
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "payment" in messages
    assert not any(ch.isdigit() for ch in messages), messages


def test_a_payment_code_typed_in_full_width_digits_is_still_a_payment_code(ws, store):
    """Digits typed through an IME are read as the digits they are, so a payment code stays refused."""
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in PAYMENT_CODES[1])
    assert code_of(ws, full_width) == "payment_code"


@pytest.mark.parametrize(
    "near_miss",
    [
        "161234567890123456",  # 18 digits but starts 16
        "13456789012345678",  # 17 digits starting 13
        "251234567890123",  # 15 digits starting 25
        "2512345678901234567890123",  # 25 digits starting 25
        "311234567890123456",  # starts 31
        "6112345678901234567",  # 19 digits starting 61
        "621234567890123456",  # 18 digits starting 62
    ],
)
def test_numbers_just_outside_the_payment_ranges_are_card_lookups(ws, store, near_miss):
    """Only the documented payment ranges are refused; other long numbers may be member cards."""
    exc = refusal(ws, near_miss)
    assert (exc.code, exc.details) == ("member_not_local", {"kind": "card"})


# ---------------------------------------------------------------- phones


def test_a_phone_typed_by_hand_finds_the_member(ws, store):
    """A shopper without the app gives a phone number; the blind index finds the member."""
    assert scan(ws, store.phones["mine"]) == ScanHit(member_id=store.members["mine"], kind="phone")


def test_a_phone_typed_in_full_width_digits_finds_the_member(ws, store):
    """Enrollment accepts full-width digits; the same typing finds the member at the scan field."""
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in store.phones["mine"])
    assert scan(ws, full_width).member_id == store.members["mine"]


def test_a_member_enrolled_offline_is_found_by_phone_at_once(ws, store):
    """A walk-in enrolled a minute ago (not yet at HQ) is found when they come back to the till."""
    enroll_here(ws, store, member_id="m-new", phone="13912345678", card_no="GD0000000001")
    assert scan(ws, "13912345678") == ScanHit(member_id="m-new", kind="phone", pending_enrollment=True)


def test_an_unknown_phone_is_not_local_and_not_repeated_back(ws, store):
    """An unknown mobile offers enrollment; the error does not carry the phone number."""
    exc = refusal(ws, "13700009999")
    assert (exc.code, exc.details) == ("member_not_local", {"kind": "phone"})


def test_a_mobile_number_is_never_looked_up_as_a_card(ws, store):
    """An 11-digit mobile is a phone even when some old card carries the same digits."""
    with ws.db.transaction() as s:
        s.add(MemberCode(code="13711112222", member_id=store.members["unbound"], kind="card"))
    exc = refusal(ws, "13711112222")
    assert (exc.code, exc.details) == ("member_not_local", {"kind": "phone"})


# ---------------------------------------------------------------- cards


def test_static_cards_scan_with_and_without_prefix(ws, store):
    """Old plastic cards scan as a bare number or as GDC1:…"""
    card, member = store.cards["colleague"], store.members["colleague"]
    assert scan(ws, card) == ScanHit(member_id=member, kind="card")
    assert scan(ws, "GDC1:" + card) == ScanHit(member_id=member, kind="card")


def test_the_card_of_a_member_enrolled_here_is_found_before_hq_confirms(ws, store):
    """The card number handed out at enrollment works at once, marked pending at HQ."""
    enroll_here(ws, store, member_id="m-new", phone="13912345678", card_no="GD0000000001")
    assert scan(ws, "GD0000000001") == ScanHit(member_id="m-new", kind="card", pending_enrollment=True)
    assert scan(ws, "GDC1:GD0000000001").pending_enrollment


def test_an_unknown_card_is_not_on_this_workstation_yet(ws, store):
    """An unknown card number is 'not on this workstation yet' (enroll or retry), not 'unknown code'."""
    for text in ("8899999999", "GDC1:8899999999"):
        exc = refusal(ws, text)
        assert (exc.code, exc.details) == ("member_not_local", {"kind": "card"})


# ---------------------------------------------------------------- everything else


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "https://example.com/x?y=1",
        "扫码",
        "GDX1:abc",
        "GDC1:ab",  # a card number is 4–32 letters, digits or dashes
        "GDC1:",
        "a\x00b",
        "8800000000\x00",
        "8800\u200b000000",  # a zero-width space inside a real card number
        "\u202e8800000000",  # a bidi override in front of it
        "8800000000\t",
        "GDM1:" + "A" * 600 + ".AAAA",  # too long to be a code: refused before parsing
        "9" * 10_000,
    ],
)
def test_anything_else_is_an_unknown_code(ws, store, text):
    """Garbage, hidden characters, or a 10 kB paste give one calm answer, even around a real card."""
    assert code_of(ws, text) == "unknown_code"


def test_an_unknown_code_is_logged_by_kind_and_length_only(ws, store, caplog):
    """Support can see that something odd was scanned, but not what: the content never hits the log."""
    caplog.set_level(logging.DEBUG)
    text = "https://pay.example/secret-token-XYZ"
    assert code_of(ws, text) == "unknown_code"
    messages = [r.getMessage() for r in caplog.records if r.name == "app.services.scan"]
    assert messages == [f"scan refused: kind=unknown length={len(text)}"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("134567890123456789", "payment"),
        ("6212345678901234567\r\n", "payment"),
        ("GDM1:abc.def", "member_code"),
        ("13800001111", "phone"),
        ("13800001111\n", "phone"),
        ("12800001111", "card"),  # 11 digits but no mobile prefix
        ("GDC1:8800000001", "card"),
        ("GD0123456789", "card"),
        ("abc", "unknown"),
        ("8800000000\x00", "unknown"),
    ],
)
def test_classify_tells_the_kind_from_the_shape_alone(text, kind):
    """The UI can react to a scan (e.g. refuse a payment code) before any lookup, as resolve_scan will."""
    assert classify(text) == kind


# ---------------------------------------------------------------- the hot path's SQL


def unindexed_steps(engine: Engine, statement: str, params: Any = ()) -> list[str]:
    """The steps of SQLite's plan for `statement` that do not search an index (a SCAN, a temp B-tree)."""
    with engine.connect() as conn:
        plan = [str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    assert plan, statement
    return [step for step in plan if not step.startswith("SEARCH")]


def test_the_plan_check_catches_a_table_scan(ws, store):
    """Guard for the test below: a lookup by an unindexed column is reported."""
    assert unindexed_steps(ws.db.engine, "SELECT id FROM members WHERE enrolled_by_guide_id = ?", ("g",))
    assert not unindexed_steps(ws.db.engine, "SELECT id FROM members WHERE card_no = ?", ("x",))


def test_every_scan_query_searches_an_index(ws, store):
    """At a million members a table scan would miss the one-frame budget: each statement a scan runs,
    on every path (hits, misses, pending enrollments, nonce bookkeeping), searches an index."""
    enroll_here(ws, store, member_id="m-new", phone="13912345678", card_no="GD0000000001")
    elsewhere = sign_member_code(store.signing_key, key_id="k1", member_id="m-x", issued=T0, ttl_seconds=TTL)
    texts = [
        store.member_code("unbound", issued=T0),
        elsewhere,
        store.phones["mine"],
        "13912345678",
        "13700009999",
        store.cards["mine"],
        "GD0000000001",
        "8899999999",
    ]
    with sql_statements(ws.db.engine) as seen:
        for text in texts:
            with ws.db.transaction() as s, suppress(MemberNotFound):
                resolve_scan(s, text=text, now=T0, cipher=ws.cipher)
    queried = {statement for statement, _ in seen}
    for table in ("members", "member_codes", "outbox", "used_nonces", "qr_keys"):
        assert any(table in q for q in queried), f"no statement read {table}: the test lost a path"
    for statement, params in seen:
        if not statement.lstrip().upper().startswith("INSERT"):  # an INSERT has no plan to check
            assert unindexed_steps(ws.db.engine, statement, params) == [], statement


def test_a_scan_hit_makes_one_query_per_lookup(ws, store):
    """A card or phone hit is one indexed read; no ORM loading rides along on the hot path."""
    for text in (store.cards["mine"], store.phones["mine"]):
        with sql_statements(ws.db.engine) as seen:
            scan(ws, text)
        assert len(seen) == 1, seen
