"""The HQ schema comes from migrations run from code; models and migrations agree on both databases,
and the first start of an HQ creates its one-time facts exactly once."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from hq.config import Settings
from hq.db.bootstrap import bootstrap
from hq.db.database import HqDatabase
from hq.db.migrate import current_revision, head_revision
from hq.db.models import Base, Counter, HqMeta, PolicyRevision, QrKey


def test_models_and_migrations_agree(hq_db: HqDatabase) -> None:
    """A model changed without a migration (or the reverse) would break every HQ that upgrades."""
    with hq_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert current_revision(hq_db.engine) == head_revision(hq_db.engine)


def test_one_active_binding_index_is_partial_and_unique(hq_db: HqDatabase) -> None:
    """The arbitration of binds rests on this index existing on both databases, filtered on active."""
    with hq_db.engine.connect() as conn:
        if hq_db.is_sqlite:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'uq_bindings_member_active'"
            ).scalar()
            assert sql is not None and "UNIQUE" in sql and "WHERE active = 1" in sql
        else:
            sql = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_bindings_member_active'"
            ).scalar()
            assert sql is not None and "UNIQUE" in sql and "WHERE active" in sql


def test_bootstrap_is_idempotent_and_keeps_the_epoch(hq_db: HqDatabase, tmp_path: Path) -> None:
    """Every start bootstraps; the epoch (and so every client's cursor) must survive a restart."""
    settings = Settings(db_url=hq_db.url, data_dir=tmp_path)
    first = bootstrap(hq_db, settings)
    second = bootstrap(hq_db, settings)
    assert first == second
    assert len(first.epoch) == 32 and len(first.master_secret) > 40
    with hq_db.read() as s:
        assert s.scalar(select(func.count()).select_from(HqMeta)) == 2
        assert s.scalar(select(func.count()).select_from(PolicyRevision)) == 1
        assert s.scalar(select(func.count()).select_from(QrKey)) == 1
        assert s.scalar(select(Counter.version).where(Counter.scope == "global")) == 1


def test_a_secret_from_the_environment_is_never_written(hq_db: HqDatabase, tmp_path: Path) -> None:
    """With GUIDEDESK_HQ_SECRET set, a dump of the database must not contain the master secret."""
    settings = Settings(db_url=hq_db.url, data_dir=tmp_path, secret="s3cret-from-vault-" + "x" * 30)
    facts = bootstrap(hq_db, settings)
    assert facts.master_secret == settings.secret
    with hq_db.read() as s:
        assert s.scalars(select(HqMeta.key)).all() == ["epoch"]
