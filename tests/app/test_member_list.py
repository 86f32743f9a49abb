"""The members list query service: keyset pages equal a full sorted scan, filters and search select what a
manager asks for, counts agree, the applier keeps the list's derived columns, and every order is an index
walk (EXPLAIN QUERY PLAN), never a sort of the whole table."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.clock import FixedClock
from app.db.database import DB_FILENAME
from app.services import member_list as ml
from app.services.binding import bind_member
from app.services.common import GuideRef
from app.sync.applier import apply_changes
from app.workstation import Workstation
from contract.wire import Change
from tests.conftest import T0

TAGS = {"t1": "护肤", "t2": "箱包", "t3": "高价值", "t4": "A类"}
GUIDES = {"g1": "李娜", "g2": "张伟", "g3": "王芳"}
NAMES = ["王芳", "王伟", "李娜", "李", "张三", "赵敏", "Anna", "anna", "王"]
STAGES = [*ml.STAGES, "ambassador"]  # a stage this release does not know sorts after the known ones
LEVELS = [*ml.LEVELS, "黑卡"]
N = 260


@dataclass
class Ref:
    """What the reference scan knows of one member."""

    id: str
    name: str
    card_no: str
    phone: str | None
    level: str
    stage: str
    last_purchase_at: datetime | None
    last_visit_at: datetime | None
    tags: tuple[str, ...]
    guide_id: str | None


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _random_store(rng: random.Random) -> tuple[list[Change], list[Ref]]:
    changes = [
        Change("store", "s1", "put", 1, {"code": "SH001", "name": "上海南京西路店"}),
        Change("tag_group", "tg", "put", 1, {"name": "兴趣", "sort": 1}),
        *[Change("tag", t, "put", 1, {"group_id": "tg", "name": n}) for t, n in TAGS.items()],
        Change("policy", "1", "put", 1, {"sleeping_days": 180}),
    ]
    refs = []
    for i in range(N):
        mid = f"m-{rng.randrange(10**6):06d}-{i:03d}"
        phone = None if rng.random() < 0.15 else f"13{rng.randrange(10**9):09d}"
        if phone and rng.random() < 0.2:
            phone = phone[:7] + "0000"  # shared last four digits
        ref = Ref(
            id=mid,
            name=rng.choice(NAMES),
            card_no=f"88{rng.randrange(10**8):08d}",
            phone=phone,
            level=rng.choice(LEVELS),
            stage=rng.choice(STAGES),
            last_purchase_at=None if rng.random() < 0.3 else T0 - timedelta(days=rng.randrange(400)),
            last_visit_at=None if rng.random() < 0.3 else T0 - timedelta(days=rng.randrange(3), hours=i % 2),
            tags=tuple(sorted({TAGS[t] for t in rng.sample(list(TAGS), rng.randrange(4))})),
            guide_id=rng.choice([None, None, *GUIDES]),
        )
        refs.append(ref)
        data: dict[str, Any] = {
            "store_id": "s1",
            "card_no": ref.card_no,
            "name": ref.name,
            "phone": phone,
            "level": ref.level,
            "stage": ref.stage,
            "last_purchase_at": _iso(ref.last_purchase_at),
            "last_visit_at": _iso(ref.last_visit_at),
        }
        changes.append(Change("member", mid, "put", 2, data))
        by_name = {n: t for t, n in TAGS.items()}
        changes += [Change("member_tag", f"{mid}:{by_name[n]}", "put", 3, {}) for n in ref.tags]
        if ref.guide_id:
            changes.append(
                Change(
                    "binding",
                    f"b-{mid}",
                    "put",
                    4,
                    {
                        "member_id": mid,
                        "guide_id": ref.guide_id,
                        "store_id": "s1",
                        "guide_name": GUIDES[ref.guide_id],
                        "active": True,
                        "bound_at": T0.isoformat(),
                    },
                )
            )
    return changes, refs


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path
) -> Iterator[tuple[Workstation, list[Ref]]]:
    """One random store of 260 members with many ties, pulled through the applier in three pages."""
    data = tmp_path_factory.mktemp("member_list")
    shutil.copyfile(template_db, data / DB_FILENAME)
    ws = Workstation.open(data, clock=FixedClock(T0))
    changes, refs = _random_store(random.Random(20261203))
    third = len(changes) // 3
    for page in (changes[:third], changes[third : 2 * third], changes[2 * third :]):
        with ws.db.transaction() as s:
            apply_changes(s, page, cipher=ws.cipher)
    yield ws, refs
    ws.close()


def _value(ref: Ref, key: str) -> Any:
    return {
        "name": ref.name,
        "phone": None if ref.phone is None else ref.phone[-4:],
        "level": ref.level,
        "stage": ref.stage,
        "tags": "、".join(ref.tags),
        "guide": GUIDES.get(ref.guide_id or "", ""),
        "last_visit": ref.last_visit_at,
    }[key]


def _sort_key(ref: Ref, key: str) -> tuple[Any, ...]:
    value = _value(ref, key)
    if key == "guide":
        return (GUIDES.get(ref.guide_id or "", ""), ref.guide_id or "", ref.name, ref.id)
    if key in ("stage", "level"):
        known = ml.STAGES if key == "stage" else ml.LEVELS
        return (known.index(value), "", ref.id) if value in known else (len(known), value, ref.id)
    if value is None:
        return (0, "", ref.id)
    return (1, value, ref.id)


def _matches(ref: Ref, f: ml.MemberFilter) -> bool:
    if f.tag_id and TAGS[f.tag_id] not in ref.tags:
        return False
    if f.stage and ref.stage != f.stage:
        return False
    if f.sleeping and not (ref.last_purchase_at and ref.last_purchase_at < T0 - timedelta(days=180)):
        return False
    if f.bound_guide_id and ref.guide_id != f.bound_guide_id:
        return False
    if f.unbound and ref.guide_id is not None:
        return False
    text = f.search
    if text.isdigit() and len(text) == 4:
        return ref.phone is not None and ref.phone.endswith(text)
    if text:
        return ref.name.startswith(text) or ref.card_no.startswith(text.upper())
    return True


def _expected(refs: list[Ref], sort: ml.MemberSort, f: ml.MemberFilter) -> list[str]:
    chosen = [r for r in refs if _matches(r, f)]
    chosen.sort(key=lambda r: _sort_key(r, sort.key), reverse=sort.descending)
    return [r.id for r in chosen]


def _all_pages(ws: Workstation, sort: ml.MemberSort, f: ml.MemberFilter, limit: int) -> list[ml.MemberRow]:
    rows: list[ml.MemberRow] = []
    after = None
    with ws.db.read() as s:
        for _ in range(N + 2):
            page = ml.list_page(s, after=after, limit=limit, sort=sort, filters=f, now=T0, cipher=ws.cipher)
            rows += page.rows
            assert len(page.rows) <= limit
            if page.next_after is None:
                return rows
            after = page.next_after
    raise AssertionError("paging did not end")


filters = st.builds(
    ml.MemberFilter,
    tag_id=st.sampled_from([None, *TAGS]),
    stage=st.sampled_from([None, "registered", "koc", "ambassador"]),
    sleeping=st.booleans(),
    bound_guide_id=st.sampled_from([None, None, "g1"]),
    search=st.sampled_from(["", "", "王", "李娜", "an", "Anna", "0000", "88", "nobody"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(ml.SORT_KEYS),
    descending=st.booleans(),
    f=filters,
    unbound=st.booleans(),
    limit=st.sampled_from([1, 3, 7, 50, 400]),
)
def test_keyset_pages_equal_a_full_sorted_scan(store, key, descending, f, unbound, limit):
    """Any sort, direction, filter and page size gives every matching member exactly once, in order:
    a keyset bug (ties on the sort value, NULLs, enumerated stages, the last page) would skip or repeat
    rows while a manager scrolls."""
    ws, refs = store
    if unbound and f.bound_guide_id is None:
        f = ml.MemberFilter(**{**f.__dict__, "unbound": True})
    sort = ml.MemberSort(key, descending)
    got = _all_pages(ws, sort, f, limit)
    assert [r.id for r in got] == _expected(refs, sort, f)
    with ws.db.read() as s:
        count = ml.count_members(s, filters=f, now=T0, cipher=ws.cipher)
    assert count == ml.MemberCount(len(got), True)


def test_rows_carry_what_the_list_shows(store):
    """Masked phone, tags, bound guide, sleeping and last visit come back as the columns show them."""
    ws, refs = store
    rows = {r.id: r for r in _all_pages(ws, ml.MemberSort(), ml.MemberFilter(), 500)}
    for ref in refs:
        row = rows[ref.id]
        assert row.phone_masked == ("" if ref.phone is None else ref.phone[:3] + "****" + ref.phone[-4:])
        assert row.tags == ref.tags
        assert row.bound_guide_id == ref.guide_id
        assert row.bound_guide_name == GUIDES.get(ref.guide_id or "", "")
        assert row.last_visit_at == ref.last_visit_at
        assert row.sleeping == bool(ref.last_purchase_at and ref.last_purchase_at < T0 - timedelta(days=180))


def test_a_full_mobile_number_is_found_by_its_blind_index(store):
    """Typing a whole phone number finds its member without any phone being decrypted."""
    ws, refs = store
    ref = next(r for r in refs if r.phone and not r.phone.endswith("0000"))
    with ws.db.read() as s:
        page = ml.list_page(
            s,
            after=None,
            limit=10,
            sort=ml.MemberSort(),
            filters=ml.MemberFilter(search=ref.phone or ""),
            now=T0,
            cipher=ws.cipher,
        )
    assert [r.id for r in page.rows] == [ref.id]


def test_the_unfiltered_count_comes_from_the_maintained_counter_and_a_big_count_is_capped(store):
    """The total is exact without counting; a filtered count past the cap says "at least"."""
    ws, _refs = store
    with ws.db.read() as s:
        assert ml.count_members(s, filters=ml.MemberFilter(), now=T0) == ml.MemberCount(N, True)
        capped = ml.count_members(s, filters=ml.MemberFilter(search="王"), now=T0, cap=5)
    assert capped == ml.MemberCount(5, False)


def test_the_applier_keeps_tags_and_bound_guide_current(ws):
    """A tag removed, a tag renamed, a binding ended and a new one made at HQ all show in the list after
    their page (without the applier's refresh the list would show the old tags and guide)."""
    base, _ = _random_store(random.Random(1))
    with ws.db.transaction() as s:
        apply_changes(s, base[:7], cipher=ws.cipher)  # store, tags, policy
        apply_changes(
            s,
            [
                Change("member", "mx", "put", 5, {"store_id": "s1", "card_no": "8811", "name": "钱多多"}),
                Change("member_tag", "mx:t1", "put", 5, {}),
                Change("member_tag", "mx:t2", "put", 5, {}),
                Change(
                    "binding",
                    "bx",
                    "put",
                    5,
                    {
                        "member_id": "mx",
                        "guide_id": "g1",
                        "store_id": "s1",
                        "guide_name": "李娜",
                        "active": True,
                        "bound_at": T0.isoformat(),
                    },
                ),
            ],
            cipher=ws.cipher,
        )

    def row() -> ml.MemberRow:
        with ws.db.read() as s:
            page = ml.list_page(
                s, after=None, limit=5, sort=ml.MemberSort(), filters=ml.MemberFilter(), now=T0
            )
        return page.rows[0]

    assert (row().tags, row().bound_guide_name) == (("护肤", "箱包"), "李娜")
    with ws.db.transaction() as s:
        apply_changes(
            s,
            [
                Change("member_tag", "mx:t1", "remove", 6, None),
                Change("tag", "t2", "put", 6, {"group_id": "tg", "name": "包袋"}),
                Change(
                    "binding",
                    "bx",
                    "put",
                    6,
                    {
                        "member_id": "mx",
                        "guide_id": "g1",
                        "store_id": "s1",
                        "guide_name": "李娜",
                        "active": False,
                        "bound_at": T0.isoformat(),
                        "ended_at": T0.isoformat(),
                    },
                ),
                Change(
                    "binding",
                    "by",
                    "put",
                    6,
                    {
                        "member_id": "mx",
                        "guide_id": "g2",
                        "store_id": "s1",
                        "guide_name": "张伟",
                        "active": True,
                        "bound_at": T0.isoformat(),
                    },
                ),
            ],
            cipher=ws.cipher,
        )
    assert (row().tags, row().bound_guide_id, row().bound_guide_name) == (("包袋",), "g2", "张伟")
    with ws.db.transaction() as s:
        apply_changes(s, [Change("binding", "by", "remove", 7, None)], cipher=ws.cipher)
    assert (row().bound_guide_id, row().bound_guide_name) == (None, "")


def test_a_bind_made_here_shows_as_pending_until_hq_confirms(ws):
    """The guide who just bound a shopper sees the binding in the list at once, marked pending."""
    from tests.factories import seed

    seeded = seed(ws)
    guide: GuideRef = seeded.guide
    with ws.db.transaction() as s:
        bind_member(s, member_id=seeded.members["unbound"], guide=guide, now=T0)
    with ws.db.read() as s:
        page = ml.list_page(
            s, after=None, limit=50, sort=ml.MemberSort(), filters=ml.MemberFilter(search="刘洋"), now=T0
        )
    (row,) = page.rows
    assert (row.bound_guide_id, row.bound_guide_name, row.binding_pending) == (guide.id, guide.name, True)


@pytest.mark.parametrize("key", ml.SORT_KEYS)
@pytest.mark.parametrize("descending", [False, True])
def test_every_order_is_an_index_walk_from_the_last_key(store, key, descending):
    """EXPLAIN QUERY PLAN: each segment of each order is searched by an index from the page key, with no
    sort of the table (a missing index would sort a million rows for every page)."""
    ws, _ = store
    sort = ml.MemberSort(key, descending)
    with ws.db.read() as s:
        segments = ml._segments(s, sort)
    with ws.db.read() as s:
        conn = s.connection()
        for index, seg in enumerate(segments):
            after = ml.PageKey(index, "x", "m")
            sql, params = ml._segment_query(seg, index, sort, [], after)
            params["limit"] = 10
            plan = " | ".join(
                r[3]
                for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + ml._qmark(sql, params), ml._values(sql, params)
                )
            )
            assert "SEARCH m USING INDEX" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    ("f", "index"),
    [
        (ml.MemberFilter(search="1234"), "ix_members_phone_last4_id"),
        (ml.MemberFilter(bound_guide_id="g1"), "ix_members_guide_id_name"),
        (ml.MemberFilter(unbound=True), "ix_members_guide_id_name"),
        (ml.MemberFilter(stage="koc"), "ix_members_stage_id"),
    ],
)
def test_searches_and_counts_use_their_index(store, f, index):
    """The last-four search and the counts behind each filter read an index, not the members table."""
    ws, _ = store
    with ws.db.read() as s:
        conn = s.connection()
        statements: list[str] = []

        def spy(conn_: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        from sqlalchemy import event

        event.listen(ws.db.engine, "before_cursor_execute", spy)
        try:
            ml.count_members(s, filters=f, now=T0)
            if f.search:
                ml.list_page(s, after=None, limit=20, sort=ml.MemberSort(), filters=f, now=T0)
        finally:
            event.remove(ws.db.engine, "before_cursor_execute", spy)
        plans = []
        for sql in statements:
            if "count(*)" in sql or "phone_last4" in sql:
                # parameters do not change the plan: bind dummies of the right number
                n = sql.count("?")
                plans += [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, ("x",) * n)]
    joined = " | ".join(plans)
    assert index in joined, joined
    assert "SCAN m" not in joined, joined
