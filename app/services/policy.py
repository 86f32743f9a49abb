"""HQ's policy as the services read it: the synced row, or its defaults on a workstation that has not
pulled one yet (a fresh install must still scan and bind by sensible rules)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db.models import Policy


def policy_of(session: Session) -> Policy:
    policy = session.get(Policy, 1)
    if policy is not None:
        return policy
    defaults = Policy(id=1)
    for column in Policy.__table__.columns:
        if getattr(defaults, column.key) is None and column.default is not None:
            setattr(defaults, column.key, column.default.arg)
    return defaults  # transient: never added to the session, so never written
