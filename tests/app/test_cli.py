"""The headless `guidedesk` commands IT support and scripts rely on: clear output, codes, exit status."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.services.outbox import record_mutation
from contract.wire import Mutation
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


def test_scan_prints_the_card_as_json(ws, capsys):
    """IT support can check a member code end to end from a terminal."""
    from datetime import UTC, datetime

    from tests.factories import seed

    store = seed(ws)
    code = store.member_code("mine", issued=datetime.now(UTC))
    assert main(["--data-dir", str(ws.data_dir), "scan", code, "--guide", "A002", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["hit"]["kind"], out["card"]["name"], out["card"]["binding"]["relation"]) == (
        "member_code",
        "赵敏",
        "mine",
    )
    assert main(["--data-dir", str(ws.data_dir), "scan", "134567890123456789", "--guide", "A002"]) == 1
    assert "payment_code" in capsys.readouterr().err


def test_login_test_reads_the_pin_from_stdin(ws, capsys, monkeypatch):
    """Scripts can check a PIN; a wrong one says how many tries are left."""
    import io

    from tests.factories import PIN, seed

    seed(ws)
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    assert main(["--data-dir", str(ws.data_dir), "login-test", "--employee", "A002"]) == 0
    assert "李娜" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("000000\n"))
    assert main(["--data-dir", str(ws.data_dir), "login-test", "--employee", "A002"]) == 1
    assert "wrong_pin" in capsys.readouterr().err


def test_stats_export_needs_the_manager_pin(ws, tmp_path, capsys, monkeypatch):
    """The manager exports a month of stats to XLSX from the command line."""
    import io

    from tests.factories import PIN, seed

    seed(ws)
    out = tmp_path / "stats.xlsx"
    args = [
        "--data-dir",
        str(ws.data_dir),
        "stats",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        "xlsx",
        "--out",
        str(out),
        "--manager",
        "A001",
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    assert main(args) == 0 and out.exists()
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    assert main([*args[:-1], "A002"]) == 1
    assert "manager_required" in capsys.readouterr().err
