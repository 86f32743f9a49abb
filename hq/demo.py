"""Demo data for an HQ (`guidedesk-hq demo`): a chain of stores at a chosen scale, written the way the
services and device pushes would have written it, fast enough for 100,000+ members per store.

What one run makes, in ONE transaction (a refused or failed run leaves the database as it was):

- stores with city codes (SH001, BJ001, …; codes already taken are skipped), each with a manager and a
  few guides whose PINs are random, hashed as `add_guide` hashes them, and returned once for printing;
- tag groups 分层 / 兴趣 / 价值 / 渠道 and their tags (global; existing ones of the same name are reused);
- members with zh_CN names, unique mainland mobile numbers and GD card numbers (+ their `member_codes`
  row), lifecycle stages 浅客/注册/首单/体验官/推荐官 (visitor … koc) with levels to match, and 沉睡
  (sleeping) as the policy reads it: no purchase for more than `sleeping_days`; ~4–5 tags each;
- bindings of ~60 % of members to a guide of their store (active, protected as the policy says);
- one open task list per store, "沉睡会员唤醒", calling its sleeping members (assigned to the bound guide);
- one enrollment code per store (a second, short transaction), returned once for printing, after an
  `ANALYZE` so the planner has statistics for the freshly loaded tables.

Rows go in with Core `executemany`, not one service call per member, but every row has the columns and
values a service would give it, and the sync bookkeeping is the services' own: each step's entity
changes go through `hq.sync.changes.record` (counter bump + compacted change index), steps in
parent-before-child order — stores, tags, guides, then members with their codes and tags in chunks,
bindings, task lists, task items — so a pull page never has to drag a parent forward.

Deterministic for a given `seed` and database (ids, names, phones, cards, tags, bindings, tasks; times
are relative to now). Secrets are not: PINs and enrollment codes are random on purpose, a seed must
never be a credential. Running again with `force` on a demo'd database offsets every generated
sequence by what is already there, so two demos side by side do not collide.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract.pins import hash_pin
from contract.stages import PURCHASING_STAGES
from demo.words import demo_words
from hq.db.models import (
    Binding,
    Guide,
    Member,
    MemberCode,
    MemberTag,
    Store,
    Tag,
    TagGroup,
    TaskItem,
    TaskList,
)
from hq.errors import Conflict, Invalid
from hq.runtime import HqRuntime
from hq.services.admin import audit
from hq.services.devices import issue_enrollment_code
from hq.services.members import CARD_PREFIX
from hq.services.policy import current_policy
from hq.sync.changes import GLOBAL, ChangeSet, ensure_scope, record, store_scope
from hq.sync.scopes import member_tag_id

MAX_STORES = 500
MAX_MEMBERS_PER_STORE = 2_000_000
MEMBER_CHUNK = 10_000  # members (+ codes + tags) per insert/record step: bounds memory at any scale
BOUND_SHARE = 0.6
TASK_ITEMS_MAX = 200  # per store: a day's calls, not every sleeping member
PIN_DIGITS = 6
SQLITE_CACHE_KIB = 512 * 1024

Progress = Callable[[str], None]

# The word lists live once in resources/demo/words.json (shared with the workstation's demo generator).
_WORDS = demo_words()
_SURNAMES = [n for n, _ in _WORDS.surnames]
_SURNAME_WEIGHTS = [w for _, w in _WORDS.surnames]
_MOBILE_PREFIXES = [p for p, _ in _WORDS.mobile_prefixes]
_MOBILE_WEIGHTS = [w for _, w in _WORDS.mobile_prefixes]
_STAGE_NAMES = [s for s, _ in _WORDS.stages]
_STAGE_WEIGHTS = [w for _, w in _WORDS.stages]
# Affine maps k -> (a*k + b) mod 10^n with a coprime to 10 are permutations: unique phones and cards
# for every member index k without remembering the ones handed out.
_PHONE_A, _CARD_A = 7_919, 1_000_003


@dataclass(frozen=True)
class DemoLogin:
    """A demo guide's offline login, shown once (only the PIN hash is stored)."""

    store_code: str
    employee_no: str
    name: str
    role: str  # guide | manager
    pin: str


@dataclass(frozen=True)
class DemoStore:
    id: str
    code: str
    name: str
    members: int
    bindings: int
    task_items: int
    enrollment_code: str  # single use, shown once
    code_expires_at: datetime


@dataclass(frozen=True)
class DemoSummary:
    stores: tuple[DemoStore, ...]
    logins: tuple[DemoLogin, ...]
    members: int
    member_tags: int
    bindings: int
    task_items: int
    seed: int
    seconds: float


@dataclass
class _Guide:
    id: str
    store_id: str
    employee_no: str
    name: str
    role: str
    pin: str


@dataclass
class _Store:
    id: str
    code: str
    name: str
    guides: list[_Guide]
    members: int = 0
    bindings: int = 0
    task_items: int = 0


def seed_demo(
    runtime: HqRuntime,
    *,
    stores: int = 3,
    members_per_store: int = 2_000,
    seed: int = 1,
    force: bool = False,
    progress: Progress | None = None,
) -> DemoSummary:
    """Seed `runtime`'s database with a demo chain. Refuses (Conflict `hq_not_empty`) if any store exists,
    unless `force`; raises Conflict `demo_collides` if a generated row clashes with existing data."""
    if not 1 <= stores <= MAX_STORES:
        raise Invalid("bad_store_count", max=MAX_STORES)
    if not 0 <= members_per_store <= MAX_MEMBERS_PER_STORE:
        raise Invalid("bad_member_count", max=MAX_MEMBERS_PER_STORE)
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    now = runtime.now()
    try:
        with runtime.db.write() as s:
            existing_stores = int(s.scalar(select(func.count()).select_from(Store)) or 0)
            if existing_stores and not force:
                raise Conflict("hq_not_empty", stores=existing_stores)
            existing_members = int(s.scalar(select(func.count()).select_from(Member)) or 0)
            if runtime.db.is_sqlite:
                # The random-keyed indexes (phone, card, change index) outgrow SQLite's 2 MB default page
                # cache at ~20,000 members and every insert then reads pages back: a big cache for this
                # connection halves the run. Put back below, before the connection returns to the pool.
                s.execute(text(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"))
            gen = _Generator(s, now=now, seed=seed, offset=(existing_stores, existing_members), say=say)
            made = gen.run(stores, members_per_store)
            if runtime.db.is_sqlite:
                s.execute(text("PRAGMA cache_size=-2000"))  # SQLite's default
            audit(s, action="demo_seeded", now=now, details={
                "seed": seed, "stores": [st.code for st in made], "members": gen.members,
            })  # fmt: skip
    except IntegrityError as exc:  # a generated phone, card or id that an earlier import already holds
        raise Conflict("demo_collides", hint="try another --seed", reason=str(exc.orig)[:200]) from None
    with runtime.db.write() as s:
        # Fresh statistics for the planner after a bulk load. Without them SQLite answers a pull's
        # `members.id IN (…page…) AND store_id = ?` through the store_id index — every member of the
        # store, per page: measured ~0.3 s a page at 100,000 members, a first sync of many minutes.
        s.execute(text("ANALYZE"))
    ttl = timedelta(hours=runtime.settings.enroll_code_ttl_hours)
    out: list[DemoStore] = []
    with runtime.db.write() as s:
        for st in made:
            issued = issue_enrollment_code(s, store=st.id, now=now, ttl=ttl, by="demo")
            out.append(DemoStore(st.id, st.code, st.name, st.members, st.bindings, st.task_items,
                                 issued.code, issued.expires_at))  # fmt: skip
    seconds = time.perf_counter() - started
    say(f"demo: done in {seconds:.1f} s")
    logins = tuple(DemoLogin(st.code, g.employee_no, g.name, g.role, g.pin) for st in made for g in st.guides)
    return DemoSummary(tuple(out), logins, gen.members, gen.member_tags, gen.bindings, gen.task_items,
                       seed, seconds)  # fmt: skip


class _Generator:
    """One demo run inside one transaction. Each `_step` inserts a batch of rows and records its changes,
    so versions come out parents first."""

    def __init__(
        self, session: Session, *, now: datetime, seed: int, offset: tuple[int, int], say: Progress
    ) -> None:
        self.s = session
        self.now = now
        self.say = say
        self.rng = random.Random(f"guidedesk-hq-demo:{seed}:{offset[0]}")
        self.member_index = offset[1]  # index k of the next member: its phone and card derive from it
        self.phone_b = self.rng.randrange(10**8)
        self.card_b = self.rng.randrange(10**10)
        policy = current_policy(session)
        self.protection = timedelta(days=policy.protection_days)
        self.sleeping = timedelta(days=policy.sleeping_days)
        self.members = self.member_tags = self.bindings = self.task_items = 0

    # ------------------------------------------------------------ plumbing

    def _uuid(self) -> str:
        bits = self.rng.getrandbits(128)
        bits = (bits & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)  # version 4
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _name(self, female_share: float = 0.7) -> str:
        rng = self.rng
        chars = _WORDS.given_female if rng.random() < female_share else _WORDS.given_male
        given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
        return rng.choices(_SURNAMES, _SURNAME_WEIGHTS)[0] + given

    def _ago(self, max_days: float) -> datetime:
        return self.now - timedelta(seconds=self.rng.uniform(0, max_days * 86_400))

    def _step(self, rows: Sequence[tuple[Any, list[dict[str, Any]]]], changes: ChangeSet) -> None:
        for model, batch in rows:
            if batch:
                self._insert(model.__table__, batch)
        record(self.s, changes, now=self.now)

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """One driver-level executemany of rows that all have the same keys, each value converted by its
        column type's own bind processor (so the stored text and types are exactly what SQLAlchemy would
        write). Through `session.execute(insert(table), rows)` SQLAlchemy's per-row parameter handling
        was three quarters of the demo's time."""
        conn = self.s.connection()
        dialect = conn.dialect
        columns = list(rows[0])
        processors = [table.c[c].type.bind_processor(dialect) for c in columns]
        mark = "%s" if dialect.paramstyle in ("format", "pyformat") else "?"
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
        params = [
            tuple(row[c] if p is None else p(row[c]) for c, p in zip(columns, processors, strict=True))
            for row in rows
        ]
        key = [columns.index(c.name) for c in table.primary_key]
        params.sort(key=lambda row: [row[i] for i in key])  # in key order the B-tree appends, not splits
        conn.exec_driver_sql(sql, params)

    # ------------------------------------------------------------ the chain

    def run(self, stores: int, members_per_store: int) -> list[_Store]:
        made = self._stores(stores)
        tags = self._tags()
        self._guides(made, members_per_store)
        for i, store in enumerate(made, start=1):
            self.say(f"demo: store {i}/{len(made)} {store.code}: {members_per_store:,} members")
            self._members_of(store, members_per_store, tags)
        return made

    def _stores(self, n: int) -> list[_Store]:
        taken = set(self.s.scalars(select(Store.code)))
        made: list[_Store] = []
        changes = ChangeSet()
        rows: list[dict[str, Any]] = []
        number = 0
        while len(made) < n:
            number += 1
            for prefix, city, names in ((c.prefix, c.city, c.stores) for c in _WORDS.cities):
                code = f"{prefix}{number:03d}"
                if len(made) == n or code in taken:
                    continue
                name = f"{city}{names[number - 1]}" if number <= len(names) else f"{city}{number}号店"
                store = _Store(self._uuid(), code, name, [])
                made.append(store)
                rows.append({"id": store.id, "code": code, "name": name, "active": True,
                             "created_at": self.now})  # fmt: skip
                ensure_scope(self.s, store_scope(store.id))
                changes.put(store_scope(store.id), "store", store.id)
        self._step([(Store, rows)], changes)
        return made

    def _tags(self) -> dict[str, list[str]]:
        """Tag ids by group name, in the demo word lists' order (existing groups and tags are reused)."""
        groups = {g.name: g.id for g in self.s.scalars(select(TagGroup))}
        existing = {(t.group_id, t.name): t.id for t in self.s.scalars(select(Tag))}
        changes = ChangeSet()
        group_rows: list[dict[str, Any]] = []
        tag_rows: list[dict[str, Any]] = []
        out: dict[str, list[str]] = {}
        for group, sort, tags in ((g.name, g.sort, g.tags) for g in _WORDS.tag_groups):
            if group not in groups:
                groups[group] = self._uuid()
                group_rows.append({"id": groups[group], "name": group, "sort": sort})
                changes.put(GLOBAL, "tag_group", groups[group])
            ids = out.setdefault(group, [])
            for tag, color, _weight in tags:
                tag_id = existing.get((groups[group], tag))
                if tag_id is None:
                    tag_id = self._uuid()
                    tag_rows.append({"id": tag_id, "group_id": groups[group], "name": tag, "color": color})
                    changes.put(GLOBAL, "tag", tag_id)
                ids.append(tag_id)
        self._step([(TagGroup, group_rows), (Tag, tag_rows)], changes)
        return out

    def _guides(self, stores: list[_Store], members_per_store: int) -> None:
        per_store = min(12, max(3, members_per_store // 2_000))
        changes = ChangeSet()
        rows: list[dict[str, Any]] = []
        for store in stores:
            for i in range(per_store + 1):
                role = "manager" if i == 0 else "guide"
                pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
                guide = _Guide(self._uuid(), store.id, f"{store.code}-{i + 1:02d}",
                               self._name(0.75), role, pin)  # fmt: skip
                store.guides.append(guide)
                rows.append({
                    "id": guide.id, "store_id": store.id, "employee_no": guide.employee_no,
                    "name": guide.name, "role": role, "pin_hash": hash_pin(pin), "active": True,
                    "created_at": self.now,
                })  # fmt: skip
                changes.put(store_scope(store.id), "guide", guide.id)
        self._step([(Guide, rows)], changes)

    # ------------------------------------------------------------ members and what hangs off them

    def _members_of(self, store: _Store, n: int, tags: dict[str, list[str]]) -> None:
        scope = store_scope(store.id)
        guides = [g for g in store.guides if g.role == "guide"]
        sleeping: list[tuple[str, str | None]] = []  # (member id, bound guide id)
        bindings: list[dict[str, Any]] = []
        for start in range(0, n, MEMBER_CHUNK):
            changes = ChangeSet()
            members: list[dict[str, Any]] = []
            codes: list[dict[str, Any]] = []
            member_tags: list[dict[str, Any]] = []
            for _ in range(min(MEMBER_CHUNK, n - start)):
                member, asleep = self._member(store, guides)
                members.append(member)
                codes.append({"code": member["card_no"], "member_id": member["id"], "kind": "card"})
                changes.put(scope, "member", member["id"])
                changes.put(scope, "member_code", member["card_no"])
                for tag_id in self._tags_for(member, asleep, tags):
                    member_tags.append({"member_id": member["id"], "tag_id": tag_id,
                                        "added_at": member["enrolled_at"]})  # fmt: skip
                    changes.put(scope, "member_tag", member_tag_id(member["id"], tag_id))
                bound = self._binding(store, member, guides) if self.rng.random() < BOUND_SHARE else None
                if bound is not None:
                    bindings.append(bound)
                if asleep:
                    sleeping.append((member["id"], bound["guide_id"] if bound else None))
            self._step([(Member, members), (MemberCode, codes), (MemberTag, member_tags)], changes)
            self.members += len(members)
            self.member_tags += len(member_tags)
            store.members += len(members)
            self.say(f"demo: {store.code} members {start + len(members):,}/{n:,}")
        # Bindings after all members of the store: as at a real counter, a member exists before a guide
        # binds them, and a pull never meets a binding before its member.
        for start in range(0, len(bindings), MEMBER_CHUNK):
            batch = bindings[start : start + MEMBER_CHUNK]
            changes = ChangeSet()
            for b in batch:
                changes.put(scope, "binding", b["id"])
            self._step([(Binding, batch)], changes)
        store.bindings = len(bindings)
        self.bindings += len(bindings)
        self._task_list(store, sleeping[:TASK_ITEMS_MAX])

    def _member(self, store: _Store, guides: list[_Guide]) -> tuple[dict[str, Any], bool]:
        rng, now = self.rng, self.now
        k = self.member_index
        self.member_index += 1
        stage = rng.choices(_STAGE_NAMES, _STAGE_WEIGHTS)[0]
        level = rng.choices(_WORDS.levels, _WORDS.level_weights[stage])[0]
        enrolled = self._ago(3 * 365)
        last_purchase = None
        if stage in PURCHASING_STAGES:
            # Most buyers came back within weeks; a long tail has not for months (沉睡 past the policy).
            days = min(rng.expovariate(1 / 75), (now - enrolled).total_seconds() / 86_400)
            last_purchase = now - timedelta(days=days)
        asleep = last_purchase is not None and now - last_purchase > self.sleeping
        channel = rng.random()
        by_guide = rng.choice(guides).id if channel < 0.5 else None  # enrolled at this counter
        consent = "counter" if by_guide else ("mini_program" if channel < 0.75 else None)  # else imported
        phone = None
        if rng.random() < 0.95:
            prefix = rng.choices(_MOBILE_PREFIXES, _MOBILE_WEIGHTS)[0]
            phone = prefix + f"{(k * _PHONE_A + self.phone_b) % 10**8:08d}"
        card = f"{CARD_PREFIX}{(k * _CARD_A + self.card_b) % 10**10:010d}"
        visit = last_purchase or (enrolled if by_guide else None)
        return {
            "id": self._uuid(), "store_id": store.id, "card_no": card, "name": self._name(),
            "phone": phone, "level": level, "stage": stage, "is_paid": rng.random() < 0.25,
            "online": consent == "mini_program" or rng.random() < 0.2,
            "enrolled_at": enrolled, "enrolled_by_guide_id": by_guide,
            "consent_at": enrolled if consent else None,
            "consent_text_version": "v1" if consent else None, "consent_channel": consent,
            "last_purchase_at": last_purchase, "last_visit_at": visit, "created_at": enrolled,
        }, asleep  # fmt: skip

    def _tags_for(self, member: dict[str, Any], asleep: bool, tags: dict[str, list[str]]) -> list[str]:
        rng = self.rng
        new, old, wake = tags["分层"]
        layer = new if self.now - member["enrolled_at"] < timedelta(days=90) else (wake if asleep else old)
        interests = rng.sample(tags["兴趣"], 1 if rng.random() < 0.5 else 2)
        value = rng.choices(tags["价值"], (15, 45, 40))[0]
        shop, mini, wecom, live = tags["渠道"]
        channel = mini if member["consent_channel"] == "mini_program" else rng.choices(
            (shop, wecom, live), (70, 20, 10))[0]  # fmt: skip
        return [layer, *interests, value, channel]

    def _binding(self, store: _Store, member: dict[str, Any], guides: list[_Guide]) -> dict[str, Any]:
        guide_id = member["enrolled_by_guide_id"] or self.rng.choice(guides).id
        bound = max(member["enrolled_at"], self._ago(365))
        return {
            "id": self._uuid(), "member_id": member["id"], "guide_id": guide_id, "store_id": store.id,
            "active": True, "bound_at": bound, "protected_until": bound + self.protection,
            "ended_at": None, "ended_reason": None, "replaces_binding_id": None, "device_id": None,
        }  # fmt: skip

    def _task_list(self, store: _Store, sleeping: list[tuple[str, str | None]]) -> None:
        if not sleeping:
            return
        scope = store_scope(store.id)
        list_id = self._uuid()
        due = self.now + timedelta(days=7)
        changes = ChangeSet()
        changes.put(scope, "task_list", list_id)
        # One row, with a JSON column (psycopg adapts JSON only through SQLAlchemy): the plain Core insert.
        self.s.execute(insert(TaskList), [{
            "id": list_id, "store_id": store.id, "title": "沉睡会员唤醒", "source": "hq", "due_at": due,
            "segment": {"sleeping": True, "stores": [store.code]}, "created_at": self.now,
        }])  # fmt: skip
        record(self.s, changes, now=self.now)
        changes = ChangeSet()
        items: list[dict[str, Any]] = []
        for member_id, guide_id in sleeping:
            item_id = self._uuid()
            items.append({
                "id": item_id, "list_id": list_id, "store_id": store.id, "member_id": member_id,
                "kind": "call", "assigned_guide_id": guide_id, "due_at": due, "state": "open",
                "flagged": False, "created_at": self.now,
            })  # fmt: skip
            changes.put(scope, "task_item", item_id)
        self._step([(TaskItem, items)], changes)
        store.task_items = len(items)
        self.task_items += len(items)
