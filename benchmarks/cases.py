"""The benchmarks of DESIGN.md §7 that run on a workstation database, each beside its raw-sqlite3 floor.

a. scan → member card at 1,000,000 members (fresh signed GDM1 codes, and card numbers);
b. durable commits of bind / enroll / complete task (outbox + audit + ledger rows, WAL, synchronous=FULL);
c. manager stats for 365 days over ≥ 1,000,000 bindings.

Every service is called exactly as the app will call it: keyword arguments, inside `db.transaction()`
(writes, and scans, which spend a code's nonce) or `db.read()`. A service that does not exist yet is
reported as "not available", not skipped silently.
"""

from __future__ import annotations

import importlib
import json
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.clock import store_day
from app.qr import parse_member_code, sign_member_code, verify_signature
from app.services.common import GuideRef
from app.workstation import Workstation
from benchmarks.timing import Case, Stats, run_interleaved, sql_breakdown
from demo.workstation import load_demo_signing_key


@dataclass(frozen=True)
class Budget:
    median_ms: float | None = None
    p99_ms: float | None = None
    ratio: float | None = None  # × floor

    def describe(self) -> str:
        parts = []
        if self.median_ms is not None:
            parts.append(f"median ≤ {self.median_ms:g} ms")
        if self.p99_ms is not None:
            parts.append(f"p99 ≤ {self.p99_ms:g} ms")
        if self.ratio is not None:
            parts.append(f"≤ {self.ratio:g}× floor")
        return "; ".join(parts)


PROBE = 30  # calls of the untimed SQL-breakdown pass per subject

SCAN_BUDGET = Budget(median_ms=5, p99_ms=16, ratio=10)
COMMIT_BUDGET = Budget(median_ms=2, ratio=10)
STATS_BUDGET = Budget(median_ms=50)


@dataclass
class Result:
    """One measured row of the report: a subject, its floor, the budget and the verdict."""

    key: str
    title: str
    budget: Budget
    floor_title: str = ""
    subject: Stats | None = None
    floor: Stats | None = None
    status: str = "ok"  # ok | not_available | error
    note: str = ""
    context: dict[str, Stats] = field(default_factory=dict)  # extra series, for the reader
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.subject is None or self.floor is None or self.floor.median_us <= 0:
            return None
        return self.subject.median_us / self.floor.median_us

    @property
    def verdict(self) -> str:
        if self.status != "ok" or self.subject is None:
            return self.status.replace("_", " ")
        failures = []
        b = self.budget
        if b.median_ms is not None and self.subject.median_us > b.median_ms * 1000:
            failures.append("median")
        if b.p99_ms is not None and self.subject.p99_us > b.p99_ms * 1000:
            failures.append("p99")
        if b.ratio is not None and (self.ratio is None or self.ratio > b.ratio):
            failures.append("ratio")
        return "PASS" if not failures else "FAIL (" + ", ".join(failures) + ")"


def _service(module: str, name: str) -> Callable[..., Any] | None:
    """The service function if its module exists yet (other engineers are writing them)."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _not_available(result: Result, what: str) -> Result:
    result.status = "not_available"
    result.note = f"not there yet: {what}"
    return result


def _failed(result: Result, exc: BaseException) -> Result:
    result.status = "error"
    result.note = f"{type(exc).__name__}: {exc}"
    result.details["traceback"] = traceback.format_exc()
    return result


def _text(at: datetime) -> str:
    """A UTC instant as SQLAlchemy stores it in SQLite."""
    return at.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Bench:
    """Shared state of one run: the workstation copy, its clock, a raw connection, the guides."""

    ws: Workstation
    now: datetime
    iterations: int
    rounds: int
    rng: random.Random
    store_id: str = ""
    guide: GuideRef | None = None
    manager: GuideRef | None = None
    members: int = 0

    def __post_init__(self) -> None:
        self.raw = self.ws.db.raw()
        row = self.raw.execute(
            "SELECT s.id FROM stores s JOIN guides g ON g.store_id = s.id GROUP BY s.id"
        ).fetchone()
        self.store_id = row[0]
        refs = [
            GuideRef(id=i, store_id=s, employee_no=e, name=n, role=r)
            for i, s, e, n, r in self.raw.execute(
                "SELECT id, store_id, employee_no, name, role FROM guides WHERE store_id = ?"
                " ORDER BY employee_no",
                (self.store_id,),
            )
        ]
        self.guide = next(g for g in refs if g.role == "guide")
        self.manager = next(g for g in refs if g.role == "manager")
        self.guides = refs
        self.members = self.raw.execute("SELECT max(rowid) FROM members").fetchone()[0] or 0

    def random_members(self, n: int, where: str = "1") -> list[tuple[str, str]]:
        """`n` distinct random (member id, card no) pairs satisfying `where` (members are a rowid table
        filled 1..N, so random rowids are random members)."""
        out: list[tuple[str, str]] = []
        seen: set[int] = set()
        while len(out) < n:
            batch = [
                r
                for r in self.rng.sample(range(1, self.members + 1), min(4 * n, self.members))
                if r not in seen
            ]
            seen.update(batch)
            for chunk_start in range(0, len(batch), 900):
                chunk = batch[chunk_start : chunk_start + 900]
                marks = ",".join("?" * len(chunk))
                rows = self.raw.execute(
                    f"SELECT id, card_no FROM members m WHERE rowid IN ({marks}) AND ({where})", chunk
                ).fetchall()
                out.extend(rows)
            if len(seen) >= self.members:
                break
        self.rng.shuffle(out)
        return out[:n]

    def close(self) -> None:
        self.raw.close()


# ---------------------------------------------------------------- a. scan → card

CARD_JOIN = (
    "SELECT m.id, m.name, m.phone_masked, m.level, m.stage, m.is_paid, m.online, t.name"
    " FROM member_codes c JOIN members m ON m.id = c.member_id"
    " LEFT JOIN member_tags mt ON mt.member_id = m.id LEFT JOIN tags t ON t.id = mt.tag_id"
    " WHERE c.code = ?"
)
MEMBER_JOIN = (
    "SELECT m.id, m.name, m.phone_masked, m.level, m.stage, m.is_paid, m.online, t.name"
    " FROM members m LEFT JOIN member_tags mt ON mt.member_id = m.id LEFT JOIN tags t ON t.id = mt.tag_id"
    " WHERE m.id = ?"
)


def bench_scan(b: Bench, dataset_dir: Path) -> list[Result]:
    gdm1 = Result(
        "scan_gdm1",
        "scan a fresh GDM1 member code → member card",
        SCAN_BUDGET,
        "verify signature + record nonce (durable commit) + member/tags join, raw sqlite3",
    )
    card = Result(
        "scan_card",
        "scan a card number → member card",
        SCAN_BUDGET,
        "member + tags join by indexed card code, raw sqlite3",
    )
    resolve_scan = _service("app.services.scan", "resolve_scan")
    member_card = _service("app.services.cards", "member_card")
    missing = [
        name
        for name, found in (
            ("app.services.scan.resolve_scan", resolve_scan),
            ("app.services.cards.member_card", member_card),
        )
        if found is None
    ]

    db, cipher, now, guide, raw = b.ws.db, b.ws.cipher, b.now, b.guide, b.raw
    key = load_demo_signing_key(dataset_dir)
    key_id, public = raw.execute("SELECT key_id, public_key FROM qr_keys WHERE active = 1").fetchone()
    public_keys = {key_id: public}
    warmup = max(20, b.iterations // 20)
    total = b.iterations + warmup
    picked = b.random_members(4 * total + 2 + 2 * PROBE)
    issued = now - timedelta(seconds=5)  # a code the phone showed a moment ago

    def mint(member_id: str) -> str:
        return sign_member_code(key, key_id=key_id, member_id=member_id, issued=issued, ttl_seconds=300)

    # Each scan a different random member and, for GDM1, a new code (a new nonce): no cache helps.
    codes = [(mint(mid), mid) for mid, _ in picked[: total + 1]]
    cards = [(card_no, mid) for mid, card_no in picked[total + 1 : 2 * total + 2]]
    floor_codes = [mint(mid) for mid, _ in picked[2 * total + 2 : 3 * total + 2]]
    floor_cards = [card_no for _, card_no in picked[3 * total + 2 : 4 * total + 2]]
    probe = picked[4 * total + 2 :]

    def scan(arg: tuple[str, str]) -> Any:
        with db.transaction() as s:  # as the counter does: a dynamic code's nonce is spent
            hit = resolve_scan(s, text=arg[0], now=now, cipher=cipher)  # type: ignore[misc]
            return hit, member_card(s, member_id=hit.member_id, viewer=guide, now=now)  # type: ignore[misc]

    def floor_gdm1(code: str) -> None:
        parsed = parse_member_code(code)
        if not verify_signature(parsed, public_keys[parsed.claims.key_id]):
            raise AssertionError("floor: signature did not verify")
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "INSERT INTO used_nonces (nonce, expires_at) VALUES (?, ?)",
            (parsed.claims.nonce, _text(parsed.claims.expires)),
        )
        raw.execute(MEMBER_JOIN, (parsed.claims.member_id,)).fetchall()
        raw.execute("COMMIT")

    def floor_card(card_no: str) -> None:
        raw.execute(CARD_JOIN, (card_no,)).fetchall()

    def floor_card_txn(card_no: str) -> None:  # context: what the write transaction alone adds
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(CARD_JOIN, (card_no,)).fetchall()
        raw.execute("COMMIT")

    card.details["floor_query_plan"] = [r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + CARD_JOIN, ("x",))]
    cases = [
        Case("gdm1_floor", floor_gdm1, floor_codes, warmup),
        Case("card_floor", floor_card, floor_cards, warmup),
        Case("card_floor_txn", floor_card_txn, floor_cards, warmup),
    ]
    try:
        if not missing:
            # The subject must do what it claims before it is timed.
            for (text, member_id), result in ((codes[0], gdm1), (cards[0], card)):
                hit, shown = scan((text, member_id))
                if hit.member_id != member_id:
                    raise AssertionError(f"scan resolved {hit.member_id}, expected {member_id}")
                result.details["sample"] = {"hit": repr(hit), "card": repr(shown)}
            cases += [Case("gdm1", scan, codes[1:], warmup), Case("card", scan, cards[1:], warmup)]
        stats = run_interleaved(cases, rounds=b.rounds)
    except Exception as exc:  # reported in the results (and the exit status), never hidden
        return [_failed(gdm1, exc), _failed(card, exc)]
    gdm1.floor, card.floor = stats["gdm1_floor"], stats["card_floor"]
    gdm1.context["bare card query (raw)"] = stats["card_floor"]
    card.context["raw: the same query inside BEGIN IMMEDIATE … COMMIT"] = stats["card_floor_txn"]
    if missing:
        what = " and ".join(missing)
        return [_not_available(gdm1, what), _not_available(card, what)]
    gdm1.subject, card.subject = stats["gdm1"], stats["card"]
    gdm1.details["sql_breakdown"] = sql_breakdown(db.engine, scan, [(mint(m), m) for m, _ in probe[:PROBE]])
    card.details["sql_breakdown"] = sql_breakdown(db.engine, scan, [(c, m) for m, c in probe[PROBE:]])
    return [gdm1, card]


# ---------------------------------------------------------------- b. durable commits


def bench_commits(b: Bench) -> list[Result]:
    bind = Result(
        "bind",
        "bind an unbound member (binding + outbox + audit + ledger)",
        COMMIT_BUDGET,
        "3-row insert transaction (outbox, audit, ledger), raw sqlite3, WAL, synchronous=FULL",
    )
    enroll = Result("enroll", "enroll a walk-in as a new member", COMMIT_BUDGET, bind.floor_title)
    complete = Result("complete_task", "complete an HQ task item", COMMIT_BUDGET, bind.floor_title)
    db, now = b.ws.db, b.now
    warmup = max(20, b.iterations // 20)
    total = b.iterations + warmup
    raw = b.raw
    cases: list[Case] = []
    probes: dict[str, tuple[Callable[[Any], Any], list[Any]]] = {}

    def prepare(
        result: Result, name: str, make: Callable[[], tuple[Callable[[Any], Any], list[Any]]]
    ) -> None:
        """Build a case's arguments and run it once untimed (its outcome goes into the report)."""
        try:
            op, args = make()
            if len(args) < 2:
                _not_available(result, "enough suitable rows in the dataset")
                return
            result.details["first_outcome"] = repr(op(args[0]))
        except Exception as exc:  # reported in the results (and the exit status), never hidden
            _failed(result, exc)
            return
        timed = args[1 : len(args) - PROBE] if len(args) > 2 * PROBE else args[1:]
        probes[name] = (op, args[1 + len(timed) :])
        cases.append(Case(name, op, timed, max(1, warmup * len(timed) // total)))

    bind_member = _service("app.services.binding", "bind_member")
    if bind_member is None:
        _not_available(bind, "app.services.binding.bind_member")
    else:

        def make_bind() -> tuple[Callable[[Any], Any], list[Any]]:
            unbound = b.random_members(
                total + 1 + PROBE,
                "NOT EXISTS (SELECT 1 FROM bindings x WHERE x.member_id = m.id AND x.active = 1)",
            )
            guides = [g for g in b.guides if g.role == "guide"]

            def do_bind(arg: tuple[str, GuideRef]) -> Any:
                with db.transaction() as s:
                    return bind_member(s, member_id=arg[0], guide=arg[1], now=now)

            return do_bind, [(mid, guides[i % len(guides)]) for i, (mid, _) in enumerate(unbound)]

        prepare(bind, "bind", make_bind)

    enroll_member = _service("app.services.members", "enroll_member")
    if enroll_member is None:
        _not_available(enroll, "app.services.members.enroll_member")
    else:
        prepare(enroll, "enroll", lambda: _enroll_case(b, enroll_member, total + 1 + PROBE))

    complete_task = _service("app.services.tasks", "complete_task")
    if complete_task is None:
        _not_available(complete, "app.services.tasks.complete_task")
    else:
        prepare(complete, "complete_task", lambda: _complete_case(b, complete_task, total + 1 + PROBE))

    floor_guide = b.guide
    assert floor_guide is not None
    now_text, day = _text(now), store_day(now).isoformat()
    args_json = json.dumps({"binding_id": "0" * 36, "member_id": "0" * 36}, separators=(",", ":"))

    def floor_commit(i: int) -> None:
        raw.execute("BEGIN IMMEDIATE")
        cur = raw.execute(
            "INSERT INTO outbox (name, args, sha256, created_at, guide_id, member_id, state)"
            " VALUES ('audit.append.v1', ?, ?, ?, ?, NULL, 'pending')",
            (args_json, f"{i:064x}", now_text, floor_guide.id),
        )
        raw.execute(
            "INSERT INTO audit_events (at, guide_id, action, subject_id, details, outbox_id)"
            " VALUES (?, ?, 'audit.append.v1', NULL, ?, ?)",
            (now_text, floor_guide.id, args_json, cur.lastrowid),
        )
        # A counted ledger row, so the roll-up trigger fires as it does for a real action.
        raw.execute(
            "INSERT INTO activity (kind, guide_id, member_id, day, at, outbox_id, voided)"
            " VALUES ('served', ?, NULL, ?, ?, ?, 0)",
            (floor_guide.id, day, now_text, cur.lastrowid),
        )
        raw.execute("COMMIT")

    cases.append(Case("floor", floor_commit, range(total), warmup))
    try:
        stats = run_interleaved(cases, rounds=b.rounds)
    except Exception as exc:  # reported in the results (and the exit status), never hidden
        return [_failed(r, exc) if r.status == "ok" else r for r in (bind, enroll, complete)]
    for result, name in ((bind, "bind"), (enroll, "enroll"), (complete, "complete_task")):
        result.floor = stats["floor"]
        if name in stats:
            result.subject = stats[name]
            op, extra = probes[name]
            if extra:
                result.details["sql_breakdown"] = sql_breakdown(db.engine, op, extra)
    return [bind, enroll, complete]


def _enroll_case(
    b: Bench, enroll_member: Callable[..., Any], n: int
) -> tuple[Callable[[Any], Any], list[Any]]:
    """Walk-ins with new phones: prefix 192 is a real mainland prefix the demo data never uses, so no
    enrollment is refused as an existing member's phone."""
    from app.services.members import Consent

    db, now, cipher = b.ws.db, b.now, b.ws.cipher
    consent = Consent(given=True, text_version="demo-2026", channel="counter")
    guides = [g for g in b.guides if g.role == "guide"]
    surnames, given = "王李张刘陈杨黄赵吴周", "静丽敏燕婷雪琳颖伟强"
    phones = b.rng.sample(range(10**8), n)  # distinct: a repeated phone would be refused
    args = [
        (guides[i % len(guides)], surnames[i % 10] + given[(i // 10) % 10] + given[(i // 100) % 10],
         f"192{phones[i]:08d}", i % 10 == 0)
        for i in range(n)
    ]  # fmt: skip

    def do_enroll(arg: tuple[GuideRef, str, str, bool]) -> Any:
        guide, name, phone, paid = arg
        with db.transaction() as s:
            return enroll_member(
                s, guide=guide, name=name, phone=phone, consent=consent, paid=paid, now=now, cipher=cipher
            )

    return do_enroll, args


def _complete_case(
    b: Bench, complete_task: Callable[..., Any], n: int
) -> tuple[Callable[[Any], Any], list[Any]]:
    """Open items of HQ's "wake the sleepers" list, each completed once by its assignee (or a guide of
    the store when the manager has not assigned it yet), outcomes as at a real counter."""
    db, now = b.ws.db, b.now
    by_id = {g.id: g for g in b.guides}
    fallback = [g for g in b.guides if g.role == "guide"]
    items = b.raw.execute(
        "SELECT id, assigned_guide_id FROM task_items WHERE state = 'open' ORDER BY random() LIMIT ?", (n,)
    ).fetchall()
    outcomes = ("reached", "not_reached", "call_back", "reached")
    args = [
        (task_id, by_id.get(assigned) or fallback[i % len(fallback)], outcomes[i % len(outcomes)])
        for i, (task_id, assigned) in enumerate(items)
    ]

    def do_complete(arg: tuple[str, GuideRef, str]) -> Any:
        task_id, guide, outcome = arg
        with db.transaction() as s:
            return complete_task(s, task_id=task_id, outcome=outcome, note=None, guide=guide, now=now)

    return do_complete, args


# ---------------------------------------------------------------- c. manager stats

# The roll-up read app.services.stats.guide_day_stats makes (it keeps the store's guides in Python),
# and, for context, the same numbers counted from the ledger itself.
ROLLUP_QUERY = (
    "SELECT day, guide_id, served, bind, enroll, paid, decline, task_done, transfer FROM daily_stats"
    " WHERE day >= ? AND day <= ?"
)
LEDGER_QUERY = (
    "SELECT day, guide_id, kind, count(*) FROM activity WHERE day >= ? AND day <= ? AND voided = 0"
    " GROUP BY day, guide_id, kind"
)


def bench_stats(b: Bench) -> list[Result]:
    year = Result(
        "stats_year",
        "manager stats, 365 days, per guide per day",
        STATS_BUDGET,
        "the same roll-up read (daily_stats), raw sqlite3",
    )
    guide_day_stats = _service("app.services.stats", "guide_day_stats")
    today = store_day(b.now)
    first = today - timedelta(days=364)
    bind_rows = b.raw.execute(
        "SELECT count(*) FROM activity a JOIN guides g ON g.id = a.guide_id"
        " WHERE g.store_id = ? AND a.kind = 'bind' AND a.voided = 0 AND a.day BETWEEN ? AND ?",
        (b.store_id, first.isoformat(), today.isoformat()),
    ).fetchone()[0]
    year.details.update(
        {"from": first.isoformat(), "to": today.isoformat(), "bind_rows_in_range": bind_rows,
         "ledger_rows": b.raw.execute("SELECT count(*) FROM activity").fetchone()[0],
         "rollup_rows": b.raw.execute("SELECT count(*) FROM daily_stats").fetchone()[0]}
    )  # fmt: skip
    db, raw, store_id, now = b.ws.db, b.raw, b.store_id, b.now
    n = max(10, b.iterations // 20)

    def report(span: tuple[Any, Any]) -> Any:
        with db.read() as s:
            return guide_day_stats(s, store_id=store_id, start=span[0], end=span[1], now=now)  # type: ignore[misc]

    def floor(span: tuple[str, str]) -> None:
        raw.execute(ROLLUP_QUERY, span).fetchall()

    def ledger(span: tuple[str, str]) -> None:
        raw.execute(LEDGER_QUERY, span).fetchall()

    year_span, year_text = (first, today), (first.isoformat(), today.isoformat())
    today_span, today_text = (today, today), (today.isoformat(), today.isoformat())
    cases = [
        Case("year_floor", floor, [year_text] * (n + 3), 3),
        Case("year_ledger", ledger, [year_text] * max(4, n // 20), 1),  # seconds each at 1 M: a few
        Case("today_floor", floor, [today_text] * (n + 3), 3),
    ]
    try:
        if guide_day_stats is not None:
            sample = report(year_span)
            year.details["sample"] = repr(sample)[:2000]
            totals = getattr(sample, "totals", ())
            year.details["report_bindings_total"] = sum(getattr(t, "bindings", 0) for t in totals)
            cases += [
                Case("year", report, [year_span] * (n + 3), 3),
                Case("today", report, [today_span] * (n + 3), 3),
            ]
        stats = run_interleaved(cases, rounds=min(b.rounds, 5))
    except Exception as exc:  # reported in the results (and the exit status), never hidden
        return [_failed(year, exc)]
    year.floor = stats["year_floor"]
    year.context["raw GROUP BY over activity, 365 days (no roll-up)"] = stats["year_ledger"]
    year.context["roll-up floor, today only"] = stats["today_floor"]
    if guide_day_stats is None:
        _not_available(year, "app.services.stats.guide_day_stats")
    else:
        year.subject = stats["year"]
        year.context["service, today only"] = stats["today"]
        year.details["sql_breakdown"] = sql_breakdown(db.engine, report, [year_span] * 3)
    year.details["rollup_plan"] = [
        r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + ROLLUP_QUERY, year_text).fetchall()
    ]
    year.details["ledger_plan"] = [
        r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + LEDGER_QUERY, year_text).fetchall()
    ]
    return [year]
