"""dashboard roll-ups: counts per store day, month, year and chain part, kept by triggers (hq/db/rollup.py)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hq.db import rollup

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _rollup_table(name: str, *keys: sa.Column) -> None:
    """A roll-up: its key columns, then the counts (zero by default), kept in key order on SQLite."""
    counts = [sa.Column(m, sa.Integer(), server_default=sa.text("0"), nullable=False) for m in rollup.METRICS]
    pk = sa.PrimaryKeyConstraint(*(k.name for k in keys), name=op.f(f"pk_{name}"))
    op.create_table(name, *keys, *counts, pk, sqlite_with_rowid=False)


def _store_guide() -> list[sa.Column]:
    return [
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("guide_id", sa.String(length=36), nullable=False),
    ]


def upgrade() -> None:
    for table, period in (("stats_days", "day"), ("stats_months", "month"), ("stats_years", "year")):
        _rollup_table(table, sa.Column(period, sa.Date(), nullable=False), *_store_guide())
    op.create_index("ix_stats_days_store_day", "stats_days", ["store_id", "day"], unique=False)
    _rollup_table(
        "stats_trend",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("part", sa.String(length=1), nullable=False),
    )
    # 拉新 is counted from the roll-ups now; nothing else reads members by creation time.
    op.drop_index("ix_members_created_stats", table_name="members")
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # Each counted write updates a roll-up row in place; room left on every page keeps those updates
        # HOT (no new index entry; old versions pruned on the page), so the tables do not bloat.
        for table in rollup.TABLES:
            conn.exec_driver_sql(f"ALTER TABLE {table} SET (fillfactor = 75)")
    # The triggers as hq/db/rollup.py defines them; a later change to its SOURCES needs a migration of its
    # own that drops them (rollup.drop_ddl), installs them again and rebuilds.
    rollup.install(conn)
    rollup.rebuild(conn)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in rollup.drop_ddl(conn.dialect.name):
        conn.exec_driver_sql(statement)
    op.drop_table("stats_trend")
    op.drop_table("stats_years")
    op.drop_table("stats_months")
    op.drop_index("ix_stats_days_store_day", table_name="stats_days")
    op.drop_table("stats_days")
    op.create_index("ix_members_created_stats", "members", ["created_at", "store_id"], unique=False)
