"""Task lists carry HQ's script (what the guide says on the call or in the message), shown on the tasks
page beside the selected task. HQ has sent it in every task_list payload since the console's composer;
workstations ignored it as an unknown field until now.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("script", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task_lists", schema=None) as batch_op:
        batch_op.drop_column("script")
