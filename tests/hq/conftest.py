"""Fixtures of the HQ suite: a fresh HQ database per test on SQLite (always) and on PostgreSQL (when the
server at GUIDEDESK_TEST_PG_URL answers), and an in-process HQ app with its clock under test control.

PostgreSQL: one scratch database per test session (`guidedesk_test_<random>` created on the server,
dropped at the end), migrated once; each test starts from truncated tables. Without a server the
PostgreSQL variants are skipped and the terminal summary says so in capitals, so a green run without
PostgreSQL cannot pass for a full one.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from contract import pins
from hq.config import DB_FILENAME, Settings, sqlite_url
from hq.db.database import HqDatabase, make_engine
from hq.db.migrate import migrate
from hq.db.models import Base
from tests.hq.harness import ADMIN_TOKEN, T0, Hq

PG_URL = os.environ.get("GUIDEDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_pg_problem: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _pg_problem:
        terminalreporter.write_sep("!", "POSTGRESQL TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"HQ PostgreSQL tests did NOT run: {_pg_problem[0]}. Start PostgreSQL on 127.0.0.1:5432 "
            "(user postgres, trust auth, database test) or set GUIDEDESK_TEST_PG_URL.",
            red=True,
        )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A scratch PostgreSQL database for this session, migrated to head; dropped at the end."""
    if _pg_problem:
        pytest.skip(f"POSTGRESQL UNAVAILABLE: {_pg_problem[0]}")
    server = make_url(PG_URL)
    admin = make_engine(server.render_as_string(hide_password=False), pool_size=1)
    name = f"guidedesk_test_{secrets.token_hex(4)}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server means: skip loudly, never fail obscurely
        admin.dispose()
        _pg_problem.append(f"{type(exc).__name__} talking to {server.render_as_string()}")
        pytest.skip(f"POSTGRESQL UNAVAILABLE: {_pg_problem[0]}")
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=1)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HQ schema migrated once on SQLite; each test copies the file."""
    path = tmp_path_factory.mktemp("hq-template") / DB_FILENAME
    engine = make_engine(sqlite_url(path), pool_size=1)
    migrate(engine)
    engine.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated, empty HQ database: SQLite and (when available) PostgreSQL."""
    return _fresh_db(request.param, request, tmp_path, sqlite_template)


@pytest.fixture
def sqlite_db_url(tmp_path: Path, sqlite_template: Path) -> str:
    target = tmp_path / "hq-data" / DB_FILENAME
    target.parent.mkdir()
    shutil.copyfile(sqlite_template, target)
    return sqlite_url(target)


@pytest.fixture
def pg_db_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_url")
    _truncate_all(url)
    return url


def _fresh_db(kind: str, request: pytest.FixtureRequest, tmp_path: Path, template: Path) -> str:
    if kind == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        _truncate_all(url)
        return url
    target = tmp_path / "hq-data" / DB_FILENAME
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(template, target)
    return sqlite_url(target)


@pytest.fixture(autouse=True)
def cheap_pin_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guides' PIN hashes at the lowest scrypt cost: the suite creates many guides."""
    monkeypatch.setattr(pins, "COST_N", 2**4)
    monkeypatch.setattr(pins, "MIN_COST_N", 2**4)


def _hq(url: str, tmp_path: Path) -> Iterator[Hq]:
    settings = Settings(db_url=url, data_dir=tmp_path / "hq-data", admin_token=ADMIN_TOKEN)
    hq = Hq.start(settings, at=T0)
    yield hq
    hq.close()


@pytest.fixture
def hq(db_url: str, tmp_path: Path) -> Iterator[Hq]:
    """An in-process HQ on a fresh database (SQLite and PostgreSQL), its clock at T0."""
    yield from _hq(db_url, tmp_path)


@pytest.fixture
def hq_sqlite(sqlite_db_url: str, tmp_path: Path) -> Iterator[Hq]:
    yield from _hq(sqlite_db_url, tmp_path)


@pytest.fixture
def hq_pg(pg_db_url: str, tmp_path: Path) -> Iterator[Hq]:
    yield from _hq(pg_db_url, tmp_path)


@pytest.fixture
def hq_db(db_url: str) -> Iterator[HqDatabase]:
    db = HqDatabase(db_url, pool_size=2)
    yield db
    db.dispose()
