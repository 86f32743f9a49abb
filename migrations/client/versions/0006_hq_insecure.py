"""sync_state.hq_insecure: plain http to another machine only when chosen explicitly at enrollment.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An existing workstation enrolled over plain http keeps working: it was accepted then, and the
    # address it syncs with is not changed by an upgrade. New enrollments and new addresses are checked.
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hq_insecure", sa.Boolean(), server_default=sa.text("0"), nullable=False))
    op.execute("UPDATE sync_state SET hq_insecure = 1 WHERE hq_url LIKE 'http:%'")


def downgrade() -> None:
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.drop_column("hq_insecure")
