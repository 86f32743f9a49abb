"""privacy: member erasure records, consent withdrawal, retention and stale-PC policy

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_erasures",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("phone_hmac", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_erasures")),
    )
    with op.batch_alter_table("member_erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_erasures_phone_hmac"), ["phone_hmac"], unique=False)
    # Plain ADD COLUMN: no table copy of a large members table.
    op.add_column("members", sa.Column("erased_at", sa.DateTime(), nullable=True))
    op.add_column(
        "members", sa.Column("consent_withdrawn", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("members", sa.Column("consent_withdrawn_at", sa.DateTime(), nullable=True))
    op.add_column(
        "policy_revisions", sa.Column("retention_days", sa.Integer(), nullable=False, server_default="400")
    )
    op.add_column("policy_revisions", sa.Column("stale_days", sa.Integer(), nullable=False, server_default="45"))


def downgrade() -> None:
    with op.batch_alter_table("policy_revisions", schema=None) as batch_op:
        batch_op.drop_column("stale_days")
        batch_op.drop_column("retention_days")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("consent_withdrawn_at")
        batch_op.drop_column("consent_withdrawn")
        batch_op.drop_column("erased_at")
    with op.batch_alter_table("member_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_erasures_phone_hmac"))
    op.drop_table("member_erasures")
