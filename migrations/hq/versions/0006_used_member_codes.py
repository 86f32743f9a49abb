"""used_member_codes: a member code honoured at one device is refused at another (replay).

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
    op.create_table(
        "used_member_codes",
        sa.Column("code_key", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("keep_until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code_key", name=op.f("pk_used_member_codes")),
    )
    op.create_index(op.f("ix_used_member_codes_keep_until"), "used_member_codes", ["keep_until"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_used_member_codes_keep_until"), table_name="used_member_codes")
    op.drop_table("used_member_codes")
