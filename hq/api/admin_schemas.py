"""Request and response models of the HQ admin API (/v1/admin/...): the shapes the OpenAPI document shows
and request bodies are validated against. The routes are in hq/api/routes_admin.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contract.policy import POLICY_RANGES
from hq.api.schemas import Stamped
from hq.services import admin
from hq.services.devices import IssuedCode
from hq.services.guides import GuideView
from hq.services.policy import Policy
from hq.services.privacy import ConsentView, ErasureView
from hq.services.stores import StoreView
from hq.services.tags import TagView
from hq.services.tasks import PublishedList


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


Text50 = Annotated[str, Field(min_length=1, max_length=50)]
Ref = Annotated[str, Field(min_length=1, max_length=64)]


class StoreIn(_In):
    code: Annotated[str, Field(min_length=1, max_length=32)]
    name: Annotated[str, Field(min_length=1, max_length=100)]


class GuideIn(_In):
    employee_no: Annotated[str, Field(min_length=1, max_length=32)]
    name: Text50
    pin: Annotated[str, Field(min_length=1, max_length=12)]
    role: Literal["guide", "manager"] = "guide"


class MemberRow(BaseModel):
    """One import row; checked row by row so that every bad line is reported (see services/admin)."""

    model_config = ConfigDict(extra="forbid")
    store: Any = None
    name: Any = None
    phone: Any = None
    card_no: Any = None
    level: Any = None
    stage: Any = None
    is_paid: Any = None
    online: Any = None


class TagGroupIn(_In):
    name: Text50
    sort: Annotated[int, Field(ge=-1_000_000, le=1_000_000)] = 0


class TagIn(_In):
    name: Text50
    color: Annotated[str, Field(min_length=1, max_length=9)] = "#607D8B"


def _within(name: str) -> Any:
    """The allowed range of a policy field (contract/policy.py), as a pydantic constraint."""
    lo, hi = POLICY_RANGES[name]
    return Field(ge=lo, le=hi)


class PolicyIn(_In):
    protection_days: Annotated[int, _within("protection_days")] | None = None
    renew_on_service: bool | None = None
    cross_store_transfer: bool | None = None
    sleeping_days: Annotated[int, _within("sleeping_days")] | None = None
    contact_budget: Annotated[int, _within("contact_budget")] | None = None
    contact_window_days: Annotated[int, _within("contact_window_days")] | None = None
    code_ttl_seconds: Annotated[int, _within("code_ttl_seconds")] | None = None
    clock_tolerance_seconds: Annotated[int, _within("clock_tolerance_seconds")] | None = None
    retention_days: Annotated[int, _within("retention_days")] | None = None
    stale_days: Annotated[int, _within("stale_days")] | None = None


class SegmentIn(_In):
    tag_id: Ref | None = None
    stage: Annotated[str, Field(max_length=16)] | None = None
    sleeping: bool = False


class TaskListIn(_In):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["call", "message", "invite", "visit"] = "call"
    due_at: datetime | None = None
    stores: Annotated[list[Ref], Field(min_length=1, max_length=1000)] | None = Field(
        None,
        description="home stores of the members (ids or codes); omitted: every store. As in the console, "
        "members who withdrew consent or are at the policy's contact budget are left out",
    )
    segment: SegmentIn | None = None
    member_ids: Annotated[list[Ref], Field(min_length=1, max_length=100_000)] | None = Field(
        None, description="exactly these members (then stores/segment must be omitted)"
    )


class EnrollCodeIn(_In):
    store: Ref
    ttl_hours: Annotated[int, Field(ge=1, le=720)] = 72


class ResolveIn(_In):
    resolution: Annotated[str, Field(min_length=1, max_length=200)]


class EraseIn(_In):
    reason: Annotated[str, Field(min_length=1, max_length=200)]
    requested_by: Annotated[str, Field(min_length=1, max_length=64)] = "admin"


class WithdrawIn(_In):
    requested_by: Annotated[str, Field(min_length=1, max_length=64)] = "admin"


# ---------------------------------------------------------------- answers (documentation and fuzzing)


class StoreOne(Stamped):
    store: StoreView


class StoreList(Stamped):
    stores: list[StoreView]


class GuideOne(Stamped):
    guide: GuideView


class GuideList(Stamped):
    guides: list[GuideView]


class ImportOut(Stamped):
    imported: int
    member_ids: list[str]


class TagGroupOut(BaseModel):
    id: str
    name: str
    sort: int


class TagGroupOne(Stamped):
    tag_group: TagGroupOut


class TagGroupList(Stamped):
    tag_groups: list[admin.TagGroupView]


class TagOne(Stamped):
    tag: TagView


class PolicyOne(Stamped):
    policy: Policy


class TaskListOne(Stamped):
    task_list: PublishedList


class EnrollCodeOne(Stamped):
    enrollment_code: IssuedCode


class RevokeOut(Stamped):
    device_id: str
    revoked: bool


class StatsOut(Stamped):
    from_: str = Field(alias="from")
    to: str
    rows: list[admin.StatsRow]


class ErasureOne(Stamped):
    erasure: ErasureView


class ConsentOne(Stamped):
    consent: ConsentView


class ConflictOne(Stamped):
    conflict: admin.ConflictView


class ConflictList(Stamped):
    conflicts: list[admin.ConflictView]


# ---------------------------------------------------------------- stores and guides
