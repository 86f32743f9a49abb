"""The binding and outreach policy in force (the highest revision), and new revisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contract.policy import POLICY_FIELDS, PolicyValues
from hq.db.models import PolicyRevision
from hq.sync.changes import GLOBAL, ChangeSet

POLICY_ENTITY_ID = "1"  # workstations keep one policy row, id 1


@dataclass(frozen=True)
class Policy(PolicyValues):
    """The policy values of one revision (0: none made yet, the defaults)."""

    revision: int = 0


__all__ = ["POLICY_FIELDS", "Policy", "current_policy", "new_revision"]


def _view(row: PolicyRevision) -> Policy:
    return Policy(revision=row.revision, **{k: getattr(row, k) for k in POLICY_FIELDS})


def current_policy(session: Session) -> Policy:
    row = session.scalar(select(PolicyRevision).order_by(PolicyRevision.revision.desc()).limit(1))
    return _view(row) if row is not None else Policy(revision=0)


def new_revision(
    session: Session, *, changes: ChangeSet, now: datetime, by: str | None = None, **values: Any
) -> Policy:
    """A new revision: the current values with `values` changed. Unknown names are a programming error."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"unknown policy fields {sorted(unknown)}")
    base = current_policy(session)
    revision = (session.scalar(select(func.max(PolicyRevision.revision))) or 0) + 1
    merged = {k: values.get(k, getattr(base, k)) for k in POLICY_FIELDS}
    session.add(PolicyRevision(revision=revision, created_at=now, created_by=by, **merged))
    session.flush()
    changes.put(GLOBAL, "policy", POLICY_ENTITY_ID)
    return Policy(revision=revision, **merged)
