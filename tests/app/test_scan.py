"""What the scan field does with each kind of input (DESIGN.md §4), and that refusals write nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.db.models import UsedNonce
from app.errors import MemberNotFound, ScanRejected
from app.qr import sign_member_code
from app.services.outbox import record_mutation
from app.services.scan import resolve_scan
from app.sync.protocol import Mutation
from tests.conftest import T0
from tests.factories import seed


@pytest.fixture
def store(ws):
    return seed(ws)


def scan(ws, text, now=T0):
    with ws.db.transaction() as s:
        return resolve_scan(s, text=text, now=now, cipher=ws.cipher)


def rejected(ws, text, now=T0) -> str:
    with pytest.raises((ScanRejected, MemberNotFound)) as exc:
        scan(ws, text, now)
    return exc.value.code


def test_a_fresh_member_code_finds_the_member_and_spends_its_nonce(ws, store):
    """The shopper's dynamic code opens the card; the nonce is remembered so it cannot be reused."""
    hit = scan(ws, store.member_code("unbound", issued=T0) + "\r\n")
    assert (hit.member_id, hit.kind, hit.pending_enrollment) == (
        store.members["unbound"],
        "member_code",
        False,
    )
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(UsedNonce)) == 1


def test_each_bad_dynamic_code_has_its_own_error(ws, store):
    """Forged, expired, not-yet-valid, replayed and unknown-key codes are told apart for the guide."""
    good = store.member_code("unbound", issued=T0, nonce="n-1")
    head, _, sig = good.rpartition(".")
    forged = head + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    assert rejected(ws, forged) == "forged_code"
    impostor = Ed25519PrivateKey.generate()
    other_key = sign_member_code(
        impostor, key_id="k1", member_id=store.members["unbound"], issued=T0, ttl_seconds=300
    )
    assert rejected(ws, other_key) == "forged_code"
    assert rejected(ws, good, now=T0 + timedelta(seconds=300 + 121)) == "expired_code"
    assert rejected(ws, good, now=T0 - timedelta(seconds=121)) == "not_yet_valid"
    unknown = sign_member_code(store.signing_key, key_id="k9", member_id="m-1", issued=T0, ttl_seconds=300)
    assert rejected(ws, unknown) == "unknown_key"
    scan(ws, good)
    assert rejected(ws, good) == "replayed_code"


def test_a_code_within_clock_tolerance_is_accepted(ws, store):
    """A counter PC a minute off from HQ still accepts a code that just expired by its clock."""
    code = store.member_code("unbound", issued=T0)
    assert scan(ws, code, now=T0 + timedelta(seconds=300 + 60)).kind == "member_code"


@pytest.mark.parametrize(
    "payment",
    ["134567890123456789", "280012345678901234", "6212345678901234567", "301234567890123456"],
)
def test_payment_codes_are_refused_and_never_logged(ws, store, caplog, payment):
    """A payment code shown by mistake is refused with its own message and leaves no trace in the log."""
    caplog.set_level(logging.DEBUG)
    assert rejected(ws, payment) == "payment_code"
    assert payment not in caplog.text
    assert str(len(payment)) not in caplog.text


def test_phone_typed_by_hand_finds_the_member(ws, store):
    """A shopper without the app gives a phone number; the blind index finds the member."""
    hit = scan(ws, store.phones["mine"])
    assert (hit.member_id, hit.kind) == (store.members["mine"], "phone")


def test_member_enrolled_offline_is_found_by_phone_at_once(ws, store, clock):
    """A walk-in enrolled a minute ago (not yet at HQ) is found when they come back to the till."""
    phone = "13912345678"
    with ws.db.transaction() as s:
        record_mutation(
            s,
            name=Mutation.MEMBER_ENROLL,
            args={"member_id": "m-new", "name": "新会员"},
            guide_id=store.guide.id,
            now=clock.now(),
            member_id="m-new",
            lookup_key=ws.cipher.blind_index(phone),
            sealed={"phone": phone},
            cipher=ws.cipher,
        )
    hit = scan(ws, phone)
    assert (hit.member_id, hit.pending_enrollment) == ("m-new", True)


def test_static_cards_with_and_without_prefix(ws, store):
    """Old plastic cards scan as a bare number or as GDC1:…"""
    card = store.cards["colleague"]
    assert scan(ws, card).member_id == store.members["colleague"]
    assert scan(ws, "GDC1:" + card).kind == "card"


def test_unknown_things_are_unknown_codes(ws, store):
    """Garbage, a URL, or a 10 kB paste gives one calm answer."""
    for text in ["", "\r\n", "https://example.com/x?y=1", "扫码", "GDX1:abc", "a\x00b", "9" * 10_000]:
        assert rejected(ws, text) == "unknown_code", text


def test_a_card_not_on_this_workstation_offers_enrollment(ws, store):
    """An unknown card number is 'not on this workstation yet', not 'unknown code'."""
    assert rejected(ws, "8899999999") == "member_not_local"
    assert rejected(ws, "13700009999") == "member_not_local"


def test_a_valid_code_for_a_member_elsewhere_carries_the_id_for_hq_lookup(ws, store):
    """Online, the workstation can fetch the member from HQ using the verified code."""
    code = sign_member_code(
        store.signing_key, key_id="k1", member_id="m-elsewhere", issued=T0, ttl_seconds=300
    )
    with pytest.raises(MemberNotFound) as exc:
        scan(ws, code)
    assert exc.value.details["member_id"] == "m-elsewhere"
    with ws.db.read() as s:  # refused: the nonce was not spent
        assert s.scalar(select(func.count()).select_from(UsedNonce)) == 0


def test_scan_queries_use_indexes(ws, store):
    """At a million members a table scan would miss the one-frame budget."""
    with ws.db.engine.connect() as conn:
        for sql, args in [
            ("SELECT member_id FROM member_codes WHERE code = ?", ("x",)),
            ("SELECT id FROM members WHERE phone_index = ? LIMIT 1", ("x",)),
            ("SELECT id FROM members WHERE id = ?", ("x",)),
        ]:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, args))
            assert "USING" in plan and "SCAN" not in plan, plan
