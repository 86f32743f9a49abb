"""workstation schema: replica and local intent

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_table('binding_conflicts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('losing_guide_id', sa.String(length=36), nullable=False),
    sa.Column('losing_store_id', sa.String(length=36), nullable=False),
    sa.Column('winning_guide_id', sa.String(length=36), nullable=False),
    sa.Column('winning_store_id', sa.String(length=36), nullable=False),
    sa.Column('winning_guide_name', sa.String(length=50), nullable=False),
    sa.Column('winning_store_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_binding_conflicts'))
    )
    with op.batch_alter_table('binding_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_binding_conflicts_member_id'), ['member_id'], unique=False)

    op.create_table('login_state',
    sa.Column('employee_no', sa.String(length=32), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('employee_no', name=op.f('pk_login_state'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=True),
    sa.Column('lookup_key', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('acked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_lookup_key', ['lookup_key'], unique=False, sqlite_where=sa.text('lookup_key IS NOT NULL'))
        batch_op.create_index('ix_outbox_member_state', ['member_id', 'state'], unique=False)
        batch_op.create_index('ix_outbox_state', ['state'], unique=False)

    op.create_table('policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('protection_days', sa.Integer(), nullable=False),
    sa.Column('renew_on_service', sa.Boolean(), nullable=False),
    sa.Column('cross_store_transfer', sa.Boolean(), nullable=False),
    sa.Column('sleeping_days', sa.Integer(), nullable=False),
    sa.Column('contact_budget', sa.Integer(), nullable=False),
    sa.Column('contact_window_days', sa.Integer(), nullable=False),
    sa.Column('code_ttl_seconds', sa.Integer(), nullable=False),
    sa.Column('clock_tolerance_seconds', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy'))
    )
    op.create_table('qr_keys',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_qr_keys'))
    )
    op.create_table('stores',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores')),
    sa.UniqueConstraint('code', name=op.f('uq_stores_code'))
    )
    op.create_table('sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('store_id', sa.String(length=36), nullable=True),
    sa.Column('hq_url', sa.String(length=300), nullable=True),
    sa.Column('cursor', sa.Text(), nullable=True),
    sa.Column('last_acked_id', sa.Integer(), nullable=False),
    sa.Column('server_epoch', sa.String(length=64), nullable=True),
    sa.Column('clock_offset_ms', sa.Integer(), nullable=False),
    sa.Column('last_sync_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state'))
    )
    op.create_table('tag_groups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_groups'))
    )
    op.create_table('task_lists',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_lists'))
    )
    op.create_table('used_nonces',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_used_nonces'))
    )
    with op.batch_alter_table('used_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_nonces_expires_at'), ['expires_at'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_member_id'), ['member_id'], unique=False)

    op.create_table('guides',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('employee_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_guides_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guides')),
    sa.UniqueConstraint('employee_no', name=op.f('uq_guides_employee_no'))
    )
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guides_store_id'), ['store_id'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('card_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone_enc', sa.LargeBinary(), nullable=True),
    sa.Column('phone_index', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=11), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('is_paid', sa.Boolean(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('enrolled_by_guide_id', sa.String(length=36), nullable=True),
    sa.Column('last_purchase_at', sa.DateTime(), nullable=True),
    sa.Column('last_visit_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_members_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('card_no', name=op.f('uq_members_card_no'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_phone_index'), ['phone_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_store_id'), ['store_id'], unique=False)

    op.create_table('tags',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('color', sa.String(length=9), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['tag_groups.id'], name=op.f('fk_tags_group_id_tag_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags'))
    )
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tags_group_id'), ['group_id'], unique=False)

    op.create_table('bindings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('guide_name', sa.String(length=50), nullable=False),
    sa.Column('store_name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('bound_at', sa.DateTime(), nullable=False),
    sa.Column('protected_until', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_bindings_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bindings'))
    )
    with op.batch_alter_table('bindings', schema=None) as batch_op:
        batch_op.create_index('ix_bindings_guide_active', ['guide_id', 'active'], unique=False)
        batch_op.create_index('ix_bindings_member_active', ['member_id'], unique=False, sqlite_where=sa.text('active = 1'))

    op.create_table('member_codes',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_codes_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_member_codes'))
    )
    with op.batch_alter_table('member_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_codes_member_id'), ['member_id'], unique=False)

    op.create_table('member_tags',
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('tag_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_tags_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_member_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'tag_id', name=op.f('pk_member_tags'))
    )
    op.create_table('notes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notes_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_member_id'), ['member_id'], unique=False)

    op.create_table('task_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('list_id', sa.String(length=36), nullable=True),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('assigned_guide_id', sa.String(length=36), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('completed_by_guide_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['task_lists.id'], name=op.f('fk_task_items_list_id_task_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_task_items_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_items'))
    )
    with op.batch_alter_table('task_items', schema=None) as batch_op:
        batch_op.create_index('ix_task_items_guide_state_due', ['assigned_guide_id', 'state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_items_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_items_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('task_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_items_member_id'))
        batch_op.drop_index(batch_op.f('ix_task_items_list_id'))
        batch_op.drop_index('ix_task_items_guide_state_due')

    op.drop_table('task_items')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_member_id'))

    op.drop_table('notes')
    op.drop_table('member_tags')
    with op.batch_alter_table('member_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_codes_member_id'))

    op.drop_table('member_codes')
    with op.batch_alter_table('bindings', schema=None) as batch_op:
        batch_op.drop_index('ix_bindings_member_active', sqlite_where=sa.text('active = 1'))
        batch_op.drop_index('ix_bindings_guide_active')

    op.drop_table('bindings')
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tags_group_id'))

    op.drop_table('tags')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_store_id'))
        batch_op.drop_index(batch_op.f('ix_members_phone_index'))

    op.drop_table('members')
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guides_store_id'))

    op.drop_table('guides')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_member_id'))

    op.drop_table('visits')
    with op.batch_alter_table('used_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_nonces_expires_at'))

    op.drop_table('used_nonces')
    op.drop_table('task_lists')
    op.drop_table('tag_groups')
    op.drop_table('sync_state')
    op.drop_table('stores')
    op.drop_table('qr_keys')
    op.drop_table('policy')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state')
        batch_op.drop_index('ix_outbox_member_state')
        batch_op.drop_index('ix_outbox_lookup_key', sqlite_where=sa.text('lookup_key IS NOT NULL'))

    op.drop_table('outbox')
    op.drop_table('login_state')
    with op.batch_alter_table('binding_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_binding_conflicts_member_id'))

    op.drop_table('binding_conflicts')
    op.drop_table('audit_events')
