"""Tag groups and tags: global (every store sees them). Never deleted — member tags on workstations
reference them — so "deleting" a tag is an admin-side retirement the next engineer may add as a flag."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hq.db.models import Tag, TagGroup
from hq.errors import Invalid, NotFound
from hq.services.names import renamed
from hq.sync.changes import GLOBAL, ChangeSet

COLOR = re.compile(r"#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?")


@dataclass(frozen=True)
class TagView:
    id: str
    group_id: str
    name: str
    color: str


def create_tag_group(session: Session, *, name: str, changes: ChangeSet, sort: int = 0) -> str:
    name = name.strip()
    if not 0 < len(name) <= 50:
        raise Invalid("bad_name")
    row = TagGroup(id=str(uuid.uuid4()), name=name, sort=sort)
    session.add(row)
    session.flush()
    changes.put(GLOBAL, "tag_group", row.id)
    return row.id


def create_tag(
    session: Session, *, group_id: str, name: str, changes: ChangeSet, color: str = "#607D8B"
) -> TagView:
    if session.get(TagGroup, group_id) is None:
        raise NotFound("unknown_tag_group", group_id=group_id)
    name = name.strip()
    if not 0 < len(name) <= 50:
        raise Invalid("bad_name")
    if not COLOR.fullmatch(color):
        raise Invalid("bad_color")
    row = Tag(id=str(uuid.uuid4()), group_id=group_id, name=name, color=color)
    session.add(row)
    session.flush()
    changes.put(GLOBAL, "tag", row.id)
    return TagView(row.id, row.group_id, row.name, row.color)


def rename_tag(session: Session, *, tag_id: str, name: str, changes: ChangeSet) -> TagView:
    """A tag's new name reaches every till (tags are global); members keep the tag."""
    row = session.get(Tag, tag_id)
    if row is None:
        raise NotFound("unknown_tag", tag_id=tag_id)
    if renamed(session, row, name, limit=50):
        changes.put(GLOBAL, "tag", row.id)
    return TagView(row.id, row.group_id, row.name, row.color)


def rename_tag_group(session: Session, *, group_id: str, name: str, changes: ChangeSet) -> None:
    row = session.get(TagGroup, group_id)
    if row is None:
        raise NotFound("unknown_tag_group", group_id=group_id)
    if renamed(session, row, name, limit=50):
        changes.put(GLOBAL, "tag_group", row.id)
