"""Manager stats: the activity ledger and its daily roll-up, kept in step by triggers.

Triggers update `daily_stats` inside the transaction that writes `activity`, so a year of stats over a
million bindings is a read of a few thousand roll-up rows, and a crash can never leave the two apart.

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
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "guide_id", "kind", name=op.f("pk_daily_stats")),
    )
    op.execute(
        """
        CREATE TRIGGER activity_counted AFTER INSERT ON activity WHEN NEW.voided = 0
        BEGIN
            INSERT INTO daily_stats (day, guide_id, kind, count) VALUES (NEW.day, NEW.guide_id, NEW.kind, 1)
            ON CONFLICT (day, guide_id, kind) DO UPDATE SET count = count + 1;
        END
        """
    )
    op.execute(
        """
        CREATE TRIGGER activity_voided AFTER UPDATE OF voided ON activity
        WHEN NEW.voided = 1 AND OLD.voided = 0
        BEGIN
            UPDATE daily_stats SET count = count - 1
            WHERE day = OLD.day AND guide_id = OLD.guide_id AND kind = OLD.kind;
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
