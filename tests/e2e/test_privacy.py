"""Erasure end to end (PIPL Art. 47, issue 15): a member erased at HQ by the admin CLI leaves the disk of
every counter that held it — its own store's, and another store's that cached it by an online lookup —
and a third counter's offline enrollment of the same person is refused at HQ while the rest of its work
lands."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db.models import Member, Outbox, SyncState, Visit
from app.services.binding import bind_member
from app.services.cards import member_card
from app.services.members import Consent, add_note, enroll_member, record_decline, record_visit
from app.sync.client import SyncError
from app.sync.device import lookup_member_online, open_client
from app.sync.engine import SyncEngine
from app.workstation import Workstation
from hq.db.models import AuditEvent as HqAudit
from hq.db.models import Member as HqMember
from hq.services.devices import revoke_device
from tests.e2e.conftest import ROOT, HqProcess, guide_ref, sync, workstation

NAME = "欧阳晓岚"
PHONE = "13912345678"
NOTE = "只用无香型护肤品"


def _raw(ws: Workstation) -> bytes:
    """The database file and its WAL as they are on disk, byte for byte."""
    path = ws.db.path
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _erase_by_cli(server: HqProcess, member_id: str) -> None:
    data_dir = server.admin.settings.data_dir
    env = dict(os.environ, GUIDEDESK_HQ_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "hq.cli", "erase-member", member_id, "--reason", "ticket 4711", "--by", "dpo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "erased member" in done.stdout


def test_an_erased_member_leaves_every_counter_disk_and_a_stale_enrollment_is_refused(
    tmp_path: Path, hq_server: HqProcess
) -> None:
    """Erase at HQ, sync both counters: the raw files (main + WAL) hold neither the phone's ciphertext,
    the name's UTF-8 bytes nor the note; the offline third counter's enrollment of the same phone is
    refused as member_erased and its other work lands. Fails without the erasure change (the counters
    keep the member), without secure_delete + checkpoint (the bytes stay in free pages and the WAL), or
    without HQ's phone check (the enrollment brings the person back)."""
    member = hq_server.admin.member(hq_server.stores["A"], NAME, phone=PHONE)
    hq_server.admin.member(hq_server.stores["A"], "留存会员", phone="13900000001")
    till_a = workstation(tmp_path, "till-a", hq_server, "A")
    till_b = workstation(tmp_path, "till-b", hq_server, "B")
    till_c = workstation(tmp_path, "till-c", hq_server, "B")
    for ws in (till_a, till_b, till_c):
        sync(ws)
    guide_a, guide_b = guide_ref(hq_server, "A"), guide_ref(hq_server, "B")
    with till_a.db.transaction() as s:
        add_note(s, member_id=member.id, body=NOTE, guide=guide_a, now=till_a.clock.now())
    sync(till_a)
    code = hq_server.admin.member_code(member.id)
    client = open_client(till_b)
    try:  # the shopper shows their code in store B: looked up online and cached there, then bound
        assert lookup_member_online(till_b, client, code=code) == member.id
    finally:
        client.close()
    with till_b.db.transaction() as s:
        bind_member(s, member_id=member.id, guide=guide_b, now=till_b.clock.now(), code=code)
    sync(till_b)
    # The third counter, offline, enrolls the same person again, and does other work.
    with till_c.db.transaction() as s:
        stale = enroll_member(s, guide=guide_b, name=NAME, phone=PHONE, consent=Consent(True, "v1"),
                              paid=False, now=till_c.clock.now(), cipher=till_c.cipher)  # fmt: skip
        other = enroll_member(s, guide=guide_b, name="新会员", phone="13700007777",
                              consent=Consent(True, "v1"), paid=False, now=till_c.clock.now(),
                              cipher=till_c.cipher)  # fmt: skip
        record_decline(s, guide=guide_b, reason=None, now=till_c.clock.now())

    with till_a.db.read() as s:
        phone_enc = s.scalar(select(Member.phone_enc).where(Member.id == member.id))
    assert phone_enc and len(phone_enc) > 16
    till_a.db.checkpoint()
    assert phone_enc in _raw(till_a) and NAME.encode() in _raw(till_a), "the grep must see what is there"
    assert NAME.encode() in _raw(till_b)

    _erase_by_cli(hq_server, member.id)

    for ws in (till_a, till_b):
        report = sync(ws)
        assert report.erased == 1
        with ws.db.read() as s:
            assert s.get(Member, member.id) is None
        raw = _raw(ws)
        assert phone_enc not in raw, "the phone's ciphertext is still on disk"
        assert NAME.encode() not in raw, "the name is still on disk"
        assert NOTE.encode() not in raw, "the note is still on disk"

    report = sync(till_c)
    refused = {r.id: r.code for r in report.rejections}
    assert refused == {stale.outbox_id: "member_erased"}
    assert report.applied == 2  # the other enrollment and the decline landed
    with till_c.db.read() as s:
        row = s.get(Outbox, stale.outbox_id)
        assert row.state == "rejected" and "name" not in row.args and "_sealed" not in row.args
    assert NAME.encode() not in _raw(till_c)

    with hq_server.admin.runtime.db.read() as s:
        tomb = s.get(HqMember, member.id)
        assert (tomb.name, tomb.phone, tomb.erased_at is not None) == ("", None, True)
        assert s.get(HqMember, other.member_id) is not None
        assert s.scalar(select(HqMember.id).where(HqMember.phone == PHONE)) is None
        trail = s.scalars(select(HqAudit.action).where(HqAudit.subject_id == member.id)).all()
        assert {"member.erase.request", "member.erase.complete"} <= set(trail)
        details = s.scalars(select(HqAudit.details).where(HqAudit.action.like("member.erase.%"))).all()
        assert all(NAME not in str(d) and PHONE not in str(d) for d in details)

    client = open_client(till_b)
    try:  # the member's codes are refused from now on
        with pytest.raises(SyncError) as refused_lookup:
            lookup_member_online(till_b, client, code=hq_server.admin.member_code(member.id))
    finally:
        client.close()
    assert refused_lookup.value.code == "member_erased"
    for ws in (till_a, till_b, till_c):
        ws.close()


def test_a_stale_counter_is_restricted_until_a_sync_even_one_with_nothing_new(
    tmp_path: Path, hq_server: HqProcess
) -> None:
    """46 days without HQ: the card shows the name only; the next sync, though it pulls nothing, lifts
    the restriction. Failed before the change: no restriction; and an idle sync never recorded itself."""
    member = hq_server.admin.member(hq_server.stores["A"], "沈佳怡", phone="13812340000")
    till = workstation(tmp_path, "till-a", hq_server, "A")
    sync(till)
    guide = guide_ref(hq_server, "A")
    with till.db.transaction() as s:
        s.get(SyncState, 1).last_sync_at = till.clock.now() - timedelta(days=46)
    with till.db.read() as s:
        card = member_card(s, member_id=member.id, viewer=guide, now=till.clock.now())
    assert card.restricted and card.name == "沈佳怡" and card.phone_masked == ""
    report = sync(till)
    assert report.pulled == 0
    with till.db.read() as s:
        card = member_card(s, member_id=member.id, viewer=guide, now=till.clock.now())
    assert not card.restricted and card.phone_masked == "138****0000"
    assert sync(till).local_writes == 0, "an idle sync right after stays off the disk"
    till.close()


def test_a_revoked_counter_keeps_nothing_personal(tmp_path: Path, hq_server: HqProcess) -> None:
    """Revoked at HQ: at its next sync the counter wipes the replica and strips its local records (visits
    gone, outbox rows as ids, audit rows without details); the name is nowhere in the file. Failed before
    the change: the replica went, but the outbox and audit rows kept the note and the visit stayed."""
    member = hq_server.admin.member(hq_server.stores["A"], "欧阳晓岚", phone="13912345678")
    till = workstation(tmp_path, "till-a", hq_server, "A")
    sync(till)
    guide = guide_ref(hq_server, "A")
    with till.db.transaction() as s:
        record_visit(s, member_id=member.id, guide=guide, source="scan", now=till.clock.now())
        add_note(s, member_id=member.id, body=NOTE, guide=guide, now=till.clock.now())
    with till.db.read() as s:
        device_id = s.get(SyncState, 1).device_id
    with hq_server.admin.runtime.db.write() as s:
        revoke_device(s, device_id=device_id, now=hq_server.admin.clock(), by="test")
    client = open_client(till)
    try:
        report = SyncEngine(till, client).run()
    finally:
        client.close()
    assert report.action == "device_revoked"
    with till.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0
        assert s.scalar(select(func.count()).select_from(Visit)) == 0
        assert all(NOTE not in str(r.args) for r in s.scalars(select(Outbox)))
    raw = _raw(till)
    assert NOTE.encode() not in raw and b"\xe6\xac\xa7\xe9\x98\xb3\xe6\x99\x93\xe5\xb2\x9a" not in raw
    till.close()
