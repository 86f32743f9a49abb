"""Console pages: outreach task lists — the composer with its live preview count, publishing, the
progress per store and guide, the items behind a figure, withdrawal."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import ImmutableMultiDict

from contract.stages import STAGES
from contract.storetime import STORE_TZ
from hq.console.web import PREFIX, Ctx, error_text, need, posting, redirect, render
from hq.errors import HqError, Invalid
from hq.services import outreach, segments
from hq.services.admin import list_tag_groups
from hq.services.stores import list_stores
from hq.services.tasks import KINDS

router = APIRouter()
STAGE_ORDER = STAGES  # contract/stages.py, lifecycle order


def _segment(values: ImmutableMultiDict[str, Any]) -> segments.Segment:
    stores = tuple(v for v in values.getlist("stores") if isinstance(v, str) and v)
    bound = str(values.get("bound") or "any")
    stage = str(values.get("stage") or "") or None
    return segments.Segment(
        stores=stores[:1000],
        tag_id=str(values.get("tag") or "") or None,
        stage=stage if stage in STAGES else None,
        sleeping=str(values.get("sleeping") or "") in ("1", "on", "true"),
        bound=bound if bound in segments.BOUND else "any",
    )


def _due(text: str) -> datetime | None:
    """A due date as the stores read it: overdue from the next midnight in China."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid("bad_due_date") from None
    return datetime.combine(day + timedelta(days=1), time(), STORE_TZ)


def _choices(ctx: Ctx) -> dict[str, Any]:
    with ctx.read() as session:
        return {"stores": list_stores(session), "tag_groups": list_tag_groups(session)}


@router.get("/tasks")
def tasks_page(ctx: Annotated[Ctx, Depends(need("tasks.view"))]) -> Response:
    with ctx.read() as session:
        lists = outreach.list_task_lists(session, now=ctx.now())
    return render(ctx, ctx.request, "tasks.html", lists=lists)


def _preview(ctx: Ctx, segment: segments.Segment) -> tuple[segments.Preview | None, str | None]:
    try:
        with ctx.read() as session:
            return segments.preview(session, segment=segment, now=ctx.now()), None
    except HqError as exc:
        return None, error_text(ctx.lang, exc)


@router.get("/tasks/new")
def composer_page(ctx: Annotated[Ctx, Depends(need("tasks.edit"))]) -> Response:
    query = ctx.request.query_params
    segment = _segment(query)
    preview, error = _preview(ctx, segment)
    default_due = (datetime.now(STORE_TZ).date() + timedelta(days=7)).isoformat()
    return render(
        ctx,
        ctx.request,
        "task_new.html",
        segment=segment,
        preview=preview,
        error=error,
        kinds=sorted(KINDS),
        stages=STAGE_ORDER,
        values=query,
        default_due=default_due,
        **_choices(ctx),
    )


@router.get("/tasks/preview")
def preview_fragment(ctx: Annotated[Ctx, Depends(need("tasks.edit"))]) -> Response:
    preview, error = _preview(ctx, _segment(ctx.request.query_params))
    return render(ctx, ctx.request, "_preview.html", preview=preview, error=error)


@router.post("/tasks/new")
def publish(request: Request, ctx: Annotated[Ctx, Depends(posting("tasks.edit"))]) -> Response:
    assert ctx.form is not None
    segment = _segment(ctx.form)
    try:
        with ctx.write() as (session, changes, now):
            published = outreach.publish(
                session,
                segment=segment,
                title=ctx.field("title"),
                kind=ctx.field("kind", "call"),
                due_at=_due(ctx.field("due")),
                script=ctx.field("script"),
                now=now,
                changes=changes,
                by=ctx.user.username,
            )
            ctx.audit(
                session,
                "task_list.publish",
                subject_id=published.list_id,
                details={
                    "items": published.items,
                    "stores": len(published.stores),
                    "segment": segment.plain(),
                    "title": ctx.field("title"),
                },
            )
    except HqError as exc:
        preview, _ = _preview(ctx, segment)
        return render(
            ctx,
            request,
            "task_new.html",
            400,
            segment=segment,
            preview=preview,
            error=error_text(ctx.lang, exc),
            kinds=sorted(KINDS),
            stages=STAGE_ORDER,
            values=ctx.form,
            default_due=ctx.field("due"),
            **_choices(ctx),
        )
    return redirect(f"{PREFIX}/tasks/{published.list_id}", request)


@router.get("/tasks/{list_id}")
def progress_page(list_id: str, ctx: Annotated[Ctx, Depends(need("tasks.view"))]) -> Response:
    with ctx.read() as session:
        try:
            view = outreach.task_list(session, list_id=list_id[:64], now=ctx.now())
        except HqError:
            return render(ctx, ctx.request, "not_found.html", 404)
        stores = outreach.progress_by(session, list_id=view.id, now=ctx.now(), by_guide=False)
        guides = outreach.progress_by(session, list_id=view.id, now=ctx.now(), by_guide=True)
    return render(ctx, ctx.request, "task_progress.html", view=view, stores=stores, guides=guides)


@router.get("/tasks/{list_id}/items")
def items_page(
    list_id: str,
    ctx: Annotated[Ctx, Depends(need("members.view"))],
    store: str = "",
    guide: str = "",
    state: str = "all",
) -> Response:
    with ctx.read() as session:
        try:
            view = outreach.task_list(session, list_id=list_id[:64], now=ctx.now())
            rows = outreach.items(
                session,
                list_id=view.id,
                now=ctx.now(),
                store_id=store or None,
                guide_id=guide or None,
                state=state,
            )
        except HqError:
            return render(ctx, ctx.request, "not_found.html", 404)
    return render(
        ctx,
        ctx.request,
        "task_items.html",
        view=view,
        rows=rows,
        store=store,
        guide=guide,
        state=state,
        filters=outreach.ITEM_FILTERS,
    )


@router.post("/tasks/{list_id}/withdraw")
def withdraw(list_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("tasks.edit"))]) -> Response:
    try:
        with ctx.write() as (session, changes, now):
            cancelled = outreach.withdraw(session, list_id=list_id[:64], now=now, changes=changes)
            ctx.audit(
                session, "task_list.withdraw", subject_id=list_id[:36], details={"cancelled": cancelled}
            )
    except HqError:
        return render(ctx, request, "not_found.html", 404)
    return redirect(f"{PREFIX}/tasks/{list_id}", request)
