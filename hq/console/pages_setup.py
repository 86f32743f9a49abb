"""Console pages for the chain's set-up: binding conflicts with their resolution (operators), tag groups and
tags (operators), the binding policy with its version history, stores with one-time enrollment codes
printed as a QR code carrying the HQ address (admins)."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from contract.policy import POLICY_FIELDS, POLICY_RANGES
from hq.console.web import PREFIX, Ctx, error_text, need, posting, redirect, render
from hq.db.models import PolicyRevision
from hq.errors import HqError, Invalid
from hq.services import admin, staff
from hq.services.devices import issue_enrollment_code
from hq.services.guides import add_guide, rename_guide
from hq.services.policy import current_policy, new_revision
from hq.services.stores import create_store, find_store, list_stores, rename_store
from hq.services.tags import create_tag, create_tag_group, rename_tag, rename_tag_group

router = APIRouter()


# ---------------------------------------------------------------- conflicts


@router.get("/conflicts")
def conflicts_page(ctx: Annotated[Ctx, Depends(need("conflicts"))], show: str = "open") -> Response:
    with ctx.read() as session:
        rows = admin.list_conflicts(session, resolved=None if show == "all" else False, limit=500)
        stores = {s.id: f"{s.code} {s.name}" for s in list_stores(session)}
    return render(ctx, ctx.request, "conflicts.html", rows=rows, stores=stores, show=show)


@router.post("/conflicts/{conflict_id}/resolve")
def resolve(
    conflict_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("conflicts"))]
) -> Response:
    try:
        with ctx.write() as (session, changes, now):
            view = admin.resolve_conflict(
                session,
                conflict_id=conflict_id[:64],
                resolution=ctx.field("resolution"),
                now=now,
                changes=changes,
            )
            ctx.audit(
                session,
                "conflict.resolve",
                subject_id=view.id,
                store_id=view.member_store_id,
                details={"resolution": view.resolution},
            )
    except HqError:
        return render(ctx, request, "not_found.html", 404)
    return redirect(f"{PREFIX}/conflicts", request)


# ---------------------------------------------------------------- tags


@router.get("/tags")
def tags_page(ctx: Annotated[Ctx, Depends(need("members.edit"))]) -> Response:
    with ctx.read() as session:
        groups = admin.list_tag_groups(session)
    return render(ctx, ctx.request, "tags.html", groups=groups, error=None)


@router.post("/tags")
def add_tag(request: Request, ctx: Annotated[Ctx, Depends(posting("members.edit"))]) -> Response:
    try:
        with ctx.write() as (session, changes, _now):
            if ctx.field("group_id"):
                tag = create_tag(
                    session,
                    group_id=ctx.field("group_id")[:36],
                    name=ctx.field("name"),
                    color=ctx.field("color") or "#607D8B",
                    changes=changes,
                )
                ctx.audit(session, "tag.create", subject_id=tag.id, details={"name": tag.name})
            else:
                group_id = create_tag_group(session, name=ctx.field("name"), changes=changes)
                ctx.audit(
                    session, "tag_group.create", subject_id=group_id, details={"name": ctx.field("name")}
                )
    except HqError as exc:
        with ctx.read() as session:
            groups = admin.list_tag_groups(session)
        return render(ctx, request, "tags.html", 400, groups=groups, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/tags", request)


@router.post("/tags/rename")
def rename_tag_post(request: Request, ctx: Annotated[Ctx, Depends(posting("members.edit"))]) -> Response:
    """`target` is `tag:<id>` or `group:<id>`: one form per tag group renames the group or one of its tags."""
    kind, _, target_id = ctx.field("target").partition(":")
    try:
        with ctx.write() as (session, changes, _now):
            if kind == "tag":
                rename_tag(session, tag_id=target_id[:36], name=ctx.field("name"), changes=changes)
            elif kind == "group":
                rename_tag_group(session, group_id=target_id[:36], name=ctx.field("name"), changes=changes)
            else:
                raise Invalid("bad_target")
            ctx.audit(session, f"{'tag' if kind == 'tag' else 'tag_group'}.rename", subject_id=target_id[:36],
                      details={"name": ctx.field("name").strip()})  # fmt: skip
    except HqError as exc:
        with ctx.read() as session:
            groups = admin.list_tag_groups(session)
        return render(ctx, request, "tags.html", 400, groups=groups, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/tags", request)


# ---------------------------------------------------------------- policy


def _revisions(ctx: Ctx) -> list[dict[str, Any]]:
    with ctx.read() as session:
        rows = session.scalars(select(PolicyRevision).order_by(PolicyRevision.revision.desc()).limit(50))
        return [
            {
                "revision": r.revision,
                "created_at": r.created_at,
                "created_by": r.created_by,
                **{k: getattr(r, k) for k in POLICY_FIELDS},
            }
            for r in rows
        ]


@router.get("/policy")
def policy_page(ctx: Annotated[Ctx, Depends(need("policy"))]) -> Response:
    with ctx.read() as session:
        policy = current_policy(session)
    return render(
        ctx,
        ctx.request,
        "policy.html",
        policy=policy,
        fields=POLICY_FIELDS,
        ranges=POLICY_RANGES,
        values=asdict(policy),
        revisions=_revisions(ctx),
        error=None,
    )


@router.post("/policy")
def revise_policy(request: Request, ctx: Annotated[Ctx, Depends(posting("policy"))]) -> Response:
    try:
        with ctx.write() as (session, changes, now):
            base = current_policy(session)
            values: dict[str, Any] = {}
            for name in POLICY_FIELDS:
                old = getattr(base, name)
                if isinstance(old, bool):
                    values[name] = ctx.field(name) == "1"
                    continue
                text = ctx.field(name)
                lo, hi = POLICY_RANGES.get(name, (0, 10**9))
                if not text.isdigit() or not lo <= int(text) <= hi:
                    raise Invalid("bad_policy_value", field=name, min=lo, max=hi)
                values[name] = int(text)
            changed = {k: v for k, v in values.items() if v != getattr(base, k)}
            if changed:
                policy = new_revision(session, changes=changes, now=now, by=ctx.user.username, **changed)
                ctx.audit(session, "policy.revise", subject_id=str(policy.revision), details=changed)
    except HqError as exc:
        with ctx.read() as session:
            policy = current_policy(session)
        return render(
            ctx,
            request,
            "policy.html",
            400,
            policy=policy,
            fields=POLICY_FIELDS,
            ranges=POLICY_RANGES,
            values=asdict(policy),
            revisions=_revisions(ctx),
            error=error_text(ctx.lang, exc),
        )
    return redirect(f"{PREFIX}/policy", request)


# ---------------------------------------------------------------- stores and enrollment codes


@router.get("/stores")
def stores_page(ctx: Annotated[Ctx, Depends(need("stores"))]) -> Response:
    with ctx.read() as session:
        stores = list_stores(session)
    return render(ctx, ctx.request, "stores.html", stores=stores, error=None, issued=None)


@router.post("/stores")
def add_store(request: Request, ctx: Annotated[Ctx, Depends(posting("stores"))]) -> Response:
    try:
        with ctx.write() as (session, changes, now):
            store = create_store(
                session, code=ctx.field("code"), name=ctx.field("name"), now=now, changes=changes
            )
            ctx.audit(
                session, "store.create", subject_id=store.id, store_id=store.id, details={"code": store.code}
            )
    except HqError as exc:
        with ctx.read() as session:
            stores = list_stores(session)
        return render(
            ctx, request, "stores.html", 400, stores=stores, error=error_text(ctx.lang, exc), issued=None
        )
    return redirect(f"{PREFIX}/stores", request)


@router.post("/stores/{store_id}/name")
def rename_store_post(
    store_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("stores"))]
) -> Response:
    try:
        with ctx.write() as (session, changes, _now):
            store = rename_store(session, store=store_id[:64], name=ctx.field("name"), changes=changes)
            ctx.audit(
                session, "store.rename", subject_id=store.id, store_id=store.id, details={"name": store.name}
            )
    except HqError as exc:
        return render(ctx, request, "refused_form.html", 400, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/stores", request)


@router.post("/stores/{store_id}/enrollment-code")
def enrollment_code(
    store_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("stores"))]
) -> Response:
    """A one-time code, shown once with a printable QR holding the HQ address and the code: a new counter
    PC's first-run wizard scans or types them."""
    hours = ctx.field("ttl_hours") or str(ctx.runtime.settings.enroll_code_ttl_hours)
    try:
        if not hours.isdigit() or not 1 <= int(hours) <= 720:
            raise Invalid("bad_ttl_hours")
        with ctx.write() as (session, _changes, now):
            issued = issue_enrollment_code(
                session, store=store_id[:64], now=now, ttl=timedelta(hours=int(hours)), by=ctx.user.username
            )
            ctx.audit(
                session,
                "enrollment_code.issue",
                store_id=issued.store_id,
                details={"expires_at": issued.expires_at.isoformat()},
            )
    except HqError as exc:
        return render(
            ctx,
            request,
            "stores.html",
            400,
            stores=list_stores_once(ctx),
            error=error_text(ctx.lang, exc),
            issued=None,
        )
    stores = {s.id: s for s in list_stores_once(ctx)}
    hq_url = str(request.base_url).rstrip("/")
    payload = json.dumps({"hq": hq_url, "code": issued.code}, separators=(",", ":"))
    from app.qr import qr_png_for_width

    qr = base64.b64encode(qr_png_for_width(payload, 320)).decode()
    return render(
        ctx,
        request,
        "enrollment_code.html",
        issued=issued,
        store=stores.get(issued.store_id),
        hq_url=hq_url,
        qr=qr,
    )


def list_stores_once(ctx: Ctx) -> list[Any]:
    with ctx.read() as session:
        return list(list_stores(session))


# ---------------------------------------------------------------- guides of a store


def _guides_page(ctx: Ctx, request: Request, store_id: str, status: int = 200, **values: Any) -> Response:
    with ctx.read() as session:
        try:
            store = find_store(session, store_id[:64])
            guides = admin.list_guides(session, store=store.id)
        except HqError:
            return render(ctx, request, "not_found.html", 404)
    values.setdefault("error", None)
    values.setdefault("notice", None)
    return render(ctx, request, "guides.html", status, store=store, guides=guides, **values)


@router.get("/stores/{store_id}/guides")
def guides_page(store_id: str, ctx: Annotated[Ctx, Depends(need("stores"))]) -> Response:
    return _guides_page(ctx, ctx.request, store_id)


@router.post("/stores/{store_id}/guides")
def add_guide_post(
    store_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("stores"))]
) -> Response:
    try:
        with ctx.write() as (session, changes, now):
            guide = add_guide(
                session,
                store=store_id[:64],
                employee_no=ctx.field("employee_no"),
                name=ctx.field("name"),
                pin=ctx.field("pin"),
                role=ctx.field("role") or "guide",
                now=now,
                changes=changes,
            )
            ctx.audit(
                session,
                "guide.add",
                subject_id=guide.id,
                store_id=guide.store_id,
                details={"employee_no": guide.employee_no, "role": guide.role},
            )
    except HqError as exc:
        return _guides_page(ctx, request, store_id, 400, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/stores/{store_id}/guides", request)


@router.post("/guides/{guide_id}/name")
def rename_guide_post(
    guide_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("stores"))]
) -> Response:
    try:
        with ctx.write() as (session, changes, _now):
            guide = rename_guide(session, guide_id=guide_id[:36], name=ctx.field("name"), changes=changes)
            ctx.audit(session, "guide.rename", subject_id=guide.id, store_id=guide.store_id,
                      details={"name": guide.name})  # fmt: skip
    except HqError as exc:
        return render(ctx, request, "refused_form.html", 400, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/stores/{guide.store_id}/guides", request)


@router.post("/guides/{guide_id}/pin")
def reset_pin_post(
    guide_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("stores"))]
) -> Response:
    try:
        with ctx.write() as (session, changes, _now):
            guide = staff.reset_pin(session, guide_id=guide_id[:36], pin=ctx.field("pin"), changes=changes)
            ctx.audit(session, "guide.reset_pin", subject_id=guide.id, store_id=guide.store_id)
    except HqError as exc:
        return render(ctx, request, "refused_form.html", 400, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/stores/{guide.store_id}/guides", request)


@router.post("/guides/{guide_id}/depart")
def depart_post(guide_id: str, request: Request, ctx: Annotated[Ctx, Depends(posting("stores"))]) -> Response:
    try:
        with ctx.write() as (session, changes, now):
            done = staff.depart(
                session,
                guide_id=guide_id[:36],
                to_guide_id=ctx.field("to_guide_id")[:36],
                now=now,
                changes=changes,
            )
            ctx.audit(
                session,
                "guide.depart",
                subject_id=done.guide.id,
                store_id=done.guide.store_id,
                details={"to_guide_id": done.to_guide_id, "bindings": done.bindings, "tasks": done.tasks},
            )
    except HqError as exc:
        return render(ctx, request, "refused_form.html", 400, error=error_text(ctx.lang, exc))
    return redirect(f"{PREFIX}/stores/{done.guide.store_id}/guides", request)
