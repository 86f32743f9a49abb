"""The HQ schema (DESIGN.md §3, HQ): the chain's truth, the sync bookkeeping, and the audit trail.

Three groups of tables:

- **entities** — stores, guides, members and their codes, tags, bindings and binding conflicts, task
  lists and items, notes, visits, declines, policy revisions, QR keys. Their field names are the
  workstation replica's column names wherever a workstation receives them (see hq/sync/payloads.py).
- **sync bookkeeping** — devices (token hash, status, `last_mutation_id`), enrollment codes (hashed,
  single use, expiring) and failed tries, `mutation_results` (one stored answer per device mutation id),
  `counters` (one row per scope, bumped under a row lock inside each writing transaction) and the
  compacted `change_index` (one row per scope and entity: version of its last change, put or remove).
- **meta and audit** — `hq_meta` (epoch, generated secret), `audit_events` (append-only).

Ids of entities are UUID text (client-generated for records made on a workstation). Members' phone
numbers are kept **in the clear** at HQ in this release (a unique index makes "one member per phone"
hold chain-wide under concurrent enrollments); access to the HQ database is what protects them, and
column encryption with an externally held key is the planned follow-up. Workstations receive the phone
over TLS and store it encrypted (app/security/crypto.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
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

# Autoincrement keys: 64-bit on PostgreSQL; SQLite only makes INTEGER PRIMARY KEY an alias of the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# ---------------------------------------------------------------- meta


class HqMeta(Base):
    """Facts fixed per HQ database: `epoch` (random id sent with every response) and, when no secret
    comes from the environment, the generated master `secret`."""

    __tablename__ = "hq_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---------------------------------------------------------------- entities


class Store(Base):
    __tablename__ = "stores"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Guide(Base):
    __tablename__ = "guides"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(16), default="guide")  # guide | manager
    pin_hash: Mapped[str] = mapped_column(String(200))  # scrypt, the format of contract/pins.py
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When HQ deactivated the guide: their mutations made before it (by client time, within the clock
    # tolerance) still apply; later ones are refused `guide_inactive`. NULL while active.
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)  # home store: sync scope
    card_no: Mapped[str] = mapped_column(String(32), unique=True)  # current card; all cards in member_codes
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # in the clear, see module doc
    level: Mapped[str] = mapped_column(String(16), default="普卡")
    stage: Mapped[str] = mapped_column(String(16), default=DEFAULT_STAGE)
    is_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    enrolled_by_guide_id: Mapped[str | None] = mapped_column(String(36))
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    consent_text_version: Mapped[str | None] = mapped_column(String(32))
    consent_channel: Mapped[str | None] = mapped_column(String(16))
    last_purchase_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_visit_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Consent to outreach withdrawn (PIPL Art. 15): still a member, left out of task lists and contact.
    consent_withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Erased (PIPL Art. 47): the row stays as an anonymous tombstone so counts in the books still add up;
    # every personal field is gone (hq/services/privacy.py) and every code naming it is refused.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MemberErasure(Base):
    """One member's erasure: who asked, when, why (never the erased values), which sync scopes were told,
    and `phone_hmac` — a keyed hash of the erased phone (key derived from HQ's secret, never synced) that
    lets HQ refuse an enrollment of that phone made offline before the erasure."""

    __tablename__ = "member_erasures"
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)


class MemberCode(Base):
    """Static codes of a member (card numbers, current and old). Dynamic codes are signed, not stored."""

    __tablename__ = "member_codes"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="card")


class TagGroup(Base):
    __tablename__ = "tag_groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Tag(Base):
    """Tags are global and never deleted (a retired tag stays so member tags on workstations keep a
    parent; see hq/sync/changes.py)."""

    __tablename__ = "tags"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("tag_groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    color: Mapped[str] = mapped_column(String(9), default="#607D8B")


class MemberTag(Base):
    __tablename__ = "member_tags"
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[str] = mapped_column(ForeignKey("tags.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    added_by_guide_id: Mapped[str | None] = mapped_column(String(36))


class Binding(Base):
    """A member's exclusive guide. One active binding per member, enforced by a partial unique index on
    SQLite and PostgreSQL alike: the database, not a check-then-insert, decides who was first."""

    __tablename__ = "bindings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    guide_id: Mapped[str] = mapped_column(ForeignKey("guides.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)  # the guide's store
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime)
    protected_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))
    replaces_binding_id: Mapped[str | None] = mapped_column(String(36))
    device_id: Mapped[str | None] = mapped_column(String(36))  # the device whose push made it

    __table_args__ = (
        Index(
            "uq_bindings_member_active",
            "member_id",
            unique=True,
            sqlite_where=text("active = 1"),
            postgresql_where=text("active"),
        ),
        Index("ix_bindings_guide_active", "guide_id", "active"),
    )


class BindingConflict(Base):
    """A bind or transfer that lost at HQ, with who won: visible to both stores and to HQ."""

    __tablename__ = "binding_conflicts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    member_store_id: Mapped[str] = mapped_column(String(36))
    losing_binding_id: Mapped[str] = mapped_column(String(36))  # the id the losing device sent
    losing_guide_id: Mapped[str] = mapped_column(String(36))
    losing_store_id: Mapped[str] = mapped_column(String(36), index=True)
    winning_binding_id: Mapped[str] = mapped_column(String(36))
    winning_guide_id: Mapped[str] = mapped_column(String(36))
    winning_store_id: Mapped[str] = mapped_column(String(36), index=True)
    winning_guide_name: Mapped[str] = mapped_column(String(50), default="")
    winning_store_name: Mapped[str] = mapped_column(String(100), default="")
    mutation_name: Mapped[str] = mapped_column(String(40))
    device_id: Mapped[str] = mapped_column(String(36))
    mutation_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(String(200))


class TaskList(Base):
    __tablename__ = "task_lists"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str | None] = mapped_column(ForeignKey("stores.id"), index=True)  # None: many stores
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(8), default="hq")  # hq | store
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    segment: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # how the members were chosen
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # What the guide says or writes (the console's composer), synced with the list; and when HQ withdrew
    # the list (its open items were cancelled then).
    script: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64))


class TaskItem(Base):
    __tablename__ = "task_items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    list_id: Mapped[str | None] = mapped_column(ForeignKey("task_lists.id"), index=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)  # whose work it is
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="call")  # call | message | invite | visit
    assigned_guide_id: Mapped[str | None] = mapped_column(String(36))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | done | skipped | cancelled
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by_guide_id: Mapped[str | None] = mapped_column(String(36))
    # A completion that arrived after HQ cancelled the item: kept, and flagged for HQ to look at.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_task_items_guide_state", "assigned_guide_id", "state"),)


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    guide_id: Mapped[str] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Visit(Base):
    """A member served at a counter: what stats count as "served" and what renews protection."""

    __tablename__ = "visits"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), index=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    guide_id: Mapped[str] = mapped_column(String(36))
    source: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)  # client time, recorded, not trusted for order
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_visits_store_at", "store_id", "at"),)


class Decline(Base):
    """A walk-in who declined membership: the denominator of the join rate."""

    __tablename__ = "declines"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    guide_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime)  # client time
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_declines_store_at", "store_id", "at"),)


class PolicyRevision(PolicyColumns, Base):
    """HQ's binding and outreach policy, versioned: every change is a new revision, the highest one is
    in force. Workstations receive the current one as their single `policy` row (id 1)."""

    __tablename__ = "policy_revisions"
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(64))


class QrKey(Base):
    """An Ed25519 key member codes are signed with (rotation by key id). The private half is sealed with
    a key derived from the master secret and never leaves HQ; the public half is synced."""

    __tablename__ = "qr_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # raw 32 bytes
    private_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # AES-GCM nonce + ciphertext
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # codes signed with it verify (synced)
    signing: Mapped[bool] = mapped_column(Boolean, default=True)  # signs new codes (the newest one does)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# ---------------------------------------------------------------- devices and sync bookkeeping


class Device(Base):
    """An enrolled workstation: the network principal. Its store comes from here, never from a body."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | revoked
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)
    hostname: Mapped[str] = mapped_column(String(100), default="")
    app_version: Mapped[str] = mapped_column(String(32), default="")
    reset_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class EnrollmentCode(Base):
    __tablename__ = "enrollment_codes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    device_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str | None] = mapped_column(String(64))


class UsedMemberCode(Base):
    """A dynamic member code HQ has honoured, by its nonce, and the device it was shown at: the same code
    at another device is refused as replayed (a photographed code cannot be used at another till), while
    the device that scanned it may use it again (its lookup, then its bind). Kept until the code could no
    longer be honoured (expiry + offline grace)."""

    __tablename__ = "used_member_codes"
    code_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(member id, nonce)
    device_id: Mapped[str] = mapped_column(String(36))
    keep_until: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class EnrollFailure(Base):
    """A failed enrollment try, by client address: the rate limit is counted from these rows, so it holds
    across workers and HQ machines."""

    __tablename__ = "enroll_failures"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_enroll_failures_source_at", "source", "at"),)


class MutationResultRow(Base):
    """The stored answer to one device mutation, written in the transaction that applied it: a replay
    returns it verbatim, a replay with another payload is refused. `payload_sha256` is the workstation's
    own fingerprint of the mutation (fixed when it was made; over the sealed form, so HQ cannot and need
    not recompute it); `args_sha256` is HQ's hash of the arguments as received. A replay must match both."""

    __tablename__ = "mutation_results"
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    mutation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    args_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    guide_id: Mapped[str | None] = mapped_column(String(36))
    client_time: Mapped[str | None] = mapped_column(String(40))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEvent(Base):
    """Append-only: workstation audit events (audit.append.v1) and HQ admin actions."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    store_id: Mapped[str | None] = mapped_column(String(36))
    device_id: Mapped[str | None] = mapped_column(String(36))
    guide_id: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(16), default="device")  # device | admin | system
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_time: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_audit_events_store_at", "store_id", "at"),)


class Counter(Base):
    """The version counter of one sync scope (`global`, `store:<id>`). A writer bumps it with an UPDATE
    inside its own transaction, which holds the row lock until commit: versions of a scope become
    visible in commit order. `pruned_through`: removes up to this version were dropped (retention)."""

    __tablename__ = "counters"
    scope: Mapped[str] = mapped_column(String(48), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)


class ChangeIndex(Base):
    """Compacted: one row per (scope, entity) with the version of its last change and `put`/`remove`."""

    __tablename__ = "change_index"
    scope: Mapped[str] = mapped_column(String(48), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(80), primary_key=True)  # member_tag: "member:tag"
    version: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(8))  # put | remove
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_change_index_scope_version", "scope", "version"),
        # Retention reads and drops old removes only: without this the daily prune walks the whole index
        # (30 M rows at 10,000 stores) to find the few per cent that are removes.
        Index(
            "ix_change_index_removes",
            "scope",
            "changed_at",
            sqlite_where=text("op = 'remove'"),
            postgresql_where=text("op = 'remove'"),
        ),
    )


# ---------------------------------------------------------------- HQ console (hq/console): staff and sessions


class HqUser(Base):
    """A member of HQ staff who signs in to the web console. `role`: admin | operator | analyst.
    Repeated wrong passwords lock the account until `locked_until`."""

    __tablename__ = "hq_users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))  # scrypt, see hq/services/users.py
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HqSession(Base):
    """A signed-in console session, kept server-side: the cookie holds a random token, this row only its
    SHA-256. Expires after `idle` inactivity or at `expires_at`, whichever comes first."""

    __tablename__ = "hq_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("hq_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HqApiKey(Base):
    """A per-user key for the admin REST API (scripts): shown once, kept as its SHA-256, revocable."""

    __tablename__ = "hq_api_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("hq_users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# ---------------------------------------------------------------- dashboard roll-ups


class StatsCounts:
    """The counted figures of a roll-up row (hq/db/rollup.py keeps them; `tasks_open`: items still open,
    by the day they fall due). Zero by default: a trigger writes only the figures its row changes."""

    new_members: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    enrolled: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    paid: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    declined: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    bound: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    tasks_done: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    tasks_open: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


# SQLite keeps these rows in their key's order (no rowid): a range of days reads consecutive pages.
_CLUSTERED = {"sqlite_with_rowid": False}


class StatsOfGuides(StatsCounts):
    """Counts per period (the class's first key column), store and guide ('' when none is named)."""

    store_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    guide_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class StatsDay(StatsOfGuides, Base):
    __tablename__ = "stats_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-1)

    __table_args__ = (Index("ix_stats_days_store_day", "store_id", "day"), _CLUSTERED)


class StatsMonth(StatsOfGuides, Base):
    __tablename__ = "stats_months"
    month: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-1)  # its first day

    __table_args__ = (_CLUSTERED,)


class StatsYear(StatsOfGuides, Base):
    __tablename__ = "stats_years"
    year: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-1)  # its first day

    __table_args__ = (_CLUSTERED,)


class StatsTrend(StatsCounts, Base):
    """Per store day and part of the chain (first character of the store id)."""

    __tablename__ = "stats_trend"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    part: Mapped[str] = mapped_column(String(1), primary_key=True)

    __table_args__ = (_CLUSTERED,)


# Activity counts of the admin API (hq/services/admin.py activity_stats): each one range scan of a
# covering index, in time order. The dashboard reads the roll-ups instead (hq/db/rollup.py), and its
# overdue items of today the due-time index below.
Index("ix_members_enrolled_stats", Member.enrolled_at, Member.store_id, Member.enrolled_by_guide_id,
      Member.is_paid)  # fmt: skip
Index("ix_declines_at_stats", Decline.at, Decline.store_id, Decline.guide_id)
Index("ix_bindings_bound_stats", Binding.bound_at, Binding.store_id, Binding.guide_id)
Index("ix_task_items_done_stats", TaskItem.completed_at, TaskItem.state, TaskItem.store_id,
      TaskItem.completed_by_guide_id)  # fmt: skip
# The console's member search by the start of a name (hq/services/member_profile.py).
Index("ix_members_name", Member.name)
Index("ix_task_items_due_stats", TaskItem.state, TaskItem.due_at, TaskItem.store_id,
      TaskItem.assigned_guide_id)  # fmt: skip
