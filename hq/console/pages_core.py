"""Console pages: sign-in and sign-out, the dashboard with its exports, the audit log."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hq.console import export
from hq.console.web import (
    COOKIE,
    LANG_COOKIE,
    PREFIX,
    Ctx,
    form_data,
    is_https,
    need,
    posting,
    redirect,
    render,
    runtime_of,
    secure,
)
from hq.errors import HqError
from hq.services import dashboard as dash
from hq.services import users
from hq.services.stores import StoreView, list_stores

router = APIRouter()
PAGE_ROWS = 100  # rows of a ranking shown on the page; the exports hold them all


def _safe_next(target: str) -> str:
    """Only a console path of this site (no scheme, no //host): never an open redirect."""
    if target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/"


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "") -> Response:
    return render(None, request, "sign_in.html", next=_safe_next(next), error=None)


@router.post("/sign-in")
def sign_in(request: Request, form: FormData = Depends(form_data)) -> Response:  # noqa: B008
    runtime = runtime_of(request)
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:200]
    target = _safe_next(str(form.get("next") or ""))
    now = runtime.now()
    with runtime.db.write() as session:
        result = users.sign_in(session, username=username, password=password, now=now)
        if result.user is not None:
            users.audit(session, user=result.user, action="console.sign_in", now=now)
        else:  # the admins see refused sign-ins (and lock-outs) in the audit log
            users.audit_refused_sign_in(
                session,
                username=username,
                reason=result.refused or "",
                now=now,
                source=request.client.host if request.client else "",
            )
    if result.user is None or result.token is None:
        until = result.locked_until.astimezone(dash.STORE_TZ).strftime("%H:%M") if result.locked_until else ""
        return render(
            None,
            request,
            "sign_in.html",
            401 if result.refused != "locked" else 423,
            next=target,
            error=result.refused,
            until=until,
        )
    response = redirect(target)
    response.set_cookie(
        COOKIE,
        result.token,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path=PREFIX,
        max_age=int(users.SESSION_MAX.total_seconds()),
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request, ctx: Ctx = Depends(posting("dashboard"))) -> Response:  # noqa: B008
    with ctx.runtime.db.write() as session:
        users.audit(session, user=ctx.user, action="console.sign_out", now=ctx.now())
        users.sign_out(session, token=request.cookies.get(COOKIE, ""))
    response = redirect(PREFIX + "/sign-in")
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="lax", secure=is_https(request))
    return response


@router.get("/lang/{lang}")
def set_lang(lang: str, request: Request, next: str = "") -> Response:
    response = redirect(_safe_next(next))
    if lang in ("zh_CN", "en"):
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", path=PREFIX, max_age=3600 * 24 * 365)
    return response


# ---------------------------------------------------------------- dashboard


def _range(ctx: Ctx, start: date | None, end: date | None) -> tuple[date, date]:
    today = dash.store_today(ctx.now())
    end = end or today
    start = start or end - timedelta(days=29)
    return start, end


@router.get("/")
def dashboard_page(
    ctx: Annotated[Ctx, Depends(need("dashboard"))],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    store: str = "",
    rank: str = "enrolled",
) -> Response:
    start, end = _range(ctx, start, end)
    error = None
    board = None
    with ctx.read() as session:
        stores = _stores(session)
        try:
            board = dash.dashboard(
                session,
                start=start,
                end=end,
                now=ctx.now(),
                store=store or None,
                rank_by=rank if rank in dash.RANK_BY else "enrolled",
                top_guides=PAGE_ROWS,
            )
        except HqError as exc:
            error = exc
    return render(
        ctx,
        ctx.request,
        "dashboard.html",
        board=board,
        stores=stores,
        start=start,
        end=end,
        store_codes={s.id: s.code for s in stores},
        store=store,
        rank=rank,
        error=error,
        online_minutes=int(dash.ONLINE_WINDOW.seconds / 60),
        chart=_chart(board) if board else None,
    )


def _stores(session: Session) -> list[StoreView]:
    return list(list_stores(session))


def _chart(board: dash.Dashboard) -> dict[str, object]:
    return {
        "labels": [d.day.strftime("%m-%d") for d in board.days],
        "new_members": [d.new_members for d in board.days],
        "enrolled": [d.enrolled for d in board.days],
        "declined": [d.declined for d in board.days],
        "bound": [d.bound for d in board.days],
        "join_rate": [None if d.join_rate is None else round(d.join_rate * 100, 1) for d in board.days],
    }


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@router.get("/export/{what}.{fmt}")
def dashboard_export(
    what: str,
    fmt: str,
    ctx: Annotated[Ctx, Depends(need("dashboard"))],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    store: str = "",
) -> Response:
    if what not in ("stores", "guides", "days") or fmt not in ("csv", "xlsx"):
        return secure(Response(status_code=404))
    start, end = _range(ctx, start, end)
    with ctx.read() as session:
        board = dash.dashboard(
            session, start=start, end=end, now=ctx.now(), store=store or None, with_days=what == "days"
        )
        codes = {s.id: (s.code, s.name) for s in _stores(session)}
    heads = [
        "拉新 new_members",
        "入会 enrolled",
        "拒绝 declined",
        "入会率 join_rate",
        "绑定 bound",
        "付费会员 paid",
        "任务完成 tasks_done",
        "任务逾期 tasks_overdue",
    ]

    def nums(f: dash.Figures) -> list[object]:
        return [
            f.new_members,
            f.enrolled,
            f.declined,
            _pct(f.join_rate),
            f.bound,
            f.paid,
            f.tasks_done,
            f.tasks_overdue,
        ]

    rows: list[list[object]]
    if what == "stores":
        rows = [["排名 rank", "门店编码 store_code", "门店 store", *heads, "在线率 online_rate"]]
        rows += [
            [i, s.code, s.name, *nums(s.figures), _pct(s.online_rate)] for i, s in enumerate(board.stores, 1)
        ]
    elif what == "guides":
        rows = [["门店编码 store_code", "工号 employee_no", "导购 guide", *heads]]
        rows += [
            [codes.get(g.store_id, ("", ""))[0], g.employee_no, g.name, *nums(g.figures)]
            for g in board.guides
        ]
    else:
        rows = [
            [
                "日期 day",
                "拉新 new_members",
                "入会 enrolled",
                "拒绝 declined",
                "入会率 join_rate",
                "绑定 bound",
            ]
        ]
        rows += [
            [d.day.isoformat(), d.new_members, d.enrolled, d.declined, _pct(d.join_rate), d.bound]
            for d in board.days
        ]
    with ctx.runtime.db.write() as session:
        ctx.audit(
            session,
            "console.export",
            details={
                "what": what,
                "format": fmt,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "store": store,
            },
        )
    return export.download(rows, filename=f"guidedesk-{what}-{start.isoformat()}-{end.isoformat()}", fmt=fmt)


# ---------------------------------------------------------------- audit log


@router.get("/audit")
def audit_page(
    ctx: Annotated[Ctx, Depends(need("audit"))], before: int | None = None, console_only: bool = False
) -> Response:
    with ctx.read() as session:
        events = users.list_audit(session, before_id=before, limit=100, console_only=console_only)
    return render(ctx, ctx.request, "audit.html", events=events, console_only=console_only)


def new_token() -> str:
    return secrets.token_urlsafe(16)
