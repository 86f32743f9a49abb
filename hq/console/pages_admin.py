"""Console pages for admins: devices (last seen, version, revoke). Stores, guides, enrollment codes,
policy and users come here next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from hq.console.web import PREFIX, Ctx, need, posting, redirect, render
from hq.errors import HqError
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
