"""The counter's activity ledger behind manager stats: one row per counted action, written in the
action's own transaction. The `daily_stats` roll-up follows by trigger (migration 0002)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.clock import store_day
from app.db.models import Activity

KINDS = frozenset({"served", "bind", "enroll", "paid", "decline", "task_done", "transfer"})


def count_activity(
    session: Session,
    *,
    kind: str,
    guide_id: str,
    at: datetime,
    member_id: str | None = None,
    outbox_id: int | None = None,
) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    session.add(
        Activity(
            kind=kind,
            guide_id=guide_id,
            member_id=member_id,
            day=store_day(at).isoformat(),
            at=at,
            outbox_id=outbox_id,
            voided=False,
        )
    )


def void_activity_of(session: Session, outbox_id: int) -> None:
    """HQ rejected this mutation (e.g. a lost binding race): it no longer counts."""
    session.execute(update(Activity).where(Activity.outbox_id == outbox_id).values(voided=True))
