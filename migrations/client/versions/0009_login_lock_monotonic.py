"""login_state.lock_mono_start/until: the PIN lock-out counts on the monotonic clock, not the PC's date.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A lock-out running at the upgrade is on the wall clock only and ends as it would have.
    with op.batch_alter_table("login_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lock_mono_start", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lock_mono_until", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_state", schema=None) as batch_op:
        batch_op.drop_column("lock_mono_until")
        batch_op.drop_column("lock_mono_start")
