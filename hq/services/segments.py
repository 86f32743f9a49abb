"""A segment of members — home stores, tag, stage, 沉睡, bound or not — as every publisher of task lists
selects it (the console's composer, the admin API, `guidedesk-hq publish-tasks`): how many match, how
many the contact budget leaves out, and who receives the list.

Never in a segment (PIPL): a member who withdrew consent to outreach, or was erased. The contact budget
is the policy's `contact_budget` items per member within `contact_window_days`: a member who already has
that many (not cancelled) task items created in the window is left out of a new list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session

from hq.db.models import Binding, Member, MemberTag, Store, Tag, TaskItem
from hq.errors import Invalid, NotFound
from hq.services.members import STAGES
from hq.services.policy import current_policy
from hq.services.stores import find_store

BOUND = ("any", "bound", "unbound")


@dataclass(frozen=True)
class Segment:
    stores: tuple[str, ...] = ()  # store ids; empty: every store
    tag_id: str | None = None
    stage: str | None = None
    sleeping: bool = False
    bound: str = "any"

    def plain(self) -> dict[str, Any]:
        return {
            "stores": list(self.stores) or None,
            "tag_id": self.tag_id,
            "stage": self.stage,
            "sleeping": self.sleeping,
            "bound": self.bound,
        }


def _where(session: Session, segment: Segment, now: datetime) -> list[Any]:
    # PIPL: a member who withdrew consent to outreach, or was erased, is never in a segment
    where: list[Any] = [Member.consent_withdrawn.is_(False), Member.erased_at.is_(None)]
    if segment.stores:
        known = set(session.scalars(select(Store.id).where(Store.id.in_(segment.stores))))
        missing = [s for s in segment.stores if s not in known]
        if missing:
            raise NotFound("unknown_store", store=missing[0])
        where.append(Member.store_id.in_(segment.stores))
    if segment.tag_id:
        if session.get(Tag, segment.tag_id) is None:
            raise NotFound("unknown_tag", tag_id=segment.tag_id)
        where.append(exists().where(MemberTag.member_id == Member.id, MemberTag.tag_id == segment.tag_id))
    if segment.stage:
        if segment.stage not in STAGES:
            raise Invalid("bad_stage", stage=segment.stage)
        where.append(Member.stage == segment.stage)
    if segment.sleeping:
        since = now - timedelta(days=current_policy(session).sleeping_days)
        where.append(func.coalesce(Member.last_purchase_at, Member.enrolled_at, Member.created_at) < since)
    if segment.bound not in BOUND:
        raise Invalid("bad_bound", bound=segment.bound)
    if segment.bound != "any":
        active = exists().where(Binding.member_id == Member.id, Binding.active.is_(True))
        where.append(active if segment.bound == "bound" else ~active)
    return where


def _over_budget(session: Session, now: datetime) -> Any:
    policy = current_policy(session)
    since = now - timedelta(days=policy.contact_window_days)
    recent = (
        select(func.count())
        .where(TaskItem.member_id == Member.id, TaskItem.created_at >= since, TaskItem.state != "cancelled")
        .scalar_subquery()
    )
    return recent >= policy.contact_budget


@dataclass(frozen=True)
class Preview:
    matched: int
    over_budget: int
    contact_budget: int
    contact_window_days: int

    @property
    def receiving(self) -> int:
        return self.matched - self.over_budget


def preview(session: Session, *, segment: Segment, now: datetime) -> Preview:
    where = _where(session, segment, now)
    over = _over_budget(session, now)
    matched, excluded = session.execute(
        select(func.count(), func.coalesce(func.sum(case((over, 1), else_=0)), 0))
        .select_from(Member)
        .where(*where)
    ).one()
    policy = current_policy(session)
    return Preview(int(matched), int(excluded), policy.contact_budget, policy.contact_window_days)


def segment_member_ids(session: Session, *, segment: Segment, now: datetime) -> list[str]:
    """Members of the segment within the contact budget, in id order."""
    where = [*_where(session, segment, now), ~_over_budget(session, now)]
    return list(session.scalars(select(Member.id).select_from(Member).where(*where).order_by(Member.id)))


def store_ids(session: Session, refs: Iterable[str]) -> tuple[str, ...]:
    """Stores named by id or code, as ids (NotFound "unknown_store" for the first that is neither)."""
    return tuple(find_store(session, ref).id for ref in refs)
