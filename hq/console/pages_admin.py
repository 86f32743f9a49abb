"""Console pages for admins: devices (last seen, version, revoke), console users and their personal API
keys for the admin REST API. Stores, guides, enrollment codes, policy and conflicts come here next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hq.console.web import PREFIX, Ctx, error_text, need, posting, redirect, render
from hq.errors import HqError
from hq.services import users
from hq.services.dashboard import ONLINE_WINDOW
from hq.services.devices import list_devices, revoke_device
from hq.services.stores import list_stores

router = APIRouter()


@router.get("/devices")
def devices_page(ctx: Annotated[Ctx, Depends(need("devices"))], store: str = "") -> Response:
    with ctx.read() as session:
        try:
            devices = list_devices(session, store=store or None)
        except HqError:
            devices = []
        stores = list_stores(session)
    online_since = ctx.now() - ONLINE_WINDOW
    return render(
        ctx,
        ctx.request,
        "devices.html",
        devices=devices,
        stores=stores,
        store=store,
        online_since=online_since,
    )


@router.post("/devices/{device_id}/revoke")
def revoke(device_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("devices"))]) -> Response:
    try:
        with ctx.write() as (session, _changes, now):
            revoked = revoke_device(session, device_id=device_id[:64], now=now, by=ctx.user.username)
            ctx.audit(session, "device.revoke", subject_id=device_id[:36], details={"revoked": revoked})
    except HqError:
        return render(ctx, request, "not_found.html", 404)
    return redirect(f"{PREFIX}/devices", request)


# ---------------------------------------------------------------- users and their API keys


def _users_page(ctx: Ctx, request: Request, status: int = 200, **values: object) -> Response:
    with ctx.read() as session:
        people = users.list_users(session)
        keys = users.list_api_keys(session)
    names = {u.id: u.username for u in people}
    values.setdefault("error", None)
    values.setdefault("issued", None)
    return render(
        ctx, request, "users.html", status, people=people, keys=keys, names=names, roles=users.ROLES, **values
    )


@router.get("/users")
def users_page(ctx: Annotated[Ctx, Depends(need("users"))]) -> Response:
    return _users_page(ctx, ctx.request)


@router.post("/users")
def add_user(request: Request, ctx: Annotated[Ctx, Depends(posting("users"))]) -> Response:
    try:
        with ctx.write() as (session, _changes, now):
            user = users.create_user(
                session,
                username=ctx.field("username"),
                password=ctx.field("password"),
                role=ctx.field("role"),
                display_name=ctx.field("display_name"),
                now=now,
            )
            ctx.audit(
                session,
                "user.create",
                subject_id=user.id,
                details={"username": user.username, "new_role": user.role},
            )
    except HqError as exc:
        return _users_page(ctx, request, 400, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/users", request)


@router.post("/users/{user_id}/active")
def set_active(user_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("users"))]) -> Response:
    active = ctx.field("active") == "1"
    if user_id == ctx.user.id and not active:
        return _users_page(ctx, request, 400, error=error_text(ctx.lang, HqError("cannot_disable_self")))
    try:
        with ctx.write() as (session, _changes, _now):
            user = users.set_user(session, user_id=user_id[:36], active=active)
            ctx.audit(
                session,
                "user.activate" if active else "user.deactivate",
                subject_id=user.id,
                details={"username": user.username},
            )
    except HqError as exc:
        return _users_page(ctx, request, 404, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/users", request)


@router.post("/api-keys")
def issue_key(request: Request, ctx: Annotated[Ctx, Depends(posting("users"))]) -> Response:
    try:
        with ctx.write() as (session, _changes, now):
            issued = users.issue_api_key(
                session, user_id=ctx.field("user_id")[:36], label=ctx.field("label"), now=now
            )
            ctx.audit(
                session,
                "api_key.issue",
                subject_id=issued.key.id,
                details={"user_id": issued.key.user_id, "label": issued.key.label},
            )
    except HqError as exc:
        return _users_page(ctx, request, 400, error=error_text(ctx.lang, exc))
    return _users_page(ctx, request, issued=issued.secret)


@router.post("/api-keys/{key_id}/revoke")
def revoke_key(key_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("users"))]) -> Response:
    try:
        with ctx.write() as (session, _changes, now):
            key = users.revoke_api_key(session, key_id=key_id[:36], now=now)
            ctx.audit(session, "api_key.revoke", subject_id=key.id, details={"user_id": key.user_id})
    except HqError as exc:
        return _users_page(ctx, request, 404, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/users", request)
