"""Transfer requests waiting for a manager's approval (local intent).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
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
        "transfer_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("from_binding_id", sa.String(length=36), nullable=False),
        sa.Column("from_guide_id", sa.String(length=36), nullable=False),
        sa.Column("to_guide_id", sa.String(length=36), nullable=False),
        sa.Column("reason_note", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_requests")),
    )
    with op.batch_alter_table("transfer_requests", schema=None) as batch_op:
        batch_op.create_index("ix_transfer_requests_state", ["state", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transfer_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_transfer_requests_state")
    op.drop_table("transfer_requests")
