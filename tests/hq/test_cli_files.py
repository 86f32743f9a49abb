"""guidedesk-hq's file and report commands, run in-process (`main(argv)`) against a real HQ database on
SQLite and PostgreSQL: member import from CSV/XLSX (all or nothing, bad lines named by the file's own
line numbers), task lists by file, store and segment, binding conflicts and stats as an operator reads
them. The activity behind conflicts and stats is made the way tills make it: mutations pushed to HQ."""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from contract.wire import Mutation
from hq import cli_files
from hq.cli import main
from hq.db.models import Member, TaskItem, TaskList
from hq.services.guides import GuideView
from hq.services.members import MemberView, add_member, find_member
from hq.services.tags import create_tag, create_tag_group
from tests.hq.harness import T0, Hq

HEADER = "store,name,phone,card_no,level,stage,is_paid,online"


@pytest.fixture
def run(hq: Hq, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`run("import-members", path)` → (exit status, stdout lines), against the test's HQ database."""
    monkeypatch.setenv("GUIDEDESK_HQ_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.delenv("GUIDEDESK_HQ_DB_URL", raising=False)
    monkeypatch.delenv("GUIDEDESK_HQ_SECRET", raising=False)

    def _run(*argv: str | Path) -> tuple[int, list[str]]:
        lines: list[str] = []
        code = main(["--db-url", hq.settings.db_url, *map(str, argv)], out=lines.append)
        return code, lines

    return _run


def _uid() -> str:
    return str(uuid.uuid4())


def _members(hq: Hq) -> int:
    with hq.runtime.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Member)) or 0)


def _named(hq: Hq, name: str) -> MemberView:
    with hq.runtime.db.read() as s:
        return find_member(s, s.scalar(select(Member.id).where(Member.name == name)) or "")


def _reported_lines(err: str) -> list[int]:
    return [int(n) for n in re.findall(r"第 (\d+) 行", err)]


# ---------------------------------------------------------------- import-members


def test_a_good_csv_imports_every_member_with_its_columns(hq: Hq, run: Any, tmp_path: Path) -> None:
    """Each column lands where the admin API would put it; yes/no words and empty defaults work."""
    hq.store("SZ01", "深圳海岸城店")
    hq.store("GZ01", "广州天河店")
    path = tmp_path / "members.csv"
    path.write_text(
        f"{HEADER}\nSZ01,刘洋,13900000001,CARD0001,金卡,koc,是,否\nGZ01,王芳,,,,,,\n", encoding="utf-8"
    )
    code, out = run("import-members", path)
    assert code == 0 and "已导入 2 名会员" in out[0]
    liu, wang = _named(hq, "刘洋"), _named(hq, "王芳")
    assert (liu.card_no, liu.phone, liu.level, liu.stage, liu.is_paid, liu.online) == (
        "CARD0001", "13900000001", "金卡", "koc", True, False,
    )  # fmt: skip
    assert (wang.level, wang.stage, wang.is_paid, wang.online) == ("普卡", "registered", False, False)
    assert wang.card_no.startswith("GD")  # a new card number


def test_an_xlsx_with_numbers_and_booleans_imports_like_a_csv(hq: Hq, run: Any, tmp_path: Path) -> None:
    """Spreadsheets keep a typed phone number as a number — some exporters as "1.3900000003E10" — and
    TRUE as a boolean: all read as the operator meant them (fails if the number came through as
    "13900000003.0": bad_phone)."""
    hq.store("SZ01")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(["SZ01", "陈静", 13900000002, None, None, None, True, None])
    sheet.append(["SZ01", "李雷", 13900000003, "CARD0002", None, "first_order", False, True])
    saved = tmp_path / "saved.xlsx"
    book.save(saved)
    path = tmp_path / "members.xlsx"
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>13900000003</v>", b"<v>1.3900000003E10</v>")
            dst.writestr(item, data)
    code, out = run("import-members", path)
    assert code == 0 and "已导入 2 名会员" in out[0]
    chen, li = _named(hq, "陈静"), _named(hq, "李雷")
    assert (chen.phone, chen.is_paid) == ("13900000002", True)
    assert (li.card_no, li.phone, li.stage, li.is_paid, li.online) == (
        "CARD0002", "13900000003", "first_order", False, True,
    )  # fmt: skip


def test_bad_lines_3_and_7_are_reported_by_number_and_nothing_is_imported(
    hq: Hq, run: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Line 3 has a bad phone, line 7 reuses line 2's card; a blank line 5 must not shift the numbers,
    and with three rows per service call the two bad lines fall in different calls. Exactly lines 3
    and 7 are named, with the problem in words, the exit status is 2 and the member count is unchanged.
    Fails if lines are counted from the first data row (2 and 5) or skip the blank line (3 and 6), if
    a chunk's errors are mapped without its offset, or if the good rows before a bad one are kept."""
    monkeypatch.setattr(cli_files, "CHUNK", 3)
    store = hq.store("SZ01")
    hq.member(store, "老会员")
    before = _members(hq)
    lines = [
        HEADER,
        "SZ01,甲,13900000011,CARD1001,,,,",
        "SZ01,乙,1390000,,,,,",  # 3: not a mobile number
        "SZ01,丙,13900000013,,,,,",
        "",
        "SZ01,丁,13900000016,,,,,",
        "SZ01,戊,13900000017,CARD1001,,,,",  # 7: line 2's card
        "SZ01,己,13900000018,,,,,",
    ]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run("import-members", path)
    err = capsys.readouterr().err
    assert code == 2 and out == []
    assert _reported_lines(err) == [3, 7]
    assert "手机号不是有效的中国大陆手机号 (bad_phone)" in err and "CARD1001 已被使用" in err
    assert "未导入任何会员" in err
    assert _members(hq) == before


def test_a_bom_csv_from_excel_imports_and_a_gbk_one_is_refused(
    hq: Hq, run: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Excel's "CSV UTF-8" starts with a BOM: the header still reads `store` (fails if decoded as plain
    UTF-8: unknown column "\\ufeffstore"). A GBK file is refused, naming its first bad line."""
    hq.store("SZ01")
    bom = tmp_path / "excel.csv"
    bom.write_bytes(f"{HEADER}\r\nSZ01,周杰,13900000021,,,,,\r\n".encode("utf-8-sig"))
    code, out = run("import-members", bom)
    assert code == 0 and "已导入 1 名会员" in out[0]
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(f"{HEADER}\nSZ01,王五,13900000022,,,,,\n".encode("gbk"))
    before = _members(hq)
    assert run("import-members", gbk)[0] == 2
    assert "not_utf8 (line=2)" in capsys.readouterr().err and _members(hq) == before


def test_a_file_above_the_import_cap_is_refused_before_anything_is_written(
    hq: Hq, run: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One file is one transaction of at most MAX_IMPORT_ROWS members; a longer one is refused whole,
    telling the operator the cap (split the file)."""
    hq.store("SZ01")
    path = tmp_path / "big.csv"
    rows = (f"SZ01,会员{i},1{i:010d}" for i in range(cli_files.MAX_IMPORT_ROWS + 1))
    path.write_text("store,name,phone\n" + "\n".join(rows) + "\n", encoding="utf-8")
    before = _members(hq)
    assert run("import-members", path)[0] == 2
    assert f"too_many_rows (max={cli_files.MAX_IMPORT_ROWS})" in capsys.readouterr().err
    assert _members(hq) == before


def test_a_long_import_reports_progress_on_stderr(
    hq: Hq, run: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files longer than one service call show how far the check has got (two rows a call here)."""
    monkeypatch.setattr(cli_files, "CHUNK", 2)
    hq.store("SZ01")
    path = tmp_path / "five.csv"
    path.write_text("store,name\n" + "".join(f"SZ01,会员{i}\n" for i in range(5)), encoding="utf-8")
    assert run("import-members", path)[0] == 0
    progress = [line for line in capsys.readouterr().err.splitlines() if "已检查" in line]
    assert [p.split()[2] for p in progress] == ["2/5", "4/5", "5/5"]


# ---------------------------------------------------------------- publish-tasks


def _list_id(out: list[str]) -> str:
    """The list id from `任务清单 task list <id>: …`."""
    return out[0].split()[3].rstrip(":")


def _items(hq: Hq, list_id: str) -> dict[str, str]:
    """member id → store id of a list's items."""
    with hq.runtime.db.read() as s:
        rows = s.execute(select(TaskItem.member_id, TaskItem.store_id).where(TaskItem.list_id == list_id))
        return {m: st for m, st in rows}


def test_publish_by_store_gives_every_member_of_the_store_an_item(
    hq: Hq, run: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """--store picks the store's members only; the due date is the end of that day in Beijing, and a
    day already past is refused."""
    sz, gz = hq.store("SZ01"), hq.store("GZ01")
    a, b = hq.member(sz), hq.member(sz)
    hq.member(gz)
    code, out = run("publish-tasks", "--title", "周五前回访", "--kind", "call", "--store", "SZ01",
                    "--due", "2030-06-28")  # fmt: skip
    assert code == 0 and "2 项" in out[0] and out[0].endswith("SZ01")
    list_id = _list_id(out)
    assert _items(hq, list_id) == {a.id: sz.id, b.id: sz.id}
    with hq.runtime.db.read() as s:
        due = s.scalar(select(TaskList.due_at).where(TaskList.id == list_id))
    assert due is not None and due.isoformat() == "2030-06-28T16:00:00+00:00"  # 2030-06-29 00:00 Beijing
    assert (
        run("publish-tasks", "--title", "x", "--kind", "call", "--store", "SZ01", "--due", "2020-01-31")[0]
        == 2
    )
    assert "due_in_past (due='2020-01-31')" in capsys.readouterr().err


def test_publish_by_segment_picks_matching_members_across_stores(hq: Hq, run: Any) -> None:
    """--segment stage=… spans stores; tag=组名/标签名 with --store narrows to tagged members there."""
    sz, gz = hq.store("SZ01"), hq.store("GZ01")
    with hq.tx() as (s, changes):
        group = create_tag_group(s, name="潜力", changes=changes)
        tag = create_tag(s, group_id=group, name="高潜", changes=changes)
    koc = []
    for store in (sz, gz):
        with hq.tx() as (s, changes):
            koc.append(
                add_member(s, store=store.id, name="推荐官", stage="koc", now=hq.clock(), changes=changes)
            )
    tagged, _plain = hq.member(sz), hq.member(sz)
    guide = hq.guide(sz)
    assert (
        hq.device(sz).send(Mutation.TAG_ADD, {"member_id": tagged.id, "tag_id": tag.id}, guide.id)["status"]
        == "applied"
    )

    code, out = run("publish-tasks", "--title", "邀约推荐官", "--kind", "invite", "--segment", "stage=koc")
    assert code == 0 and set(out[0].split("stores: ")[1].split(", ")) == {"SZ01", "GZ01"}
    assert _items(hq, _list_id(out)) == {koc[0].id: sz.id, koc[1].id: gz.id}
    code, out = run("publish-tasks", "--title", "高潜回访", "--kind", "call", "--store", "SZ01",
                    "--segment", "tag=潜力/高潜")  # fmt: skip
    assert code == 0 and _items(hq, _list_id(out)) == {tagged.id: sz.id}


def test_publish_from_a_file_is_all_or_nothing_by_line(
    hq: Hq, run: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file of card numbers and ids publishes exactly those members; an unknown card on line 3
    publishes nothing and names line 3; a file together with --store is refused."""
    sz, gz = hq.store("SZ01"), hq.store("GZ01")
    a, b = hq.member(sz), hq.member(gz)
    good = tmp_path / "list.csv"
    good.write_text(f"card_no,name\n{a.card_no},甲\n{b.id},乙\n", encoding="utf-8")
    code, out = run("publish-tasks", good, "--title", "名单", "--kind", "message")
    assert code == 0 and _items(hq, _list_id(out)) == {a.id: sz.id, b.id: gz.id}
    with hq.runtime.db.read() as s:
        lists = s.scalar(select(func.count()).select_from(TaskList))
    bad = tmp_path / "bad.csv"
    bad.write_text(f"card_no\n{a.card_no}\nGD0000000000\n", encoding="utf-8")
    assert run("publish-tasks", bad, "--title", "名单", "--kind", "message")[0] == 2
    assert run("publish-tasks", good, "--title", "名单", "--kind", "message", "--store", "SZ01")[0] == 2
    err = capsys.readouterr().err
    assert _reported_lines(err) == [3] and "GD0000000000" in err and "file_excludes_store_and_segment" in err
    with hq.runtime.db.read() as s:
        assert s.scalar(select(func.count()).select_from(TaskList)) == lists


# ---------------------------------------------------------------- conflicts and stats


def test_conflicts_show_who_won_and_who_lost_and_can_be_resolved(hq: Hq, run: Any) -> None:
    """After a real lost bind the table names the member's card, the winning and losing store and
    guide; `conflicts resolve` takes it off the open list and --all still shows it, resolved."""
    store = hq.store("WH01", "武汉店")
    winner, loser = hq.guide(store, "陈静"), hq.guide(store, "李雷")
    member = hq.member(store)
    till = hq.device(store)
    till.send(Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member.id}, winner.id)
    assert (
        till.send(Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": member.id}, loser.id)["status"]
        == "rejected"
    )
    code, out = run("conflicts", "--store", "WH01")
    assert code == 0 and len(out) == 3  # header, rule, one conflict
    row = out[2]
    conflict_id = row.split()[0]
    won, lost = row.index(f"WH01 陈静({winner.employee_no})"), row.index(f"WH01 李雷({loser.employee_no})")
    assert member.card_no in row and "2026-11-19 10:00" in row and won < lost and "未处理" in row
    code, out = run("conflicts", "resolve", conflict_id, "--note", "店长确认归陈静")
    assert code == 0 and "店长确认归陈静" in out[0]
    assert run("conflicts")[1] == ["没有未处理的绑定冲突 (no open conflicts)"]
    code, out = run("conflicts", "--all")
    assert len(out) == 3 and "已处理 resolved: 店长确认归陈静" in out[2]
    assert run("conflicts", "resolve", "nope", "--note", "x")[0] == 2


def test_stats_count_per_store_and_guide_with_the_join_rate(hq: Hq, run: Any) -> None:
    """Known activity on 2026-11-19: guide 甲 served 2, enrolled 1, was declined once, bound 1; guide
    乙 served 1, was declined twice, did a task. 入会率 = enrolled ÷ (enrolled + declined): 甲 50.0 %,
    乙 0.0 %, the store 25.0 %; a store where nobody was asked shows —."""
    store, quiet = hq.store("CD01", "成都店"), hq.store("XA01", "西安店")
    jia, yi = hq.guide(store, "甲"), hq.guide(store, "乙")
    m1, m2 = hq.member(store), hq.member(store)
    till = hq.device(store)
    at = T0.isoformat()
    task = _uid()
    consent = {"at": at, "text_version": "v1", "channel": "counter"}
    enroll = {"member_id": _uid(), "card_no": "CARD3001", "name": "新会员", "phone": "13900000031",
              "paid": False, "consent": consent}  # fmt: skip
    mutations: list[tuple[str, dict[str, Any], GuideView]] = [
        (Mutation.VISIT_RECORD, {"visit_id": _uid(), "member_id": m1.id, "source": "scan", "at": at}, jia),
        (Mutation.VISIT_RECORD, {"visit_id": _uid(), "member_id": m2.id, "source": "card", "at": at}, jia),
        (Mutation.VISIT_RECORD, {"visit_id": _uid(), "member_id": m2.id, "source": "scan", "at": at}, yi),
        (Mutation.BINDING_CREATE, {"binding_id": _uid(), "member_id": m1.id}, jia),
        (Mutation.MEMBER_ENROLL, enroll, jia),
        (Mutation.MEMBER_DECLINE, {"decline_id": _uid()}, jia),
        (Mutation.MEMBER_DECLINE, {"decline_id": _uid()}, yi),
        (Mutation.MEMBER_DECLINE, {"decline_id": _uid(), "reason": "不需要"}, yi),
        (Mutation.TASK_CREATE, {"task_id": task, "member_id": m2.id, "kind": "call"}, yi),
        (Mutation.TASK_COMPLETE, {"task_id": task, "outcome": "reached", "completed_at": at}, yi),
    ]
    for name, args, guide in mutations:
        assert till.send(name, args, guide.id)["status"] == "applied", name
    quiet_till = hq.device(quiet)
    visit = {"visit_id": _uid(), "member_id": hq.member(quiet).id, "source": "scan", "at": at}
    quiet_till.send(Mutation.VISIT_RECORD, visit, hq.guide(quiet).id)

    code, out = run("stats", "--from", "2026-11-19", "--to", "2026-11-19")
    assert code == 0
    cells = {line.split()[0]: line.split()[2:] for line in out[3:-1]}
    assert cells["CD01"] == ["3", "1", "3", "1", "1", "25.0%"]
    assert cells["XA01"] == ["1", "0", "0", "0", "0", "—"]
    assert cells["合计"] == ["4", "1", "3", "1", "1", "25.0%"]

    code, out = run("stats", "--from", "2026-11-19", "--to", "2026-11-19", "--store", "CD01", "--by-guide",
                    "--format", "csv")  # fmt: skip
    rows = {r["guide_name"]: r for r in csv.DictReader(io.StringIO("\n".join(out)))}
    assert {name: [r[k] for k in ("served", "enrolled", "declined", "bound", "tasks_done", "join_rate")]
            for name, r in rows.items()} == {
        "甲": ["2", "1", "1", "1", "0", "0.5000"],
        "乙": ["1", "0", "2", "0", "1", "0.0000"],
    }  # fmt: skip
    assert {r["store_code"] for r in rows.values()} == {"CD01"}
    assert run("stats", "--from", "2026-11-20", "--to", "2026-11-30")[1] == [
        "2026-11-20 – 2026-11-30: 没有活动 (no activity)"
    ]
