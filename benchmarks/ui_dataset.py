# ruff: noqa: E501  (data tables and SQL read better on one line)
"""A workstation for the manager pages' benchmarks (docs/benchmarks-ui.md): 1,000,000 members of one store
with what the members list and the stats page read — names, masked phone and its last four digits,
level, stage, purchases and visits, ~2 tags each (member_tags and the list's tag_key), bound guides for
~60 % — and a year of the stats roll-up (daily_stats) for 13 guides.

Built in ~1-2 minutes with plain executemany and the list's indexes made after the load (sorting once is
far cheaper than a million random index inserts). Phones are not encrypted here: the list never reads
the ciphertext (the scan benchmark's demo dataset, benchmarks/dataset.py, has real ones).

    .venv/bin/python -m benchmarks.ui_dataset --members 1000000 --out .bench-data/ui-m1000000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("GUIDEDESK_KEYRING", "file")

from app.clock import FixedClock
from app.workstation import Workstation

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
STORE = "store-ui"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "芳伟娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅琳晶婷雪慧颖佳欣怡涵萱轩浩宇"
STAGES = (("visitor", 10), ("registered", 38), ("first_order", 30), ("experience", 14), ("koc", 8))
LEVELS = (("普卡", 55), ("银卡", 28), ("金卡", 13), ("钻石卡", 4))
TAGS = ["护肤", "彩妆", "香水", "箱包", "高价值", "价格敏感", "新客", "老客", "会员日", "直播",
        "小程序", "企业微信", "生日月", "推荐人", "团购", "学生", "白领"]  # fmt: skip
GUIDE_NAMES = [
    "王店长",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "黄蕾",
    "赵敏",
    "吴昊",
    "周婷",
    "徐磊",
    "孙悦",
    "马超",
]
LIST_INDEXES = (
    "ix_members_name_id", "ix_members_level_id", "ix_members_stage_id", "ix_members_tag_key_id",
    "ix_members_last_visit_id", "ix_members_guide_id_name", "ix_members_phone_last4_id",
)  # fmt: skip


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build(out: Path, members: int, seed: int = 1) -> dict[str, float]:
    out.mkdir(parents=True, exist_ok=True)
    ws = Workstation.open(out, clock=FixedClock(NOW))
    ws.close()
    from app.db.database import Database

    db = Database(out, run_migrations=False)
    conn = db.raw()
    rng = random.Random(seed)
    started = time.perf_counter()
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1048576")
    # the definitions of the list's indexes, to make again after the load
    index_sql = [
        r[0]
        for r in conn.execute(
            f"SELECT sql FROM sqlite_master WHERE name IN ({','.join('?' * len(LIST_INDEXES))})", LIST_INDEXES
        )
    ]
    for name in LIST_INDEXES:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO stores (id, code, name, version) VALUES (?, 'SH001', '上海南京西路店', 1)", (STORE,)
    )
    guides = [(f"g-{i:02d}", f"A{i:03d}", n) for i, n in enumerate(GUIDE_NAMES)]
    conn.executemany(
        "INSERT INTO guides (id, store_id, employee_no, name, role, pin_hash, active, version)"
        " VALUES (?, ?, ?, ?, ?, 'x', 1, 1)",
        [(g, STORE, no, n, "manager" if i == 0 else "guide") for i, (g, no, n) in enumerate(guides)],
    )
    conn.execute("INSERT INTO tag_groups (id, name, sort, version) VALUES ('tg', '兴趣', 1, 1)")
    tag_ids = [f"t-{i:02d}" for i in range(len(TAGS))]
    conn.executemany(
        "INSERT INTO tags (id, group_id, name, color, version) VALUES (?, 'tg', ?, '#607D8B', 1)",
        list(zip(tag_ids, TAGS, strict=True)),
    )
    conn.execute(
        "INSERT INTO policy (id, version, protection_days, renew_on_service, cross_store_transfer, sleeping_days,"
        " contact_budget, contact_window_days, code_ttl_seconds, clock_tolerance_seconds)"
        " VALUES (1, 1, 90, 1, 0, 180, 4, 30, 300, 120)"
    )
    chunk: list[tuple[object, ...]] = []
    tag_rows: list[tuple[str, str]] = []
    for i in range(members):
        mid = f"{rng.getrandbits(128):032x}"
        tags = sorted(rng.sample(range(len(TAGS)), rng.choice((0, 1, 2, 2, 3))), key=lambda t: TAGS[t])
        tag_rows += [(mid, tag_ids[t]) for t in tags]
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        bound = rng.random() < 0.6
        g = guides[1 + rng.randrange(len(guides) - 1)] if bound else None
        chunk.append(
            (
                mid, STORE, f"88{i:08d}", rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", rng.choice(GIVEN))),
                f"{phone[:3]}****{phone[-4:]}", phone[-4:], _weighted(rng, LEVELS), _weighted(rng, STAGES),
                rng.random() < 0.3,
                _stamp(NOW - timedelta(days=rng.randrange(720))) if rng.random() < 0.7 else None,
                _stamp(NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))) if rng.random() < 0.85 else None,
                "、".join(TAGS[t] for t in tags), g[0] if g else None, g[2] if g else "",
            )
        )  # fmt: skip
        if len(chunk) == 100_000:
            _flush(conn, chunk, tag_rows)
            chunk, tag_rows = [], []
            print(f"\r  members: {i + 1:,}", end="", file=sys.stderr, flush=True)
    _flush(conn, chunk, tag_rows)
    # a year of the stats roll-up: one row per guide per day
    stats = []
    for d in range(366):
        day = (date(2026, 12, 1) - timedelta(days=d)).isoformat()
        for g, _no, _n in guides[1:]:
            served = rng.randrange(10, 60)
            enroll = rng.randrange(0, 8)
            stats.append((day, g, served, rng.randrange(0, 12), enroll, rng.randrange(0, 3), rng.randrange(0, 8),
                          rng.randrange(0, 10), rng.randrange(0, 2)))  # fmt: skip
    conn.executemany(
        "INSERT INTO daily_stats (day, guide_id, served, bind, enroll, paid, decline, task_done, transfer)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        stats,
    )
    conn.execute("COMMIT")
    loaded = time.perf_counter() - started
    for sql in index_sql:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    db.close()
    print(file=sys.stderr)
    return {"load_s": round(loaded, 1), "total_s": round(time.perf_counter() - started, 1)}


def _flush(conn: object, chunk: list[tuple[object, ...]], tag_rows: list[tuple[str, str]]) -> None:
    chunk.sort(key=lambda r: str(r[0]))
    conn.executemany(  # type: ignore[attr-defined]
        "INSERT INTO members (id, store_id, card_no, name, phone_masked, phone_last4, level, stage, online,"
        " last_purchase_at, last_visit_at, tag_key, bound_guide_id, bound_guide_name, is_paid, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1)",
        chunk,
    )
    tag_rows.sort()
    conn.executemany("INSERT INTO member_tags (member_id, tag_id) VALUES (?, ?)", tag_rows)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(__file__).resolve().parents[1] / ".bench-data" / f"ui-m{args.members}"
    print(build(out, args.members))


if __name__ == "__main__":
    main()
