"""What every console page shares: the Jinja2 environment (autoescaped), the signed-in user behind the
session cookie, role checks, CSRF checks on every form post, the audit hook, and the refusals.

- The session cookie (`gd_console`) holds a random token; the session itself is a row in `hq_sessions`
  (hq/services/users.py). HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS
  (directly, or through a proxy HQ is told to trust).
- CSRF: each session has its own token. Every POST must carry it as the `csrf` form field or the
  `X-CSRF-Token` header (htmx sends the header, set once on <body>); compared in constant time.
- Signed out: a GET is sent to the sign-in page, anything else gets 401. Wrong role: 403.
- Pages never cache (`no-store`), may not be framed, and run no inline script (CSP `script-src 'self'`).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from contract.storetime import STORE_TZ
from hq.console import i18n
from hq.errors import HqError
from hq.runtime import HqRuntime
from hq.services import users
from hq.services.users import UserView
from hq.sync.changes import ChangeSet, record

HERE = Path(__file__).resolve().parent
COOKIE = "gd_console"
LANG_COOKIE = "gd_lang"
PREFIX = "/console"

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def storetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time as the stores read it (UTC+8)."""
    return "" if value is None else value.astimezone(STORE_TZ).strftime(fmt)


def count(value: int) -> str:
    """A count with thousands separators: 998,399 reads at a glance, 998399 does not."""
    return f"{value:,}"


env.filters["storetime"] = storetime
env.filters["count"] = count


class SignedOut(Exception):
    pass


class Forbidden(Exception):
    pass


class BadCsrf(Exception):
    pass


def runtime_of(request: Request) -> HqRuntime:
    runtime: HqRuntime = request.app.state.runtime
    return runtime


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or i18n.DEFAULT
    return lang if lang in i18n.LANGS else i18n.DEFAULT


@dataclass
class Ctx:
    """The signed-in user of one request, and what a page needs to render."""

    request: Request
    runtime: HqRuntime
    user: UserView
    csrf: str
    lang: str
    form: FormData | None = None
    notices: list[str] = field(default_factory=list)

    def may(self, permission: str) -> bool:
        return self.user.may(permission)

    def now(self) -> datetime:
        return self.runtime.now()

    @contextmanager
    def write(self) -> Iterator[tuple[Session, ChangeSet, datetime]]:
        """One console unit of work: sync changes recorded last, in the same transaction."""
        now = self.now()
        changes = ChangeSet()
        with self.runtime.db.write() as session:
            yield session, changes, now
            record(session, changes, now=now)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.runtime.db.read() as session:
            yield session

    def audit(self, session: Session, action: str, **kwargs: Any) -> None:
        users.audit(session, user=self.user, action=action, now=self.now(), **kwargs)

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str) and v.strip()]


def _current(request: Request) -> Ctx:
    runtime = runtime_of(request)
    token = request.cookies.get(COOKIE, "")
    if not token:
        raise SignedOut()
    with runtime.db.write() as session:
        active = users.resume_session(session, token=token, now=runtime.now())
    if active is None:
        raise SignedOut()
    return Ctx(request, runtime, active.user, active.csrf_token, lang_of(request))


def need(permission: str) -> Callable[[Request], Ctx]:
    """A dependency: the signed-in user, who must hold `permission` (GET pages)."""

    def dependency(request: Request) -> Ctx:
        ctx = _current(request)
        if not ctx.may(permission):
            raise Forbidden()
        return ctx

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the route-guard test
    return dependency


async def form_data(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=3000)


def posting(permission: str) -> Callable[..., Ctx]:
    """A dependency for form posts: signed in, holding `permission`, and carrying the session's CSRF
    token. Refused before any work is done."""

    def dependency(request: Request, form: FormData = Depends(form_data)) -> Ctx:  # noqa: B008
        ctx = _current(request)
        given = form.get("csrf") or request.headers.get("x-csrf-token") or ""
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), ctx.csrf.encode()):
            raise BadCsrf()
        if not ctx.may(permission):
            raise Forbidden()
        ctx.form = form
        return ctx

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


def render(
    ctx: Ctx | None, request: Request, template: str, status_code: int = 200, **values: Any
) -> HTMLResponse:
    lang = ctx.lang if ctx else lang_of(request)
    html = env.get_template(template).render(
        ctx=ctx,
        user=ctx.user if ctx else None,
        csrf=ctx.csrf if ctx else "",
        lang=lang,
        _=i18n.translator(lang),
        path=request.url.path,
        prefix=PREFIX,
        **values,
    )
    return secure(HTMLResponse(html, status_code=status_code))


R = TypeVar("R", bound=Response)


def secure(response: R) -> R:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    return response


def redirect(url: str, request: Request | None = None) -> Response:
    """After a post: 303 to the page (htmx: the HX-Redirect header, which it follows itself)."""
    if request is not None and request.headers.get("hx-request"):
        return secure(Response(status_code=200, headers={"HX-Redirect": url}))
    return secure(RedirectResponse(url, status_code=303))


def error_text(lang: str, exc: HqError) -> str:
    return i18n.error_text(lang, exc.code, exc.details)


def install_handlers(app: Any) -> None:
    @app.exception_handler(SignedOut)
    async def _signed_out(request: Request, _exc: SignedOut) -> Response:
        target = f"{PREFIX}/sign-in?next={quote(request.url.path)}"
        if request.method == "GET" and not request.headers.get("hx-request"):
            return secure(RedirectResponse(target, status_code=303))
        response = render(None, request, "refused.html", 401, reason="signed_out")
        response.headers["HX-Redirect"] = target
        return response

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        return render(None, request, "refused.html", 403, reason="forbidden")

    @app.exception_handler(BadCsrf)
    async def _bad_csrf(request: Request, _exc: BadCsrf) -> Response:
        return render(None, request, "refused.html", 403, reason="csrf")
