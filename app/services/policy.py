"""HQ's policy as the services read it: a frozen view of the synced row, or the contract's defaults on a
workstation that has not pulled one yet (a fresh install must still scan and bind by sensible rules).
Never the ORM row: a caller cannot change it by accident, and it outlives the session."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Policy
from contract.policy import POLICY_DEFAULTS, POLICY_FIELDS, PolicyValues

_COLUMNS = tuple(getattr(Policy, name) for name in POLICY_FIELDS)


def policy_of(session: Session) -> PolicyValues:
    row = session.execute(select(*_COLUMNS).where(Policy.id == 1)).first()
    if row is None:
        return POLICY_DEFAULTS
    return PolicyValues(**dict(zip(POLICY_FIELDS, row, strict=True)))
