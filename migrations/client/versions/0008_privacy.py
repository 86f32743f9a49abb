"""privacy: consent withdrawal on members, retention and stale-PC limits in the policy

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): the members table may hold a million rows and carries the
    # counting triggers of 0004, which a copy would drop.
    op.add_column("members", sa.Column("consent_withdrawn", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("policy", sa.Column("retention_days", sa.Integer(), nullable=False, server_default="400"))
    op.add_column("policy", sa.Column("stale_days", sa.Integer(), nullable=False, server_default="45"))


def downgrade() -> None:
    with op.batch_alter_table("policy", schema=None) as batch_op:
        batch_op.drop_column("stale_days")
        batch_op.drop_column("retention_days")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("consent_withdrawn")
