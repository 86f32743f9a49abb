"""Members' rights at HQ (issue 15, docs/privacy.md): erasure through the admin API, refusal of everything
naming an erased member afterwards, consent withdrawal leaving segment task lists, and the retention
prune. Each test was run against the code before its change and failed there (no erase route, no
`member_erased` refusal, segment lists still picking the member, `prune` keeping old visits)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from contract.wire import Mutation
from hq.cli import main as cli_main
from hq.config import Settings
from hq.db.database import HqDatabase
from hq.db.models import AuditEvent, Member, MemberCode, MemberTag, Note, TaskItem, Visit
from hq.services import segments
from hq.services.members import add_member
from hq.services.privacy import prune_personal
from hq.sync.changes import ChangeSet, record
from tests.hq.harness import ADMIN_TOKEN, Hq

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _post(hq: Hq, path: str, body: Any) -> httpx.Response:
    return hq.client.post(f"/v1/admin{path}", json=body, headers=ADMIN)


def _tag(hq: Hq) -> str:
    group = _post(hq, "/tag-groups", {"name": "偏好"}).json()["tag_group"]["id"]
    return str(_post(hq, f"/tag-groups/{group}/tags", {"name": "香氛"}).json()["tag"]["id"])


def test_erasure_anonymises_at_hq_reaches_every_holding_store_and_refuses_the_member(hq: Hq) -> None:
    """After the admin erases a member: no name, phone, code, tag or note at HQ; the home store and the
    store that looked the member up both pull an `erasure`; a later mutation naming the member is refused
    as member_erased while the device's next mutation still applies; request and completion are audited
    without the erased values; a second request answers with the first erasure."""
    home, away, other = hq.store("H1", "家店"), hq.store("W1", "外店"), hq.store("O1", "别店")
    guide, away_guide = hq.guide(home, "陈静"), hq.guide(away, "王芳")
    member = hq.member(home, "周杰伦", phone="13612345678")
    tag_id = _tag(hq)
    till, away_till, other_till = hq.device(home), hq.device(away), hq.device(other)
    for device in (till, away_till, other_till):
        device.pull_all()
    assert (
        till.send(Mutation.TAG_ADD, {"member_id": member.id, "tag_id": tag_id}, guide.id)["status"]
        == "applied"
    )
    note = {"note_id": str(uuid.uuid4()), "member_id": member.id, "body": "喜欢木质香"}
    assert till.send(Mutation.NOTE_ADD, note, guide.id)["status"] == "applied"
    looked_up = hq.client.get("/v1/members/lookup", params={"code": hq.member_code(member.id)},
                              headers=away_till.headers)  # fmt: skip
    assert looked_up.status_code == 200

    answer = _post(hq, f"/members/{member.id}/erase", {"reason": "PIPL request 17", "requested_by": "dpo"})
    assert answer.status_code == 200, answer.text
    erasure = answer.json()["erasure"]
    assert erasure["already"] is False and len(erasure["scopes"]) == 2

    with hq.runtime.db.read() as s:
        tomb = s.get(Member, member.id)
        assert (tomb.name, tomb.phone, tomb.consent_at) == ("", None, None)
        assert not tomb.card_no.startswith("GD")
        for model in (MemberCode, MemberTag, Note):
            assert s.scalar(select(func.count()).select_from(model).where(model.member_id == member.id)) == 0
        trail = s.execute(
            select(AuditEvent.action, AuditEvent.details).where(AuditEvent.subject_id == member.id)
        )
        texts = {action: str(details) for action, details in trail}
    assert {"member.erase.request", "member.erase.complete"} <= set(texts)
    assert "PIPL request 17" in texts["member.erase.request"] and "dpo" in texts["member.erase.request"]
    assert not any(v in t for t in texts.values() for v in ("周杰伦", "13612345678", "喜欢木质香"))

    home_changes = {(c["t"], c["op"]) for c in till.pull_all() if member.id in c["id"]}
    assert {("erasure", "put"), ("member", "remove"), ("member_tag", "remove")} <= home_changes
    assert ("erasure", "put") in {(c["t"], c["op"]) for c in away_till.pull_all()}
    assert not [c for c in other_till.pull_all() if c["t"] == "erasure"], "only stores that held the member"

    refused = till.push([
        till.mutation(Mutation.TAG_REMOVE, {"member_id": member.id, "tag_id": tag_id}, guide.id),
        till.mutation(Mutation.MEMBER_DECLINE, {"decline_id": str(uuid.uuid4())}, guide.id),
    ]).json()["results"]  # fmt: skip
    assert [(r["status"], r.get("code")) for r in refused] == [
        ("rejected", "member_erased"),
        ("applied", None),
    ]
    bind = {"binding_id": str(uuid.uuid4()), "member_id": member.id, "code": hq.member_code(member.id)}
    assert away_till.send(Mutation.BINDING_CREATE, bind, away_guide.id)["code"] == "member_erased"
    lookup = hq.client.get("/v1/members/lookup", params={"code": hq.member_code(member.id)},
                           headers=away_till.headers)  # fmt: skip
    assert (lookup.status_code, lookup.json()["error"]) == (410, "member_erased")
    again = _post(hq, f"/members/{member.id}/erase", {"reason": "twice"}).json()["erasure"]
    assert again["already"] is True and again["requested_by"] == "dpo"


def test_a_member_who_withdrew_consent_is_skipped_by_segment_task_lists(hq: Hq) -> None:
    """Withdrawal keeps the member but leaves outreach: a segment list of the store skips them, their
    open items are cancelled, and workstations pull consent_withdrawn."""
    store = hq.store("H1", "家店")
    keep, leave = hq.member(store, "留下"), hq.member(store, "退出")
    till = hq.device(store)
    till.pull_all()
    first = _post(hq, "/task-lists", {"title": "回访一", "kind": "call", "stores": [store.id]}).json()
    assert first["task_list"]["items"] == 2
    answer = _post(hq, f"/members/{leave.id}/withdraw-consent", {})
    assert answer.status_code == 200 and answer.json()["consent"]["cancelled_tasks"] == 1
    second = _post(hq, "/task-lists", {"title": "回访二", "kind": "call", "stores": [store.id]}).json()
    assert second["task_list"]["items"] == 1
    by_ids = _post(hq, "/task-lists", {"title": "点名", "kind": "call", "member_ids": [keep.id, leave.id]})
    assert by_ids.json()["task_list"]["items"] == 1
    with hq.runtime.db.read() as s:  # the console's segment composer counts the same way
        assert segments.preview(s, segment=segments.Segment(stores=(store.id,)), now=hq.clock()).matched == 1
    with hq.runtime.db.read() as s:
        open_for_leaver = s.scalar(
            select(func.count())
            .select_from(TaskItem)
            .where(TaskItem.member_id == leave.id, TaskItem.state == "open")
        )
        assert s.get(Member, leave.id).name == "退出"  # still a member
    assert open_for_leaver == 0
    pulled = [c for c in till.pull_all() if c["t"] == "member" and c["id"] == leave.id]
    assert pulled and pulled[-1]["data"]["consent_withdrawn"] is True


def test_hq_prune_drops_visits_and_notes_older_than_the_retention(hq: Hq) -> None:
    """Policy retention_days (400 by default): older visits, notes and audit rows go, newer stay, and the
    erasure's own audit rows are kept as proof."""
    store = hq.store("H1", "家店")
    guide = hq.guide(store, "陈静")
    member = hq.member(store, "会员甲")
    till = hq.device(store)
    visit = {
        "visit_id": str(uuid.uuid4()),
        "member_id": member.id,
        "source": "scan",
        "at": hq.clock().isoformat(),
    }
    assert till.send(Mutation.VISIT_RECORD, visit, guide.id)["status"] == "applied"
    note = {"note_id": str(uuid.uuid4()), "member_id": member.id, "body": "旧备注"}
    assert till.send(Mutation.NOTE_ADD, note, guide.id)["status"] == "applied"
    gone = hq.member(store, "会员乙")
    till.pull_all()  # holds the note now: the prune must reach it as a remove
    assert _post(hq, f"/members/{gone.id}/erase", {"reason": "request"}).status_code == 200
    with hq.tx() as (s, changes):
        kept = prune_personal(s, now=hq.clock(), retention_days=400, changes=changes)
    assert (kept.visits, kept.notes) == (0, 0)
    with hq.tx() as (s, changes):
        pruned = prune_personal(s, now=hq.clock() + timedelta(days=401), retention_days=400, changes=changes)
    assert (pruned.visits, pruned.notes) == (1, 1) and pruned.audit_events > 0
    with hq.runtime.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Visit)) == 0
        assert s.scalar(select(func.count()).select_from(Note)) == 0
        kept_actions = set(s.scalars(select(AuditEvent.action)))
    assert {"member.erase.request", "member.erase.complete"} <= kept_actions
    assert ("note", "remove") in {(c["t"], c["op"]) for c in till.pull_all()}


def test_a_withdrawal_pushed_from_the_counter_cancels_open_items_and_is_pulled_back(hq: Hq) -> None:
    """member.consent_withdraw.v1 from a counter of the member's store: applied once (then merged), the
    member's open task items cancelled, and the member pulled with consent_withdrawn."""
    store = hq.store("H1", "家店")
    guide = hq.guide(store, "陈静")
    member = hq.member(store, "退出者")
    _post(hq, "/task-lists", {"title": "回访", "kind": "call", "member_ids": [member.id]})
    till = hq.device(store)
    till.pull_all()
    args = {"member_id": member.id, "at": hq.clock().isoformat(), "channel": "counter"}
    first = till.send(Mutation.MEMBER_CONSENT_WITHDRAW, args, guide.id)
    assert (first["status"], first["details"]["cancelled_tasks"]) == ("applied", 1)
    assert till.send(Mutation.MEMBER_CONSENT_WITHDRAW, args, guide.id)["status"] == "merged"
    changes = till.pull_all()
    assert any(c["t"] == "member" and c["data"]["consent_withdrawn"] for c in changes)
    assert any(c["t"] == "task_item" and c["data"]["state"] == "cancelled" for c in changes)


def test_hq_member_export_masks_phones_unless_revealed_with_a_purpose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`guidedesk-hq export-members`: masked phones by default; --reveal-phones needs --purpose, and the
    purpose is audited; erased members are not exported. Failed before the change: no such command."""
    monkeypatch.setenv("GUIDEDESK_HQ_DATA_DIR", str(tmp_path / "hq"))
    monkeypatch.delenv("GUIDEDESK_HQ_DB_URL", raising=False)
    monkeypatch.delenv("GUIDEDESK_HQ_SECRET", raising=False)
    lines: list[str] = []
    assert cli_main(["create-store", "SZ01", "深圳海岸城店"], out=lines.append) == 0
    settings = Settings.from_env()
    db = HqDatabase(settings.db_url, pool_size=1)
    with db.write() as s:
        changes = ChangeSet()
        add_member(s, store="SZ01", name="刘洋", phone="13800001111", now=settings.clock(), changes=changes)
        gone = add_member(
            s, store="SZ01", name="删除", phone="13800002222", now=settings.clock(), changes=changes
        )
        record(s, changes, now=settings.clock())
    assert cli_main(["erase-member", gone.id, "--reason", "request"], out=lines.append) == 0
    masked, full = tmp_path / "m.csv", tmp_path / "f.xlsx"
    assert cli_main(["export-members", "SZ01", "--out", str(masked)], out=lines.append) == 0
    text = masked.read_text(encoding="utf-8-sig")
    assert "138****1111" in text and "13800001111" not in text and "删除" not in text
    assert cli_main(["export-members", "SZ01", "--out", str(full), "--reveal-phones"], out=lines.append) == 2
    assert not full.exists()
    argv = ["export-members", "SZ01", "--out", str(full), "--reveal-phones", "--purpose", "年度回访"]
    assert cli_main(argv, out=lines.append) == 0 and full.read_bytes()[:2] == b"PK"
    with db.read() as s:
        audits = s.scalars(select(AuditEvent.details).where(AuditEvent.action == "members.export")).all()
    db.dispose()
    assert [(a["phones"], a.get("purpose")) for a in audits] == [("masked", None), ("revealed", "年度回访")]
