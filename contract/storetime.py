"""The store's calendar: stats, "today" and "overdue" count store days, on the workstation and at HQ alike.
China has a single zone, so stores keep Asia/Shanghai (UTC+8, no DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

STORE_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def store_day(at: datetime) -> date:
    """The store's calendar day of an instant."""
    return at.astimezone(STORE_TZ).date()


def day_start(day: date) -> datetime:
    """The UTC instant at which a store day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=STORE_TZ).astimezone(UTC)
