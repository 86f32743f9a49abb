"""Effective state = replica + pending outbox: the small shared reads every service needs to see what the
guide did here before HQ has confirmed it (a member enrolled offline, a bind not yet pushed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Member, MemberTag, Outbox
from app.services.outbox import PENDING_STATES
from app.sync.protocol import Mutation


def pending_enrollment(session: Session, member_id: str) -> dict[str, Any] | None:
    """The stored args of a not-yet-confirmed enrollment of this member made here, if any."""
    row = session.execute(
        select(Outbox.args).where(
            Outbox.member_id == member_id,
            Outbox.name == Mutation.MEMBER_ENROLL,
            Outbox.state.in_(PENDING_STATES),
        )
    ).first()
    return None if row is None else dict(row[0])


def pending_enrollment_by_phone(session: Session, phone_index: str) -> str | None:
    """The member id of a pending enrollment with this phone blind index, if any."""
    return session.scalar(
        select(Outbox.member_id).where(
            Outbox.lookup_key == phone_index,
            Outbox.name == Mutation.MEMBER_ENROLL,
            Outbox.state.in_(PENDING_STATES),
        )
    )


def member_known(session: Session, member_id: str) -> bool:
    """True when the member is in the replica or was enrolled here and is still pending at HQ."""
    if session.scalar(select(Member.id).where(Member.id == member_id)) is not None:
        return True
    return pending_enrollment(session, member_id) is not None


def effective_tag_ids(session: Session, member_id: str) -> tuple[set[str], set[str]]:
    """The member's tags now (replica, plus pending adds, minus pending removes, in the order made) and
    which of them are pending adds."""
    ids = set(session.scalars(select(MemberTag.tag_id).where(MemberTag.member_id == member_id)))
    added: set[str] = set()
    pending = session.execute(
        select(Outbox.name, Outbox.args)
        .where(
            Outbox.member_id == member_id,
            Outbox.name.in_((Mutation.TAG_ADD, Mutation.TAG_REMOVE)),
            Outbox.state.in_(PENDING_STATES),
        )
        .order_by(Outbox.id)
    )
    for name, args in pending:
        tag_id = args["tag_id"]
        if name == Mutation.TAG_ADD:
            if tag_id not in ids:
                added.add(tag_id)
            ids.add(tag_id)
        else:
            ids.discard(tag_id)
            added.discard(tag_id)
    return ids, added
