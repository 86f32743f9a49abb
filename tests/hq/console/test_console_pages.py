"""Console pages in-process (the real app, real SQLite, the test's clock): what an operator sees and what
a page refuses to do. The browser loop against a real HQ process is tests/e2e/test_console_browser.py."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from hq.db.models import AuditEvent, Decline, Member, TaskItem, TaskList
from hq.services import dashboard, outreach, segments, users
from hq.services.policy import new_revision
from hq.sync.changes import ChangeSet, record
from tests.hq.console.conftest import Console, csrf_of


def _members(console: Console, names: list[str], code: str = "SH001") -> list[str]:
    store = console.hq.store(code, "上海南京西路店")
    return [console.hq.member(store, n, phone=f"1380000{i:04d}").id for i, n in enumerate(names)]


def test_a_member_named_script_is_shown_escaped(console: Console) -> None:
    """Markup in member data is text on every page that shows it (search, member page)."""
    [member_id] = _members(console, ["<script>alert(1)</script>"])
    client, _ = console.sign_in("operator")
    for page in (
        client.get("/console/members", params={"q": "<script>"}),
        client.get(f"/console/members/{member_id}"),
    ):
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_an_analyst_cannot_publish_and_nothing_is_written(console: Console) -> None:
    """Even with a valid session and CSRF token, the analyst's publish is 403 and no list exists."""
    _members(console, ["张伟"])
    client, csrf = console.sign_in("analyst")
    answer = client.post("/console/tasks/new", data={"csrf": csrf, "title": "唤醒", "kind": "call"})
    assert answer.status_code == 403
    with console.hq.runtime.db.read() as s:
        assert s.scalar(select(func.count()).select_from(TaskList)) == 0
    assert client.get("/console/tasks/new", follow_redirects=False).status_code == 403
    assert client.get("/console/tasks", follow_redirects=False).status_code == 200  # numbers: yes


def test_preview_counts_the_segment_and_the_contact_budget(console: Console) -> None:
    """A member already at the contact budget is counted as excluded and gets no item when published."""
    ids = _members(console, ["甲", "乙", "丙"])
    with console.hq.tx() as (s, changes):
        new_revision(s, changes=changes, now=console.hq.clock(), contact_budget=1)
    client, csrf = console.sign_in("operator")
    data = {"csrf": csrf, "title": "第一轮", "kind": "call"}
    with console.hq.runtime.db.write() as s:
        changes = ChangeSet()
        outreach.publish(
            s,
            segment=segments.Segment(),
            title="先前",
            kind="call",
            due_at=None,
            script="",
            now=console.hq.clock(),
            changes=changes,
        )
        s.execute(TaskItem.__table__.delete().where(TaskItem.member_id.in_(ids[1:])))
        record(s, changes, now=console.hq.clock())
    fragment = client.get("/console/tasks/preview")
    assert 'id="preview-matched">3<' in fragment.text and 'id="preview-excluded">1<' in fragment.text
    answer = client.post("/console/tasks/new", data=data, follow_redirects=False)
    assert answer.status_code == 303
    list_id = answer.headers["location"].rsplit("/", 1)[1]
    with console.hq.runtime.db.read() as s:
        got = set(s.scalars(select(TaskItem.member_id).where(TaskItem.list_id == list_id)))
    assert got == set(ids[1:])
    page = client.get(f"/console/tasks/{list_id}")
    assert "第一轮" in page.text and page.status_code == 200


def test_withdraw_cancels_open_items_and_is_audited(console: Console) -> None:
    _members(console, ["甲", "乙"])
    client, csrf = console.sign_in("operator")
    answer = client.post(
        "/console/tasks/new",
        data={"csrf": csrf, "title": "新品邀约", "kind": "invite"},
        follow_redirects=False,
    )
    list_id = answer.headers["location"].rsplit("/", 1)[1]
    assert (
        client.post(
            f"/console/tasks/{list_id}/withdraw", data={"csrf": csrf}, follow_redirects=False
        ).status_code
        == 303
    )
    with console.hq.runtime.db.read() as s:
        states = set(s.scalars(select(TaskItem.state).where(TaskItem.list_id == list_id)))
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.actor == "console")))
        who = s.scalar(select(AuditEvent.details).where(AuditEvent.action == "task_list.withdraw"))
    assert states == {"cancelled"}
    assert {"task_list.publish", "task_list.withdraw"} <= set(actions)
    assert who["by"] == "operator"
    admin, _ = console.sign_in("admin")
    log = admin.get("/console/audit")
    assert "task_list.withdraw" in log.text and "operator" in log.text


def test_bad_import_shows_line_errors_and_imports_nothing(console: Console) -> None:
    _members(console, ["已有"])
    client, csrf = console.sign_in("operator")
    body = "store,name,phone\nSH001,赵敏,13700000001\nSH001,,13700000002\nSH001,孙丽,13800000000\n"
    answer = client.post(
        "/console/members/import",
        data={"csrf": csrf},
        files={"file": ("members.csv", body.encode("utf-8-sig"), "text/csv")},
    )
    assert answer.status_code == 422
    assert '<td class="num">3</td>' in answer.text and '<td class="num">4</td>' in answer.text
    assert '<td class="num">2</td>' not in answer.text
    with console.hq.runtime.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 1
    good = "store,name,phone\nSH001,赵敏,13700000001\n"
    answer = client.post(
        "/console/members/import",
        data={"csrf": csrf},
        files={"file": ("members.csv", good.encode(), "text/csv")},
    )
    assert answer.status_code == 200 and 'id="import-done"' in answer.text


def test_dashboard_counts_per_store_and_guide(console: Console) -> None:
    """Enrollments, declines and the join rate of a guide, and the ranking, from HQ's tables."""
    store = console.hq.store("SH001", "上海南京西路店")
    other = console.hq.store("BJ001", "北京三里屯店")
    guide = console.hq.guide(store, "李娜")
    now = console.hq.clock()
    with console.hq.tx() as (s, _changes):
        for i in range(3):
            s.add(
                Member(
                    id=f"m{i}",
                    store_id=store.id,
                    card_no=f"C000{i}",
                    name=f"会员{i}",
                    level="普卡",
                    stage="registered",
                    is_paid=i == 0,
                    online=False,
                    enrolled_at=now,
                    enrolled_by_guide_id=guide.id,
                    created_at=now,
                )
            )
        s.add(Decline(id="d1", store_id=store.id, guide_id=guide.id, at=now, received_at=now))
    today = dashboard.store_today(now)
    with console.hq.runtime.db.read() as s:
        board = dashboard.dashboard(s, start=today - timedelta(days=6), end=today, now=now)
    assert [x.code for x in board.stores] == ["SH001", "BJ001"]
    top = board.stores[0].figures
    assert (top.new_members, top.enrolled, top.declined, top.paid) == (3, 3, 1, 1)
    assert top.join_rate == 0.75
    [row] = [g for g in board.guides if g.guide_id == guide.id]
    assert (row.name, row.figures.enrolled, row.figures.declined) == ("李娜", 3, 1)
    assert board.days[-1].enrolled == 3 and sum(d.enrolled for d in board.days) == 3
    client, _ = console.sign_in("analyst")
    page = client.get("/console/", params={"from": str(today - timedelta(days=6)), "to": str(today)})
    assert page.status_code == 200 and "75.0%" in page.text and other.name in page.text


def test_export_csv_has_a_bom_and_neutralises_formulas(console: Console) -> None:
    """Excel reads the CSV as UTF-8 (BOM) and a store named like a formula stays text."""
    console.hq.store("EVIL1", '=HYPERLINK("http://x")')
    client, _ = console.sign_in("analyst")
    answer = client.get("/console/export/stores.csv")
    assert answer.status_code == 200
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("排名")
    [evil] = [r for r in rows if r[1] == "EVIL1"]
    assert evil[2].startswith("'=")
    xlsx = client.get("/console/export/stores.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_add_user_command_creates_an_admin_who_can_sign_in(console: Console, monkeypatch: object) -> None:
    import sys

    from hq import cli

    monkeypatch.setattr(sys, "stdin", io.StringIO("Another-pass-77\n"))  # type: ignore[attr-defined]
    monkeypatch.setenv("GUIDEDESK_HQ_DB_URL", console.hq.settings.db_url)  # type: ignore[attr-defined]
    out: list[str] = []
    assert cli.main(["add-user", "first.admin", "--role", "admin", "--password-stdin"], out=out.append) == 0
    assert out[0].startswith("admin first.admin")
    client, _ = console.sign_in("first.admin", "Another-pass-77")
    assert csrf_of(client.get("/console/devices"))
    with console.hq.runtime.db.read() as s:
        assert users.list_users(s)


def test_a_personal_api_key_works_for_the_admin_api_until_revoked(console: Console) -> None:
    """Scripts use an admin's own key instead of the shared token; a revoked key, or an operator's key,
    is refused."""
    with console.hq.runtime.db.write() as s:
        ids = {u.username: u.id for u in users.list_users(s)}
        now = console.hq.clock()
        admin_key = users.issue_api_key(s, user_id=ids["admin"], label="nightly export", now=now)
        operator_key = users.issue_api_key(s, user_id=ids["operator"], label="", now=now)
    api = console.client()

    def stores(key: str) -> int:
        return api.get("/v1/admin/stores", headers={"Authorization": f"Bearer {key}"}).status_code

    assert stores(admin_key.secret) == 200
    assert stores(operator_key.secret) == 401
    with console.hq.runtime.db.write() as s:
        users.revoke_api_key(s, key_id=admin_key.key.id, now=console.hq.clock())
    assert stores(admin_key.secret) == 401


def test_every_page_renders_for_an_admin_in_both_languages(console: Console) -> None:
    """No page of the console errors for the role that may see it, in zh_CN or English."""
    _members(console, ["张伟"])
    client, _ = console.sign_in("admin")
    pages = [
        "/",
        "/tasks",
        "/tasks/new",
        "/members?q=张",
        "/members/import",
        "/devices",
        "/users",
        "/audit",
        "/tags",
        "/conflicts",
        "/policy",
        "/stores",
    ]
    for lang in ("zh_CN", "en"):
        for page in pages:
            answer = client.get("/console" + page, params={"lang": lang})
            assert answer.status_code == 200, (lang, page, answer.text[:300])


def test_policy_revision_and_enrollment_code_with_qr(console: Console) -> None:
    """A policy change is a new version in the history; an enrollment code is shown once with a QR."""
    store = console.hq.store("SH001", "上海南京西路店")
    client, csrf = console.sign_in("admin")
    page = client.get("/console/policy")
    form = dict(re.findall(r'name="(\w+)" type="number" value="(\d+)"', page.text))
    form.update({"csrf": csrf, "contact_budget": "2", "renew_on_service": "1", "cross_store_transfer": "0"})
    assert client.post("/console/policy", data=form, follow_redirects=False).status_code == 303
    with console.hq.runtime.db.read() as s:
        from hq.services.policy import current_policy

        assert current_policy(s).contact_budget == 2
    assert "admin" in client.get("/console/policy").text
    issued = client.post(f"/console/stores/{store.id}/enrollment-code", data={"csrf": csrf})
    assert issued.status_code == 200
    assert 'id="enroll-qr"' in issued.text and "data:image/png;base64," in issued.text


def test_departure_hands_members_over_to_a_colleague(console: Console) -> None:
    """A departing guide's active binding ends with reason `departure` and the colleague holds the member;
    the guide can no longer be used, and a PIN reset gives another guide a new hash."""
    from hq.db.models import Binding, Guide

    store = console.hq.store("SH001", "上海南京西路店")
    leaving, taking = console.hq.guide(store, "李娜"), console.hq.guide(store, "王芳")
    member = console.hq.member(store, "张伟", phone="13800000001")
    now = console.hq.clock()
    with console.hq.tx() as (s, _changes):
        s.add(
            Binding(
                id="b-old",
                member_id=member.id,
                guide_id=leaving.id,
                store_id=store.id,
                active=True,
                bound_at=now,
            )
        )
    client, csrf = console.sign_in("admin")
    assert client.get(f"/console/stores/{store.id}/guides").status_code == 200
    answer = client.post(
        f"/console/guides/{leaving.id}/depart",
        data={"csrf": csrf, "to_guide_id": taking.id},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    with console.hq.runtime.db.read() as s:
        rows = {b.id: (b.guide_id, b.active, b.ended_reason) for b in s.scalars(select(Binding))}
        assert rows.pop("b-old") == (leaving.id, False, "departure")
        assert list(rows.values()) == [(taking.id, True, None)]
        assert s.get(Guide, leaving.id).active is False
        old_hash = s.get(Guide, taking.id).pin_hash
    assert (
        client.post(
            f"/console/guides/{taking.id}/pin", data={"csrf": csrf, "pin": "135790"}, follow_redirects=False
        ).status_code
        == 303
    )
    with console.hq.runtime.db.read() as s:
        assert s.get(Guide, taking.id).pin_hash != old_hash
