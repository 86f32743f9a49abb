"""Effective state = replica + pending outbox: the small shared reads every service needs to see what the
guide did here before HQ has confirmed it (a member enrolled offline, a bind not yet pushed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Member, MemberTag, Outbox
from app.services.outbox import PENDING_STATES
from contract.wire import Mutation


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


def overlay_tags(
    replica: Iterable[str], pending: Iterable[tuple[str, dict[str, Any]]]
) -> tuple[set[str], set[str]]:
    """Tags now = replica tags, plus pending adds, minus pending removes, in the order made; and which of
    them are pending adds. `pending` holds (mutation name, args) of unsettled outbox rows, oldest first;
    rows of other mutations are ignored."""
    ids = set(replica)
    added: set[str] = set()
    for name, args in pending:
        if name == Mutation.TAG_ADD:
            if args["tag_id"] not in ids:
                added.add(args["tag_id"])
            ids.add(args["tag_id"])
        elif name == Mutation.TAG_REMOVE:
            ids.discard(args["tag_id"])
            added.discard(args["tag_id"])
    return ids, added


def effective_tag_ids(session: Session, member_id: str) -> tuple[set[str], set[str]]:
    """The member's tags now and which of them are pending adds (see `overlay_tags`)."""
    replica = session.scalars(select(MemberTag.tag_id).where(MemberTag.member_id == member_id))
    pending = session.execute(
        select(Outbox.name, Outbox.args)
        .where(
            Outbox.member_id == member_id,
            Outbox.name.in_((Mutation.TAG_ADD, Mutation.TAG_REMOVE)),
            Outbox.state.in_(PENDING_STATES),
        )
        .order_by(Outbox.id)
    )
    return overlay_tags(replica, ((name, args) for name, args in pending))
