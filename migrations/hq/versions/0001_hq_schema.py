"""hq schema: entities, devices and sync bookkeeping, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 00:49:17.959099
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
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('guide_id', sa.String(length=36), nullable=True),
    sa.Column('actor', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('client_time', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_store_at', ['store_id', 'at'], unique=False)

    op.create_table('change_index',
    sa.Column('scope', sa.String(length=48), nullable=False),
    sa.Column('entity_type', sa.String(length=24), nullable=False),
    sa.Column('entity_id', sa.String(length=80), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'entity_type', 'entity_id', name=op.f('pk_change_index'))
    )
    with op.batch_alter_table('change_index', schema=None) as batch_op:
        batch_op.create_index('ix_change_index_scope_version', ['scope', 'version'], unique=False)

    op.create_table('counters',
    sa.Column('scope', sa.String(length=48), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('pruned_through', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_counters'))
    )
    op.create_table('enroll_failures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enroll_failures'))
    )
    with op.batch_alter_table('enroll_failures', schema=None) as batch_op:
        batch_op.create_index('ix_enroll_failures_source_at', ['source', 'at'], unique=False)

    op.create_table('hq_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_hq_meta'))
    )
    op.create_table('policy_revisions',
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('protection_days', sa.Integer(), nullable=False),
    sa.Column('renew_on_service', sa.Boolean(), nullable=False),
    sa.Column('cross_store_transfer', sa.Boolean(), nullable=False),
    sa.Column('sleeping_days', sa.Integer(), nullable=False),
    sa.Column('contact_budget', sa.Integer(), nullable=False),
    sa.Column('contact_window_days', sa.Integer(), nullable=False),
    sa.Column('code_ttl_seconds', sa.Integer(), nullable=False),
    sa.Column('clock_tolerance_seconds', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('revision', name=op.f('pk_policy_revisions'))
    )
    op.create_table('qr_keys',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('private_key_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('signing', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_qr_keys'))
    )
    op.create_table('stores',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores')),
    sa.UniqueConstraint('code', name=op.f('uq_stores_code'))
    )
    op.create_table('tag_groups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_groups'))
    )
    op.create_table('declines',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=100), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_declines_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declines'))
    )
    with op.batch_alter_table('declines', schema=None) as batch_op:
        batch_op.create_index('ix_declines_store_at', ['store_id', 'at'], unique=False)

    op.create_table('devices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('last_mutation_id', sa.BigInteger(), nullable=False),
    sa.Column('hostname', sa.String(length=100), nullable=False),
    sa.Column('app_version', sa.String(length=32), nullable=False),
    sa.Column('reset_requested', sa.Boolean(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_devices_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_devices_token_hash'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_store_id'), ['store_id'], unique=False)

    op.create_table('enrollment_codes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_enrollment_codes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_enrollment_codes_code_hash'))
    )
    with op.batch_alter_table('enrollment_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_codes_store_id'), ['store_id'], unique=False)

    op.create_table('guides',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('employee_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
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
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('is_paid', sa.Boolean(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('enrolled_by_guide_id', sa.String(length=36), nullable=True),
    sa.Column('consent_at', sa.DateTime(), nullable=True),
    sa.Column('consent_text_version', sa.String(length=32), nullable=True),
    sa.Column('consent_channel', sa.String(length=16), nullable=True),
    sa.Column('last_purchase_at', sa.DateTime(), nullable=True),
    sa.Column('last_visit_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_members_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('card_no', name=op.f('uq_members_card_no')),
    sa.UniqueConstraint('phone', name=op.f('uq_members_phone'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_store_id'), ['store_id'], unique=False)

    op.create_table('tags',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('color', sa.String(length=9), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['tag_groups.id'], name=op.f('fk_tags_group_id_tag_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags'))
    )
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tags_group_id'), ['group_id'], unique=False)

    op.create_table('task_lists',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('segment', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_task_lists_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_lists'))
    )
    with op.batch_alter_table('task_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_lists_store_id'), ['store_id'], unique=False)

    op.create_table('binding_conflicts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('member_store_id', sa.String(length=36), nullable=False),
    sa.Column('losing_binding_id', sa.String(length=36), nullable=False),
    sa.Column('losing_guide_id', sa.String(length=36), nullable=False),
    sa.Column('losing_store_id', sa.String(length=36), nullable=False),
    sa.Column('winning_binding_id', sa.String(length=36), nullable=False),
    sa.Column('winning_guide_id', sa.String(length=36), nullable=False),
    sa.Column('winning_store_id', sa.String(length=36), nullable=False),
    sa.Column('winning_guide_name', sa.String(length=50), nullable=False),
    sa.Column('winning_store_name', sa.String(length=100), nullable=False),
    sa.Column('mutation_name', sa.String(length=40), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('mutation_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_binding_conflicts_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_binding_conflicts'))
    )
    with op.batch_alter_table('binding_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_binding_conflicts_losing_store_id'), ['losing_store_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_binding_conflicts_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_binding_conflicts_winning_store_id'), ['winning_store_id'], unique=False)

    op.create_table('bindings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('bound_at', sa.DateTime(), nullable=False),
    sa.Column('protected_until', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_reason', sa.String(length=32), nullable=True),
    sa.Column('replaces_binding_id', sa.String(length=36), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['guide_id'], ['guides.id'], name=op.f('fk_bindings_guide_id_guides')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_bindings_member_id_members')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_bindings_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bindings'))
    )
    with op.batch_alter_table('bindings', schema=None) as batch_op:
        batch_op.create_index('ix_bindings_guide_active', ['guide_id', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_bindings_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bindings_store_id'), ['store_id'], unique=False)
        batch_op.create_index('uq_bindings_member_active', ['member_id'], unique=True, sqlite_where=sa.text('active = 1'), postgresql_where=sa.text('active'))

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
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by_guide_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_tags_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_member_tags_tag_id_tags')),
    sa.PrimaryKeyConstraint('member_id', 'tag_id', name=op.f('pk_member_tags'))
    )
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('mutation_results',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('mutation_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('args_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=True),
    sa.Column('client_time', sa.String(length=40), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_mutation_results_device_id_devices')),
    sa.PrimaryKeyConstraint('device_id', 'mutation_id', name=op.f('pk_mutation_results'))
    )
    op.create_table('notes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notes_member_id_members')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_notes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_member_id'), ['member_id'], unique=False)

    op.create_table('task_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('list_id', sa.String(length=36), nullable=True),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('assigned_guide_id', sa.String(length=36), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('completed_by_guide_id', sa.String(length=36), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['task_lists.id'], name=op.f('fk_task_items_list_id_task_lists')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_task_items_member_id_members')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_task_items_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_items'))
    )
    with op.batch_alter_table('task_items', schema=None) as batch_op:
        batch_op.create_index('ix_task_items_guide_state', ['assigned_guide_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_items_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_items_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_items_store_id'), ['store_id'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=36), nullable=False),
    sa.Column('guide_id', sa.String(length=36), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_visits_member_id_members')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_visits_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_visits_store_at', ['store_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_store_at')
        batch_op.drop_index(batch_op.f('ix_visits_member_id'))

    op.drop_table('visits')
    with op.batch_alter_table('task_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_items_store_id'))
        batch_op.drop_index(batch_op.f('ix_task_items_member_id'))
        batch_op.drop_index(batch_op.f('ix_task_items_list_id'))
        batch_op.drop_index('ix_task_items_guide_state')

    op.drop_table('task_items')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_member_id'))

    op.drop_table('notes')
    op.drop_table('mutation_results')
    with op.batch_alter_table('member_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_tags_tag_id'))

    op.drop_table('member_tags')
    with op.batch_alter_table('member_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_codes_member_id'))

    op.drop_table('member_codes')
    with op.batch_alter_table('bindings', schema=None) as batch_op:
        batch_op.drop_index('uq_bindings_member_active', sqlite_where=sa.text('active = 1'), postgresql_where=sa.text('active'))
        batch_op.drop_index(batch_op.f('ix_bindings_store_id'))
        batch_op.drop_index(batch_op.f('ix_bindings_member_id'))
        batch_op.drop_index('ix_bindings_guide_active')

    op.drop_table('bindings')
    with op.batch_alter_table('binding_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_binding_conflicts_winning_store_id'))
        batch_op.drop_index(batch_op.f('ix_binding_conflicts_member_id'))
        batch_op.drop_index(batch_op.f('ix_binding_conflicts_losing_store_id'))

    op.drop_table('binding_conflicts')
    with op.batch_alter_table('task_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_lists_store_id'))

    op.drop_table('task_lists')
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tags_group_id'))

    op.drop_table('tags')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_store_id'))

    op.drop_table('members')
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guides_store_id'))

    op.drop_table('guides')
    with op.batch_alter_table('enrollment_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_codes_store_id'))

    op.drop_table('enrollment_codes')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_store_id'))

    op.drop_table('devices')
    with op.batch_alter_table('declines', schema=None) as batch_op:
        batch_op.drop_index('ix_declines_store_at')

    op.drop_table('declines')
    op.drop_table('tag_groups')
    op.drop_table('stores')
    op.drop_table('qr_keys')
    op.drop_table('policy_revisions')
    op.drop_table('hq_meta')
    with op.batch_alter_table('enroll_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_enroll_failures_source_at')

    op.drop_table('enroll_failures')
    op.drop_table('counters')
    with op.batch_alter_table('change_index', schema=None) as batch_op:
        batch_op.drop_index('ix_change_index_scope_version')

    op.drop_table('change_index')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_store_at')

    op.drop_table('audit_events')
