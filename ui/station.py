"""The workstation reads the shell uses live in app/services/station.py (Qt-free, with the other read
services); re-exported here for the pages that import them from the UI side."""

from app.services.station import (
    ConflictRow,
    OutboxRow,
    StationInfo,
    SyncSummary,
    SyncViewData,
    station_info,
    sync_summary,
    sync_view,
    tag_catalog,
)

__all__ = [
    "ConflictRow",
    "OutboxRow",
    "StationInfo",
    "SyncSummary",
    "SyncViewData",
    "station_info",
    "sync_summary",
    "sync_view",
    "tag_catalog",
]
