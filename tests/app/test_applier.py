"""The pull applier writes what HQ says into the replica, encrypting phones and never touching the outbox."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.db.models import Binding, Member, MemberTag, Outbox
from app.errors import GuideDeskError
from app.services.outbox import record_mutation
from app.sync.applier import apply_changes, wipe_replica
from contract.wire import Change, Mutation


def _page() -> list[Change]:
    return [
        Change("store", "s1", "put", 1, {"code": "SH001", "name": "上海南京西路店"}),
        Change("tag_group", "tg1", "put", 2, {"name": "兴趣", "sort": 1}),
        Change("tag", "t1", "put", 3, {"group_id": "tg1", "name": "护肤", "color": "#E91E63"}),
        Change(
            "member",
            "m1",
            "put",
            4,
            {
                "store_id": "s1",
                "card_no": "8800000001",
                "name": "刘洋",
                "phone": "13800001111",
                "stage": "registered",
                "level": "金卡",
                "future_field": "ignored",
            },
        ),
        Change("member_code", "8800000001", "put", 4, {"member_id": "m1", "kind": "card"}),
        Change("member_tag", "m1:t1", "put", 5, {}),
        Change(
            "binding",
            "b1",
            "put",
            6,
            {
                "member_id": "m1",
                "guide_id": "g1",
                "store_id": "s1",
                "active": True,
                "bound_at": "2026-11-01T02:00:00+00:00",
                "guide_name": "李娜",
            },
        ),
    ]


def test_a_page_lands_in_the_replica_with_the_phone_encrypted(ws):
    """Members pulled from HQ are findable by phone yet the number is never stored in the clear."""
    with ws.db.transaction() as s:
        applied = apply_changes(s, _page(), cipher=ws.cipher)
    assert applied.puts == 7
    with ws.db.read() as s:
        member = s.get(Member, "m1")
        assert member.phone_masked == "138****1111"
        assert member.phone_index == ws.cipher.blind_index("13800001111")
        assert ws.cipher.decrypt(member.phone_enc) == "13800001111"
        assert member.version == 4
        assert s.scalar(select(func.count()).select_from(MemberTag)) == 1
        assert s.get(Binding, "b1").bound_at.isoformat() == "2026-11-01T02:00:00+00:00"


def test_applying_the_same_page_twice_changes_nothing(ws):
    """A page re-pulled after a crash before its cursor was saved must be harmless."""
    for _ in range(2):
        with ws.db.transaction() as s:
            apply_changes(s, _page(), cipher=ws.cipher)
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 1


def test_a_removed_member_is_purged_with_its_tags_and_binding(ws):
    """PIPL: a member who left the store's scope leaves no data on the workstation."""
    with ws.db.transaction() as s:
        apply_changes(s, _page(), cipher=ws.cipher)
    with ws.db.transaction() as s:
        apply_changes(s, [Change("member", "m1", "remove", 9)], cipher=ws.cipher)
    with ws.db.read() as s:
        assert s.get(Member, "m1") is None
        assert s.scalar(select(func.count()).select_from(MemberTag)) == 0
        assert s.scalar(select(func.count()).select_from(Binding)) == 0


def test_wiping_the_replica_keeps_the_outbox(ws, clock):
    """A reset forgets what HQ said, never what the guide did."""
    with ws.db.transaction() as s:
        apply_changes(s, _page(), cipher=ws.cipher)
        record_mutation(s, name=Mutation.NOTE_ADD, args={"note_id": "n1", "member_id": "m1", "body": "x"},
                        guide_id="g1", now=clock.now(), member_id="m1")  # fmt: skip
    with ws.db.transaction() as s:
        wipe_replica(s)
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0
        assert s.scalar(select(func.count()).select_from(Outbox)) == 1


def _stored(ws, table: str, key: str) -> dict[str, object]:
    """A replica row exactly as it is on disk (text, integers, blobs), read past SQLAlchemy's types."""
    conn = ws.db.raw()
    try:
        conn.row_factory = sqlite3.Row
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (key,)).fetchone()
        return dict(row)
    finally:
        conn.close()


def test_a_put_stores_exactly_what_hq_sent_and_a_later_put_changes_only_what_it_names(ws):
    """What a first sync writes is byte for byte what the app itself writes for the same values (times
    as `YYYY-MM-DD HH:MM:SS.ffffff` UTC text — SQL compares times as text — booleans as 0/1), and a put
    that does not name a field leaves that column alone, the sealed phone above all.

    Shown to fail on the applier before commit af070b2 (rows straight from the wire dicts): it stored a
    time sent without fractional seconds as `2026-11-01 02:00:00` (the app writes `…02:00:00.000000`,
    which sorts after it), and a member put that did not name `phone` cleared the stored phone."""
    page = _page()
    binding = page[-1].data or {}
    member = {k: v for k, v in (page[3].data or {}).items() if k != "phone"}
    with ws.db.transaction() as s:
        apply_changes(s, page, cipher=ws.cipher)
        s.add(
            Member(
                id="m2", store_id="s1", card_no="8800000002", name="刘洋", stage="registered", level="金卡"
            )
        )
        s.flush()  # the same binding written by the app's own models, under another id
        s.add(Binding(id="b2", member_id="m1", guide_id="g1", store_id="s1", active=True, guide_name="李娜",
                      bound_at=datetime(2026, 11, 1, 2, tzinfo=UTC),
                      protected_until=datetime(2027, 1, 30, 2, 0, 0, 123456, tzinfo=UTC)))  # fmt: skip
    moved = {**binding, "protected_until": "2027-01-30T10:00:00.123456+08:00"}  # not HQ's form: slow path
    with ws.db.transaction() as s:
        apply_changes(s, [Change("binding", "b1", "put", 7, moved)], cipher=ws.cipher)
    pulled, written = _stored(ws, "bindings", "b1"), _stored(ws, "bindings", "b2")
    assert pulled["bound_at"] == written["bound_at"] == "2026-11-01 02:00:00.000000"
    assert pulled["protected_until"] == written["protected_until"] == "2027-01-30 02:00:00.123456"
    assert {**pulled, "id": "b2", "version": 0} == written
    assert pulled["version"] == 7

    before = _stored(ws, "members", "m1")
    with ws.db.transaction() as s:
        apply_changes(s, [Change("member", "m1", "put", 8, {**member, "level": "钻石卡"})], cipher=ws.cipher)
    after = _stored(ws, "members", "m1")
    assert after == {**before, "level": "钻石卡", "version": 8}
    assert ws.cipher.decrypt(after["phone_enc"]) == "13800001111"
    written = _stored(ws, "members", "m2")
    for column in ("is_paid", "online", "enrolled_at", "last_visit_at"):  # given on insert as the app does
        assert before[column] == written[column], column


def test_a_malformed_change_is_a_protocol_error_and_the_page_writes_nothing(ws):
    """A page from a broken HQ is refused whole with a code the engine can report: a time that is not a
    time, or a put with no id, leaves the replica as it was (everything is checked before the first
    write, so even the caller's later commit would store nothing of it).

    Shown to fail on the applier before commit af070b2 (rows straight from the wire dicts): the bad
    time raised a bare ValueError ("day is out of range for month") after the page's member was
    already written in the transaction."""
    for bad in (
        Change(
            "binding", "b1", "put", 6, {**(_page()[-1].data or {}), "bound_at": "2026-02-30T02:00:00+00:00"}
        ),
        {"t": "member", "op": "put", "v": 4, "data": {"name": "无编号"}},
    ):
        with ws.db.transaction() as s:
            with pytest.raises(GuideDeskError) as raised:
                apply_changes(s, [*_page()[:-1], bad], cipher=ws.cipher)
            assert raised.value.code == "protocol_error"
            assert s.scalar(select(func.count()).select_from(Member)) == 0
