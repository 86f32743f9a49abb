"""The HQ staff's web console under /console: server-rendered Jinja2 pages with a little htmx and one
chart library, all served from hq/console/static (nothing from a CDN: it works on a closed network).

Pages call hq/services like the admin API and the CLI do; the console has no SQL of its own. Who may do
what is hq/services/users.py `ALLOWED`; sessions, CSRF and refusals are hq/console/web.py.
"""

from __future__ import annotations

from typing import Any

from fastapi.staticfiles import StaticFiles

from hq.console.web import HERE, PREFIX, install_handlers


def install(app: Any) -> None:
    from hq.console.routes import router

    install_handlers(app)
    app.mount(PREFIX + "/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.include_router(router, prefix=PREFIX, include_in_schema=False)
