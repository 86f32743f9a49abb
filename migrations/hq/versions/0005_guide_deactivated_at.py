"""guides.deactivated_at: when HQ deactivated a guide, so mutations made before it still apply and
mutations made after it are refused.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN. Guides already inactive keep NULL: no mutation of theirs applies any more.
    op.add_column("guides", sa.Column("deactivated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guides", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
