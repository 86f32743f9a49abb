"""One rule for renaming a named row (a store, a guide, a tag group, a tag): the name is trimmed, must
be 1 to `limit` characters, and is written only when it changes — the caller then puts the row, and
whatever carries the name, for the tills."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hq.errors import Invalid


def renamed(session: Session, row: Any, name: str, *, limit: int) -> bool:
    """Whether `row.name` changed (flushed); Invalid `bad_name` for an empty or too long name."""
    name = name.strip()
    if not 0 < len(name) <= limit:
        raise Invalid("bad_name")
    if name == row.name:
        return False
    row.name = name
    session.flush()
    return True
