"""What a transaction changed (as Anki's `OpChanges`): which kinds of entity and which members. Every
mutation service returns one in its outcome (`outcome.changes`), and the sync engine reports one per
applied pull page (`SyncProgress.changes`) and for the whole run (`SyncReport.changes`). The window's one
`data_changed` signal carries it, so a view refreshes only when its data changed:

    if changes.touches("task_item") or changes.touches_member(self.member_id): self.reload()

Kinds are the pull protocol's entity types (the replica: `member`, `binding`, `task_item`, …) plus the
local-intent records a workstation writes itself (`outbox`, `visit`, `decline`, `activity`, …). A local
mutation names the replica kind whose effective state it changes (a bind made offline changes what the
screen shows for `binding`, although the replica row arrives only with a later pull).

Qt-free and immutable: safe to hand from a worker thread to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal, get_args

from contract.wire import Mutation

Kind = Literal[
    # replica: the pull protocol's entity types
    "store",
    "guide",
    "member",
    "member_code",
    "tag_group",
    "tag",
    "member_tag",
    "binding",
    "binding_conflict",
    "task_list",
    "task_item",
    "note",
    "policy",
    "qr_key",
    # local intent
    "outbox",  # a mutation queued or settled by HQ: pending count, "pending HQ" marks
    "visit",
    "decline",
    "activity",  # the stats ledger
    "transfer_request",
    "audit",
    "login",  # a guide's login state (failed attempts, lock-out)
    "sync_state",  # enrollment, cursor, last sync, clock offset
]
KINDS: Final[frozenset[str]] = frozenset(get_args(Kind))
# Kinds whose rows belong to one member: a change to them can name its member.
MEMBER_KINDS: Final = frozenset(
    {"member", "member_code", "member_tag", "binding", "binding_conflict", "task_item", "note", "visit"}
)


@dataclass(frozen=True)
class Changes:
    """Kinds changed, and the members they concern. `member_ids` is None when any member may be concerned
    (a pulled remove names no member; a reset concerns them all)."""

    kinds: frozenset[str] = frozenset()
    member_ids: frozenset[str] | None = frozenset()

    def __post_init__(self) -> None:
        unknown = self.kinds - KINDS
        if unknown:
            raise ValueError(f"unknown change kinds {sorted(unknown)}")

    @classmethod
    def of(cls, *kinds: Kind, members: Iterable[str | None] = ()) -> Changes:
        return cls(frozenset(kinds), frozenset(m for m in members if m))

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def __or__(self, other: Changes) -> Changes:
        if self.member_ids is None or other.member_ids is None:
            members = None
        else:
            members = self.member_ids | other.member_ids
        return Changes(self.kinds | other.kinds, members)

    def touches(self, *kinds: Kind) -> bool:
        """Whether any of `kinds` changed."""
        return not self.kinds.isdisjoint(kinds)

    def touches_member(self, member_id: str) -> bool:
        """Whether something of this member (its card: tags, binding, tasks, notes, visits) may have
        changed."""
        if self.kinds.isdisjoint(MEMBER_KINDS):
            return False
        return self.member_ids is None or member_id in self.member_ids


NOTHING: Final = Changes()
EVERYTHING: Final = Changes(KINDS, None)  # a wiped replica, a reset: every view reloads

# The kinds each pushed mutation changes in the effective state (besides `outbox`, which all change).
_MUTATION_KINDS: Final[dict[str, tuple[Kind, ...]]] = {
    Mutation.BINDING_CREATE: ("binding", "activity"),
    Mutation.BINDING_TRANSFER: ("binding", "activity", "transfer_request"),
    Mutation.BINDING_END: ("binding",),
    Mutation.MEMBER_ENROLL: ("member", "activity"),
    Mutation.MEMBER_DECLINE: ("decline", "activity"),
    Mutation.TAG_ADD: ("member_tag",),
    Mutation.TAG_REMOVE: ("member_tag",),
    Mutation.NOTE_ADD: ("note",),
    Mutation.TASK_CREATE: ("task_item",),
    Mutation.TASK_ASSIGN: ("task_item",),
    Mutation.TASK_COMPLETE: ("task_item", "activity"),
    Mutation.VISIT_RECORD: ("visit", "activity"),
    Mutation.AUDIT_APPEND: ("audit",),
    # the card's consent flag and the member's follow-ups (none can be made, the budget reads zero)
    Mutation.MEMBER_CONSENT_WITHDRAW: ("member", "task_item"),
}


def of_mutation(name: str, *, members: Iterable[str | None] = ()) -> Changes:
    """What queuing the mutation `name` for `members` changed on this workstation."""
    return Changes.of("outbox", *_MUTATION_KINDS[name], members=members)


def erased_changes(member_ids: Iterable[str]) -> Changes:
    """A member erased at HQ is purged here with everything recorded about it (app/services/privacy.py)."""
    return Changes.of(
        "member", "member_code", "member_tag", "binding", "binding_conflict", "task_item", "note", "visit",
        "transfer_request", "activity", "audit", "outbox", members=member_ids,
    )  # fmt: skip
