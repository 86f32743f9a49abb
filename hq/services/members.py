"""Members at HQ: creation (import, demo, tests), lookup by id or card, and moving a member to another
home store — the scope exit that sends `remove` of the member and everything hanging off it to the old
store's workstations (PIPL: a member who left the store's scope is purged there)."""

from __future__ import annotations

import re
import secrets
import unicodedata
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from contract.stages import DEFAULT_STAGE, STAGES
from hq.db.models import Member, MemberCode, TaskItem
from hq.errors import Conflict, HqError, Invalid, NotFound
from hq.services.stores import find_store
from hq.sync.changes import ChangeSet, store_scope
from hq.sync.scopes import member_children

MOBILE = re.compile(r"1[3-9][0-9]{9}")  # mainland mobile; [0-9], not \d, which admits other scripts
CARD_NO = re.compile(r"[A-Za-z0-9-]{4,32}")
CARD_PREFIX, CARD_DIGITS = "GD", 10


@dataclass(frozen=True)
class MemberView:
    id: str
    store_id: str
    card_no: str
    name: str
    phone: str | None
    level: str
    stage: str
    is_paid: bool
    online: bool


def _view(row: Member) -> MemberView:
    return MemberView(
        row.id, row.store_id, row.card_no, row.name, row.phone, row.level, row.stage, row.is_paid, row.online
    )


def clean_phone(phone: str) -> str | None:
    """The canonical mainland mobile number, or None if it is not one (full-width digits forgiven)."""
    text = unicodedata.normalize("NFKC", phone).strip()
    return text if MOBILE.fullmatch(text) else None


def new_card_no() -> str:
    return CARD_PREFIX + "".join(secrets.choice("0123456789") for _ in range(CARD_DIGITS))


def unused_card_no(session: Session) -> str:
    (card,) = _fresh_card_nos(session, 1, claimed=())
    return card


def _fresh_card_nos(session: Session, count: int, *, claimed: Collection[str]) -> list[str]:
    """`count` new card numbers that neither HQ nor `claimed` (this batch's own numbers) holds, checked
    in one query per round rather than one per card."""
    fresh: set[str] = set()
    for _ in range(20):
        if len(fresh) == count:
            return list(fresh)
        candidates = {new_card_no() for _ in range(count - len(fresh))} - fresh - set(claimed)
        fresh |= candidates - _taken(session, MemberCode.code, candidates)
    raise Conflict("card_numbers_exhausted")  # 20 rounds of clashes in 10^10 numbers is not chance


@dataclass(frozen=True)
class NewMember:
    """One member to create: `store` is a store id or code; no `card_no` means a new GD card number."""

    store: str
    name: str
    phone: str | None = None
    card_no: str | None = None
    member_id: str | None = None
    level: str = "普卡"
    stage: str = DEFAULT_STAGE
    is_paid: bool = False
    online: bool = False
    last_purchase_at: datetime | None = None


def add_member(session: Session, *, now: datetime, changes: ChangeSet, **fields: Any) -> MemberView:
    """A member of `store` (id or code) with a card (given or new) and, optionally, a phone."""
    (outcome,) = add_members(session, [NewMember(**fields)], now=now, changes=changes)
    if isinstance(outcome, HqError):
        raise outcome
    return outcome


def add_members(
    session: Session, new: Sequence[NewMember], *, now: datetime, changes: ChangeSet
) -> list[MemberView | HqError]:
    """Create many members in a few statements (an import of 10,000 is a handful of round trips, not
    60,000). Each row is checked against HQ and against the rows before it, exactly as one `add_member`
    after another would; a bad row comes back as its error, in its place, and the good rows are written.
    The caller decides whether one bad row voids the rest (the import does: it rolls back)."""
    stores: dict[str, str | HqError] = {}  # store ref → id, or why it is unknown
    phones = _taken(session, Member.phone, [clean_phone(m.phone) for m in new if m.phone])
    given = {m.card_no.strip() for m in new if m.card_no}
    cards = _taken(session, MemberCode.code, given)
    fresh = iter(_fresh_card_nos(session, sum(1 for m in new if not m.card_no), claimed=given))
    outcomes: list[MemberView | HqError] = []
    members: list[dict[str, Any]] = []
    for m in new:
        try:
            row = _checked(session, m, stores, phones, cards, fresh, now)
        except HqError as exc:
            outcomes.append(exc)
            continue
        members.append(row)
        outcomes.append(MemberView(row["id"], row["store_id"], row["card_no"], row["name"], row["phone"],
                                   row["level"], row["stage"], row["is_paid"], row["online"]))  # fmt: skip
    if members:
        session.execute(insert(Member), members)
        session.execute(
            insert(MemberCode),
            [{"code": r["card_no"], "member_id": r["id"], "kind": "card"} for r in members],
        )
        for r in members:
            scope = store_scope(r["store_id"])
            changes.put(scope, "member", r["id"])
            changes.put(scope, "member_code", r["card_no"])
    return outcomes


def _checked(
    session: Session,
    m: NewMember,
    stores: dict[str, str | HqError],
    phones: set[str],
    cards: set[str],
    fresh: Iterator[str],
    now: datetime,
) -> dict[str, Any]:
    """The member row for `m`, or the HqError add_member raises for it; claims its phone and card."""
    if m.store not in stores:
        try:
            stores[m.store] = find_store(session, m.store).id
        except HqError as exc:
            stores[m.store] = exc
    target = stores[m.store]
    if isinstance(target, HqError):
        raise target
    name = m.name.strip()
    if not 0 < len(name) <= 50:
        raise Invalid("bad_name")
    canonical = None
    if m.phone:
        canonical = clean_phone(m.phone)
        if canonical is None:
            raise Invalid("bad_phone")
        if canonical in phones:
            raise Conflict("phone_already_member")
    card = m.card_no.strip() if m.card_no else next(fresh)
    if not CARD_NO.fullmatch(card):
        raise Invalid("bad_card_no")
    if card in cards:
        raise Conflict("card_no_taken", card_no=card)
    if m.stage not in STAGES:
        raise Invalid("bad_stage", stage=m.stage)
    if canonical is not None:
        phones.add(canonical)
    cards.add(card)
    return {
        "id": m.member_id or str(uuid.uuid4()),
        "store_id": target,
        "card_no": card,
        "name": name,
        "phone": canonical,
        "level": m.level,
        "stage": m.stage,
        "is_paid": m.is_paid,
        "online": m.online,
        "enrolled_at": now,
        "last_purchase_at": m.last_purchase_at,
        "created_at": now,
    }


def _taken(session: Session, column: Any, values: Iterable[str | None]) -> set[str]:
    """Which of `values` HQ already holds in `column` (queried 1,000 at a time)."""
    wanted = sorted({v for v in values if v})
    taken: set[str] = set()
    for i in range(0, len(wanted), 1000):
        taken.update(session.scalars(select(column).where(column.in_(wanted[i : i + 1000]))))
    return taken


def find_member(session: Session, ref: str) -> MemberView:
    """A member by id or by any of its card numbers."""
    row = session.get(Member, ref)
    if row is None:
        owner = session.scalar(select(MemberCode.member_id).where(MemberCode.code == ref))
        row = session.get(Member, owner) if owner else None
    if row is None:
        raise NotFound("unknown_member", member=ref)
    if row.erased_at is not None:
        raise NotFound("member_erased", member=ref)  # no codes are minted or shown for an erased member
    return _view(row)


def move_member(session: Session, *, member_id: str, to_store: str, changes: ChangeSet) -> MemberView:
    """Give the member a new home store. The old store's workstations receive `remove` for the member
    and its dependents, the new store's receive them all; open task items of the old store for this
    member are cancelled (no workstation of that store can reach them any more)."""
    row = session.get(Member, member_id)
    if row is None:
        raise NotFound("unknown_member", member=member_id)
    target = find_store(session, to_store)
    old = row.store_id
    if old == target.id:
        return _view(row)
    old_scope, new_scope = store_scope(old), store_scope(target.id)
    for entity_type, entity_id in member_children(session, member_id, old):
        changes.remove(old_scope, entity_type, entity_id)
    changes.remove(old_scope, "member", member_id)
    session.execute(
        update(TaskItem)
        .where(TaskItem.member_id == member_id, TaskItem.store_id == old, TaskItem.state == "open")
        .values(state="cancelled")
    )
    row.store_id = target.id
    session.flush()
    changes.put(new_scope, "member", member_id)
    for entity_type, entity_id in member_children(session, member_id, target.id):
        changes.put(new_scope, entity_type, entity_id)
    return _view(row)
