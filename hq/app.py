"""`create_app(settings)`: the HQ FastAPI application — sync protocol v1 under /v1, OpenAPI docs at /docs.

Each process (uvicorn worker) opens its own connection pool and bootstraps idempotently; nothing that
matters lives in process memory, so any number of workers may serve one database. The schema must be
migrated first (`guidedesk-hq migrate`; `guidedesk-hq serve` does it before starting workers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from contract.wire import PROTOCOL_VERSION
from hq import console
from hq.api import routes_admin, routes_device, routes_members, routes_sync
from hq.api.bodies import BodyLimits
from hq.api.errors import install_error_handlers
from hq.api.responses import JsonResponse
from hq.config import Settings
from hq.runtime import HqRuntime

DESCRIPTION = """GuideDesk HQ: stores, guides, members, bindings and task lists for the counters of a
retail chain, and the sync protocol (v1) their workstations speak. Devices authenticate with the bearer
token from `/v1/enroll`; every response carries `server_time` and `server_epoch`; every error is
`{"error": code, "message": text, "details": {}}`."""


def create_app(settings: Settings, *, runtime: HqRuntime | None = None) -> FastAPI:
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
    app.add_middleware(BodyLimits, runtime=rt)
    app.include_router(routes_device.router)
    app.include_router(routes_sync.router)
    app.include_router(routes_members.router)
    app.include_router(routes_admin.router)
    console.install(app)
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn workers call (`uvicorn --factory hq.app:app_from_env`)."""
    return create_app(Settings.from_env())
