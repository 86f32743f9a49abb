"""Publishing a task list to stores, as the admin API and `guidedesk-hq publish-tasks` both do it: the
members are an explicit list or a segment (home stores, tag, stage, sleeping) selected now exactly as the
console selects it (hq/services/segments.py: consent, erasure and the contact budget respected); the list
is published and the publication audited, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hq.errors import HqError
from hq.services.admin import audit
from hq.services.segments import Segment, segment_member_ids, store_ids
from hq.services.tasks import PublishedList, publish_task_list
from hq.sync.changes import ChangeSet


def publish_to_segment(
    session: Session,
    *,
    title: str,
    kind: str,
    now: datetime,
    changes: ChangeSet,
    due_at: datetime | None = None,
    member_ids: list[str] | None = None,
    stores: list[str] | None = None,
    tag_id: str | None = None,
    stage: str | None = None,
    sleeping: bool = False,
    via: str | None = None,
) -> PublishedList:
    """A task list for `member_ids`, or for the members of the segment the other filters describe (every
    store when `stores` is None). HqError("member_ids_exclusive") for ids with a segment,
    ("no_members_selected") for a segment nobody receives."""
    segment: dict[str, Any]
    if member_ids is not None:
        if stores is not None or tag_id is not None or stage is not None or sleeping:
            raise HqError("member_ids_exclusive")
        members = list(member_ids)
        segment = {"member_ids": len(set(members))}
    else:
        chosen = Segment(
            stores=() if stores is None else store_ids(session, stores),
            tag_id=tag_id,
            stage=stage,
            sleeping=sleeping,
        )
        members = segment_member_ids(session, segment=chosen, now=now)
        segment = chosen.plain()
        if not members:
            raise HqError("no_members_selected")
    published = publish_task_list(
        session, title=title, member_ids=members, kind=kind, due_at=due_at, segment=segment, now=now,
        changes=changes,
    )  # fmt: skip
    details: dict[str, Any] = {"items": published.items, "stores": list(published.stores)}
    if via:
        details["via"] = via
    audit(session, action="task_list.publish", now=now, subject_id=published.list_id, details=details)
    return published
