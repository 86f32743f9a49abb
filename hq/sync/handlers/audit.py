"""audit.append.v1: a workstation's audit event (PII reveal, export, login…) appended at HQ, never
changed. Bounded in size so the trail cannot be used to store arbitrary data."""

from __future__ import annotations

import re

from contract.wire import MutationResult, canonical_json
from hq.db.models import AuditEvent
from hq.sync.handlers.base import Context, Rejected

ACTION = re.compile(r"[a-z][a-z0-9_.]{0,39}")
MAX_DETAILS = 4096


def audit_append(ctx: Context) -> MutationResult:
    action = ctx.args.get("action")
    if not isinstance(action, str) or not ACTION.fullmatch(action):
        raise Rejected("invalid_args", field="action")
    subject_id = ctx.id_arg("subject_id", required=False)
    details = ctx.args.get("details", {})
    if not isinstance(details, dict) or len(canonical_json(details)) > MAX_DETAILS:
        raise Rejected("invalid_args", field="details")
    ctx.session.add(
        AuditEvent(
            at=ctx.now,
            store_id=ctx.store_id,
            device_id=ctx.device_id,
            guide_id=ctx.guide.id,
            actor="device",
            action=action,
            subject_id=subject_id,
            details=details,
            client_time=ctx.client_time[:40] or None,
        )
    )
    return ctx.applied()
