"""Members at HQ: creation (import, demo, tests), lookup by id or card, and moving a member to another
home store — the scope exit that sends `remove` of the member and everything hanging off it to the old
store's workstations (PIPL: a member who left the store's scope is purged there)."""

from __future__ import annotations

import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hq.db.models import Member, MemberCode, TaskItem
from hq.errors import Conflict, Invalid, NotFound
from hq.services.stores import find_store
from hq.sync.changes import ChangeSet, store_scope
from hq.sync.scopes import member_children

MOBILE = re.compile(r"1[3-9][0-9]{9}")  # mainland mobile; [0-9], not \d, which admits other scripts
CARD_NO = re.compile(r"[A-Za-z0-9-]{4,32}")
CARD_PREFIX, CARD_DIGITS = "GD", 10
STAGES = frozenset({"visitor", "registered", "first_order", "experience", "koc"})


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
    for _ in range(20):
        card = new_card_no()
        if session.get(MemberCode, card) is None:
            return card
    raise Conflict("card_numbers_exhausted")  # 20 clashes in 10^10 numbers is not chance


def add_member(
    session: Session,
    *,
    store: str,
    name: str,
    now: datetime,
    changes: ChangeSet,
    phone: str | None = None,
    card_no: str | None = None,
    member_id: str | None = None,
    level: str = "普卡",
    stage: str = "registered",
    is_paid: bool = False,
    online: bool = False,
    last_purchase_at: datetime | None = None,
) -> MemberView:
    """A member of `store` (id or code) with a card (given or new) and, optionally, a phone."""
    target = find_store(session, store)
    name = name.strip()
    if not 0 < len(name) <= 50:
        raise Invalid("bad_name")
    canonical = None
    if phone:
        canonical = clean_phone(phone)
        if canonical is None:
            raise Invalid("bad_phone")
        if session.scalar(select(Member.id).where(Member.phone == canonical)) is not None:
            raise Conflict("phone_already_member")
    card = card_no.strip() if card_no else unused_card_no(session)
    if not CARD_NO.fullmatch(card):
        raise Invalid("bad_card_no")
    if session.get(MemberCode, card) is not None:
        raise Conflict("card_no_taken", card_no=card)
    if stage not in STAGES:
        raise Invalid("bad_stage", stage=stage)
    row = Member(
        id=member_id or str(uuid.uuid4()),
        store_id=target.id,
        card_no=card,
        name=name,
        phone=canonical,
        level=level,
        stage=stage,
        is_paid=is_paid,
        online=online,
        enrolled_at=now,
        last_purchase_at=last_purchase_at,
        created_at=now,
    )
    session.add(row)
    session.add(MemberCode(code=card, member_id=row.id, kind="card"))
    session.flush()
    scope = store_scope(target.id)
    changes.put(scope, "member", row.id)
    changes.put(scope, "member_code", card)
    return _view(row)


def find_member(session: Session, ref: str) -> MemberView:
    """A member by id or by any of its card numbers."""
    row = session.get(Member, ref)
    if row is None:
        owner = session.scalar(select(MemberCode.member_id).where(MemberCode.code == ref))
        row = session.get(Member, owner) if owner else None
    if row is None:
        raise NotFound("unknown_member", member=ref)
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
