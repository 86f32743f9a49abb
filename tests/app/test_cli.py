"""The headless `guidedesk` commands IT support and scripts rely on: clear output, codes, exit status."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.services.outbox import record_mutation
from app.sync.protocol import Mutation
from tests.conftest import T0


def test_status_of_a_new_workstation(tmp_path, capsys):
    """A brand-new data dir is migrated and reports an empty, unenrolled workstation."""
    assert main(["--data-dir", str(tmp_path), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["schema_current"] is True
    assert status["members"] == 0
    assert status["outbox_pending"] == 0
    assert status["enrolled"] is False


def test_outbox_lists_pending_mutations_as_json(ws, capsys):
    """Support can see exactly what is waiting to reach HQ."""
    with ws.db.transaction() as s:
        record_mutation(s, name=Mutation.MEMBER_DECLINE, args={"decline_id": "d1"}, guide_id="g1", now=T0)
    assert main(["--data-dir", str(ws.data_dir), "outbox", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert (entry["id"], entry["name"], entry["state"]) == (1, "member.decline.v1", "pending")


def test_unknown_guide_is_a_coded_error(ws, capsys):
    """A typo in an employee number says so and exits non-zero."""
    assert (
        main(["--data-dir", str(ws.data_dir), "guide-qr", "NOPE", "--out", str(ws.data_dir / "q.png")]) == 1
    )
    assert "unknown_guide" in capsys.readouterr().err


def test_a_bad_date_is_a_usage_error(ws):
    """Dates must be YYYY-MM-DD; anything else is refused before touching data."""
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "--data-dir",
                str(ws.data_dir),
                "stats",
                "--from",
                "2026/11/01",
                "--to",
                "2026-11-02",
                "--out",
                "x.csv",
                "--manager",
                "A001",
            ]
        )
    assert exc.value.code == 2


def test_sync_without_enrollment_says_so(ws, capsys):
    """A workstation never enrolled is told to enroll, not shown a stack trace."""
    assert main(["--data-dir", str(ws.data_dir), "sync"]) == 1
    assert "not_enrolled" in capsys.readouterr().err
