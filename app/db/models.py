"""The workstation schema (DESIGN.md §3): replica tables (what HQ says) and local-intent tables (what
happened here). The two kinds are never mixed: the replica is written only by the pull applier and may be
wiped and pulled again; local intent is written only by user actions and push results, never wiped.

Ids of HQ entities and of records created here are UUID strings; the outbox id is the device-monotonic
integer of the sync protocol. Timestamps are UTC (`UtcDateTime`); `day` columns are the store's local
calendar day as ISO text, which is what stats group by.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contract.db import NAMING, PolicyColumns, UtcDateTime
from contract.stages import DEFAULT_STAGE


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# ---------------------------------------------------------------- replica: what HQ says


class Store(Base):
    __tablename__ = "stores"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=0)


class Guide(Base):
    __tablename__ = "guides"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(16), default="guide")  # guide | manager
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    card_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)  # AES-GCM, see app/security/crypto.py
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)  # HMAC blind index
    phone_masked: Mapped[str | None] = mapped_column(String(11))  # 138****1234, all the card shows
    level: Mapped[str] = mapped_column(String(16), default="普卡")
    stage: Mapped[str] = mapped_column(String(16), default=DEFAULT_STAGE)
    is_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    enrolled_by_guide_id: Mapped[str | None] = mapped_column(String(36))
    last_purchase_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_visit_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Derived columns for the members list (migration 0005, app/db/member_index.py): searched and sorted
    # in SQL at a million rows. The last four phone digits are taken from the phone as the pull applier
    # seals it, so a search never decrypts a phone; tags and the bound guide are refreshed by the applier
    # for the members a pulled page touched.
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    tag_key: Mapped[str] = mapped_column(Text, default="")  # tag names, sorted, joined by "、"
    bound_guide_id: Mapped[str | None] = mapped_column(String(36))
    bound_guide_name: Mapped[str] = mapped_column(String(50), default="")
    # consent to outreach withdrawn: still a member, but no tasks and a contact budget of zero
    consent_withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))

    __table_args__ = (
        # (sort column, id): a page of any sort order is an index seek from the last row's key. The
        # masked phone sorts by its last four digits (what the mask shows), on the index its search uses;
        # the bound guide sorts guide by guide on the guide filter's index. Each index costs the pull
        # applier a write per member: the set is the least that keeps every order off a table sort.
        Index("ix_members_name_id", "name", "id"),
        Index("ix_members_level_id", "level", "id"),
        Index("ix_members_stage_id", "stage", "id"),
        Index("ix_members_tag_key_id", "tag_key", "id"),
        Index("ix_members_last_visit_id", "last_visit_at", "id"),
        Index("ix_members_guide_id_name", "bound_guide_id", "name", "id"),
        Index("ix_members_phone_last4_id", "phone_last4", "id"),
    )


class MemberCode(Base):
    """Static codes of a member: card numbers (current and old). Dynamic codes are verified, not stored."""

    __tablename__ = "member_codes"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="card")


class TagGroup(Base):
    __tablename__ = "tag_groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("tag_groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    color: Mapped[str] = mapped_column(String(9), default="#607D8B")
    version: Mapped[int] = mapped_column(Integer, default=0)


class MemberTag(Base):
    __tablename__ = "member_tags"
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[str] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class Binding(Base):
    """A member's exclusive guide. HQ guarantees at most one active binding per member."""

    __tablename__ = "bindings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    guide_id: Mapped[str] = mapped_column(String(36))  # may be a guide of another store: no FK
    store_id: Mapped[str] = mapped_column(String(36))
    guide_name: Mapped[str] = mapped_column(String(50), default="")
    store_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime)
    protected_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # HQ guarantees one active binding per member; the replica does not re-enforce it, because a
        # pulled page may carry the new binding before the end of the old one.
        Index("ix_bindings_member_active", "member_id", sqlite_where=text("active = 1")),
        Index("ix_bindings_guide_active", "guide_id", "active"),
    )


class BindingConflict(Base):
    """A bind that lost at HQ, kept so both stores and HQ can see who won."""

    __tablename__ = "binding_conflicts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    losing_guide_id: Mapped[str] = mapped_column(String(36))
    losing_store_id: Mapped[str] = mapped_column(String(36))
    winning_guide_id: Mapped[str] = mapped_column(String(36))
    winning_store_id: Mapped[str] = mapped_column(String(36))
    winning_guide_name: Mapped[str] = mapped_column(String(50), default="")
    winning_store_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


class TaskList(Base):
    __tablename__ = "task_lists"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(8), default="hq")  # hq | store
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    script: Mapped[str | None] = mapped_column(Text)  # what the guide says (HQ's composer); None: none
    version: Mapped[int] = mapped_column(Integer, default=0)


class TaskItem(Base):
    __tablename__ = "task_items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    list_id: Mapped[str | None] = mapped_column(ForeignKey("task_lists.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="call")  # call | message | invite | visit
    assigned_guide_id: Mapped[str | None] = mapped_column(String(36))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | done | skipped | cancelled
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by_guide_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_task_items_guide_state_due", "assigned_guide_id", "state", "due_at"),)


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    guide_id: Mapped[str] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Policy(PolicyColumns, Base):
    """HQ's binding and outreach policy, one versioned row (id = 1)."""

    __tablename__ = "policy"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class QrKey(Base):
    """An HQ public key that member codes are verified against (rotation by key id)."""

    __tablename__ = "qr_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # raw 32-byte Ed25519
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class StoreMemberCount(Base):
    """Members and online members per store, kept by triggers on `members` (migration 0004): the
    online rate (在线率) at a million members without counting them."""

    __tablename__ = "store_member_counts"
    store_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    members: Mapped[int] = mapped_column(Integer, default=0)
    online: Mapped[int] = mapped_column(Integer, default=0)


# store_member_counts is derived from members by triggers, not pulled: it is not listed here.
REPLICA_TABLES: tuple[type[Base], ...] = (
    Store, Guide, Member, MemberCode, TagGroup, Tag, MemberTag, Binding, BindingConflict,
    TaskList, TaskItem, Note, Policy, QrKey,
)  # fmt: skip


# ---------------------------------------------------------------- local intent: what happened here


class Outbox(Base):
    """One row per mutation made here, in the order made. `id` is the device-monotonic mutation id:
    AUTOINCREMENT so an id is never reused, even after rows are pruned."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    guide_id: Mapped[str] = mapped_column(String(36))
    # Denormalised for the effective-state overlay: which member the mutation concerns, and an indexed
    # key of its subject — the phone blind index of an enrollment (a member enrolled offline is found by
    # phone at once) or the task id of a task mutation. Readers always filter on `name` as well.
    member_id: Mapped[str | None] = mapped_column(String(36))
    lookup_key: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|acked|rejected
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_outbox_member_state", "member_id", "state"),
        Index("ix_outbox_lookup_key", "lookup_key", sqlite_where=text("lookup_key IS NOT NULL")),
        Index("ix_outbox_state", "state"),
        {"sqlite_autoincrement": True},
    )


class Visit(Base):
    """A member served at this counter (a scan that showed a card, or an enrollment)."""

    __tablename__ = "visits"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    guide_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    day: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(16), default="scan")  # scan | phone | card | enroll


class Activity(Base):
    """The counter's ledger for manager stats: one row per counted action of a guide. Triggers (see
    the migration) keep `daily_stats` in step inside the same transaction."""

    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # served|bind|enroll|paid|decline|task_done|transfer
    guide_id: Mapped[str] = mapped_column(String(36))
    member_id: Mapped[str | None] = mapped_column(String(36))
    day: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    outbox_id: Mapped[int | None] = mapped_column(Integer, index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)  # set when HQ rejects the mutation


class DailyStat(Base):
    """Roll-up of `activity`: one row per store day and guide, a column per activity kind (the manager
    reads a year as ~6,400 rows, not 35,000); maintained by triggers only (migration 0002)."""

    __tablename__ = "daily_stats"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    guide_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    served: Mapped[int] = mapped_column(Integer, default=0)
    bind: Mapped[int] = mapped_column(Integer, default=0)
    enroll: Mapped[int] = mapped_column(Integer, default=0)
    paid: Mapped[int] = mapped_column(Integer, default=0)
    decline: Mapped[int] = mapped_column(Integer, default=0)
    task_done: Mapped[int] = mapped_column(Integer, default=0)
    transfer: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """Append-only audit trail: every mutation, every PII reveal and export, logins."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    guide_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outbox_id: Mapped[int | None] = mapped_column(Integer)


class UsedNonce(Base):
    """Nonces of dynamic member codes already accepted here, kept until the code would have expired."""

    __tablename__ = "used_nonces"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LoginState(Base):
    """Wrong-PIN counter and lock-out per employee number (local, survives restarts)."""

    __tablename__ = "login_state"
    employee_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)  # for the message only
    # The lock-out on the monotonic clock (seconds), which the PC's date and time do not move.
    lock_mono_start: Mapped[float | None] = mapped_column(Float)
    lock_mono_until: Mapped[float | None] = mapped_column(Float)


class TransferRequest(Base):
    """A guide's request to take over a colleague's protected member, waiting for a manager. Local until
    approved: only the approval becomes a `binding.transfer.v1` mutation."""

    __tablename__ = "transfer_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36))
    from_binding_id: Mapped[str] = mapped_column(String(36))
    from_guide_id: Mapped[str] = mapped_column(String(36))
    to_guide_id: Mapped[str] = mapped_column(String(36))
    reason_note: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | approved | rejected
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(36))
    outbox_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_transfer_requests_state", "state", "created_at"),)


class KeyCheck(Base):
    """A check value of each key that seals data in this database (`phone`: the phone master key), so
    a key read from the keyring that is not the one the data was sealed with is detected at start,
    explained, and never written over (app/security/phone_key.py)."""

    __tablename__ = "key_checks"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    check_value: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SyncState(Base):
    """The workstation's sync position and identity (one row, id = 1)."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(36))
    store_id: Mapped[str | None] = mapped_column(String(36))
    hq_url: Mapped[str | None] = mapped_column(String(300))
    # Plain http to another machine was chosen explicitly at enrollment (`--insecure`): see check_hq_url.
    hq_insecure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))
    cursor: Mapped[str | None] = mapped_column(Text)
    last_acked_id: Mapped[int] = mapped_column(Integer, default=0)
    server_epoch: Mapped[str | None] = mapped_column(String(64))
    clock_offset_ms: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A first-sync snapshot under way (app/sync/bootstrap.py): the position of its last applied chunk,
    # and whether it was resumed (then the replica's keys are checked once incremental pulls caught up).
    snapshot_position: Mapped[str | None] = mapped_column(Text)
    snapshot_unchecked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))


class DeferredIndex(Base):
    """A replica index dropped while a first-sync snapshot bulk-loads (built once at its end: cheaper
    than keeping it up to date row by row). Recorded in the transaction that drops it, so an index is
    never lost to a crash: opening the database builds any still listed."""

    __tablename__ = "deferred_indexes"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    sql: Mapped[str] = mapped_column(Text)


LOCAL_TABLES: tuple[type[Base], ...] = (
    Outbox, Visit, Activity, DailyStat, AuditEvent, UsedNonce, LoginState, TransferRequest, SyncState,
    KeyCheck, DeferredIndex,
)  # fmt: skip
