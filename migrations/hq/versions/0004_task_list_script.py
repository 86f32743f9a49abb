"""task lists: the guide's script, who published, when withdrawn (the console's composer and progress);
members: an index for the console's search by the start of a name

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_lists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('script', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('created_by', sa.String(length=64), nullable=True))
    op.create_index('ix_members_name', 'members', ['name'])


def downgrade() -> None:
    op.drop_index('ix_members_name', table_name='members')
    with op.batch_alter_table('task_lists', schema=None) as batch_op:
        batch_op.drop_column('created_by')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('script')
