"""The members list at a million rows: derived columns and indexes for sorting, filtering and searching
in SQL (app/services/member_list.py).

`phone_last4` lets a search by the last four phone digits use an index instead of decrypting every phone;
the pull applier fills it from the phone as it seals it. Here it is backfilled from the masked phone
(138****1234 already shows the last four). `tag_key` and `bound_guide_id`/`bound_guide_name` are the
member's tags and active binding's guide, kept by the applier (app/db/member_index.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_members_name_id": ["name", "id"],
    "ix_members_level_id": ["level", "id"],
    "ix_members_stage_id": ["stage", "id"],
    "ix_members_tag_key_id": ["tag_key", "id"],
    "ix_members_last_visit_id": ["last_visit_at", "id"],
    "ix_members_guide_id_name": ["bound_guide_id", "name", "id"],
    "ix_members_phone_last4_id": ["phone_last4", "id"],
}


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (no batch copy of the table, which would drop 0004's triggers).
    op.add_column("members", sa.Column("phone_last4", sa.String(length=4), nullable=True))
    op.add_column("members", sa.Column("tag_key", sa.Text(), nullable=False, server_default=""))
    op.add_column("members", sa.Column("bound_guide_id", sa.String(length=36), nullable=True))
    op.add_column(
        "members", sa.Column("bound_guide_name", sa.String(length=50), nullable=False, server_default="")
    )
    op.execute(
        "UPDATE members SET "
        "phone_last4 = CASE WHEN length(phone_masked) = 11 THEN substr(phone_masked, -4) END, "
        "tag_key = ifnull((SELECT group_concat(name, '、') FROM (SELECT t.name FROM member_tags mt "
        "JOIN tags t ON t.id = mt.tag_id WHERE mt.member_id = members.id ORDER BY t.name)), ''), "
        "(bound_guide_id, bound_guide_name) = (SELECT guide_id, guide_name FROM (SELECT * FROM ("
        "SELECT b.guide_id, b.guide_name, 0 AS o FROM bindings b WHERE b.member_id = members.id "
        "AND b.active = 1 ORDER BY b.bound_at DESC LIMIT 1) UNION ALL SELECT NULL, '', 1) ORDER BY o LIMIT 1)"
    )
    for name, columns in _INDEXES.items():
        op.create_index(name, "members", columns)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="members")
    with op.batch_alter_table("members") as batch:
        for column in ("bound_guide_name", "bound_guide_id", "tag_key", "phone_last4"):
            batch.drop_column(column)
