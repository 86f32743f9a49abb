"""What a guide does for a member at the counter besides binding: enroll a walk-in (拉新, with consent,
optionally as a paid member), record a walk-in who declined, add or remove a tag, write a note, and
record the visit that counts the member as served today.

Each is one mutation in the caller's transaction; a refusal raises a typed error and writes nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import day_start, store_day
from app.db.models import Member, Tag, Visit
from app.errors import InvalidInput, MemberNotFound, RuleRefused
from app.security.crypto import PhoneCipher, mask_phone
from app.services.common import GuideRef, new_id
from app.services.effective import effective_tag_ids, member_known, pending_enrollment_by_phone
from app.services.ledger import count_activity
from app.services.outbox import record_mutation
from app.sync.protocol import Mutation

MOBILE = re.compile(r"1[3-9][0-9]{9}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
VISIT_SOURCES = frozenset({"scan", "card", "phone", "enroll"})
NOTE_MAX = 500
NAME_MAX = 50


@dataclass(frozen=True)
class Consent:
    """The shopper's consent to membership and its privacy terms (PIPL), as recorded at enrollment."""

    given: bool
    text_version: str  # which privacy notice was shown
    channel: str = "counter"  # counter | mini_program


@dataclass(frozen=True)
class EnrollOutcome:
    member_id: str
    card_no: str
    outbox_id: int
    paid: bool


@dataclass(frozen=True)
class DeclineOutcome:
    decline_id: str
    outbox_id: int


@dataclass(frozen=True)
class TagChange:
    member_id: str
    tag_id: str
    added: bool
    changed: bool
    outbox_id: int | None


@dataclass(frozen=True)
class NoteOutcome:
    note_id: str
    outbox_id: int


@dataclass(frozen=True)
class VisitOutcome:
    visit_id: str
    first_today: bool
    outbox_id: int


def new_card_no() -> str:
    """Card number for a member enrolled here: "GD" + 10 random digits (HQ may re-issue on a clash)."""
    return "GD" + "".join(secrets.choice("0123456789") for _ in range(10))


def enroll_member(
    session: Session,
    *,
    guide: GuideRef,
    name: str,
    phone: str,
    consent: Consent,
    paid: bool,
    now: datetime,
    cipher: PhoneCipher,
) -> EnrollOutcome:
    """Enroll a walk-in. The phone is sealed at rest in the outbox; the enrolling guide gets the credit
    (and, for a paid member, the commission)."""
    if not consent.given:
        raise RuleRefused("consent_required")
    clean_name = name.strip()
    if not clean_name or len(clean_name) > NAME_MAX or _CONTROL.search(clean_name):
        raise InvalidInput("bad_name")
    phone = phone.strip()
    if not MOBILE.fullmatch(phone):
        raise InvalidInput("bad_phone")
    index = cipher.blind_index(phone)
    existing = session.scalar(select(Member.id).where(Member.phone_index == index).limit(1))
    existing = existing or pending_enrollment_by_phone(session, index)
    if existing is not None:
        raise RuleRefused("phone_already_member", member_id=existing)
    member_id, card_no = new_id(), new_card_no()
    outbox_id = record_mutation(
        session,
        name=Mutation.MEMBER_ENROLL,
        args={
            "member_id": member_id,
            "card_no": card_no,
            "name": clean_name,
            "phone_masked": mask_phone(phone),
            "consent": {
                "at": now.isoformat(),
                "text_version": consent.text_version,
                "channel": consent.channel,
            },
            "paid": paid,
        },
        guide_id=guide.id,
        now=now,
        member_id=member_id,
        lookup_key=index,
        sealed={"phone": phone},
        cipher=cipher,
    )
    count_activity(
        session, kind="enroll", guide_id=guide.id, at=now, member_id=member_id, outbox_id=outbox_id
    )
    if paid:
        count_activity(
            session, kind="paid", guide_id=guide.id, at=now, member_id=member_id, outbox_id=outbox_id
        )
    record_visit(session, member_id=member_id, guide=guide, source="enroll", now=now)
    return EnrollOutcome(member_id, card_no, outbox_id, paid)


def record_decline(
    session: Session, *, guide: GuideRef, now: datetime, reason: str | None = None
) -> DeclineOutcome:
    """A walk-in who declined to join: the denominator of the join rate (入会率)."""
    args: dict[str, str] = {"decline_id": new_id()}
    if reason:
        args["reason"] = reason.strip()[:100]
    outbox_id = record_mutation(session, name=Mutation.MEMBER_DECLINE, args=args, guide_id=guide.id, now=now)
    count_activity(session, kind="decline", guide_id=guide.id, at=now, outbox_id=outbox_id)
    return DeclineOutcome(args["decline_id"], outbox_id)


def _change_tag(
    session: Session, *, member_id: str, tag_id: str, guide: GuideRef, now: datetime, add: bool
) -> TagChange:
    if not member_known(session, member_id):
        raise MemberNotFound("member_not_local", member_id=member_id)
    if session.scalar(select(Tag.id).where(Tag.id == tag_id)) is None:
        raise InvalidInput("unknown_tag", tag_id=tag_id)
    if (tag_id in effective_tag_ids(session, member_id)[0]) == add:
        return TagChange(
            member_id, tag_id, add, changed=False, outbox_id=None
        )  # already so: nothing to write
    outbox_id = record_mutation(
        session,
        name=Mutation.TAG_ADD if add else Mutation.TAG_REMOVE,
        args={"member_id": member_id, "tag_id": tag_id},
        guide_id=guide.id,
        now=now,
        member_id=member_id,
    )
    return TagChange(member_id, tag_id, add, changed=True, outbox_id=outbox_id)


def add_tag(session: Session, *, member_id: str, tag_id: str, guide: GuideRef, now: datetime) -> TagChange:
    return _change_tag(session, member_id=member_id, tag_id=tag_id, guide=guide, now=now, add=True)


def remove_tag(session: Session, *, member_id: str, tag_id: str, guide: GuideRef, now: datetime) -> TagChange:
    return _change_tag(session, member_id=member_id, tag_id=tag_id, guide=guide, now=now, add=False)


def add_note(session: Session, *, member_id: str, body: str, guide: GuideRef, now: datetime) -> NoteOutcome:
    text = body.strip()
    if not text or len(text) > NOTE_MAX:
        raise InvalidInput("bad_note", max_length=NOTE_MAX)
    if not member_known(session, member_id):
        raise MemberNotFound("member_not_local", member_id=member_id)
    note_id = new_id()
    outbox_id = record_mutation(
        session,
        name=Mutation.NOTE_ADD,
        args={"note_id": note_id, "member_id": member_id, "body": text},
        guide_id=guide.id,
        now=now,
        member_id=member_id,
    )
    return NoteOutcome(note_id, outbox_id)


def record_visit(
    session: Session, *, member_id: str, guide: GuideRef, source: str, now: datetime
) -> VisitOutcome:
    """The member was served at this counter. Counts as "served" once per guide, member and store day.
    It also renews the bound guide's protection (at HQ, and in the card's effective state here)."""
    if source not in VISIT_SOURCES:
        raise InvalidInput("bad_source", source=source)
    day = store_day(now)
    seen_today = session.scalar(
        select(Visit.id)
        .where(Visit.member_id == member_id, Visit.guide_id == guide.id, Visit.at >= day_start(day))
        .limit(1)
    )
    visit_id = new_id()
    session.add(
        Visit(id=visit_id, member_id=member_id, guide_id=guide.id, at=now, day=day.isoformat(), source=source)
    )
    outbox_id = record_mutation(
        session,
        name=Mutation.VISIT_RECORD,
        args={"visit_id": visit_id, "member_id": member_id, "source": source, "at": now.isoformat()},
        guide_id=guide.id,
        now=now,
        member_id=member_id,
    )
    if seen_today is None:
        count_activity(
            session, kind="served", guide_id=guide.id, at=now, member_id=member_id, outbox_id=outbox_id
        )
    return VisitOutcome(visit_id, seen_today is None, outbox_id)
