"""What the two schemas (workstation and HQ) share although their tables differ: the UTC column type, the
constraint naming convention, and the policy's columns (HQ's revisions, the workstation's synced row)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from contract.policy import POLICY_DEFAULTS as _P

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, stored naive-UTC (sortable ISO text on SQLite,
    `timestamp` on PostgreSQL); a naive datetime is a bug and is refused."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class PolicyColumns:
    """The policy's fields as columns (contract/policy.py), mixed into HQ's `PolicyRevision` and the
    workstation's `Policy`."""

    protection_days: Mapped[int] = mapped_column(Integer, default=_P.protection_days)
    renew_on_service: Mapped[bool] = mapped_column(Boolean, default=_P.renew_on_service)
    cross_store_transfer: Mapped[bool] = mapped_column(Boolean, default=_P.cross_store_transfer)
    sleeping_days: Mapped[int] = mapped_column(Integer, default=_P.sleeping_days)
    contact_budget: Mapped[int] = mapped_column(Integer, default=_P.contact_budget)
    contact_window_days: Mapped[int] = mapped_column(Integer, default=_P.contact_window_days)
    code_ttl_seconds: Mapped[int] = mapped_column(Integer, default=_P.code_ttl_seconds)
    clock_tolerance_seconds: Mapped[int] = mapped_column(Integer, default=_P.clock_tolerance_seconds)
    retention_days: Mapped[int] = mapped_column(
        Integer, default=_P.retention_days, server_default=str(_P.retention_days)
    )
    stale_days: Mapped[int] = mapped_column(Integer, default=_P.stale_days, server_default=str(_P.stale_days))
