"""The demo generator: a realistic, internally consistent store that the demo and the benchmarks stand on."""

from __future__ import annotations

import re
import shutil
import sqlite3
import stat
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.clock import day_start, store_day
from app.db.database import DB_FILENAME
from app.errors import GuideDeskError
from app.qr import parse_member_code, sign_member_code, verify_signature
from app.workstation import Workstation
from contract.pins import verify_pin
from demo.workstation import DEMO_KEY_FILENAME, DemoSummary, generate, load_demo_signing_key
from tests.conftest import T0
from tests.factories import seed

N = 2000
MOBILE = re.compile(r"^1[3-9]\d{9}$")
CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def _text(at: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (naive UTC text, sortable)."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


@pytest.fixture
def demo(ws: Workstation) -> tuple[Workstation, DemoSummary, sqlite3.Connection]:
    summary = generate(ws.db, ws.cipher, members=N, seed=7, now=T0)
    conn = ws.db.raw()
    yield ws, summary, conn
    conn.close()


def _one(conn: sqlite3.Connection, sql: str, *args: object) -> object:
    return conn.execute(sql, args).fetchone()[0]


def _other_workstation(tmp_path: Path, template_db: Path, name: str) -> Workstation:
    data = tmp_path / name
    data.mkdir()
    shutil.copyfile(template_db, data / DB_FILENAME)
    return Workstation.open(data)


def test_members_have_cards_valid_phones_and_chinese_names(demo) -> None:
    """Every demo member can be scanned by card and found by phone, and reads like a real shopper."""
    ws, summary, conn = demo
    assert summary.members == N == _one(conn, "SELECT count(*) FROM members")
    assert _one(conn, "SELECT count(*) FROM members m JOIN member_codes c ON c.member_id = m.id") == N
    assert _one(conn, "SELECT count(DISTINCT card_no) FROM members WHERE card_no GLOB '88[0-9]*'") == N
    assert _one(conn, "SELECT count(*) FROM members WHERE length(card_no) != 10") == 0
    phones = set()
    for name, enc, index, masked in conn.execute(
        "SELECT name, phone_enc, phone_index, phone_masked FROM members"
    ):
        assert CHINESE_NAME.match(name), name
        phone = ws.cipher.decrypt(enc)
        assert MOBILE.match(phone), phone
        assert index == ws.cipher.blind_index(phone)
        assert masked == phone[:3] + "****" + phone[-4:]
        phones.add(phone)
    assert len(phones) == N  # one member per phone, as a blind-index lookup expects


def test_member_mix_is_realistic(demo) -> None:
    """Stages, levels, paid and online shares and ~5 tags a member look like a real store's."""
    _ws, summary, conn = demo
    stages = dict(conn.execute("SELECT stage, count(*) FROM members GROUP BY stage").fetchall())
    assert set(stages) == {"visitor", "registered", "first_order", "experience", "koc"}
    levels = dict(conn.execute("SELECT level, count(*) FROM members GROUP BY level").fetchall())
    assert set(levels) == {"普卡", "银卡", "金卡", "钻石卡"} and levels["普卡"] > levels["钻石卡"]
    assert 0.04 < _one(conn, "SELECT avg(is_paid) FROM members") < 0.12
    assert 0.54 < _one(conn, "SELECT avg(online) FROM members") < 0.66
    assert _one(conn, "SELECT count(*) FROM member_tags") == summary.member_tags
    assert 4.0 < summary.member_tags / N < 6.0
    groups = dict(conn.execute("SELECT name, id FROM tag_groups").fetchall())
    assert set(groups) == {"分层", "兴趣", "价值", "渠道"}
    per_member_layers = conn.execute(
        "SELECT count(*) FROM member_tags mt JOIN tags t ON t.id = mt.tag_id WHERE t.group_id = ?"
        " GROUP BY mt.member_id",
        (groups["分层"],),
    ).fetchall()
    assert len(per_member_layers) == N and {c for (c,) in per_member_layers} == {1}
    # Sleepers exist (no purchase for over 180 days), but most buyers bought recently.
    cutoff = _text(T0 - timedelta(days=180))
    sleeping = _one(conn, "SELECT count(*) FROM members WHERE last_purchase_at < ?", cutoff)
    buyers = _one(conn, "SELECT count(*) FROM members WHERE last_purchase_at IS NOT NULL")
    assert 0.1 * buyers < sleeping < 0.6 * buyers
    assert _one(conn, "SELECT count(*) FROM members WHERE last_purchase_at < enrolled_at") == 0
    assert _one(
        conn, "SELECT max(max(enrolled_at), max(last_purchase_at), max(last_visit_at)) FROM members"
    ) <= (_text(T0))


def test_bindings_are_consistent(demo) -> None:
    """~60 % of members are bound, never twice, after enrolling, mostly to this store's guides."""
    _ws, summary, conn = demo
    active = _one(conn, "SELECT count(*) FROM bindings WHERE active = 1")
    assert active == summary.bindings
    assert 0.55 * N < active < 0.65 * N
    assert _one(conn, "SELECT count(DISTINCT member_id) FROM bindings WHERE active = 1") == active
    assert (
        _one(
            conn,
            "SELECT count(*) FROM bindings b JOIN members m ON m.id = b.member_id"
            " WHERE b.bound_at < m.enrolled_at",
        )
        == 0
    )
    store_guides = {
        g for (g,) in conn.execute("SELECT id FROM guides WHERE store_id = ?", (summary.store_id,))
    }
    by_guide = Counter(g for (g,) in conn.execute("SELECT guide_id FROM bindings WHERE active = 1"))
    cross_store = sum(n for g, n in by_guide.items() if g not in store_guides)
    assert 0 < cross_store < 0.1 * active
    assert _one(conn, "SELECT count(DISTINCT store_id) FROM bindings") == 3
    year_ago = _text(T0 - timedelta(days=365))
    assert _one(conn, "SELECT min(bound_at) FROM bindings WHERE active = 1") >= year_ago
    # protected_until follows the policy's protection days.
    days = _one(conn, "SELECT protection_days FROM policy WHERE id = 1")
    row = conn.execute("SELECT bound_at, protected_until FROM bindings LIMIT 1").fetchone()
    assert row[1][:10] > row[0][:10] and days == 90


def test_every_binding_of_the_year_has_its_ledger_row(demo) -> None:
    """Manager stats count each binding made by the store's guides exactly once, on its day."""
    _ws, summary, conn = demo
    # The ledger year: the store day of T0 and the 364 before it.
    year_ago = _text(day_start(store_day(T0) - timedelta(days=364)))
    bindings = conn.execute(
        "SELECT b.member_id, b.guide_id, b.bound_at FROM bindings b JOIN guides g ON g.id = b.guide_id"
        " WHERE b.bound_at >= ?",
        (year_ago,),
    ).fetchall()
    ledger = conn.execute(
        "SELECT member_id, guide_id, at FROM activity WHERE kind IN ('bind', 'transfer')"
    ).fetchall()
    assert Counter(bindings) == Counter(ledger)
    assert summary.bind_activity == _one(conn, "SELECT count(*) FROM activity WHERE kind = 'bind'")
    # Enrollments by the store's guides within the year are in the ledger too.
    enrolled = conn.execute(
        "SELECT id, enrolled_by_guide_id, enrolled_at FROM members WHERE enrolled_at >= ?"
        " AND enrolled_by_guide_id IS NOT NULL",
        (year_ago,),
    ).fetchall()
    enroll_rows = conn.execute(
        "SELECT member_id, guide_id, at FROM activity WHERE kind = 'enroll'"
    ).fetchall()
    assert enroll_rows and Counter(enroll_rows) == Counter(enrolled)
    kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM activity")}
    assert {"served", "bind", "enroll", "decline", "task_done", "transfer"} <= kinds
    # The ledger's day is the store's calendar day of `at`, and nothing is in the future.
    assert _one(conn, "SELECT count(*) FROM activity WHERE day != date(at, '+8 hours')") == 0
    assert _one(conn, "SELECT max(at) FROM activity") <= _text(T0)


def test_stats_rollup_equals_a_recount_of_the_ledger(demo) -> None:
    """The daily_stats roll-up the manager reads agrees with the activity rows, guide by guide, day by day."""
    _ws, summary, conn = demo
    recount = conn.execute(
        "SELECT day, guide_id, kind, count(*) FROM activity WHERE voided = 0 GROUP BY day, guide_id, kind"
    ).fetchall()
    kinds = ("served", "bind", "enroll", "paid", "decline", "task_done", "transfer")
    rollup = [
        (day, guide_id, kind, count)
        for day, guide_id, *counts in conn.execute(
            f"SELECT day, guide_id, {', '.join(kinds)} FROM daily_stats"
        )
        for kind, count in zip(kinds, counts, strict=True)
        if count
    ]
    assert sorted(rollup) == sorted(recount)
    assert summary.activity == _one(conn, "SELECT count(*) FROM activity")
    assert _one(conn, "SELECT count(DISTINCT day) FROM activity") > 300
    # The online rate on the same page reads the per-store member counts, also kept by triggers.
    counts = conn.execute(
        "SELECT members, online FROM store_member_counts WHERE store_id = ?", (summary.store_id,)
    )
    assert counts.fetchone() == conn.execute("SELECT count(*), sum(online) FROM members").fetchone()


def test_guides_log_in_with_the_printed_pins(demo) -> None:
    """The PINs the demo prints open the guides' offline login; two of the ~20 guides are managers."""
    _ws, summary, conn = demo
    assert len(summary.guides) == 20
    assert [g.role for g in summary.guides].count("manager") == 2
    hashes = dict(conn.execute("SELECT employee_no, pin_hash FROM guides").fetchall())
    assert set(hashes) == {g.employee_no for g in summary.guides}
    manager = next(g for g in summary.guides if g.role == "manager")
    guide = next(g for g in summary.guides if g.role == "guide")
    assert verify_pin(manager.pin, hashes[manager.employee_no])
    assert verify_pin(guide.pin, hashes[guide.employee_no])
    assert not verify_pin(manager.pin, hashes[guide.employee_no])


def test_saved_demo_key_mints_codes_the_workstation_accepts(demo) -> None:
    """A member code minted with the saved demo key verifies against the synced public key."""
    ws, summary, conn = demo
    path = ws.data_dir / DEMO_KEY_FILENAME
    assert summary.signing_key_path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"DEMO ONLY" in path.read_bytes()
    member_id = _one(conn, "SELECT id FROM members LIMIT 1")
    code = sign_member_code(
        load_demo_signing_key(ws.data_dir),
        key_id=summary.key_id,
        member_id=member_id,
        issued=T0,
        ttl_seconds=300,
    )
    public = _one(conn, "SELECT public_key FROM qr_keys WHERE key_id = ? AND active = 1", summary.key_id)
    parsed = parse_member_code(code)
    assert parsed.claims.member_id == member_id and verify_signature(parsed, public)


def test_open_sleeper_tasks_from_hq(demo) -> None:
    """The HQ list "沉睡会员唤醒" holds open call items for sleeping members, due in a few days."""
    _ws, summary, conn = demo
    title, source, due = conn.execute("SELECT title, source, due_at FROM task_lists").fetchone()
    assert (title, source) == ("沉睡会员唤醒", "hq") and _text(T0) < due < _text(T0 + timedelta(days=7))
    items = _one(conn, "SELECT count(*) FROM task_items WHERE state = 'open'")
    assert items == summary.task_items > 0
    cutoff = _text(T0 - timedelta(days=180))
    assert (
        _one(
            conn,
            "SELECT count(*) FROM task_items t JOIN members m ON m.id = t.member_id"
            " WHERE m.last_purchase_at IS NULL OR m.last_purchase_at >= ?",
            cutoff,
        )
        == 0
    )


def test_foreign_keys_hold(demo) -> None:
    """Bulk loading bypasses the ORM, so every reference must still point at a real row."""
    _ws, _summary, conn = demo
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_same_seed_gives_same_data(ws: Workstation, tmp_path: Path, template_db: Path) -> None:
    """A demo can be rebuilt exactly (benchmarks rely on it); only nonces, salts and the key differ."""
    other = _other_workstation(tmp_path, template_db, "other")
    third = _other_workstation(tmp_path, template_db, "third")
    try:
        generate(ws.db, ws.cipher, members=300, seed=3, now=T0)
        generate(other.db, other.cipher, members=300, seed=3, now=T0)
        generate(third.db, third.cipher, members=300, seed=4, now=T0)

        def snapshot(station: Workstation) -> dict[str, list[tuple[object, ...]]]:
            conn = station.db.raw()
            try:
                out = {}
                for table in (
                    "stores",
                    "tags",
                    "member_tags",
                    "bindings",
                    "activity",
                    "daily_stats",
                    "task_items",
                ):
                    out[table] = sorted(conn.execute(f"SELECT * FROM {table}").fetchall())
                out["guides"] = sorted(
                    conn.execute("SELECT id, employee_no, name, role FROM guides").fetchall()
                )
                out["members"] = sorted(
                    (*row[:2], station.cipher.decrypt(row[2]), *row[3:])
                    for row in conn.execute(
                        "SELECT id, card_no, phone_enc, name, level, stage, is_paid, online, enrolled_at,"
                        " last_purchase_at FROM members"
                    )
                )
                return out
            finally:
                conn.close()

        first = snapshot(ws)
        assert first == snapshot(other)
        assert first["members"] != snapshot(third)["members"]
    finally:
        other.close()
        third.close()


def test_history_bindings_reach_the_requested_ledger_size(ws: Workstation) -> None:
    """The benchmark's "bindings over 365 days" can be reached without two active bindings per member."""
    summary = generate(ws.db, ws.cipher, members=400, now=T0, activity_bindings=1500)
    conn = ws.db.raw()
    try:
        assert (
            summary.bind_activity == 1500 == _one(conn, "SELECT count(*) FROM activity WHERE kind = 'bind'")
        )
        assert summary.ended_bindings > 0
        rows = conn.execute(
            "SELECT member_id, bound_at, ended_at, active FROM bindings ORDER BY member_id, bound_at"
        )
        timeline: dict[str, list[tuple[str, str | None, int]]] = {}
        for member_id, bound, ended, active in rows:
            timeline.setdefault(member_id, []).append((bound, ended, active))
        for spans in timeline.values():
            assert sum(active for _, _, active in spans) <= 1
            for (bound, ended, active), nxt in zip(spans, [*spans[1:], None], strict=True):
                if not active:
                    assert ended is not None and bound < ended and (nxt is None or ended <= nxt[0])
                else:
                    assert nxt is None  # the active binding is the member's latest
    finally:
        conn.close()


def test_refuses_a_workstation_that_has_data(ws: Workstation) -> None:
    """Demo data never lands on top of real (or earlier demo) data; nothing is written."""
    seed(ws)
    with pytest.raises(GuideDeskError) as caught:
        generate(ws.db, ws.cipher, members=10, now=T0)
    assert caught.value.code == "workstation_not_empty"
    conn = ws.db.raw()
    try:
        assert _one(conn, "SELECT count(*) FROM members") == 6
    finally:
        conn.close()
    assert not (ws.data_dir / DEMO_KEY_FILENAME).exists()


def test_progress_is_reported_to_the_end(ws: Workstation) -> None:
    """The progress callback moves forward only and ends at its total, so a progress bar completes."""
    seen: list[tuple[int, int]] = []
    generate(ws.db, ws.cipher, members=250, now=T0, on_progress=lambda d, t: seen.append((d, t)))
    done = [d for d, _ in seen]
    assert done == sorted(done) and seen[-1][0] == seen[-1][1] > 0
