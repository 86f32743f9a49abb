"""/v1/admin: the chain's operators run HQ through this — stores, guides, member import, tags, policy,
task lists, enrollment codes, device revocation, stats, binding conflicts (DESIGN.md §5 table).

Authorised by `Authorization: Bearer <Settings.admin_token>`; with no admin token configured every call
is refused (401), so an HQ started without one exposes no admin surface. Each write is one transaction
that also records the sync changes it causes and an `audit_events` row (actor `admin`); service errors
(hq.errors) become the standard error body with their code and status.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from hq.api.admin_schemas import (
    ConflictList,
    ConflictOne,
    ConsentOne,
    EnrollCodeIn,
    EnrollCodeOne,
    EraseIn,
    ErasureOne,
    GuideIn,
    GuideList,
    GuideOne,
    ImportOut,
    MemberRow,
    PolicyIn,
    PolicyOne,
    Ref,
    ResolveIn,
    RevokeOut,
    SegmentIn,
    StatsOut,
    StoreIn,
    StoreList,
    StoreOne,
    TagGroupIn,
    TagGroupList,
    TagGroupOne,
    TagIn,
    TagOne,
    TaskListIn,
    TaskListOne,
    WithdrawIn,
)
from hq.api.auth import record_admin_failure, refuse_if_admin_locked_out
from hq.api.errors import ApiError
from hq.api.responses import JsonResponse, iso, ok, runtime_of
from hq.api.schemas import ErrorOut
from hq.errors import HqError
from hq.runtime import HqRuntime
from hq.services import admin
from hq.services.devices import issue_enrollment_code, revoke_device
from hq.services.guides import add_guide, set_guide_active
from hq.services.policy import POLICY_FIELDS, current_policy, new_revision
from hq.services.privacy import erase_member, withdraw_consent
from hq.services.publishing import publish_to_segment
from hq.services.stores import create_store, list_stores
from hq.services.tags import create_tag, create_tag_group
from hq.services.tasks import KINDS
from hq.services.users import API_KEY_PREFIX, authenticate_api_key
from hq.sync.changes import ChangeSet, record

admin_bearer = HTTPBearer(auto_error=False, scheme_name="admin_token", description="Settings.admin_token")
MAX_TOKEN = 200

ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "invalid request"},
    401: {"model": ErrorOut, "description": "missing or wrong admin token (or none configured)"},
    404: {"model": ErrorOut, "description": "unknown store, guide, device, tag or conflict"},
    409: {"model": ErrorOut, "description": "already exists"},
    413: {"model": ErrorOut, "description": "body too large"},
    422: {"model": ErrorOut, "description": "import rejected: details.errors lists the bad lines"},
    429: {"model": ErrorOut, "description": "too many failed admin authentications from this address"},
    503: {"model": ErrorOut, "description": "transient failure, retry"},
}


def require_admin(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Security(admin_bearer),  # noqa: B008
) -> str:
    """The admin token must match the configured one (constant-time); none configured refuses all. Or a
    personal API key of an active console admin (hq/services/users.py; revocable, one per script). A
    presented credential that fails counts against the client's address; too many lock it out (429)."""
    expected = runtime_of(request).settings.admin_token
    given = credentials.credentials if credentials is not None else ""
    if given:
        refuse_if_admin_locked_out(request)
    if given.startswith(API_KEY_PREFIX):  # a console admin's personal key (guidedesk-hq api-key)
        runtime = runtime_of(request)
        with runtime.db.write() as session:
            user = authenticate_api_key(session, secret=given, now=runtime.now())
        if user is None or user.role != "admin":
            record_admin_failure(request)
            raise ApiError(
                401, "unauthorized", "admin token required", headers={"WWW-Authenticate": "Bearer"}
            )
        return user.username
    if (
        not expected
        or not given
        or len(given) > MAX_TOKEN
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        if given:
            record_admin_failure(request)
        raise ApiError(401, "unauthorized", "admin token required", headers={"WWW-Authenticate": "Bearer"})
    return "admin"


router = APIRouter(
    prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=ADMIN_ERRORS
)


@contextmanager
def _write(runtime: HqRuntime) -> Iterator[tuple[Session, ChangeSet, datetime]]:
    """One admin unit of work: service errors become API errors, sync changes are recorded last."""
    now = runtime.now()
    changes = ChangeSet()
    try:
        with runtime.db.write() as session:
            yield session, changes, now
            record(session, changes, now=now)
    except admin.ImportRejected as exc:
        errors = [{"line": e.line, "code": e.code, "details": e.details} for e in exc.errors]
        raise ApiError(422, exc.code, "some rows are invalid; nothing was imported",
                       details={"errors": errors}) from None  # fmt: skip
    except HqError as exc:
        raise ApiError(exc.status, exc.code, details=_plain(exc.details)) from None


@contextmanager
def _read(runtime: HqRuntime) -> Iterator[Session]:
    try:
        with runtime.db.read() as session:
            yield session
    except HqError as exc:
        raise ApiError(exc.status, exc.code, details=_plain(exc.details)) from None


def _plain(value: Any) -> Any:
    """Dataclass views and datetimes as JSON."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _view(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = _plain(asdict(obj))
    return out


# ---------------------------------------------------------------- bodies


@router.post("/stores", status_code=201, response_model=StoreOne, summary="create a store")
def post_store(body: StoreIn, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, changes, now):
        store = create_store(s, code=body.code, name=body.name, now=now, changes=changes)
        admin.audit(s, action="store.create", now=now, subject_id=store.id, store_id=store.id,
                    details={"code": store.code})  # fmt: skip
    return ok(request, {"store": _view(store)}, 201)


@router.get("/stores", response_model=StoreList, summary="all stores")
def get_stores(request: Request) -> JsonResponse:
    with _read(runtime_of(request)) as s:
        stores = list_stores(s)
    return ok(request, {"stores": [_view(x) for x in stores]})


@router.post(
    "/stores/{store}/guides",
    status_code=201,
    response_model=GuideOne,
    summary="add a guide or manager with a PIN",
)
def post_guide(store: Ref, body: GuideIn, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, changes, now):
        guide = add_guide(s, store=store, employee_no=body.employee_no, name=body.name, pin=body.pin,
                          role=body.role, now=now, changes=changes)  # fmt: skip
        admin.audit(s, action="guide.add", now=now, subject_id=guide.id, store_id=guide.store_id,
                    details={"employee_no": guide.employee_no, "role": guide.role})  # fmt: skip
    return ok(request, {"guide": _view(guide)}, 201)


@router.get("/stores/{store}/guides", response_model=GuideList, summary="guides of a store, active or not")
def get_guides(store: Ref, request: Request) -> JsonResponse:
    with _read(runtime_of(request)) as s:
        guides = admin.list_guides(s, store=store)
    return ok(request, {"guides": [_view(g) for g in guides]})


@router.post(
    "/guides/{guide_id}/deactivate",
    response_model=GuideOne,
    summary="a departing guide: kept, no longer logs in",
)
def deactivate_guide(guide_id: Ref, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, changes, now):
        guide = set_guide_active(s, guide_id=guide_id, active=False, changes=changes, now=now)
        admin.audit(s, action="guide.deactivate", now=now, subject_id=guide.id, store_id=guide.store_id)
    return ok(request, {"guide": _view(guide)})


# ---------------------------------------------------------------- members


@router.post(
    "/members/import",
    status_code=201,
    response_model=ImportOut,
    summary="import members: all rows or none (422)",
)
def import_members(
    request: Request,
    rows: Annotated[list[MemberRow], Body(min_length=1, max_length=admin.MAX_IMPORT_ROWS)],
) -> JsonResponse:
    plain = [r.model_dump(exclude_none=True) for r in rows]
    with _write(runtime_of(request)) as (s, changes, now):
        result = admin.import_members(s, rows=plain, now=now, changes=changes)
        admin.audit(s, action="member.import", now=now, details={"count": result.imported})
    return ok(request, {"imported": result.imported, "member_ids": list(result.member_ids)}, 201)


# ---------------------------------------------------------------- tags


@router.post("/tag-groups", status_code=201, response_model=TagGroupOne, summary="create a tag group")
def post_tag_group(body: TagGroupIn, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, changes, now):
        group_id = create_tag_group(s, name=body.name, sort=body.sort, changes=changes)
        admin.audit(s, action="tag_group.create", now=now, subject_id=group_id)
    return ok(request, {"tag_group": {"id": group_id, "name": body.name.strip(), "sort": body.sort}}, 201)


@router.get("/tag-groups", response_model=TagGroupList, summary="tag groups with their tags")
def get_tag_groups(request: Request) -> JsonResponse:
    with _read(runtime_of(request)) as s:
        groups = admin.list_tag_groups(s)
    return ok(request, {"tag_groups": [_view(g) for g in groups]})


@router.post(
    "/tag-groups/{group_id}/tags", status_code=201, response_model=TagOne, summary="create a tag in a group"
)
def post_tag(group_id: Ref, body: TagIn, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, changes, now):
        tag = create_tag(s, group_id=group_id, name=body.name, color=body.color, changes=changes)
        admin.audit(s, action="tag.create", now=now, subject_id=tag.id)
    return ok(request, {"tag": _view(tag)}, 201)


# ---------------------------------------------------------------- members' rights (docs/privacy.md)


@router.post(
    "/members/{member}/erase",
    response_model=ErasureOne,
    summary="erase a member (id or card number) at HQ and on every workstation holding it",
)
def post_erase(member: Ref, body: EraseIn, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, changes, now):
        erased = erase_member(s, member=member, reason=body.reason, by=body.requested_by, now=now,
                              changes=changes)  # fmt: skip
    return ok(request, {"erasure": _view(erased)})


@router.post(
    "/members/{member}/withdraw-consent",
    response_model=ConsentOne,
    summary="the member leaves outreach: skipped by task lists, contact budget zero",
)
def post_withdraw(member: Ref, body: WithdrawIn, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, changes, now):
        view = withdraw_consent(s, member=member, by=body.requested_by, now=now, changes=changes)
    return ok(request, {"consent": _view(view)})


# ---------------------------------------------------------------- policy


@router.get("/policy", response_model=PolicyOne, summary="the policy in force")
def get_policy(request: Request) -> JsonResponse:
    with _read(runtime_of(request)) as s:
        policy = current_policy(s)
    return ok(request, {"policy": _view(policy)})


@router.post(
    "/policy",
    status_code=201,
    response_model=PolicyOne,
    summary="a new policy revision: the current one with changes",
)
def post_policy(body: PolicyIn, request: Request) -> JsonResponse:
    values = {k: v for k, v in body.model_dump(exclude_none=True).items() if k in POLICY_FIELDS}
    with _write(runtime_of(request)) as (s, changes, now):
        policy = new_revision(s, changes=changes, now=now, by="admin", **values)
        admin.audit(s, action="policy.revise", now=now, subject_id=str(policy.revision), details=values)
    return ok(request, {"policy": _view(policy)}, 201)


# ---------------------------------------------------------------- task lists


@router.post(
    "/task-lists",
    status_code=201,
    response_model=TaskListOne,
    summary="publish a task list to stores or a segment",
)
def post_task_list(body: TaskListIn, request: Request) -> JsonResponse:
    assert body.kind in KINDS
    seg = body.segment or SegmentIn()
    with _write(runtime_of(request)) as (s, changes, now):
        if body.member_ids is not None and body.segment is not None:
            raise HqError("member_ids_exclusive")  # inside _write: answered 400, never a 500
        published = publish_to_segment(
            s, title=body.title, kind=body.kind, due_at=body.due_at, now=now, changes=changes,
            member_ids=None if body.member_ids is None else list(body.member_ids), stores=body.stores,
            tag_id=seg.tag_id, stage=seg.stage, sleeping=seg.sleeping,
        )  # fmt: skip
    return ok(request, {"task_list": _view(published)}, 201)


# ---------------------------------------------------------------- devices


@router.post(
    "/enrollment-codes",
    status_code=201,
    response_model=EnrollCodeOne,
    summary="a one-time enrollment code for a store",
)
def post_enrollment_code(body: EnrollCodeIn, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, _changes, now):
        issued = issue_enrollment_code(s, store=body.store, now=now, ttl=timedelta(hours=body.ttl_hours),
                                       by="admin")  # fmt: skip
        admin.audit(s, action="enrollment_code.issue", now=now, store_id=issued.store_id,
                    details={"expires_at": iso(issued.expires_at)})  # fmt: skip
    return ok(request, {"enrollment_code": _view(issued)}, 201)


@router.post(
    "/devices/{device_id}/revoke",
    response_model=RevokeOut,
    summary="revoke a device; it wipes its replica at next sync",
)
def post_revoke(device_id: Ref, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, _changes, now):
        revoked = revoke_device(s, device_id=device_id, now=now, by="admin")  # writes its own audit row
    return ok(request, {"device_id": device_id, "revoked": revoked})


# ---------------------------------------------------------------- stats


def _stats(request: Request, start: date, end: date, by_guide: bool, store: str | None) -> JsonResponse:
    with _read(runtime_of(request)) as s:
        rows = admin.activity_stats(s, start=start, end=end, by_guide=by_guide, store=store)
    return ok(request, {"from": start.isoformat(), "to": end.isoformat(), "rows": [_view(r) for r in rows]})


@router.get("/stats/stores", response_model=StatsOut, summary="activity per store over store days [from, to]")
def get_store_stats(
    request: Request,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    store: Ref | None = None,
) -> JsonResponse:
    return _stats(request, start, end, False, store)


@router.get("/stats/guides", response_model=StatsOut, summary="activity per guide over store days [from, to]")
def get_guide_stats(
    request: Request,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    store: Ref | None = None,
) -> JsonResponse:
    return _stats(request, start, end, True, store)


# ---------------------------------------------------------------- binding conflicts


@router.get("/conflicts", response_model=ConflictList, summary="binding conflicts, newest first")
def get_conflicts(
    request: Request,
    store: Ref | None = None,
    resolved: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> JsonResponse:
    with _read(runtime_of(request)) as s:
        rows = admin.list_conflicts(s, store=store, resolved=resolved, limit=limit)
    return ok(request, {"conflicts": [_view(c) for c in rows]})


@router.post(
    "/conflicts/{conflict_id}/resolve", response_model=ConflictOne, summary="mark a binding conflict handled"
)
def post_resolve(conflict_id: Ref, body: ResolveIn, request: Request) -> JsonResponse:
    with _write(runtime_of(request)) as (s, changes, now):
        view = admin.resolve_conflict(s, conflict_id=conflict_id, resolution=body.resolution, now=now,
                                      changes=changes)  # fmt: skip
        admin.audit(s, action="conflict.resolve", now=now, subject_id=view.id, store_id=view.member_store_id,
                    details={"resolution": view.resolution})  # fmt: skip
    return ok(request, {"conflict": _view(view)})
