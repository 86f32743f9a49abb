"""First-sync snapshot: sync_state.snapshot_position / snapshot_unchecked, and deferred_indexes (the
replica indexes dropped while a snapshot bulk-loads; app/sync/bootstrap.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot_position", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("snapshot_unchecked", sa.Boolean(), nullable=False, server_default=sa.text("0"))
        )
    op.create_table(
        "deferred_indexes",
        sa.Column("name", sa.String(length=100), primary_key=True),
        sa.Column("sql", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deferred_indexes")
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.drop_column("snapshot_unchecked")
        batch_op.drop_column("snapshot_position")
