"""change_index: a partial index of the removes, so retention's prune reads removes, not the whole index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_change_index_removes",
        "change_index",
        ["scope", "changed_at"],
        unique=False,
        sqlite_where=sa.text("op = 'remove'"),
        postgresql_where=sa.text("op = 'remove'"),
    )


def downgrade() -> None:
    op.drop_index("ix_change_index_removes", table_name="change_index")
