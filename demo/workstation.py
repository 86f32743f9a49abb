"""Demo data for a workstation: a realistic store with up to millions of members, as the pull applier
would have written it, plus a year of counter activity behind the manager stats.

This module and the test factories are the only writers of the replica besides the pull applier. It
writes through one plain `sqlite3` connection (`Database.raw()`) with `executemany` in large chunks,
rows sorted by primary key: the fastest bulk path PERF-NOTES measured (raw executemany 17,000
members/s with their tags, ORM bulk 12,700, ORM merge 1,200). Measured on the 2-core VM: a million
members with 4.6 M tags, 1 M bindings and 3 M ledger rows in ~110 s, of which ~3 s encrypting and
blind-indexing the phones (`DemoSummary.phone_crypto_seconds`); ~2.3 GB on disk.

What it makes (all deterministic for a given seed, except the parts that must be random: AES-GCM
nonces of the encrypted phones, PIN salts and the demo signing key):

- the workstation's store (上海南京西路店, SH001) and two other stores whose guides hold a few
  cross-store bindings (those guides are not in `guides`: a workstation only gets its own store's);
- ~20 guides (two managers) with scrypt PIN hashes for offline login; the PINs are in the summary;
- policy row 1 (defaults), an Ed25519 demo HQ key: public half in `qr_keys` ("demo-1"), private half as
  PEM in the data dir (`demo-hq-signing-key.pem`, 0600) so the demo and benchmarks can mint member
  codes — on a real workstation only HQ holds that key;
- tag groups 分层 / 兴趣 / 价值 / 渠道, members with zh_CN names, real mobile prefixes, unique card
  numbers 88xxxxxxxx, phones encrypted + blind index + masked, lifecycle stages, levels, ~5 tags each;
- bindings (~60 % of members, bound within the last 365 days, a few transferred, a few to other stores'
  guides), an open HQ task list "沉睡会员唤醒";
- a year of `activity` (served / bind / transfer / enroll / paid / decline / task_done) consistent with
  the members and bindings: every binding of one of the store's guides made within the year has exactly
  one ledger row at its `bound_at` ("transfer" when it replaced an earlier binding, else "bind"), every
  member enrolled by a store guide within the year one "enroll" row (and "paid" if a paid member). The
  `daily_stats` roll-up follows by the triggers of migration 0002, exactly as at the counter.
"""

from __future__ import annotations

import bisect
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.clock import STORE_TZ
from app.db.database import Database
from app.errors import GuideDeskError, InvalidInput
from app.qr import public_key_bytes
from app.security.crypto import PhoneCipher, mask_phone
from contract.pins import hash_pin
from contract.policy import POLICY_DEFAULTS
from contract.stages import PURCHASING_STAGES
from demo.words import demo_words

# Bump whenever the generated data changes shape: benchmarks key their cached datasets on it.
GENERATOR_VERSION = 3  # 2: daily_stats one wide row per (day, guide); 3: phone key in the SecretStore
DEMO_KEY_FILENAME = "demo-hq-signing-key.pem"
DEMO_KEY_ID = "demo-1"
GUIDE_PIN = "246810"
MANAGER_PIN = "135790"
MAX_MEMBERS = 10_000_000
PROTECTION_DAYS = POLICY_DEFAULTS.protection_days  # the demo's policy row, also used for protected_until
SLEEPING_DAYS = POLICY_DEFAULTS.sleeping_days
STORE_OPEN_HOUR, STORE_CLOSE_HOUR = 10, 22  # local time; activity happens while the store is open

_MEMBER_CHUNK = 100_000  # members (+ codes + tags) per transaction: ~1 s of work, ~10 commits per million
_ROW_CHUNK = 200_000  # rows per executemany call elsewhere
_US = 1_000_000
_DAY_US = 86_400 * _US
_HOUR_US = 3_600 * _US
_EPOCH = date(1970, 1, 1)

ProgressCallback = Callable[[int, int], None]


class DemoGuide(NamedTuple):
    """A demo guide's login, printed for whoever runs the demo."""

    employee_no: str
    name: str
    role: str  # guide | manager
    pin: str


@dataclass(frozen=True)
class DemoSummary:
    store_id: str
    store_code: str
    store_name: str
    guides: tuple[DemoGuide, ...]
    members: int
    bindings: int  # active bindings
    ended_bindings: int  # bindings that ended (transferred away, or history to reach `activity_bindings`)
    member_tags: int
    task_items: int
    activity: int  # ledger rows written (the daily_stats roll-up follows by trigger)
    bind_activity: int  # of which "bind"
    key_id: str
    signing_key_path: Path
    seed: int
    now: datetime
    seconds: float
    phone_crypto_seconds: float  # of `seconds`: AES-GCM + blind index of every phone


# ---------------------------------------------------------------- vocabularies

# The word lists live once in resources/demo/words.json (shared with HQ's demo generator).
_WORDS = demo_words()
_OTHER_STORE_CODES = ("BJ001", "GZ001", "CD001")  # stores whose guides hold a few cross-store bindings


# ---------------------------------------------------------------- small helpers


def _table(pairs: Sequence[tuple[Any, float]], size: int = 4096) -> list[Any]:
    """A lookup table for weighted choice by `table[int(random() * len(table))]`: an order of magnitude
    cheaper than `random.choices` in the million-row loop."""
    total = sum(w for _, w in pairs)
    out: list[Any] = []
    for value, weight in pairs:
        out.extend([value] * max(1, round(size * weight / total)))
    return out


def _uuid4_text(bits: int) -> str:
    """UUID version 4 text from 128 random bits (what uuid.UUID(int=…, version=4) gives, 2× faster)."""
    bits = (bits & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _uuids(rng: random.Random, n: int) -> list[str]:
    return [_uuid4_text(rng.getrandbits(128)) for _ in range(n)]


def _person_name(rng: random.Random, surnames: list[str], female_share: float = 0.7) -> str:
    chars = _WORDS.given_female if rng.random() < female_share else _WORDS.given_male
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surnames[int(rng.random() * len(surnames))] + given


class _Clock:
    """Times as integer epoch microseconds (UTC); formatting to the text SQLAlchemy stores for
    UtcDateTime (`YYYY-MM-DD HH:MM:SS.ffffff`, naive UTC), with the date parts cached."""

    def __init__(self, now: datetime) -> None:
        self.now_us = int(now.timestamp()) * _US + now.microsecond
        self._dates: dict[int, str] = {}
        local_today = now.astimezone(STORE_TZ).date()
        # The ledger year: today and the 364 days before it, as store days with their open hours
        # (10:00-22:00 local is 02:00-14:00 UTC, so a day's activity never straddles a UTC midnight).
        self.days: list[tuple[int, int, str, int]] = []  # (open_us, close_us, day text, weekday)
        offset = now.astimezone(STORE_TZ).utcoffset() or timedelta()  # one zone, no DST: UTC+8
        offset_us = int(offset.total_seconds()) * _US
        for back in range(364, -1, -1):
            d = local_today - timedelta(days=back)
            midnight_utc = (d - _EPOCH).days * _DAY_US - offset_us
            open_us = midnight_utc + STORE_OPEN_HOUR * _HOUR_US
            close_us = min(midnight_utc + STORE_CLOSE_HOUR * _HOUR_US, self.now_us)
            if close_us > open_us:  # today before opening time has no activity yet
                self.days.append((open_us, close_us, d.isoformat(), d.weekday()))
        self.day_opens = [day[0] for day in self.days]
        self.year_start_us = self.days[0][0]

    def text(self, us: int) -> str:
        sec, micro = divmod(us, _US)
        days, rem = divmod(sec, 86_400)
        day_text = self._dates.get(days)
        if day_text is None:
            day_text = self._dates[days] = (_EPOCH + timedelta(days=days)).isoformat()
        hour, rem = divmod(rem, 3600)
        minute, second = divmod(rem, 60)
        return f"{day_text} {hour:02d}:{minute:02d}:{second:02d}.{micro:06d}"

    def day_index(self, us: int) -> int:
        """Index into `days` of the ledger day an in-hours instant falls on."""
        return bisect.bisect_right(self.day_opens, us) - 1


def _chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _write_signing_key(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    banner = (
        b"DEMO ONLY. GuideDesk demo HQ signing key for member codes of this demo workstation.\n"
        b"On a real workstation no private key exists: HQ alone holds it (DESIGN.md section 6).\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(banner + pem)
    os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file that already existed


def load_demo_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The demo HQ private key saved by `generate`, to mint member codes for demos and benchmarks."""
    key = serialization.load_pem_private_key((Path(data_dir) / DEMO_KEY_FILENAME).read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput("demo_key_invalid", path=str(Path(data_dir) / DEMO_KEY_FILENAME))
    return key


# ---------------------------------------------------------------- the generator


@dataclass
class _Guide:
    id: str
    store_id: str
    store_name: str
    employee_no: str
    name: str
    role: str
    days_off: tuple[int, int]  # weekdays
    weight: float


def generate(
    db: Database,
    cipher: PhoneCipher,
    *,
    members: int,
    seed: int = 1,
    now: datetime,
    store_code: str = "SH001",
    bound_share: float = 0.6,
    activity_bindings: int | None = None,
    task_items: int = 300,
    on_progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Fill an empty workstation with a demo store of `members` members and a year of activity.

    `activity_bindings`: if given and larger than the bindings the members naturally get, bindings that
    have since ended are added (each with its "bind" ledger row) until the year holds that many "bind"
    rows — the benchmarks use it for "365 days over 1,000,000 bindings".

    `on_progress(done, total)` reports work steps: `total` is twice `members`; the first half are the
    members written, the second half the bindings, the task list and the ledger year, which take about
    as long again. Raises `workstation_not_empty` if any store or member exists.
    """
    started = time.perf_counter()
    if not 0 <= members <= MAX_MEMBERS:
        raise InvalidInput("invalid_member_count", members=members, maximum=MAX_MEMBERS)
    if not 0.0 <= bound_share <= 1.0:
        raise InvalidInput("invalid_bound_share", bound_share=bound_share)
    if now.tzinfo is None:
        raise InvalidInput("naive_datetime", field="now")
    rng = random.Random(seed)
    clock = _Clock(now)
    surnames = _table(list(_WORDS.surnames))

    conn = db.raw()
    try:
        occupied = "SELECT EXISTS (SELECT 1 FROM stores) OR EXISTS (SELECT 1 FROM members)"
        if conn.execute(occupied).fetchone()[0]:
            raise GuideDeskError("workstation_not_empty", data_dir=str(db.data_dir))
        # Bulk-load settings for THIS connection only. synchronous=OFF skips the fsyncs of the few huge
        # commits: a crash mid-generation leaves a half-made demo to delete and regenerate, nothing of a
        # user's is at stake. The app's connections keep synchronous=FULL (DESIGN.md §3), and this one
        # is put back to FULL before the final checkpoint, which then makes the whole load durable.
        # A 1 GiB page cache keeps the random-keyed indexes (phone blind index) in memory while loading.
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1048576")

        # ------------------------------------------------ store, guides, policy, key, tags
        store_id = _uuid4_text(rng.getrandbits(128))
        store_name = _WORDS.store_name(store_code) or f"{store_code} 演示门店"
        others = [(_uuid4_text(rng.getrandbits(128)), code, _WORDS.store_name(code) or code)
                  for code in _OTHER_STORE_CODES if code != store_code][:2]  # fmt: skip
        guides: list[_Guide] = []
        for i in range(1, 21):
            role = "manager" if i <= 2 else "guide"
            off = rng.randrange(7)
            guides.append(_Guide(
                id=_uuid4_text(rng.getrandbits(128)), store_id=store_id, store_name=store_name,
                employee_no=f"{store_code}{i:02d}", name=_person_name(rng, surnames, 0.75), role=role,
                days_off=(off, (off + 3) % 7), weight=0.4 if role == "manager" else rng.uniform(0.6, 1.6),
            ))  # fmt: skip
        foreign: list[_Guide] = [
            _Guide(id=_uuid4_text(rng.getrandbits(128)), store_id=sid, store_name=sname,
                   employee_no=f"{scode}{i:02d}", name=_person_name(rng, surnames, 0.75), role="guide",
                   days_off=(0, 0), weight=1.0)
            for sid, scode, sname in others for i in range(1, 4)
        ]  # fmt: skip
        pin_hashes = {pin: hash_pin(pin) for pin in (GUIDE_PIN, MANAGER_PIN)}  # scrypt once per PIN
        signing_key = Ed25519PrivateKey.generate()  # random on purpose: a seed must not be a key
        key_path = db.data_dir / DEMO_KEY_FILENAME
        _write_signing_key(key_path, signing_key)

        tag_ids: dict[str, str] = {}
        group_rows, tag_rows = [], []
        for group, sort, entries in ((g.name, g.sort, g.tags) for g in _WORDS.tag_groups):
            gid = _uuid4_text(rng.getrandbits(128))
            group_rows.append((gid, group, sort, 1))
            for name, colour, _ in entries:
                tag_ids[name] = _uuid4_text(rng.getrandbits(128))
                tag_rows.append((tag_ids[name], gid, name, colour, 1))

        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO stores (id, code, name, version) VALUES (?, ?, ?, 1)",
            sorted([(store_id, store_code, store_name)] + [(sid, c, n) for sid, c, n in others]),
        )
        conn.executemany(
            "INSERT INTO guides (id, store_id, employee_no, name, role, pin_hash, active, version)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, 1)",
            sorted((g.id, g.store_id, g.employee_no, g.name, g.role,
                    pin_hashes[MANAGER_PIN if g.role == "manager" else GUIDE_PIN]) for g in guides),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO policy (id, version, protection_days, renew_on_service, cross_store_transfer,"
            " sleeping_days, contact_budget, contact_window_days, code_ttl_seconds, clock_tolerance_seconds)"
            " VALUES (1, 1, ?, 1, 0, ?, 4, 30, 300, 120)",
            (PROTECTION_DAYS, SLEEPING_DAYS),
        )
        conn.execute(
            "INSERT INTO qr_keys (key_id, public_key, active, version) VALUES (?, ?, 1, 1)",
            (DEMO_KEY_ID, public_key_bytes(signing_key)),
        )
        conn.executemany("INSERT INTO tag_groups (id, name, sort, version) VALUES (?, ?, ?, ?)", group_rows)
        conn.executemany("INSERT INTO tags (id, group_id, name, color, version) VALUES (?, ?, ?, ?, ?)",
                         sorted(tag_rows))  # fmt: skip
        conn.execute("COMMIT")

        # ------------------------------------------------ per-day guide tables
        # Guides work five days a week; who binds or serves on a day is drawn from that day's rota,
        # weighted by how busy each guide is.
        day_guides: list[list[_Guide]] = []
        for _open, _close, _text, weekday in clock.days:
            on_duty = [g for g in guides if weekday not in g.days_off] or guides
            day_guides.append(_table([(g, g.weight) for g in on_duty], 256))
        n_days = len(clock.days)

        def in_hours(day: int) -> int:
            open_us, close_us = clock.days[day][0], clock.days[day][1]
            return open_us + int(rng.random() * (close_us - open_us))

        # ------------------------------------------------ members
        ids = sorted(_uuids(rng, members))  # primary-key order: appends, not random B-tree inserts
        cards = sorted(rng.sample(range(10**8), members))  # unique; sorted so the card index appends too
        stage_table = _table(list(_WORDS.stages))
        level_tables = {
            s: _table(list(zip(_WORDS.levels, w, strict=True)), 256) for s, w in _WORDS.level_weights.items()
        }
        prefix_table = _table(list(_WORDS.mobile_prefixes))
        group_tags = {g.name: g.tags for g in _WORDS.tag_groups}
        interest_table = _table([(tag_ids[n], w) for n, _, w in group_tags["兴趣"]], 512)
        value_table = _table([(tag_ids[n], w) for n, _, w in group_tags["价值"]], 512)
        channel_table = _table([(tag_ids[n], w) for n, _, w in group_tags["渠道"]], 512)
        t_new, t_old, t_wake = tag_ids["新客"], tag_ids["老客"], tag_ids["沉睡唤醒"]
        t_high = tag_ids["高价值"]
        t_mini = tag_ids["小程序"]
        given_f, given_m = _WORDS.given_female, _WORDS.given_male
        now_us, year_start = clock.now_us, clock.year_start_us
        three_years = 3 * 365 * _DAY_US
        two_years = 2 * 365 * _DAY_US
        sleeping_us = SLEEPING_DAYS * _DAY_US
        protect_us = PROTECTION_DAYS * _DAY_US
        text = clock.text
        rand = rng.random
        encrypt, blind = cipher.encrypt, cipher.blind_index

        phones: set[str] = set()
        enrolled: list[int] = [0] * members
        earliest_binding: list[int] = [now_us] * members
        # Bindings as (member_id, guide, active, bound_us, protected_us, ended_us); ids assigned later.
        bindings: list[tuple[str, _Guide, int, int, int, int | None]] = []
        # Ledger rows as inserted: (kind, guide_id, member_id, store day, at).
        activity: list[tuple[str, str, str | None, str, str]] = []
        day_texts = [d[2] for d in clock.days]
        sleepers: list[tuple[str, str]] = []  # (member_id, bound store guide id) for the task list
        member_tags = 0
        crypto_ns = 0  # time spent sealing and indexing phones, reported in the summary
        perf = time.perf_counter_ns
        done = 0
        total_steps = 2 * members

        def progress(step: int) -> None:
            if on_progress is not None:
                on_progress(min(step, total_steps), total_steps)

        for start in range(0, members, _MEMBER_CHUNK):
            member_rows, code_rows, tag_rows_m = [], [], []
            for i in range(start, min(start + _MEMBER_CHUNK, members)):
                mid = ids[i]
                card = f"88{cards[i]:08d}"
                chars = given_f if rand() < 0.72 else given_m
                given = chars[int(rand() * len(chars))]
                if rand() < 0.7:
                    given += chars[int(rand() * len(chars))]
                name = surnames[int(rand() * len(surnames))] + given
                while True:
                    phone = f"{prefix_table[int(rand() * len(prefix_table))]}{int(rand() * 10**8):08d}"
                    if phone not in phones:
                        phones.add(phone)
                        break
                stage = stage_table[int(rand() * len(stage_table))]
                lt = level_tables[stage]
                level = lt[int(rand() * len(lt))]
                is_paid = rand() < (0.05 if level == "普卡" else 0.16)
                online = rand() < 0.6
                # Enrolled up to three years ago, a third of them within the ledger year.
                enrolled_us = now_us - int(rand() * three_years) - 1
                enrolled_day = -1
                if enrolled_us >= year_start:
                    enrolled_day = clock.day_index(enrolled_us)
                    enrolled_us = in_hours(enrolled_day)
                enrolled[i] = enrolled_us
                enrolled_by: str | None = None
                # Most were enrolled at this counter (拉新, counted in the ledger if within the year); the
                # rest online or at another store.
                if enrolled_day < 0:
                    if rand() < 0.7:
                        enrolled_by = guides[int(rand() * len(guides))].id
                elif rand() < 0.8:
                    dg = day_guides[enrolled_day]
                    guide = dg[int(rand() * len(dg))]
                    enrolled_by = guide.id
                    at = text(enrolled_us)
                    activity.append(("enroll", guide.id, mid, day_texts[enrolled_day], at))
                    if is_paid:
                        activity.append(("paid", guide.id, mid, day_texts[enrolled_day], at))
                last_purchase: int | None = None
                sleeping = False
                if stage in PURCHASING_STAGES:
                    span = min(now_us - enrolled_us, two_years)
                    # Most buyers bought recently; a long tail has not been back for months (沉睡).
                    last_purchase = now_us - int(span * rand() ** 1.6) - 1
                    sleeping = now_us - last_purchase > sleeping_us
                last_visit = None
                if last_purchase is not None or rand() < 0.5:
                    base = last_purchase if last_purchase is not None else enrolled_us
                    last_visit = base + int((now_us - base) * rand() * 0.5)
                crypto_started = perf()
                sealed, index = encrypt(phone), blind(phone)
                crypto_ns += perf() - crypto_started
                member_rows.append((
                    mid, store_id, card, name, sealed, index, mask_phone(phone), level, stage,
                    is_paid, online, text(enrolled_us), enrolled_by,
                    None if last_purchase is None else text(last_purchase),
                    None if last_visit is None else text(last_visit),
                ))  # fmt: skip
                code_rows.append((card, mid))
                # ~5 tags: one lifecycle layer, 1-3 interests, usually a value tag, one or two channels.
                layer = t_new if now_us - enrolled_us < 90 * _DAY_US else (t_wake if sleeping else t_old)
                tags = {layer}
                for _ in range(1 + int(rand() * 2.5)):
                    tags.add(interest_table[int(rand() * len(interest_table))])
                if level in ("金卡", "钻石卡") and rand() < 0.6:
                    tags.add(t_high)
                elif rand() < 0.8:
                    tags.add(value_table[int(rand() * len(value_table))])
                tags.add(channel_table[int(rand() * len(channel_table))])
                if online and rand() < 0.5:
                    tags.add(t_mini)
                for tag in sorted(tags):
                    tag_rows_m.append((mid, tag))
                member_tags += len(tags)

                # Binding: ~bound_share of members, bound within the ledger year after enrolling.
                if rand() < bound_share:
                    first_day = max(enrolled_day, 0)
                    day = first_day + int(rand() * (n_days - first_day))
                    bound_us = in_hours(day)
                    if bound_us <= enrolled_us:
                        bound_us = enrolled_us + 1
                    if rand() < 0.03 and foreign:  # bound at another store, visiting this one
                        guide = foreign[int(rand() * len(foreign))]
                        bindings.append((mid, guide, 1, bound_us, bound_us + protect_us, None))
                    else:
                        dg = day_guides[day]
                        guide = dg[int(rand() * len(dg))]
                        kind = "bind"
                        if rand() < 0.03:  # transferred from a colleague (e.g. one who left)
                            back = 30 + int(rand() * 270)
                            prev = guides[int(rand() * len(guides))]
                            prev_us = in_hours(day - back) if day >= back else bound_us - back * _DAY_US
                            if prev_us > enrolled_us and prev is not guide:
                                kind = "transfer"
                                bindings.append((mid, prev, 0, prev_us, prev_us + protect_us, bound_us))
                                if day >= back:
                                    activity.append(
                                        ("bind", prev.id, mid, day_texts[day - back], text(prev_us))
                                    )
                                earliest_binding[i] = prev_us
                        bindings.append((mid, guide, 1, bound_us, bound_us + protect_us, None))
                        activity.append((kind, guide.id, mid, day_texts[day], text(bound_us)))
                        if sleeping:
                            sleepers.append((mid, guide.id))
                    earliest_binding[i] = min(earliest_binding[i], bound_us)

            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO members (id, store_id, card_no, name, phone_enc, phone_index, phone_masked,"
                " level, stage, is_paid, online, enrolled_at, enrolled_by_guide_id, last_purchase_at,"
                " last_visit_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                member_rows,
            )
            conn.executemany(
                "INSERT INTO member_codes (code, member_id, kind) VALUES (?, ?, 'card')", code_rows
            )
            conn.executemany("INSERT INTO member_tags (member_id, tag_id) VALUES (?, ?)", tag_rows_m)
            conn.execute("COMMIT")
            done += len(member_rows)
            progress(done)

        # ------------------------------------------------ history bindings to reach activity_bindings
        bind_rows_in_year = sum(1 for a in activity if a[0] == "bind")
        wanted = (activity_bindings or 0) - bind_rows_in_year
        misses = 0
        while wanted > 0 and members and misses < 1000:
            i = int(rand() * members)
            start_us = max(year_start, enrolled[i] + 1)
            end_us = earliest_binding[i] - _HOUR_US
            last_day = bisect.bisect_right(clock.day_opens, end_us - 2 * _DAY_US) - 1
            first_day = clock.day_index(start_us) + 1 if start_us > year_start else 0
            if last_day < first_day:
                misses += 1  # a member enrolled or bound too recently for an earlier binding
                continue
            misses = 0
            day = first_day + int(rand() * (last_day - first_day + 1))
            bound_us = in_hours(day)
            ended_us = bound_us + _HOUR_US + int(rand() * (end_us - bound_us - _HOUR_US))
            dg = day_guides[day]
            guide = dg[int(rand() * len(dg))]
            bindings.append((ids[i], guide, 0, bound_us, bound_us + protect_us, ended_us))
            activity.append(("bind", guide.id, ids[i], day_texts[day], text(bound_us)))
            earliest_binding[i] = bound_us
            wanted -= 1

        # ------------------------------------------------ everyday counter activity
        # Everyone bound or enrolled was served that day, plus walk-ins; declines follow enrollments at
        # a join rate (入会率) of roughly 40-75 %; a few follow-up tasks done a day.
        counted: dict[tuple[str, str], int] = {}
        enrolls: dict[tuple[str, str], int] = {}
        for kind, gid, _mid, day_text, _at in activity:
            key = (day_text, gid)
            if kind in ("bind", "transfer", "enroll"):
                counted[key] = counted.get(key, 0) + 1
            if kind == "enroll":
                enrolls[key] = enrolls.get(key, 0) + 1
        member_pick: list[str | None] = list(ids) if ids else [None]
        # Walk-in traffic grows with the store's member base, up to ~12-42 a guide a day from 100,000.
        traffic = min(1.0, max(0.1, members / 100_000))
        for day, (open_us, close_us, day_text, _wd) in enumerate(clock.days):
            span_ratio = traffic * (close_us - open_us) / (12 * _HOUR_US)
            for guide in {g.id: g for g in day_guides[day]}.values():
                key = (day_text, guide.id)
                walk_ins = int((12 + rand() * 30) * guide.weight * span_ratio + rand())
                for _ in range(counted.get(key, 0) + walk_ins):
                    member = member_pick[int(rand() * len(member_pick))]
                    activity.append(("served", guide.id, member, day_text, text(in_hours(day))))
                declines = int(enrolls.get(key, 0) * (0.35 + rand() * 1.1) + rand() * 3 * span_ratio + rand())
                for _ in range(declines):
                    activity.append(("decline", guide.id, None, day_text, text(in_hours(day))))
                for _ in range(int(rand() * 4 * span_ratio + rand())):  # rounded at random: no bias
                    member = member_pick[int(rand() * len(member_pick))]
                    activity.append(("task_done", guide.id, member, day_text, text(in_hours(day))))
        del counted, enrolls
        progress(members + members // 10)

        # ------------------------------------------------ bindings, task list, activity: write
        # Binding ids are random UUIDs, sorted and handed out in member order: the primary key and the
        # member index both grow as the rows go in.
        bindings.sort(key=lambda b: (b[0], b[3]))
        binding_ids = sorted(_uuids(rng, len(bindings)))
        binding_rows = [
            (bid, mid, g.id, g.store_id, g.name, g.store_name, active, text(bound), text(protected),
             None if ended is None else text(ended))
            for bid, (mid, g, active, bound, protected, ended) in zip(binding_ids, bindings, strict=True)
        ]  # fmt: skip
        del bindings
        conn.execute("BEGIN IMMEDIATE")
        for chunk in _chunks(binding_rows, _ROW_CHUNK):
            conn.executemany(
                "INSERT INTO bindings (id, member_id, guide_id, store_id, guide_name, store_name, active,"
                " bound_at, protected_until, ended_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                chunk,
            )
        # HQ's "wake the sleepers" list: open call items due in three days, most already assigned to
        # the member's own guide, the rest left for the manager to assign.
        rng.shuffle(sleepers)
        chosen = sorted(sleepers[:task_items])
        list_id = _uuid4_text(rng.getrandbits(128))
        item_ids = sorted(_uuids(rng, len(chosen)))
        due = text(now_us + 3 * _DAY_US)
        created = text(now_us - 2 * _DAY_US)
        conn.execute(
            "INSERT INTO task_lists (id, store_id, title, source, due_at, created_at, version)"
            " VALUES (?, ?, '沉睡会员唤醒', 'hq', ?, ?, 1)",
            (list_id, store_id, due, created),
        )
        conn.executemany(
            "INSERT INTO task_items (id, list_id, member_id, kind, assigned_guide_id, due_at, state,"
            " created_at, version) VALUES (?, ?, ?, 'call', ?, ?, 'open', ?, 1)",
            [(tid, list_id, mid, gid if rand() < 0.8 else None, due, created)
             for tid, (mid, gid) in zip(item_ids, chosen, strict=True)],
        )  # fmt: skip
        conn.execute("COMMIT")
        progress(members + members * 4 // 10)
        n_bindings = sum(1 for r in binding_rows if r[6])
        n_ended = len(binding_rows) - n_bindings
        del binding_rows

        # The ledger in time order (its integer ids then follow time, as at a real counter; the fixed-width
        # time text sorts as time). Every insert fires the roll-up trigger, as a counted action does.
        activity.sort(key=itemgetter(4))
        n_activity = len(activity)
        n_bind = sum(1 for a in activity if a[0] == "bind")
        conn.execute("BEGIN IMMEDIATE")
        for n, chunk in enumerate(_chunks(activity, _ROW_CHUNK), start=1):
            conn.executemany(
                "INSERT INTO activity (kind, guide_id, member_id, day, at, outbox_id, voided)"
                " VALUES (?, ?, ?, ?, ?, NULL, 0)",
                chunk,
            )
            written = min(n * _ROW_CHUNK, n_activity)
            progress(members + members * 4 // 10 + members * 6 // 10 * written // max(n_activity, 1))
        conn.execute("COMMIT")
        del activity

        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # fold the load into the main file, durably
        progress(total_steps)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("PRAGMA synchronous=FULL")
        conn.close()

    return DemoSummary(
        store_id=store_id,
        store_code=store_code,
        store_name=store_name,
        guides=tuple(
            DemoGuide(g.employee_no, g.name, g.role, MANAGER_PIN if g.role == "manager" else GUIDE_PIN)
            for g in guides
        ),
        members=members,
        bindings=n_bindings,
        ended_bindings=n_ended,
        member_tags=member_tags,
        task_items=len(chosen),
        activity=n_activity,
        bind_activity=n_bind,
        key_id=DEMO_KEY_ID,
        signing_key_path=key_path,
        seed=seed,
        now=now.astimezone(UTC),
        seconds=round(time.perf_counter() - started, 3),
        phone_crypto_seconds=round(crypto_ns / 1e9, 3),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m demo.workstation --members N [--data-dir DIR]`: fill an empty workstation with demo data
    and print the summary (guides' PINs included) as JSON."""
    import argparse
    import dataclasses
    import json
    import sys

    from app.workstation import Workstation, default_data_dir

    parser = argparse.ArgumentParser(prog="python -m demo.workstation", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None, help=f"default: {default_data_dir()}")
    parser.add_argument("--members", type=int, required=True)
    args = parser.parse_args(argv)

    def progress(done: int, total: int) -> None:
        print(f"\r  {done:,}/{total:,} members", end="", file=sys.stderr, flush=True)

    ws = Workstation.open(args.data_dir)
    try:
        summary = generate(ws.db, ws.cipher, members=args.members, now=ws.clock.now(), on_progress=progress)
    except GuideDeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, InvalidInput) else 1
    finally:
        ws.close()
    print(file=sys.stderr)
    print(json.dumps(dataclasses.asdict(summary), ensure_ascii=False, indent=2, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
