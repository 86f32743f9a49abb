"""A guide's bind is done when the screen says so: SIGKILL right after it returns loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db.models import Activity, AuditEvent, Outbox
from app.workstation import Workstation

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")


def _bind_and_kill(data_dir: Path, *extra: str) -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT), GUIDEDESK_KEYRING="file")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.app.kill_child", str(data_dir), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("bound "), f"child said {line!r}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return int(line.split()[1])


def _persisted(data_dir: Path, outbox_id: int) -> tuple[str | None, int, int]:
    ws = Workstation.open(data_dir)
    try:
        with ws.db.read() as s:
            name = s.scalar(select(Outbox.name).where(Outbox.id == outbox_id))
            audits = len(s.scalars(select(AuditEvent.id).where(AuditEvent.outbox_id == outbox_id)).all())
            counted = len(s.scalars(select(Activity.id).where(Activity.outbox_id == outbox_id)).all())
    finally:
        ws.close()
    return name, audits, counted


def test_bind_survives_sigkill_right_after_it_returns(tmp_path: Path) -> None:
    """The bind, its outbox row, audit row and stats row are on disk the moment bind returns."""
    outbox_id = _bind_and_kill(tmp_path / "ws")
    assert _persisted(tmp_path / "ws", outbox_id) == ("binding.create.v1", 1, 1)


def test_the_kill_test_catches_done_before_commit(tmp_path: Path) -> None:
    """Negative control: a process that reports a bind before committing loses it, and we can tell."""
    outbox_id = _bind_and_kill(tmp_path / "ws", "--report-before-commit")
    assert _persisted(tmp_path / "ws", outbox_id) == (None, 0, 0)
