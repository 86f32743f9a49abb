"""Shared fixtures: a migrated template database copied per test, a fixed clock, a file-backed key."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["GUIDEDESK_KEYRING"] = "file"  # never touch the developer's real keyring from tests

from app.clock import FixedClock
from app.db.database import DB_FILENAME, Database
from app.workstation import Workstation

# A Thursday morning in the store's time zone (02:00 UTC = 10:00 Asia/Shanghai).
T0 = datetime(2026, 11, 19, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workstation schema migrated once; tests copy the file instead of migrating again."""
    path = tmp_path_factory.mktemp("template")
    Database(path).close()
    return path / DB_FILENAME


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def ws(tmp_path: Path, template_db: Path, clock: FixedClock) -> Iterator[Workstation]:
    """A fresh workstation data dir with a migrated, empty database."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_db, data / DB_FILENAME)
    station = Workstation.open(data, clock=clock)
    yield station
    station.close()


@pytest.fixture
def db(ws: Workstation) -> Database:
    return ws.db


# Long tests, in one place: real HQ processes and browsers (tests/e2e), property-based fuzzing, SIGKILL
# runs, PostgreSQL races and demo seeding. `python run.py test -m "not slow"` is the fast lane for an
# edit-test loop; the full suite (CI) runs them all.
SLOW_PATHS = ("tests/e2e/",)
SLOW_MODULES = frozenset(
    {
        "test_schemathesis.py",
        "test_fuzz.py",
        "test_scan_fuzz.py",
        "test_concurrency.py",
        "test_kill_after_bind.py",
        "test_late_writer.py",
        "test_demo.py",
        "test_pyside_refcount.py",
        "test_selftest.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parents[1]
    for item in items:
        where = item.path.relative_to(root).as_posix()
        if where.startswith(SLOW_PATHS) or item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
