"""Sync protocol v1: the contract shared by the workstation and HQ (DESIGN.md §5).

Field names here are the wire contract: add fields freely, never rename; readers ignore unknown fields.
One mutation envelope (`MutationEnvelope`) serves both ends: the workstation builds it from its outbox,
HQ's push route validates request bodies against it (pydantic reads its field constraints) and hands
the same objects to the push applier.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, Final

from annotated_types import Ge, Le, MaxLen, MinLen

PROTOCOL_VERSION: Final = 1
SCHEMA_VERSION: Final = 1
MAX_PUSH_BATCH: Final = 100
MAX_PUSH_BYTES: Final = 256 * 1024
MAX_PULL_LIMIT: Final = 1000
MAX_MUTATION_ID: Final = 2**62  # fits a signed 64-bit column on both sides
MAX_TEXT_ID: Final = 64  # ids, names, hashes and times in an envelope


class _Strict:
    """Field metadata pydantic reads on HQ's side: no coercion ("43" or true is not an id). Written
    against pydantic's core-schema hook so this module needs no pydantic import."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema["strict"] = True
        return schema


MutationId = Annotated[int, _Strict(), Ge(1), Le(MAX_MUTATION_ID)]
ShortText = Annotated[str, MaxLen(MAX_TEXT_ID)]


class Mutation:
    """Names of every mutation a workstation can push (`noun.verb.vN`), and their `args`.

    The acting guide travels in the envelope (`guide_id`), never in `args`. Ids of records created on
    the workstation are client-generated UUIDs. Times are ISO-8601 UTC strings.

    | name                | args |
    |---------------------|------|
    | binding.create.v1   | binding_id, member_id, code? (the signed member code scanned, if any) |
    | binding.transfer.v1 | binding_id (new), member_id, from_binding_id, to_guide_id, reason
    |                     | (manager_approved / protection_lapsed / departure), approved_by? (manager id) |
    | binding.end.v1      | binding_id, member_id, reason |
    | member.enroll.v1    | member_id, card_no, name, phone (sealed at rest), consent {at, text_version,
    |                     | channel}, paid (bool) |
    | member.decline.v1   | decline_id, reason? |
    | tag.add.v1          | member_id, tag_id |
    | tag.remove.v1       | member_id, tag_id |
    | note.add.v1         | note_id, member_id, body |
    | task.create.v1      | task_id, member_id, kind (call/message/invite/visit), due_at?,        |
    |                     | assigned_guide_id?, note?                                             |
    | task.assign.v1      | task_id, guide_id |
    | task.complete.v1    | task_id, outcome (reached/not_reached/call_back/declined), note?, completed_at |
    | visit.record.v1     | visit_id, member_id, source (scan/card/phone/enroll), at |
    | audit.append.v1     | action, subject_id?, details {} |
    | member.consent_withdraw.v1 | member_id, at, channel (counter) — PIPL: the member leaves outreach |
    """

    BINDING_CREATE: Final = "binding.create.v1"
    BINDING_TRANSFER: Final = "binding.transfer.v1"
    BINDING_END: Final = "binding.end.v1"
    MEMBER_ENROLL: Final = "member.enroll.v1"
    MEMBER_DECLINE: Final = "member.decline.v1"
    TAG_ADD: Final = "tag.add.v1"
    TAG_REMOVE: Final = "tag.remove.v1"
    NOTE_ADD: Final = "note.add.v1"
    TASK_CREATE: Final = "task.create.v1"
    TASK_ASSIGN: Final = "task.assign.v1"
    TASK_COMPLETE: Final = "task.complete.v1"
    VISIT_RECORD: Final = "visit.record.v1"
    AUDIT_APPEND: Final = "audit.append.v1"
    MEMBER_CONSENT_WITHDRAW: Final = "member.consent_withdraw.v1"


MUTATION_NAMES: Final = frozenset(v for k, v in vars(Mutation).items() if k.isupper())

# Push result statuses and hello actions.
APPLIED, MERGED, REJECTED = "applied", "merged", "rejected"
ACTION_OK, ACTION_UPGRADE, ACTION_RESET, ACTION_REVOKED = (
    "ok",
    "upgrade_required",
    "reset_required",
    "device_revoked",
)


def canonical_json(value: Any) -> bytes:
    """The one byte form both sides hash: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_sha256(name: str, args: dict[str, Any]) -> str:
    """Hash of a mutation's payload, for idempotency: a replayed id must carry the same hash.

    The workstation hashes the payload as it stores it, with sealed values (an enrolled phone) still
    sealed, so the stored hash cannot be used to brute-force the phone. HQ therefore treats the sent
    `sha256` as an opaque fingerprint: it stores it, and on a replay requires both it and HQ's own hash
    of the received args to match. (DESIGN.md §5 reads as if HQ could recompute the client's hash; it
    cannot, by design.)"""
    return hashlib.sha256(canonical_json({"name": name, "args": args})).hexdigest()


@dataclass(frozen=True)
class MutationEnvelope:
    """One pushed mutation: device-monotonic `id`, `name` (`noun.verb.vN`), the workstation's payload
    fingerprint `sha256`, `client_time` (recorded, never trusted for order), the acting `guide_id`, and
    the mutation's `args`. Unknown fields are ignored (a newer workstation may send more)."""

    id: MutationId
    name: Annotated[str, MinLen(1), MaxLen(MAX_TEXT_ID)]
    sha256: ShortText
    guide_id: ShortText
    args: dict[str, Any]
    client_time: ShortText = ""

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MutationResult:
    id: int
    status: str  # applied | merged | rejected
    code: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.code is not None:
            out["code"] = self.code
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> MutationResult:
        return cls(
            id=int(raw["id"]),
            status=str(raw["status"]),
            code=raw.get("code"),
            details=dict(raw.get("details") or {}),
        )


@dataclass(frozen=True)
class Change:
    """One entry of a pull page: entity type `t`, id, `put` with data or `remove`, and its version."""

    t: str
    id: str
    op: str  # put | remove
    v: int
    data: dict[str, Any] | None = None

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": self.t, "id": self.id, "op": self.op, "v": self.v}
        if self.data is not None:
            out["data"] = self.data
        return out

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Change:
        return cls(t=raw["t"], id=raw["id"], op=raw["op"], v=int(raw["v"]), data=raw.get("data"))
