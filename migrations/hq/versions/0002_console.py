"""hq console: staff users, server-side sessions, per-user API keys; covering indexes for the dashboard

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hq_users',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hq_users')),
    sa.UniqueConstraint('username', name=op.f('uq_hq_users_username'))
    )
    op.create_table('hq_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['hq_users.id'], name=op.f('fk_hq_sessions_user_id_hq_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_hq_sessions'))
    )
    with op.batch_alter_table('hq_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hq_sessions_user_id'), ['user_id'], unique=False)
    op.create_table('hq_api_keys',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['hq_users.id'], name=op.f('fk_hq_api_keys_user_id_hq_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hq_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_hq_api_keys_key_hash'))
    )
    with op.batch_alter_table('hq_api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hq_api_keys_user_id'), ['user_id'], unique=False)

    op.create_index('ix_members_enrolled_stats', 'members',
                    ['enrolled_at', 'store_id', 'enrolled_by_guide_id', 'is_paid'])
    op.create_index('ix_members_created_stats', 'members', ['created_at', 'store_id'])
    op.create_index('ix_declines_at_stats', 'declines', ['at', 'store_id', 'guide_id'])
    op.create_index('ix_bindings_bound_stats', 'bindings', ['bound_at', 'store_id', 'guide_id'])
    op.create_index('ix_task_items_done_stats', 'task_items',
                    ['completed_at', 'state', 'store_id', 'completed_by_guide_id'])
    op.create_index('ix_task_items_due_stats', 'task_items', ['state', 'due_at', 'store_id', 'assigned_guide_id'])


def downgrade() -> None:
    for name, table in (
        ('ix_task_items_due_stats', 'task_items'),
        ('ix_task_items_done_stats', 'task_items'),
        ('ix_bindings_bound_stats', 'bindings'),
        ('ix_declines_at_stats', 'declines'),
        ('ix_members_created_stats', 'members'),
        ('ix_members_enrolled_stats', 'members'),
    ):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('hq_api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hq_api_keys_user_id'))
    op.drop_table('hq_api_keys')
    with op.batch_alter_table('hq_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hq_sessions_user_id'))
    op.drop_table('hq_sessions')
    op.drop_table('hq_users')
