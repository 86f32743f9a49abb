"""HQ restored from a backup (docs/operations.md "Backups and restore"): after `guidedesk-hq new-epoch`
every workstation pulls its store again and re-sends what HQ lost, so the restore loses nothing a guide
did and hides nothing HQ does next (DESIGN.md §5 epochs, §8 invariants)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.db.models import Member as WsMember
from app.services.members import add_note
from hq.cli import main as hq_cli
from hq.db.models import Note as HqNote
from tests.e2e.conftest import HqProcess, guide_ref, start_hq, sync, workstation
from tests.e2e.test_faults import _check_invariants


def _copy_db(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while HQ is running (what a nightly job runs)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_a_restored_hq_loses_nothing_a_guide_did_and_skips_nothing_it_does_next(
    tmp_path: Path, hq_server: HqProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Would catch (shown failing before this change): a workstation whose acknowledged note HQ lost with
    the restore never sent it again (HQ has 1 note of 2), and — without a new epoch — a workstation
    whose cursor was past the backup skipped a member HQ added after the restore."""
    admin, store = hq_server.admin, hq_server.stores["A"]
    member = admin.member(store, "吴芳").id
    ws = workstation(tmp_path, "till-a", hq_server, "A")
    guide = guide_ref(hq_server, "A")
    try:
        sync(ws)
        with ws.db.transaction() as s:
            add_note(s, member_id=member, body="回访：喜欢新款", guide=guide, now=ws.clock.now())
        sync(ws)
        hq_file = admin.settings.data_dir / "hq.sqlite3"
        backup = tmp_path / "nightly.sqlite3"
        _copy_db(hq_file, backup)  # the nightly backup

        # The day goes on: a second note and three new members reach HQ and the workstation.
        with ws.db.transaction() as s:
            add_note(s, member_id=member, body="回访：下周到店", guide=guide, now=ws.clock.now())
        for name in ("郑雪", "冯瑶", "褚悦"):
            admin.member(store, name)
        sync(ws)

        # HQ's disk dies; the operator restores last night's backup and renews the epoch.
        hq_server.stop()
        _copy_db(backup, hq_file)
        monkeypatch.setenv("GUIDEDESK_HQ_DATA_DIR", str(admin.settings.data_dir))
        assert hq_cli(["new-epoch"], out=lambda _line: None) == 0
        hq_server.process, _url = start_hq(admin.settings.data_dir, port=urlsplit(hq_server.url).port)
        # HQ works on before the workstation syncs: more changes than the restore lost, so the
        # workstation's cursor is no longer "from the future" and only the epoch tells it to re-pull.
        after_restore = {admin.member(store, f"新会员{i}").id for i in range(8)}

        first = sync(ws)
        sync(ws)

        with admin.runtime.db.read() as hq:
            notes = sorted(hq.scalars(select(HqNote.body).where(HqNote.member_id == member)))
        assert notes == ["回访：下周到店", "回访：喜欢新款"], "the note HQ lost was sent again"
        with ws.db.read() as s:
            replica = set(s.scalars(select(WsMember.id)))
        assert after_restore <= replica, "every change made after the restore reached the workstation"
        assert first.reset, "the new epoch made the workstation pull its store again"
        _check_invariants(hq_server, {"A": ws})
    finally:
        ws.close()
