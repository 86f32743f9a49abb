"""Manager stats: the activity ledger and its daily roll-up, kept in step by triggers.

Triggers update `daily_stats` inside the transaction that writes `activity`, so a year of stats over a
million bindings is a read of a few thousand roll-up rows (one per store day and guide, a column per
kind), and a crash can never leave the two apart.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KINDS = ("served", "bind", "enroll", "paid", "decline", "task_done", "transfer")  # activity kinds


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("guide_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_outbox_id"), ["outbox_id"], unique=False)
    op.create_table(
        "daily_stats",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("guide_id", sa.String(length=36), nullable=False),
        *(sa.Column(kind, sa.Integer(), nullable=False) for kind in KINDS),
        sa.PrimaryKeyConstraint("day", "guide_id", name=op.f("pk_daily_stats")),
    )
    # One wide row per (day, guide): a kind's column gets 1 (or -1 when voided), the others 0.
    columns = ", ".join(KINDS)
    new_values = ", ".join(f"NEW.kind = '{kind}'" for kind in KINDS)
    add = ", ".join(f"{kind} = {kind} + excluded.{kind}" for kind in KINDS)
    subtract = ", ".join(f"{kind} = {kind} - (OLD.kind = '{kind}')" for kind in KINDS)
    op.execute(
        f"""
        CREATE TRIGGER activity_counted AFTER INSERT ON activity WHEN NEW.voided = 0
        BEGIN
            INSERT INTO daily_stats (day, guide_id, {columns}) VALUES (NEW.day, NEW.guide_id, {new_values})
            ON CONFLICT (day, guide_id) DO UPDATE SET {add};
        END
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER activity_voided AFTER UPDATE OF voided ON activity
        WHEN NEW.voided = 1 AND OLD.voided = 0
        BEGIN
            UPDATE daily_stats SET {subtract} WHERE day = OLD.day AND guide_id = OLD.guide_id;
        END
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS activity_voided")
    op.execute("DROP TRIGGER IF EXISTS activity_counted")
    op.drop_table("daily_stats")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_outbox_id"))
    op.drop_table("activity")
