"""What a guide does for a member at the counter besides binding: enroll a walk-in (拉新, with consent,
optionally as a paid member), record a walk-in who declined, add or remove a tag, write a note, and
record the visit that counts the member as served today.

Each is one mutation (plus its ledger rows) in the caller's transaction; a refusal raises a typed error
before anything is added to the session, so nothing is written. A member enrolled here lives only in the
outbox until HQ confirms it; `app.services.effective` reads it back from there.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.changes import NOTHING, Changes, of_mutation
from app.clock import store_day, utc
from app.db.models import Member, MemberCode, Tag, Visit
from app.errors import InvalidInput, MemberNotFound, RuleRefused
from app.security.crypto import PhoneCipher, mask_phone
from app.services.common import GuideRef, new_id
from app.services.effective import effective_tag_ids, member_known, pending_enrollment_by_phone
from app.services.ledger import count_activity
from app.services.outbox import record_mutation
from contract.wire import Mutation

MOBILE = re.compile(r"1[3-9][0-9]{9}")  # mainland mobile; [0-9], not \d, which admits other scripts
CONSENT_CHANNELS = frozenset({"counter", "mini_program"})
VISIT_SOURCES = frozenset({"scan", "card", "phone", "enroll"})
NAME_MAX = 50
NOTE_MAX = 500
REASON_MAX = 100
CONSENT_VERSION_MAX = 32
CARD_PREFIX = "GD"
CARD_DIGITS = 10

# Control, format (bidi overrides, zero-width), surrogate and line/paragraph separator characters: they
# break rows and exports and let two names look alike.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


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
    changes: Changes = NOTHING


@dataclass(frozen=True)
class DeclineOutcome:
    decline_id: str
    outbox_id: int
    changes: Changes = NOTHING


@dataclass(frozen=True)
class TagChange:
    member_id: str
    tag_id: str
    added: bool  # the operation asked for: True = add, False = remove
    changed: bool  # False when the member already was so: nothing was written
    outbox_id: int | None
    changes: Changes = NOTHING


@dataclass(frozen=True)
class NoteOutcome:
    note_id: str
    outbox_id: int
    changes: Changes = NOTHING


@dataclass(frozen=True)
class VisitOutcome:
    visit_id: str
    first_today: bool  # first visit of this member with this guide on this store day: counted as served
    outbox_id: int
    changes: Changes = NOTHING


def _has_bad_chars(text: str) -> bool:
    return any(unicodedata.category(ch) in _BAD_CATEGORIES for ch in text)


def new_card_no() -> str:
    """A card number for a member enrolled here: "GD" + 10 random digits, e.g. GD0123456789.

    Unique on this workstation when issued; HQ may re-issue on a clash with another store's card, and the
    new number arrives with the pulled member (the old one keeps working as a member code).
    """
    return CARD_PREFIX + "".join(secrets.choice("0123456789") for _ in range(CARD_DIGITS))


def _unused_card_no(session: Session) -> str:
    # 10^10 numbers: a clash is rare even at a million members, but a scan of a clashing card would
    # show the wrong member, so look once more rather than hope.
    for _ in range(5):
        card_no = new_card_no()
        if session.get(MemberCode, card_no) is None:
            return card_no
    return card_no  # five clashes in a row is not chance; HQ re-issues on its unique constraint


def some_members(session: Session, *, limit: int = 50) -> tuple[str, ...]:
    """Ids of up to `limit` members of the replica (the demo picks a shopper)."""
    return tuple(session.scalars(select(Member.id).limit(limit)))


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
    """Enroll a walk-in as a member (and, if `paid`, a paid member). The phone is sealed at rest; the
    enrolling guide (the envelope's guide) gets the enrollment, the paid-member commission and the visit.

    Refuses with RuleRefused("consent_required"), InvalidInput("bad_consent" | "bad_name" | "bad_phone")
    or RuleRefused("phone_already_member", member_id=…), writing nothing.
    """
    if not consent.given:
        raise RuleRefused("consent_required")
    version = consent.text_version.strip()
    if consent.channel not in CONSENT_CHANNELS or not version or len(version) > CONSENT_VERSION_MAX:
        raise InvalidInput("bad_consent", channel=consent.channel)
    clean_name = name.strip()
    if not clean_name or len(clean_name) > NAME_MAX or _has_bad_chars(clean_name):
        raise InvalidInput("bad_name", max_length=NAME_MAX)
    # NFKC turns full-width digits typed through an IME into ASCII ones.
    clean_phone = unicodedata.normalize("NFKC", phone).strip()
    if not MOBILE.fullmatch(clean_phone):
        raise InvalidInput("bad_phone")
    index = cipher.blind_index(clean_phone)
    existing = session.scalar(select(Member.id).where(Member.phone_index == index).limit(1))
    if existing is None:
        existing = pending_enrollment_by_phone(session, index)
    if existing is not None:
        raise RuleRefused("phone_already_member", member_id=existing)

    member_id, card_no = new_id(), _unused_card_no(session)
    outbox_id = record_mutation(
        session,
        name=Mutation.MEMBER_ENROLL,
        args={
            "member_id": member_id,
            "card_no": card_no,
            "name": clean_name,
            # Not in the protocol table (an added field HQ ignores): the card of a member still
            # pending at HQ shows it, and it is all the screen may show.
            "phone_masked": mask_phone(clean_phone),
            "consent": {"at": utc(now).isoformat(), "text_version": version, "channel": consent.channel},
            "paid": paid,
        },
        guide_id=guide.id,
        now=now,
        member_id=member_id,
        lookup_key=index,  # so the member is found by phone at once, before HQ confirms
        sealed={"phone": clean_phone},
        cipher=cipher,
    )
    count_activity(
        session, kind="enroll", guide_id=guide.id, at=now, member_id=member_id, outbox_id=outbox_id
    )
    if paid:
        count_activity(
            session, kind="paid", guide_id=guide.id, at=now, member_id=member_id, outbox_id=outbox_id
        )
    # The enrollment is the visit: served today, counted here; no separate visit.record.v1, since HQ
    # learns of the visit from the enrollment itself (and a second mutation cost ~0.7 ms of the 2 ms).
    session.add(
        Visit(
            id=new_id(),
            member_id=member_id,
            guide_id=guide.id,
            at=now,
            day=store_day(now).isoformat(),
            source="enroll",
        )
    )
    count_activity(
        session, kind="served", guide_id=guide.id, at=now, member_id=member_id, outbox_id=outbox_id
    )
    changes = of_mutation(Mutation.MEMBER_ENROLL, members=[member_id]) | Changes.of("visit")
    return EnrollOutcome(
        member_id=member_id, card_no=card_no, outbox_id=outbox_id, paid=paid, changes=changes
    )


def record_decline(
    session: Session, *, guide: GuideRef, now: datetime, reason: str | None = None
) -> DeclineOutcome:
    """A walk-in who was offered membership and declined: the denominator of the join rate
    (入会率 = enroll / (enroll + decline)). `reason` is optional, ≤ 100 characters."""
    args: dict[str, str] = {"decline_id": new_id()}
    if reason is not None:
        text = reason.strip()
        if len(text) > REASON_MAX or _has_bad_chars(text):
            raise InvalidInput("bad_reason", max_length=REASON_MAX)
        if text:
            args["reason"] = text
    outbox_id = record_mutation(session, name=Mutation.MEMBER_DECLINE, args=args, guide_id=guide.id, now=now)
    count_activity(session, kind="decline", guide_id=guide.id, at=now, outbox_id=outbox_id)
    changes = of_mutation(Mutation.MEMBER_DECLINE)
    return DeclineOutcome(decline_id=args["decline_id"], outbox_id=outbox_id, changes=changes)


def _change_tag(
    session: Session, *, member_id: str, tag_id: str, guide: GuideRef, now: datetime, add: bool
) -> TagChange:
    if not member_known(session, member_id):
        raise MemberNotFound("member_not_local", member_id=member_id)
    if session.get(Tag, tag_id) is None:
        raise InvalidInput("unknown_tag", tag_id=tag_id)
    has_tag = tag_id in effective_tag_ids(session, member_id)[0]
    if has_tag == add:
        # Already so in effective state: a second mutation would only be noise in HQ's tag history.
        return TagChange(member_id=member_id, tag_id=tag_id, added=add, changed=False, outbox_id=None)
    name = Mutation.TAG_ADD if add else Mutation.TAG_REMOVE
    outbox_id = record_mutation(
        session,
        name=name,
        args={"member_id": member_id, "tag_id": tag_id},
        guide_id=guide.id,
        now=now,
        member_id=member_id,
    )
    changes = of_mutation(name, members=[member_id])
    return TagChange(member_id, tag_id, added=add, changed=True, outbox_id=outbox_id, changes=changes)


def add_tag(session: Session, *, member_id: str, tag_id: str, guide: GuideRef, now: datetime) -> TagChange:
    """Give the member a tag (a no-op, `changed=False`, if the member effectively has it already)."""
    return _change_tag(session, member_id=member_id, tag_id=tag_id, guide=guide, now=now, add=True)


def remove_tag(session: Session, *, member_id: str, tag_id: str, guide: GuideRef, now: datetime) -> TagChange:
    """Take a tag off the member (a no-op, `changed=False`, if the member effectively lacks it)."""
    return _change_tag(session, member_id=member_id, tag_id=tag_id, guide=guide, now=now, add=False)


def add_note(session: Session, *, member_id: str, body: str, guide: GuideRef, now: datetime) -> NoteOutcome:
    """A free-text note on the member, 1..500 characters after stripping (InvalidInput("bad_note"))."""
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
    changes = of_mutation(Mutation.NOTE_ADD, members=[member_id])
    return NoteOutcome(note_id=note_id, outbox_id=outbox_id, changes=changes)


def record_visit(
    session: Session, *, member_id: str, guide: GuideRef, source: str, now: datetime
) -> VisitOutcome:
    """The member was served at this counter (called after every scan that shows a card). Counts as
    "served" once per member, guide and store day; HQ also renews the bound guide's protection with it.

    Deliberately no member_known check: a member found by the online lookup is served and shown without
    being in the replica. The one read is on the visits(member_id) index.
    """
    if source not in VISIT_SOURCES:
        raise InvalidInput("bad_source", source=source)
    day = store_day(now).isoformat()
    # By store day, not by a UTC range: 15:59 and 16:01 UTC are two store days (UTC+8 midnight).
    seen_today = session.scalar(
        select(Visit.id)
        .where(Visit.member_id == member_id, Visit.guide_id == guide.id, Visit.day == day)
        .limit(1)
    )
    visit_id = new_id()
    session.add(Visit(id=visit_id, member_id=member_id, guide_id=guide.id, at=now, day=day, source=source))
    outbox_id = record_mutation(
        session,
        name=Mutation.VISIT_RECORD,
        args={"visit_id": visit_id, "member_id": member_id, "source": source, "at": utc(now).isoformat()},
        guide_id=guide.id,
        now=now,
        member_id=member_id,
    )
    first_today = seen_today is None
    if first_today:
        count_activity(
            session, kind="served", guide_id=guide.id, at=now, member_id=member_id, outbox_id=outbox_id
        )
    changes = of_mutation(Mutation.VISIT_RECORD, members=[member_id])
    return VisitOutcome(visit_id=visit_id, first_today=first_today, outbox_id=outbox_id, changes=changes)
