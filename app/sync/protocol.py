"""Sync protocol v1: the contract shared by the workstation and HQ (DESIGN.md §5).

Field names here are the wire contract: add fields freely, never rename; readers ignore unknown fields.
HQ imports this module (and `app.qr`), nothing else from the client.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Final

PROTOCOL_VERSION: Final = 1
SCHEMA_VERSION: Final = 1
MAX_PUSH_BATCH: Final = 100
MAX_PUSH_BYTES: Final = 256 * 1024
MAX_PULL_LIMIT: Final = 1000


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
class WireMutation:
    id: int
    name: str
    sha256: str
    client_time: str
    guide_id: str
    args: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "sha256": self.sha256,
            "client_time": self.client_time,
            "guide_id": self.guide_id,
            "args": self.args,
        }

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> WireMutation:
        return cls(
            id=int(raw["id"]),
            name=str(raw["name"]),
            sha256=str(raw["sha256"]),
            client_time=str(raw["client_time"]),
            guide_id=str(raw["guide_id"]),
            args=dict(raw["args"]),
        )


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
