"""Members and online members per store, kept by triggers on `members`.

The online rate (在线率) on the manager's stats would otherwise count a million members (~200 ms); the
triggers keep the two numbers in step inside every transaction that writes members, whoever writes them
(the pull applier, the demo generator).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BUMP = """
    INSERT INTO store_member_counts (store_id, members, online) VALUES ({store}, {members}, {online})
    ON CONFLICT (store_id) DO UPDATE SET members = members + excluded.members, online = online + excluded.online;
"""


def upgrade() -> None:
    op.create_table(
        "store_member_counts",
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("online", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_member_counts")),
    )
    op.execute(
        "INSERT INTO store_member_counts (store_id, members, online) "
        "SELECT store_id, count(*), coalesce(sum(online), 0) FROM members GROUP BY store_id"
    )
    added = _BUMP.format(store="NEW.store_id", members="1", online="NEW.online")
    removed = _BUMP.format(store="OLD.store_id", members="-1", online="-OLD.online")
    op.execute(f"CREATE TRIGGER members_counted AFTER INSERT ON members BEGIN {added} END")
    op.execute(f"CREATE TRIGGER members_uncounted AFTER DELETE ON members BEGIN {removed} END")
    op.execute(
        "CREATE TRIGGER members_recounted AFTER UPDATE OF store_id, online ON members "
        f"WHEN OLD.store_id IS NOT NEW.store_id OR OLD.online IS NOT NEW.online BEGIN {removed} {added} END"
    )


def downgrade() -> None:
    for trigger in ("members_recounted", "members_uncounted", "members_counted"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table("store_member_counts")
