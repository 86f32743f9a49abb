"""A member's history at this store, paged newest first: notes (the replica's and those added here still
pending at HQ) and visits (served at this counter). The card shows the last few; these pages show the
rest. Keyset pages over (time, id), so a later page costs what the first does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.db.models import Guide, Note, Outbox, Visit
from app.errors import InvalidInput
from app.services.outbox import PENDING_STATES
from contract.wire import Mutation

PAGE_MAX = 200


@dataclass(frozen=True)
class NoteEntry:
    id: str
    body: str
    guide_id: str
    guide_name: str
    created_at: datetime
    pending: bool  # added here, not yet confirmed by HQ


@dataclass(frozen=True)
class VisitEntry:
    id: str
    guide_id: str
    guide_name: str
    at: datetime
    source: str  # scan | card | phone | enroll


@dataclass(frozen=True)
class HistoryCursor:
    """Where the next (older) page starts: the last entry's time and id."""

    at: datetime
    id: str


@dataclass(frozen=True)
class NotesPage:
    notes: tuple[NoteEntry, ...]
    next: HistoryCursor | None  # None: no older notes


@dataclass(frozen=True)
class VisitsPage:
    visits: tuple[VisitEntry, ...]
    next: HistoryCursor | None


def _check(limit: int) -> None:
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput("bad_page", limit=limit, max_limit=PAGE_MAX)


def _guide_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {gid: name for gid, name in session.execute(select(Guide.id, Guide.name).where(Guide.id.in_(ids)))}


def member_notes(
    session: Session, *, member_id: str, after: HistoryCursor | None = None, limit: int = 20
) -> NotesPage:
    """The member's notes, newest first, `limit` at a time; pass the page's `next` as `after`."""
    _check(limit)
    query = select(Note.id, Note.body, Note.guide_id, Note.created_at).where(Note.member_id == member_id)
    if after is not None:
        query = query.where(
            or_(Note.created_at < after.at, and_(Note.created_at == after.at, Note.id < after.id))
        )
    replica = [
        (created_at, note_id, body, guide_id, False)
        for note_id, body, guide_id, created_at in session.execute(
            query.order_by(Note.created_at.desc(), Note.id.desc()).limit(limit + 1)
        )
    ]
    known = {r[1] for r in replica}
    pending = [
        (r.created_at, r.args["note_id"], r.args.get("body", ""), r.guide_id, True)
        for r in session.scalars(
            select(Outbox).where(
                Outbox.member_id == member_id,
                Outbox.name == Mutation.NOTE_ADD,
                Outbox.state.in_(PENDING_STATES),
            )
        )
        if r.args.get("note_id") not in known
        and (after is None or (r.created_at, r.args["note_id"]) < (after.at, after.id))
    ]
    merged = sorted(replica + pending, key=lambda n: (n[0], n[1]), reverse=True)
    page, more = merged[:limit], len(merged) > limit
    names = _guide_names(session, {n[3] for n in page})
    notes = tuple(NoteEntry(i, body, g, names.get(g, ""), at, p) for at, i, body, g, p in page)
    return NotesPage(notes, HistoryCursor(page[-1][0], page[-1][1]) if more else None)


def member_visits(
    session: Session, *, member_id: str, after: HistoryCursor | None = None, limit: int = 20
) -> VisitsPage:
    """The member's visits at this counter, newest first, `limit` at a time."""
    _check(limit)
    query = select(Visit.id, Visit.guide_id, Visit.at, Visit.source).where(Visit.member_id == member_id)
    if after is not None:
        query = query.where(or_(Visit.at < after.at, and_(Visit.at == after.at, Visit.id < after.id)))
    rows = session.execute(query.order_by(Visit.at.desc(), Visit.id.desc()).limit(limit + 1)).all()
    page, more = rows[:limit], len(rows) > limit
    names = _guide_names(session, {r.guide_id for r in page})
    visits = tuple(VisitEntry(r.id, r.guide_id, names.get(r.guide_id, ""), r.at, r.source) for r in page)
    return VisitsPage(visits, HistoryCursor(page[-1].at, page[-1].id) if more else None)
