"""A departing guide's members handed to one or several colleagues (离职继承) in one action: a preview of
how many each colleague receives, then every transfer in the caller's one transaction. The members are
split in member order into contiguous shares whose sizes differ by at most one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.changes import NOTHING, Changes
from app.errors import InvalidInput
from app.services.binding import departing_bindings, transfer_departing_guide
from app.services.common import GuideRef


@dataclass(frozen=True)
class HandoverPreview:
    from_guide_id: str
    total: int
    shares: tuple[tuple[str, int], ...]  # (to guide id, members it receives), in the order given


@dataclass(frozen=True)
class HandoverOutcome:
    moved: int
    shares: tuple[tuple[str, int], ...]
    changes: Changes = NOTHING


def _split(members: list[str], guide_ids: list[str]) -> list[tuple[str, list[str]]]:
    n, k = len(members), len(guide_ids)
    out, start = [], 0
    for i, gid in enumerate(guide_ids):
        size = n // k + (1 if i < n % k else 0)
        out.append((gid, members[start : start + size]))
        start += size
    return out


def _targets(from_guide_id: str, to_guide_ids: list[str]) -> list[str]:
    ids = list(dict.fromkeys(to_guide_ids))
    if not ids:
        raise InvalidInput("no_target_guide")
    if from_guide_id in ids:
        raise InvalidInput("same_guide", guide_id=from_guide_id)
    return ids


def preview_handover(session: Session, *, from_guide_id: str, to_guide_ids: list[str]) -> HandoverPreview:
    members = [m for m, _b in departing_bindings(session, from_guide_id)]
    ids = _targets(from_guide_id, to_guide_ids) if to_guide_ids else []
    shares = tuple((gid, len(chunk)) for gid, chunk in _split(members, ids)) if ids else ()
    return HandoverPreview(from_guide_id, len(members), shares)


def hand_over(
    session: Session, *, from_guide_id: str, to_guides: list[GuideRef], manager: GuideRef, now: datetime
) -> HandoverOutcome:
    """Move every effective binding of the departing guide, split among `to_guides`."""
    ids = _targets(from_guide_id, [g.id for g in to_guides])
    by_id = {g.id: g for g in to_guides}
    members = [m for m, _b in departing_bindings(session, from_guide_id)]
    changes, shares, moved = NOTHING, [], 0
    for gid, chunk in _split(members, ids):
        outcome = transfer_departing_guide(
            session, from_guide_id=from_guide_id, to_guide=by_id[gid], manager=manager, now=now, only=chunk
        )
        changes |= outcome.changes
        shares.append((gid, outcome.count))
        moved += outcome.count
    return HandoverOutcome(moved, tuple(shares), changes)
