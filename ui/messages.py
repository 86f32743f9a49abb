"""Error codes → words, in one place (DESIGN.md §2 rule 6). `app` raises `GuideDeskError(code, **details)`;
the window shows `text_for(error)`. Each text is English source wrapped for translation (context
`messages`, in the shell area's `.ts`); details fill `{placeholders}`.

An unknown code still gets a sentence (with the code, so support can find it), never a traceback.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.clock import STORE_TZ

_C = "messages"

# code -> English source text. Kept as no-op markers so lupdate finds them; translated in text_for().
TEXTS: dict[str, str] = {
    # ---- scan
    "unknown_code": QT_TRANSLATE_NOOP("messages", "Unknown code. Ask the shopper for their member code."),
    "payment_code": QT_TRANSLATE_NOOP(
        "messages", "This is a payment code. Please ask for the member code instead."
    ),
    "malformed_code": QT_TRANSLATE_NOOP(
        "messages", "The member code is damaged. Ask the shopper to refresh it."
    ),
    "unknown_key": QT_TRANSLATE_NOOP(
        "messages",
        "This member code was signed with a key this counter does not know yet. Sync, then scan again.",
    ),
    "forged_code": QT_TRANSLATE_NOOP("messages", "This member code is not genuine (signature check failed)."),
    "expired_code": QT_TRANSLATE_NOOP(
        "messages", "The member code has expired. Ask the shopper to refresh it in the mini-program."
    ),
    "not_yet_valid": QT_TRANSLATE_NOOP(
        "messages", "The member code is not valid yet. Check the clock of this computer."
    ),
    "replayed_code": QT_TRANSLATE_NOOP(
        "messages", "This member code was already used. Ask the shopper to refresh it."
    ),
    "member_not_local": QT_TRANSLATE_NOOP(
        "messages", "This member is not on this workstation yet. Enroll them, or retry when online."
    ),
    "member_not_local_online": QT_TRANSLATE_NOOP("messages", "Looking the member up at HQ…"),
    "unknown_member": QT_TRANSLATE_NOOP("messages", "HQ does not know this member."),
    "member_code_invalid": QT_TRANSLATE_NOOP("messages", "HQ did not accept this member code."),
    # ---- login
    "wrong_pin": QT_TRANSLATE_NOOP("messages", "Wrong employee number or PIN. {attempts_left} tries left."),
    "locked": QT_TRANSLATE_NOOP("messages", "Too many wrong PINs. Locked for {minutes} more minute(s)."),
    "guide_inactive": QT_TRANSLATE_NOOP("messages", "This employee is no longer active at this store."),
    "manager_required": QT_TRANSLATE_NOOP("messages", "This needs a store manager's PIN."),
    "bad_employee_no": QT_TRANSLATE_NOOP("messages", "Enter your employee number."),
    "unknown_guide": QT_TRANSLATE_NOOP("messages", "No such employee at this store."),
    "no_guides": QT_TRANSLATE_NOOP("messages", "No guides on this workstation yet: sync with HQ first."),
    # ---- binding
    "already_bound_to_you": QT_TRANSLATE_NOOP("messages", "This member is already bound to you."),
    "bind_pending": QT_TRANSLATE_NOOP("messages", "A binding for this member is still waiting for HQ."),
    "member_other_store": QT_TRANSLATE_NOOP(
        "messages", "This member belongs to another store: scan their member code to bind them here."
    ),
    "bound_other_store": QT_TRANSLATE_NOOP(
        "messages", "Bound to {guide_name} at {store_name} (another store): cannot bind here."
    ),
    "protected": QT_TRANSLATE_NOOP(
        "messages", "Bound to {guide_name}, protected until {protected_until}. Ask for a transfer instead."
    ),
    "member_already_bound": QT_TRANSLATE_NOOP(
        "messages", "HQ refused: the member was bound to {winner_guide_name} ({winner_store_name}) first."
    ),
    "binding_contended": QT_TRANSLATE_NOOP(
        "messages", "HQ refused: another binding of this member came first."
    ),
    "binding_changed": QT_TRANSLATE_NOOP("messages", "The binding changed meanwhile; scan again."),
    "binding_not_synced": QT_TRANSLATE_NOOP(
        "messages", "The current binding is not confirmed by HQ yet; sync first."
    ),
    "not_bound": QT_TRANSLATE_NOOP("messages", "This member is not bound to anyone: bind them instead."),
    "same_guide": QT_TRANSLATE_NOOP("messages", "The member is already bound to that guide."),
    "transfer_requested": QT_TRANSLATE_NOOP(
        "messages", "A transfer request for this member is already open."
    ),
    "reason_note_too_long": QT_TRANSLATE_NOOP("messages", "The reason is too long."),
    "request_closed": QT_TRANSLATE_NOOP("messages", "This request was already decided."),
    "unknown_request": QT_TRANSLATE_NOOP("messages", "Unknown transfer request."),
    # ---- members
    "consent_required": QT_TRANSLATE_NOOP(
        "messages", "The shopper's consent to the privacy notice is required to enroll."
    ),
    "bad_consent": QT_TRANSLATE_NOOP("messages", "The shopper's consent is missing."),
    "phone_already_member": QT_TRANSLATE_NOOP("messages", "This phone number is already a member."),
    "enroll_limited": QT_TRANSLATE_NOOP(
        "messages",
        "HQ stopped taking new members from this workstation for today: too many of the numbers tried were members already. Call HQ.",  # noqa: E501 (one literal: lupdate reads it)
    ),
    "bad_phone": QT_TRANSLATE_NOOP("messages", "Enter an 11-digit mainland mobile number."),
    "bad_name": QT_TRANSLATE_NOOP("messages", "Enter the shopper's name."),
    "no_phone": QT_TRANSLATE_NOOP("messages", "This member has no phone number on file."),
    "bad_note": QT_TRANSLATE_NOOP("messages", "The note is empty or too long."),
    "bad_reason": QT_TRANSLATE_NOOP("messages", "The reason is not valid."),
    "unknown_tag": QT_TRANSLATE_NOOP("messages", "This tag is not available at this store."),
    "card_no_unavailable": QT_TRANSLATE_NOOP("messages", "HQ could not issue that card number."),
    # ---- tasks
    "task_closed": QT_TRANSLATE_NOOP("messages", "This task is already closed."),
    "unknown_task": QT_TRANSLATE_NOOP("messages", "Unknown task."),
    "bad_due_at": QT_TRANSLATE_NOOP("messages", "The follow-up date is not valid."),
    "contact_budget_exceeded": QT_TRANSLATE_NOOP(
        "messages", "This member was contacted {used} times in {window_days} days (limit {limit})."
    ),
    # ---- sync and enrollment
    "unreachable": QT_TRANSLATE_NOOP("messages", "Cannot reach HQ. Check the address and the network."),
    "tls_error": QT_TRANSLATE_NOOP(
        "messages", "The secure connection to HQ failed (certificate not trusted). Check the address."
    ),
    "truncated": QT_TRANSLATE_NOOP("messages", "The connection to HQ broke off. It will retry."),
    "request_failed": QT_TRANSLATE_NOOP("messages", "The request to HQ failed. Check the address."),
    "server_error": QT_TRANSLATE_NOOP("messages", "HQ had a problem. It will retry later."),
    "not_json": QT_TRANSLATE_NOOP("messages", "That address does not answer like a GuideDesk HQ."),
    "enrollment_code_invalid": QT_TRANSLATE_NOOP(
        "messages", "This enrollment code is not valid. Check it with HQ."
    ),
    "enrollment_code_used": QT_TRANSLATE_NOOP(
        "messages", "This enrollment code was already used. Ask HQ for a new one."
    ),
    "enrollment_code_expired": QT_TRANSLATE_NOOP(
        "messages", "This enrollment code has expired. Ask HQ for a new one."
    ),
    "rate_limited": QT_TRANSLATE_NOOP("messages", "Too many failed tries. Wait {retry_after} seconds."),
    "already_enrolled": QT_TRANSLATE_NOOP("messages", "This workstation is already enrolled."),
    "not_enrolled": QT_TRANSLATE_NOOP("messages", "This workstation is not enrolled with HQ yet."),
    "device_revoked": QT_TRANSLATE_NOOP(
        "messages", "HQ has revoked this workstation. Ask HQ for a new enrollment code."
    ),
    "upgrade_required": QT_TRANSLATE_NOOP("messages", "HQ needs a newer GuideDesk. Please update."),
    "unauthorized": QT_TRANSLATE_NOOP("messages", "HQ did not accept this workstation's key."),
    "bad_hq_url": QT_TRANSLATE_NOOP("messages", "Enter HQ's address, e.g. https://hq.example.cn"),
    "insecure_hq_url": QT_TRANSLATE_NOOP(
        "messages",
        "HQ's address must start with https:// — plain http would send this workstation's key and members' phone numbers readable over the network. Ask IT for the https address.",  # noqa: E501 (one literal: lupdate reads it)
    ),
    "invalid_hq_url": QT_TRANSLATE_NOOP(
        "messages",
        "This is not an HQ address. Enter it like https://hq.example.cn",
    ),
    "secret_store_unavailable": QT_TRANSLATE_NOOP(
        "messages",
        "The system keyring could not be read, so phone numbers cannot be opened. Unlock the keyring (sign in to Windows again) and restart GuideDesk. Nothing was changed.",  # noqa: E501 (one literal: lupdate reads it)
    ),
    "phone_key_missing": QT_TRANSLATE_NOOP(
        "messages",
        "The key that protects this workstation's phone numbers is missing from the system keyring. Restore it (or this PC's user profile) and restart; a new key would make the stored phones unreadable, so none was made. Call IT support.",  # noqa: E501 (one literal: lupdate reads it)
    ),
    "phone_key_mismatch": QT_TRANSLATE_NOOP(
        "messages",
        "The system keyring holds a different key than the one this workstation's phone numbers were protected with. Restore the original key and restart; nothing was overwritten. Call IT support.",  # noqa: E501 (one literal: lupdate reads it)
    ),
    "sync_busy": QT_TRANSLATE_NOOP("messages", "A sync is already running."),
    "cancelled": QT_TRANSLATE_NOOP("messages", "Cancelled. It continues where it stopped next time."),
    # ---- anything else
    "unexpected": QT_TRANSLATE_NOOP(
        "messages", "Something went wrong ({code}). What was saved stays saved; the log has details."
    ),
}

# Sync errors without their own code fall back on their kind.
_BY_KIND = {
    "network": "unreachable",
    "server": "server_error",
    "revoked": "device_revoked",
    "upgrade": "upgrade_required",
    "auth": "unauthorized",
    "protocol": "not_json",
}


def _fmt_time(value: Any) -> str:
    if isinstance(value, datetime):
        at = value if value.tzinfo else value.replace(tzinfo=UTC)
        return at.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _fields(code: str, details: dict[str, Any], now: datetime | None) -> dict[str, Any]:
    fields = {k: _fmt_time(v) for k, v in details.items()}
    fields.setdefault("code", code)
    until = details.get("until")
    if code == "locked" and isinstance(until, datetime):
        left = (until if until.tzinfo else until.replace(tzinfo=UTC)) - (now or datetime.now(UTC))
        fields["minutes"] = max(1, math.ceil(left.total_seconds() / 60))
    fields.setdefault("minutes", 5)
    return fields


def words(code: str, **details: Any) -> str:
    """The words for a code with its details (unknown placeholders left readable)."""
    source = TEXTS.get(code)
    if source is None:
        source = TEXTS["unexpected"]
    text = QCoreApplication.translate(_C, source)
    try:
        return text.format(**_fields(code, details, None))
    except (KeyError, IndexError, ValueError):
        return text


def text_for(error: BaseException, *, now: datetime | None = None) -> str:
    """The sentence the guide reads for an error raised by the core (or anything else)."""
    code = getattr(error, "code", None)
    details = dict(getattr(error, "details", {}) or {})
    nested = details.pop("details", None)  # SyncError("refused", …, details={…}) from HQ
    if isinstance(nested, dict):
        details = {**nested, **details}
    if code not in TEXTS:
        code = _BY_KIND.get(str(details.get("kind")), code)
    if not isinstance(code, str) or code not in TEXTS:
        return QCoreApplication.translate(_C, TEXTS["unexpected"]).format(code=code or type(error).__name__)
    text = QCoreApplication.translate(_C, TEXTS[code])
    try:
        return text.format(**_fields(code, details, now))
    except (KeyError, IndexError, ValueError):
        return text


def known(code: str) -> bool:
    return code in TEXTS
