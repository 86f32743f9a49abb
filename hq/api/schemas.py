"""Wire shapes of sync protocol v1 (DESIGN.md §5) as pydantic models: request bodies are validated with
them and the OpenAPI document at /docs is made from them. Field names are the contract; unknown fields
in requests are ignored (a newer client may send more). Responses are built as plain dicts for speed;
the models below only document them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from contract.wire import MAX_PULL_LIMIT, MutationEnvelope

Id = Annotated[str, Field(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EnrollIn(_In):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    hostname: Annotated[str, Field(max_length=200)] = ""
    app_version: Annotated[str, Field(max_length=64)] = ""


class StoreOut(BaseModel):
    id: str
    code: str
    name: str


class Stamped(BaseModel):
    server_time: str
    server_epoch: str


class EnrollOut(Stamped):
    device_id: str
    token: str
    store: StoreOut


class HelloIn(_In):
    device_id: Id
    protocol: Annotated[int, Field(strict=True, ge=0, le=1_000_000)]
    schema_version: Annotated[int, Field(strict=True, ge=0, le=1_000_000)] = 1
    app_version: Annotated[str, Field(max_length=64)] = ""
    client_time: Annotated[str | None, Field(max_length=64)] = None


class HelloOut(Stamped):
    action: str = Field(description="ok | upgrade_required | reset_required | device_revoked")
    last_mutation_id: int
    max_push_batch: int
    max_pull_limit: int
    min_protocol: int
    max_protocol: int


class PushIn(_In):
    device_id: Id
    mutations: list[MutationEnvelope]  # the contract's envelope, validated by its own constraints


class ResultOut(BaseModel):
    id: int
    status: str = Field(description="applied | merged | rejected")
    code: str | None = None
    details: dict[str, Any] = {}


class PushOut(Stamped):
    last_mutation_id: int
    results: list[ResultOut]


class PullIn(_In):
    device_id: Id
    cursor: Annotated[str | None, Field(max_length=4096)] = None
    limit: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] = MAX_PULL_LIMIT


class SnapshotIn(_In):
    device_id: Id
    position: Annotated[str | None, Field(max_length=2048)] = None  # from the last chunk applied
    limit: Annotated[int, Field(strict=True, ge=1, le=5_000)] = 5_000  # rows per chunk


class ChangeOut(BaseModel):
    t: str
    id: str
    op: str = Field(description="put | remove")
    v: int
    data: dict[str, Any] | None = None


class PullOut(Stamped):
    changes: list[ChangeOut] = []
    cursor: str | None = None
    has_more: bool = False
    last_mutation_id: int = 0
    behind: int = Field(
        0, description="versions still to pull after this page (an upper bound of changes left)"
    )
    reset_required: bool | None = Field(None, description="true: wipe the replica and pull from null")
    reason: str | None = None


class LookupOut(Stamped):
    member_id: str
    changes: list[ChangeOut]


class HealthOut(Stamped):
    status: str
    database: str


class ErrorOut(BaseModel):
    error: str
    message: str
    details: dict[str, Any] = {}
    server_time: str | None = None
    server_epoch: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "invalid request"},
    401: {"model": ErrorOut, "description": "missing or unknown device token"},
    403: {"model": ErrorOut, "description": "device_revoked or device_mismatch"},
    413: {"model": ErrorOut, "description": "body too large"},
    503: {"model": ErrorOut, "description": "transient failure, retry"},
}
