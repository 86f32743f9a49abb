"""What every mutation handler gets and uses: the context (session, device, the token's store, the acting
guide, the policy in force, HQ's now, the change set), typed argument readers, and the store checks.

A handler either returns a `MutationResult` (applied / merged, or rejected with side effects such as a
binding conflict record) or raises `Rejected` — then everything it wrote is rolled back and only the
rejection is stored. Rejection codes for objects of another store are the same as for objects that do
not exist (`unknown_member`, `unknown_guide`, `unknown_task`, `unknown_binding`), and their details
never name anything the device did not send: a device learns nothing about other stores by probing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from contract.wire import APPLIED, MERGED, REJECTED, MutationResult
from hq.config import Settings
from hq.db.models import Guide, Member, TaskItem
from hq.services.policy import Policy
from hq.sync.changes import ChangeSet

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,35}")
CLIENT_TIME_WINDOW = timedelta(days=30)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Rejected(Exception):
    """The mutation can never apply: acknowledged as rejected with this code, nothing it wrote is kept."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class ActingGuide:
    """The guide a mutation is made by, as read with the locked device row."""

    id: str
    store_id: str
    role: str
    active: bool


@dataclass
class Context:
    session: Session
    device_id: str
    store_id: str
    guide: ActingGuide
    mutation_id: int
    name: str
    args: dict[str, Any]
    client_time: str
    now: datetime
    changes: ChangeSet
    settings: Settings
    policy: Policy  # in force when the device row was locked: read with it, in the same round trip

    # ------------------------------------------------------------ results

    def applied(self, code: str | None = None, **details: Any) -> MutationResult:
        return MutationResult(self.mutation_id, APPLIED, code, details)

    def merged(self, code: str | None = None, **details: Any) -> MutationResult:
        return MutationResult(self.mutation_id, MERGED, code, details)

    def rejected(self, code: str, **details: Any) -> MutationResult:
        return MutationResult(self.mutation_id, REJECTED, code, details)

    # ------------------------------------------------------------ arguments

    def _get(self, key: str, source: dict[str, Any] | None) -> Any:
        return (self.args if source is None else source).get(key)

    def id_arg(self, key: str, *, required: bool = True, source: dict[str, Any] | None = None) -> str | None:
        value = self._get(key, source)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not _ID.fullmatch(value):
            raise Rejected("invalid_args", field=key)
        return value

    def req_id(self, key: str) -> str:
        value = self.id_arg(key)
        assert value is not None
        return value

    def text_arg(
        self,
        key: str,
        *,
        max_len: int,
        required: bool = True,
        multiline: bool = False,
        source: dict[str, Any] | None = None,
    ) -> str | None:
        value = self._get(key, source)
        if value is None and not required:
            return None
        if not isinstance(value, str) or len(value) > max_len or _CONTROL.search(value):
            raise Rejected("invalid_args", field=key)
        if not multiline and ("\n" in value or "\r" in value):
            raise Rejected("invalid_args", field=key)
        value = value.strip()
        if required and not value:
            raise Rejected("invalid_args", field=key)
        return value or None

    def choice_arg(
        self,
        key: str,
        choices: frozenset[str],
        *,
        required: bool = True,
        source: dict[str, Any] | None = None,
    ) -> str | None:
        value = self._get(key, source)
        if value is None and not required:
            return None
        if not isinstance(value, str) or value not in choices:
            raise Rejected("invalid_args", field=key)
        return value

    def time_arg(
        self, key: str, *, required: bool = True, source: dict[str, Any] | None = None
    ) -> datetime | None:
        value = self._get(key, source)
        if value is None and not required:
            return None
        if not isinstance(value, str) or len(value) > 40:
            raise Rejected("invalid_args", field=key)
        try:
            at = datetime.fromisoformat(value)
        except ValueError as exc:
            raise Rejected("invalid_args", field=key) from exc
        if at.tzinfo is None or not 2000 <= at.year <= 2200:
            raise Rejected("invalid_args", field=key)
        return at.astimezone(UTC)

    def client_at(self, at: datetime | None) -> datetime:
        """A workstation's time, recorded but not trusted: kept within the last 30 days up to HQ's now,
        so a till whose clock is a year off cannot date a visit in the future or the distant past."""
        if at is None:
            return self.now
        return min(max(at, self.now - CLIENT_TIME_WINDOW), self.now)

    def bool_arg(self, key: str, *, default: bool = False) -> bool:
        value = self.args.get(key, default)
        if not isinstance(value, bool):
            raise Rejected("invalid_args", field=key)
        return value

    # ------------------------------------------------------------ store checks

    def store_member(self, member_id: str) -> Member:
        member = self.session.get(Member, member_id)
        if member is None or member.store_id != self.store_id:
            raise Rejected("unknown_member")
        if member.erased_at is not None:
            raise Rejected("member_erased")  # PIPL: nothing more is recorded about an erased member
        return member

    def store_guide(self, guide_id: str, *, active: bool = True) -> Guide:
        guide = self.session.get(Guide, guide_id)
        if guide is None or guide.store_id != self.store_id or (active and not guide.active):
            raise Rejected("unknown_guide")
        return guide

    def store_task(self, task_id: str, *, lock: bool = True) -> TaskItem:
        task = self.session.get(TaskItem, task_id, with_for_update=lock)
        if task is None or task.store_id != self.store_id:
            raise Rejected("unknown_task")
        return task

    def require_manager(self) -> None:
        if self.guide.role != "manager":
            raise Rejected("manager_required")
