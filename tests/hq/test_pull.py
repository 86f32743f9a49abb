"""Pull as DESIGN.md §5 says: per-scope versions, a compacted change index with put/remove, pages that
never split a version, signed cursors, removes for entities leaving the scope, resets for cursors that
are too old, foreign or of another epoch — and pages a real workstation replica accepts as they come."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from app.db.models import Binding as ReplicaBinding
from app.db.models import Guide as ReplicaGuide
from app.db.models import Member as ReplicaMember
from app.db.models import MemberTag as ReplicaMemberTag
from app.db.models import Policy as ReplicaPolicy
from app.db.models import QrKey as ReplicaQrKey
from app.db.models import TaskItem as ReplicaTaskItem
from app.sync.applier import apply_changes
from app.workstation import Workstation
from contract.pins import verify_pin
from contract.wire import Change, Mutation
from hq.db.database import HqDatabase
from hq.db.models import ChangeIndex, Counter, HqMeta
from hq.services.members import add_member, move_member
from hq.services.tags import create_tag, create_tag_group
from hq.services.tasks import publish_task_list
from hq.sync.changes import prune_removes
from hq.sync.cursor import Cursor, encode_cursor
from tests.hq.harness import DeviceClient, Hq

ENTITY_TABLES = (
    "members", "guides", "stores", "bindings", "binding_conflicts", "member_tags", "member_codes", "notes",
    "task_items", "task_lists", "tags", "tag_groups", "qr_keys", "policy_revisions", "change_index",
)  # fmt: skip


def _uid() -> str:
    return str(uuid.uuid4())


def _apply_all(ws: Workstation, device: DeviceClient, *, limit: int) -> list[list[dict[str, Any]]]:
    """Pull page by page into a real workstation replica, each page in one transaction as the sync
    engine does; returns the pages."""
    pages: list[list[dict[str, Any]]] = []
    for _ in range(10_000):
        body = device.pull(device.cursor, limit=limit).json()
        assert not body.get("reset_required"), body
        with ws.db.transaction() as s:
            apply_changes(s, [Change.from_wire(c) for c in body["changes"]], cipher=ws.cipher)
        pages.append(body["changes"])
        device.cursor = body["cursor"]
        if not body["has_more"]:
            return pages
    raise AssertionError("pull never ended")


def _tag(hq: Hq, name: str = "爱运动") -> str:
    with hq.tx() as (s, changes):
        group = create_tag_group(s, name="兴趣", changes=changes)
        return create_tag(s, group_id=group, name=name, changes=changes).id


def test_first_sync_in_small_pages_builds_a_replica_equal_to_hq(hq: Hq, ws: Workstation) -> None:
    """Catches payload fields that do not match the replica's columns, and pages whose rows break the
    workstation's foreign keys (a child before its parent). Applied through the real pull applier.
    Shown to fail without pulling re-written parents forward: FOREIGN KEY constraint failed."""
    store = hq.store("GZ01", "广州天河店")
    guide = hq.guide(store, "陈静", pin="864208")
    manager = hq.guide(store, "王店长", role="manager")
    tag_id = _tag(hq)
    members = [hq.member(store, f"会员{i}", phone=f"1380000{i:04d}") for i in range(12)]
    device = hq.device(store)
    for m in members[:6]:
        device.send(Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": m.id}, guide.id)
        device.send(Mutation.TAG_ADD, {"member_id": m.id, "tag_id": tag_id}, guide.id)
    device.send(
        Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": members[0].id, "body": "喜欢红色"}, guide.id
    )
    with hq.tx() as (s, changes):
        publish_task_list(
            s,
            title="回访沉睡会员",
            member_ids=[m.id for m in members[6:]],
            kind="call",
            now=hq.clock(),
            changes=changes,
        )
    # A member re-written after its tags: compaction moves it past them in the index.
    visit = {"visit_id": _uid(), "member_id": members[0].id, "source": "scan", "at": hq.clock().isoformat()}
    device.send(Mutation.VISIT_RECORD, visit, guide.id)

    pages = _apply_all(ws, device, limit=3)

    assert len(pages) > 5
    with ws.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ReplicaMember)) == 12
        assert s.scalar(select(func.count()).select_from(ReplicaBinding)) == 6
        assert s.scalar(select(func.count()).select_from(ReplicaMemberTag)) == 6
        assert s.scalar(select(func.count()).select_from(ReplicaTaskItem)) == 6
        assert {g.name for g in s.scalars(select(ReplicaGuide))} == {"陈静", "王店长"}
        stored_guide = s.get(ReplicaGuide, guide.id)
        assert stored_guide is not None and verify_pin("864208", stored_guide.pin_hash)
        first = s.get(ReplicaMember, members[0].id)
        assert first is not None and first.phone_masked == "138****0000" and first.last_visit_at is not None
        assert ws.cipher.decrypt(first.phone_enc or b"") == "13800000000"
        binding = s.scalar(select(ReplicaBinding).where(ReplicaBinding.member_id == members[0].id))
        assert binding is not None and (binding.guide_name, binding.store_name) == ("陈静", "广州天河店")
        policy = s.get(ReplicaPolicy, 1)
        assert policy is not None and policy.protection_days == 90
        keys = s.scalars(select(ReplicaQrKey)).all()
        assert len(keys) == 1 and len(keys[0].public_key) == 32
    assert manager.role == "manager"


def test_pages_respect_the_limit_and_never_split_a_version(hq: Hq) -> None:
    """Catches pages cut in the middle of a version (the workstation would commit half of an HQ
    transaction and move its cursor past the other half). Shown to fail with a plain LIMIT cut: the
    rest of the cut version was never delivered."""
    store = hq.store()
    with hq.tx() as (s, changes):
        for i in range(250):  # one transaction: 500 rows, several versions of at most 100 rows
            add_member(s, store=store.id, name=f"批量{i}", now=hq.clock(), changes=changes)
    device = hq.device(store)
    seen_versions: dict[int, int] = {}
    delivered: set[tuple[str, str]] = set()
    page_no = 0
    while True:
        body = device.pull(device.cursor, limit=150).json()
        assert len(body["changes"]) <= 150
        for c in body["changes"]:
            delivered.add((c["t"], c["id"]))
            assert seen_versions.setdefault(c["v"], page_no) == page_no, "a version spans two pages"
        device.cursor = body["cursor"]
        page_no += 1
        if not body["has_more"]:
            break
    assert len(seen_versions) >= 5
    assert sum(1 for t, _ in delivered if t in ("member", "member_code")) == 500  # nothing cut off


def test_nothing_new_is_answered_from_counters_with_the_same_cursor(hq: Hq) -> None:
    """An idle workstation pulls every minute: that must not read entity tables or change the cursor
    (a new cursor would make the workstation write to disk on every idle sync)."""
    store = hq.store()
    hq.member(store)
    device = hq.device(store)
    device.pull_all()
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.lower())

    event.listen(hq.runtime.db.engine, "before_cursor_execute", capture)
    try:
        body = device.pull(device.cursor).json()
    finally:
        event.remove(hq.runtime.db.engine, "before_cursor_execute", capture)
    assert body["changes"] == [] and body["has_more"] is False and body["cursor"] == device.cursor
    touched = [t for t in ENTITY_TABLES if any(f" {t}" in s for s in statements)]
    assert touched == [], statements


def test_only_what_changed_since_the_cursor_comes_back(hq: Hq) -> None:
    """Incremental pulls carry the changed entity, not the store again."""
    store = hq.store()
    guide = hq.guide(store)
    member = hq.member(store)
    device = hq.device(store)
    device.pull_all()
    device.send(Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": member.id, "body": "新备注"}, guide.id)
    changes = device.pull_all()
    assert [(c["t"], c["op"]) for c in changes] == [("note", "put")]
    assert changes[0]["data"]["body"] == "新备注"


def test_a_removed_tag_and_a_member_leaving_the_store_are_removes(hq: Hq, ws: Workstation) -> None:
    """Catches a replica keeping what HQ deleted or moved away (PIPL: a member who left the store's
    scope must be purged there, with everything hanging off it)."""
    a, b = hq.store("A01"), hq.store("B01")
    guide = hq.guide(a)
    tag_id = _tag(hq)
    stay, leave = hq.member(a, "留下"), hq.member(a, "转走")
    device_a, device_b = hq.device(a), hq.device(b)
    for m in (stay, leave):
        device_a.send(Mutation.TAG_ADD, {"member_id": m.id, "tag_id": tag_id}, guide.id)
    device_a.send(Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": leave.id}, guide.id)
    device_a.send(Mutation.NOTE_ADD, {"note_id": _uid(), "member_id": leave.id, "body": "备注"}, guide.id)
    _apply_all(ws, device_a, limit=1000)
    device_b.pull_all()

    device_a.send(Mutation.TAG_REMOVE, {"member_id": stay.id, "tag_id": tag_id}, guide.id)
    with hq.tx() as (s, changes):
        move_member(s, member_id=leave.id, to_store=b.id, changes=changes)
    pages = _apply_all(ws, device_a, limit=1000)
    removed = {(c["t"], c["id"]) for page in pages for c in page if c["op"] == "remove"}
    assert ("member_tag", f"{stay.id}:{tag_id}") in removed
    assert ("member", leave.id) in removed
    assert {t for t, _ in removed} >= {"member", "member_code", "member_tag", "binding", "note"}
    with ws.db.read() as s:
        assert s.get(ReplicaMember, leave.id) is None
        assert s.scalar(select(func.count()).select_from(ReplicaMemberTag)) == 0
        assert s.scalar(select(func.count()).select_from(ReplicaBinding)) == 0
    arrived = {(c["t"], c["op"]) for c in device_b.pull_all()}
    assert {("member", "put"), ("binding", "put"), ("note", "put"), ("member_tag", "put")} <= arrived


def test_a_first_sync_carries_no_removes(hq: Hq) -> None:
    """An empty replica has nothing to remove: the first sync sends only what exists."""
    store = hq.store()
    guide = hq.guide(store)
    member = hq.member(store)
    tag_id = _tag(hq)
    device = hq.device(store)
    device.send(Mutation.TAG_ADD, {"member_id": member.id, "tag_id": tag_id}, guide.id)
    device.send(Mutation.TAG_REMOVE, {"member_id": member.id, "tag_id": tag_id}, guide.id)
    assert all(c["op"] == "put" for c in hq.device(store).pull_all())


def test_a_cursor_from_before_pruned_removes_must_reset(hq: Hq) -> None:
    """Catches a workstation offline beyond retention silently keeping what HQ removed meanwhile."""
    store = hq.store()
    guide = hq.guide(store)
    member = hq.member(store)
    tag_id = _tag(hq)
    device = hq.device(store)
    device.pull_all()
    stale = device.cursor
    device.send(Mutation.TAG_ADD, {"member_id": member.id, "tag_id": tag_id}, guide.id)
    device.send(Mutation.TAG_REMOVE, {"member_id": member.id, "tag_id": tag_id}, guide.id)
    fresh = hq.device(store)
    fresh.pull_all()
    hq.clock.advance(days=91)
    assert prune_removes(hq.runtime.db, before=hq.clock() - timedelta(days=hq.settings.retention_days)) == 1
    body = device.pull(stale).json()
    assert body["reset_required"] is True and body["reason"] == "retention"
    assert fresh.pull(fresh.cursor).json()["changes"] == []  # a cursor past the pruned removes is fine
    assert device.pull(None).json()["has_more"] is False


def test_prune_drops_only_old_removes_and_marks_each_scope_at_what_it_dropped(hq: Hq) -> None:
    """Catches a prune batch that drops a young remove or a put, raises a store's mark past what it
    dropped (its tills would re-pull for nothing) or forgets a store that fell in a later batch."""
    tag_id = _tag(hq)
    stores = [hq.store() for _ in range(3)]
    tills: dict[str, tuple[DeviceClient, str, str]] = {}
    for store in stores:
        guide, device = hq.guide(store), hq.device(store)
        old, young, kept = hq.member(store), hq.member(store), hq.member(store)
        for member in (old, young, kept):
            device.send(Mutation.TAG_ADD, {"member_id": member.id, "tag_id": tag_id}, guide.id)
        device.send(Mutation.TAG_REMOVE, {"member_id": old.id, "tag_id": tag_id}, guide.id)
        tills[store.id] = (device, guide.id, young.id)
    hq.clock.advance(days=60)
    for device, guide_id, young_id in tills.values():  # a remove 31 days old at prune time
        device.send(Mutation.TAG_REMOVE, {"member_id": young_id, "tag_id": tag_id}, guide_id)
        device.pull_all()
    hq.clock.advance(days=31)
    before = hq.clock() - timedelta(days=hq.settings.retention_days)

    assert prune_removes(hq.runtime.db, before=before, scopes_per_transaction=2) == 3

    with hq.runtime.db.read() as s:
        for store in stores:
            scope = f"store:{store.id}"
            rows = s.execute(
                select(ChangeIndex.op, ChangeIndex.version).where(ChangeIndex.scope == scope)
            ).all()
            assert sum(op == "remove" for op, _v in rows) == 1  # the young one stays
            assert sum(op == "put" for op, _v in rows) > 3  # the store, guides, members, codes, kept tags
            counter = s.scalar(select(Counter).where(Counter.scope == scope))
            assert counter is not None
            young_version = max(v for op, v in rows if op == "remove")
            assert 0 < counter.pruned_through < young_version
    for device, _guide, _young in tills.values():  # tills that had pulled past the pruned removes
        assert device.pull(device.cursor).json()["changes"] == []


def test_prune_reads_the_removes_index_not_the_whole_change_index(hq_db: HqDatabase) -> None:
    """At 10,000 stores the change index holds ~30 M rows and a few per cent are removes: the daily
    prune must find them by their own index (a table scan read 8 GB there)."""
    query = (
        select(ChangeIndex.scope)
        .where(ChangeIndex.op == "remove", ChangeIndex.changed_at < func.now())
        .distinct()
    )
    with hq_db.read() as s:
        sql = str(query.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
        if hq_db.is_sqlite:
            plan = " ".join(str(r[-1]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
        else:
            s.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table: the planner's cheapest
            plan = " ".join(r[0] for r in s.execute(text("EXPLAIN " + sql)))
    assert "ix_change_index_removes" in plan, plan


@pytest.mark.parametrize("how", ["tampered", "other_store", "other_epoch", "garbage"])
def test_cursors_that_are_not_ours_reset(hq: Hq, how: str) -> None:
    """A cursor edited by hand, copied from another store's till, or issued by another HQ database
    (a restore, a new HQ) must not be trusted: the workstation wipes its replica and starts over."""
    a, b = hq.store(), hq.store()
    hq.member(a)
    device_a, device_b = hq.device(a), hq.device(b)
    device_a.pull_all()
    device_b.pull_all()
    cursor = {
        "tampered": (device_a.cursor or "")[:-3] + "AAA",
        "other_store": device_b.cursor,
        "other_epoch": encode_cursor(hq.runtime.cursor_key, Cursor("f" * 32, a.id, 0, 0, 0)),
        "garbage": "not-a-cursor",
    }[how]
    body = device_a.pull(cursor).json()
    assert body["reset_required"] is True
    assert body["reason"] == {"tampered": "bad_cursor", "other_store": "foreign_cursor",
                              "other_epoch": "epoch", "garbage": "bad_cursor"}[how]  # fmt: skip


def test_a_device_of_another_store_receives_none_of_this_stores_data(hq: Hq) -> None:
    """The scope is the token's store: a full pull of store B carries no A member, guide or binding."""
    a, b = hq.store("AAA1", "甲店"), hq.store("BBB1", "乙店")
    guide_a = hq.guide(a, "甲导购")
    member_a = hq.member(a, "甲会员", phone="13911112222")
    device_a = hq.device(a)
    device_a.send(Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member_a.id}, guide_a.id)
    text = str(hq.device(b).pull_all())
    for secret in (a.id, guide_a.id, member_a.id, "13911112222", "甲会员", "甲导购"):
        assert secret not in text


def test_qr_private_keys_never_leave_hq(hq: Hq) -> None:
    """Shops verify member codes but must not be able to mint them."""
    store = hq.store()
    keys = [c for c in hq.device(store).pull_all() if c["t"] == "qr_key"]
    assert len(keys) == 1
    assert set(keys[0]["data"]) == {"key_id", "public_key", "active"}


def test_the_epoch_is_stable_per_database(hq: Hq) -> None:
    """server_epoch identifies the HQ database: the same on every response, kept in hq_meta."""
    with hq.runtime.db.read() as s:
        stored = s.scalar(select(HqMeta.value).where(HqMeta.key == "epoch"))
    store = hq.store()
    device = hq.device(store)
    assert device.hello().json()["server_epoch"] == stored == device.pull().json()["server_epoch"]
