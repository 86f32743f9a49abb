"""Member mutations from the counter: enrollment (拉新, with consent), walk-ins who declined, visits (which
also renew the bound guide's protection at HQ), tags (set operations in HQ arrival order) and notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from contract.wire import REJECTED, MutationResult
from hq.db.models import Binding, Decline, Member, MemberCode, MemberTag, MutationResultRow, Note, Tag, Visit
from hq.db.upsert import insert_ignore, rowcount
from hq.services.members import CARD_NO, clean_phone, unused_card_no
from hq.services.privacy import erased_phone_at, withdraw_consent
from hq.sync.changes import store_scope
from hq.sync.handlers.base import Context, Rejected
from hq.sync.scopes import member_tag_id

CONSENT_CHANNELS = frozenset({"counter", "mini_program"})
VISIT_SOURCES = frozenset({"scan", "card", "phone", "enroll"})
WITHDRAW_CHANNELS = frozenset({"counter"})
NAME_MAX, NOTE_MAX, REASON_MAX = 50, 500, 100


def _consent(ctx: Context) -> tuple[Any, str, str]:
    consent = ctx.args.get("consent")
    if not isinstance(consent, dict):
        raise Rejected("consent_required")
    at = ctx.time_arg("at", source=consent)
    version = ctx.text_arg("text_version", max_len=32, source=consent)
    channel = ctx.choice_arg("channel", CONSENT_CHANNELS, source=consent)
    assert version is not None and channel is not None
    return at, version, channel


# `phone_already_member` tells a till that a number is a member somewhere in the chain: the guide needs
# it (the shopper is a member already: scan their code instead), and a rogue till could use it to test
# numbers. So it is rationed: a till that was told so PHONE_TAKEN_PER_DAY times in 24 hours has every
# enrollment refused (`enroll_limited`) until the day has passed — past the ration it learns nothing
# more, and each answer before it is a stored, auditable result (docs/security.md).
PHONE_TAKEN_PER_DAY = 20


def _phone_taken_answers(ctx: Context) -> int:
    r = MutationResultRow
    return int(
        ctx.session.scalar(
            select(func.count())
            .select_from(r)
            .where(
                r.device_id == ctx.device_id,
                r.name == ctx.name,
                r.status == REJECTED,
                r.applied_at > ctx.now - timedelta(days=1),
                r.result["code"].as_string() == "phone_already_member",
            )
        )
        or 0
    )


def member_enroll(ctx: Context) -> MutationResult:
    if _phone_taken_answers(ctx) >= PHONE_TAKEN_PER_DAY:
        raise Rejected("enroll_limited")
    member_id = ctx.req_id("member_id")
    name = ctx.text_arg("name", max_len=NAME_MAX)
    raw_card = ctx.text_arg("card_no", max_len=32)
    if raw_card is None or not CARD_NO.fullmatch(raw_card):
        raise Rejected("invalid_args", field="card_no")
    raw_phone = ctx.args.get("phone")
    phone = clean_phone(raw_phone) if isinstance(raw_phone, str) and len(raw_phone) <= 32 else None
    if phone is None:
        raise Rejected("invalid_args", field="phone")
    consent_at, consent_version, consent_channel = _consent(ctx)
    paid = ctx.bool_arg("paid")
    prior = ctx.session.get(Member, member_id)
    if prior is not None:
        raise Rejected("member_erased" if prior.erased_at is not None else "duplicate_id", field="member_id")
    erased_at = erased_phone_at(ctx.session, phone)
    if erased_at is not None and consent_at <= erased_at:
        # An enrollment of this phone made (offline) before the member was erased: its data must not
        # come back. One made after the erasure, with fresh consent, is a new membership.
        raise Rejected("member_erased")
    if ctx.session.scalar(select(Member.id).where(Member.phone == phone)) is not None:
        raise Rejected("phone_already_member")
    card_no = raw_card
    for _attempt in range(3):
        if ctx.session.get(MemberCode, card_no) is not None:
            card_no = unused_card_no(ctx.session)  # the counter's number clashed: HQ issues another
            continue
        enrolled = ctx.client_at(consent_at)
        try:
            with ctx.session.begin_nested():
                ctx.session.add(
                    Member(
                        id=member_id,
                        store_id=ctx.store_id,
                        card_no=card_no,
                        name=name,
                        phone=phone,
                        is_paid=paid,
                        enrolled_at=enrolled,
                        enrolled_by_guide_id=ctx.guide.id,
                        consent_at=consent_at,
                        consent_text_version=consent_version,
                        consent_channel=consent_channel,
                        last_visit_at=enrolled,
                        created_at=ctx.now,
                    )
                )
                ctx.session.add(MemberCode(code=card_no, member_id=member_id, kind="card"))
                ctx.session.flush()
        except IntegrityError:
            # A concurrent enrollment took the phone, the id or the card number first.
            if ctx.session.scalar(select(Member.id).where(Member.phone == phone)) is not None:
                raise Rejected("phone_already_member") from None
            if ctx.session.get(Member, member_id) is not None:
                raise Rejected("duplicate_id", field="member_id") from None
            continue
        scope = store_scope(ctx.store_id)
        ctx.changes.put(scope, "member", member_id)
        ctx.changes.put(scope, "member_code", card_no)
        if card_no != raw_card:
            return ctx.applied("card_no_reassigned", card_no=card_no)
        return ctx.applied(card_no=card_no)
    raise Rejected("card_no_unavailable")


def member_decline(ctx: Context) -> MutationResult:
    decline_id = ctx.req_id("decline_id")
    reason = ctx.text_arg("reason", max_len=REASON_MAX, required=False)
    prior = ctx.session.get(Decline, decline_id)
    if prior is not None:
        if prior.store_id == ctx.store_id:
            return ctx.merged()
        raise Rejected("duplicate_id", field="decline_id")
    ctx.session.add(
        Decline(
            id=decline_id,
            store_id=ctx.store_id,
            guide_id=ctx.guide.id,
            reason=reason,
            at=ctx.client_at(_client_time(ctx)),
            received_at=ctx.now,
        )
    )
    return ctx.applied()


def _client_time(ctx: Context) -> Any:
    try:
        return ctx.time_arg("t", required=False, source={"t": ctx.client_time or None})
    except Rejected:
        return None  # the envelope's client time is informative only; a bad one is not worth a rejection


def _visitable_member(ctx: Context, member_id: str) -> Member:
    """A member served here: the store's own, or one bound to a guide of this store."""
    member = ctx.session.get(Member, member_id)
    if member is not None and member.store_id != ctx.store_id:
        bound_here = ctx.session.scalar(
            select(Binding.id).where(
                Binding.member_id == member_id, Binding.active.is_(True), Binding.store_id == ctx.store_id
            )
        )
        member = member if bound_here else None
    if member is None:
        raise Rejected("unknown_member")
    if member.erased_at is not None:
        raise Rejected("member_erased")
    return member


def visit_record(ctx: Context) -> MutationResult:
    visit_id, member_id = ctx.req_id("visit_id"), ctx.req_id("member_id")
    source = ctx.choice_arg("source", VISIT_SOURCES)
    at = ctx.client_at(ctx.time_arg("at"))
    member = _visitable_member(ctx, member_id)
    prior = ctx.session.get(Visit, visit_id)
    if prior is not None:
        if prior.store_id == ctx.store_id and prior.member_id == member_id:
            return ctx.merged()
        raise Rejected("duplicate_id", field="visit_id")
    assert source is not None
    ctx.session.add(
        Visit(
            id=visit_id,
            member_id=member_id,
            store_id=ctx.store_id,
            guide_id=ctx.guide.id,
            source=source,
            at=at,
            received_at=ctx.now,
        )
    )
    scope = store_scope(member.store_id)
    if member.last_visit_at is None or member.last_visit_at < at:
        member.last_visit_at = at
        ctx.changes.put(scope, "member", member_id)
    _renew_protection(ctx, member_id, at, scope)
    return ctx.applied()


def _renew_protection(ctx: Context, member_id: str, at: Any, scope: str) -> None:
    """Each service by the bound guide renews protection (policy), so a lapsed takeover is judged at HQ
    on the same facts the counter saw."""
    if not ctx.policy.renew_on_service:
        return
    binding = ctx.session.scalar(
        select(Binding)
        .where(Binding.member_id == member_id, Binding.active.is_(True), Binding.guide_id == ctx.guide.id)
        .with_for_update()
    )
    if binding is None:
        return
    renewed = at + timedelta(days=ctx.policy.protection_days)
    if binding.protected_until is None or binding.protected_until < renewed:
        binding.protected_until = renewed
        ctx.changes.put(scope, "binding", binding.id)


def _tag_target(ctx: Context) -> tuple[Member, str]:
    member = ctx.store_member(ctx.req_id("member_id"))
    tag_id = ctx.req_id("tag_id")
    if ctx.session.get(Tag, tag_id) is None:
        raise Rejected("unknown_tag")
    return member, tag_id


def tag_add(ctx: Context) -> MutationResult:
    member, tag_id = _tag_target(ctx)
    values = {
        "member_id": member.id,
        "tag_id": tag_id,
        "added_at": ctx.now,
        "added_by_guide_id": ctx.guide.id,
    }
    if not insert_ignore(ctx.session, MemberTag, values, ["member_id", "tag_id"]):
        return ctx.merged("already_tagged")
    ctx.changes.put(store_scope(member.store_id), "member_tag", member_tag_id(member.id, tag_id))
    return ctx.applied()


def tag_remove(ctx: Context) -> MutationResult:
    member, tag_id = _tag_target(ctx)
    gone = ctx.session.execute(
        delete(MemberTag).where(MemberTag.member_id == member.id, MemberTag.tag_id == tag_id)
    )
    if rowcount(gone) == 0:
        return ctx.merged("not_tagged")
    ctx.changes.remove(store_scope(member.store_id), "member_tag", member_tag_id(member.id, tag_id))
    return ctx.applied()


def note_add(ctx: Context) -> MutationResult:
    note_id = ctx.req_id("note_id")
    member = ctx.store_member(ctx.req_id("member_id"))
    body = ctx.text_arg("body", max_len=NOTE_MAX, multiline=True)
    prior = ctx.session.get(Note, note_id)
    if prior is not None:
        if prior.member_id == member.id and prior.store_id == ctx.store_id:
            return ctx.merged()
        raise Rejected("duplicate_id", field="note_id")
    assert body is not None
    ctx.session.add(
        Note(
            id=note_id,
            member_id=member.id,
            store_id=ctx.store_id,
            guide_id=ctx.guide.id,
            body=body,
            created_at=ctx.now,
        )
    )
    ctx.changes.put(store_scope(member.store_id), "note", note_id)
    return ctx.applied()


def consent_withdraw(ctx: Context) -> MutationResult:
    """The member withdrew consent to outreach at a counter of their home store: HQ records it, cancels
    their open task items and leaves them out of task lists from now on (hq/services/privacy.py)."""
    member = ctx.store_member(ctx.req_id("member_id"))
    ctx.time_arg("at")
    ctx.choice_arg("channel", WITHDRAW_CHANNELS)
    if member.consent_withdrawn:
        return ctx.merged("consent_already_withdrawn")
    view = withdraw_consent(
        ctx.session, member=member.id, by=ctx.guide.id, now=ctx.now, changes=ctx.changes, channel="counter",
        device_id=ctx.device_id, guide_id=ctx.guide.id,
    )  # fmt: skip
    return ctx.applied(cancelled_tasks=view.cancelled_tasks)
