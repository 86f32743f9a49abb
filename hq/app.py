"""`create_app(settings)`: the HQ FastAPI application — sync protocol v1 under /v1, OpenAPI docs at /docs.

Each process (uvicorn worker) opens its own connection pool and bootstraps idempotently; nothing that
matters lives in process memory, so any number of workers may serve one database. The schema must be
migrated first (`guidedesk-hq migrate`; `guidedesk-hq serve` does it before starting workers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import APIRouter, FastAPI

from contract.wire import PROTOCOL_VERSION
from hq import console
from hq.api import routes_admin, routes_device, routes_members, routes_sync
from hq.api.bodies import BodyLimits
from hq.api.errors import install_error_handlers
from hq.api.fast_pushes import FastPushes
from hq.api.idle_pulls import IdlePulls
from hq.api.responses import JsonResponse
from hq.config import Settings
from hq.runtime import HqRuntime

DESCRIPTION = """GuideDesk HQ: stores, guides, members, bindings and task lists for the counters of a
retail chain, and the sync protocol (v1) their workstations speak. Devices authenticate with the bearer
token from `/v1/enroll`; every response carries `server_time` and `server_epoch`; every error is
`{"error": code, "message": text, "details": {}}`."""


Surface = Literal["all", "devices", "staff"]


def create_app(
    settings: Settings, *, runtime: HqRuntime | None = None, surface: Surface | None = None
) -> FastAPI:
    """`surface`: `devices` (enroll, sync, lookup, health), `staff` (admin API, console, health) or `all`.
    Default: `all`, or `devices` when the settings put the staff surface on its own listener
    (`admin_listen`), so the workstations' port never answers an admin call. Refuses unsafe settings
    (a weak admin token) with ConfigError before anything starts."""
    settings.check()
    if surface is None:
        surface = "devices" if settings.admin_listen else "all"
    rt = runtime or HqRuntime.open(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if runtime is None:  # we opened it, we close it
            rt.close()

    app = FastAPI(
        title="GuideDesk HQ",
        version=f"protocol {PROTOCOL_VERSION}",
        description=DESCRIPTION,
        default_response_class=JsonResponse,
        lifespan=lifespan,
    )
    app.state.runtime = rt
    install_error_handlers(app)
    if surface != "staff":  # added first, so it runs inside BodyLimits: on capped, inflated bodies
        app.add_middleware(IdlePulls, runtime=rt)
        app.add_middleware(FastPushes, runtime=rt)
    app.add_middleware(BodyLimits, runtime=rt)
    if surface != "staff":
        app.include_router(routes_device.router)
        app.include_router(routes_sync.router)
        app.include_router(routes_members.router)
    else:  # the staff listener answers /v1/health too (a load balancer checks it), and nothing of devices
        health = APIRouter()
        health.routes.extend(r for r in routes_device.router.routes if getattr(r, "path", "") == "/v1/health")
        app.include_router(health)
    if surface != "devices":
        app.include_router(routes_admin.router)
        console.install(app)
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn workers call (`uvicorn --factory hq.app:app_from_env`)."""
    return create_app(Settings.from_env())


def staff_app_from_env() -> FastAPI:
    """The factory of the separate staff listener (`GUIDEDESK_HQ_ADMIN_LISTEN`)."""
    return create_app(Settings.from_env(), surface="staff")
