"""GET /v1/members/lookup: a member scanned at a counter that does not hold it, authorised by the
member's signed code only, answered in the replica's own shape, and audited."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from app.db.models import Member as ReplicaMember
from app.db.models import Store as ReplicaStore
from app.qr import parse_member_code
from app.sync.applier import apply_changes
from app.workstation import Workstation
from contract.wire import Change, Mutation
from hq.db.models import AuditEvent
from hq.services.qrkeys import create_signing_key, retire_key
from tests.hq.harness import DeviceClient, Hq


def _lookup(hq: Hq, device: DeviceClient, code: str) -> httpx.Response:
    return hq.client.get("/v1/members/lookup", params={"code": code}, headers=device.headers)


def test_a_shopper_from_another_store_is_found_with_their_code(hq: Hq, ws: Workstation) -> None:
    """The card shows at once: name, card, home store and who they are bound to — but not their phone."""
    home, away = hq.store("H1", "家店"), hq.store("W1", "外店")
    guide = hq.guide(home, "陈静")
    member = hq.member(home, "周杰", phone="13612345678")
    hq.device(home).send(
        Mutation.BINDING_CREATE, {"binding_id": str(uuid.uuid4()), "member_id": member.id}, guide.id
    )
    device = hq.device(away)
    answer = _lookup(hq, device, hq.member_code(member.id))
    assert answer.status_code == 200
    body = answer.json()
    assert body["member_id"] == member.id
    assert "13612345678" not in answer.text
    with ws.db.transaction() as s:
        apply_changes(s, [Change.from_wire(c) for c in body["changes"]], cipher=ws.cipher)
    with ws.db.read() as s:
        cached = s.get(ReplicaMember, member.id)
        assert cached is not None and cached.name == "周杰" and cached.phone_enc is None
        assert s.scalar(select(ReplicaStore.name)) == "家店"
    binding = next(c for c in body["changes"] if c["t"] == "binding")
    assert binding["data"]["guide_name"] == "陈静"
    with hq.runtime.db.read() as s:
        audited = s.execute(
            select(AuditEvent.device_id, AuditEvent.subject_id).where(AuditEvent.action == "member.lookup")
        ).all()
    assert [tuple(r) for r in audited] == [(device.device_id, member.id)]


@pytest.mark.parametrize("compact", [True, False], ids=["compact", "gdm1"])
def test_no_valid_code_no_member(hq: Hq, compact: bool) -> None:
    """Forged, expired, unknown-key and garbage codes are refused; an id alone finds nothing."""
    store = hq.store()
    member = hq.member(store)
    device = hq.device(store)
    good = hq.member_code(member.id, ttl_seconds=60, compact=compact)
    assert _lookup(hq, device, good).status_code == 200
    good = hq.member_code(member.id, ttl_seconds=60, compact=compact)
    cases = {
        "forged": good[:-4] + ("aaaa" if good[-4:] != "aaaa" else "bbba"),
        "garbage": "GDM1:" + member.id,
        "compact garbage": "m1." + member.id,
        "card": member.card_no,
    }
    for name, code in cases.items():
        answer = _lookup(hq, device, code)
        assert answer.status_code == 400, name
        assert answer.json()["error"] == "member_code_invalid", name
    hq.clock.advance(seconds=60 + 121)
    expired = _lookup(hq, device, good).json()
    assert expired["details"]["reason"] == "code_expired"


def test_hq_mints_the_compact_code_by_default(hq: Hq) -> None:
    """New codes are the 149-character lowercase format; GDM1 on request; both find the member."""
    store = hq.store()
    member = hq.member(store)
    device = hq.device(store)
    new, old = hq.member_code(member.id), hq.member_code(member.id, compact=False)
    assert new.startswith("m1.") and len(new) == 149 and new == new.lower()
    assert old.startswith("GDM1:")
    for code in (new, old, new.upper()):
        answer = _lookup(hq, device, code)
        assert answer.status_code == 200 and answer.json()["member_id"] == member.id


def test_key_rotation_keeps_old_codes_until_the_key_is_retired(hq: Hq) -> None:
    """Rotation by key id: new codes use the new key, old ones verify until HQ retires the old key."""
    store = hq.store()
    member = hq.member(store)
    device = hq.device(store)
    old_code = hq.member_code(member.id)
    with hq.tx() as (s, changes):
        new_key = create_signing_key(
            s, master_secret=hq.runtime.facts.master_secret, now=hq.clock(), changes=changes
        )
    new_code = hq.member_code(member.id)
    assert parse_member_code(new_code).matches_key(new_key) and new_key != "k1"
    assert _lookup(hq, device, old_code).status_code == 200
    with hq.tx() as (s, changes):
        assert retire_key(s, key_id="k1", now=hq.clock(), changes=changes)
    assert _lookup(hq, device, old_code).json()["details"]["reason"] == "unknown_key"
    assert _lookup(hq, device, new_code).status_code == 200
    keys = {c["id"]: c["data"]["active"] for c in device.pull_all() if c["t"] == "qr_key"}
    assert keys == {"k1": False, new_key: True}


def test_a_member_code_is_honoured_at_one_till_only(hq: Hq) -> None:
    """A code looked up at one till cannot be used again at another (a photo of the shopper's screen
    taken elsewhere), for a lookup or a bind; the till that scanned it may still look it up again and
    bind with it. Fails on the code before the fix: HQ kept no record of used codes, so the same code
    worked at any number of tills until it expired (and for binds, three days more)."""
    home, here, elsewhere = hq.store(), hq.store(), hq.store()
    member = hq.member(home)
    till, other_till = hq.device(here), hq.device(elsewhere)
    code = hq.member_code(member.id)
    assert _lookup(hq, till, code).status_code == 200
    replayed = _lookup(hq, other_till, code)
    assert replayed.status_code == 400 and replayed.json()["details"]["reason"] == "replayed_code"
    bind = {"binding_id": str(uuid.uuid4()), "member_id": member.id, "code": code}
    refused = other_till.send(Mutation.BINDING_CREATE, bind, hq.guide(elsewhere).id)
    assert (refused["status"], refused["details"].get("reason")) == ("rejected", "replayed_code")
    assert _lookup(hq, till, code).status_code == 200
    assert (
        till.send(Mutation.BINDING_CREATE, {**bind, "binding_id": str(uuid.uuid4())}, hq.guide(here).id)[
            "status"
        ]
        == "applied"
    )


def test_the_code_travels_in_the_body_not_the_url(hq: Hq) -> None:
    """POST /v1/members/lookup takes the code in the body, so it is in no access log; the GET of older
    clients still answers."""
    member = hq.member(hq.store())
    device = hq.device(hq.store())
    answer = hq.client.post(
        "/v1/members/lookup", json={"code": hq.member_code(member.id)}, headers=device.headers
    )
    assert answer.status_code == 200 and answer.json()["member_id"] == member.id
    assert _lookup(hq, device, hq.member_code(member.id)).status_code == 200
