"""A counter PC whose clock is a year off still syncs (HQ never trusts client time), is warned, and
judges dynamic member codes by HQ's clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.clock import FixedClock, SystemClock
from app.errors import ScanRejected
from app.services.binding import bind_member
from app.services.scan import resolve_scan
from app.workstation import Workstation
from tests.e2e.conftest import HqProcess, guide_ref, sync, workstation


@pytest.mark.parametrize("skew_days", [365, -365])
def test_a_year_of_clock_skew(tmp_path: Path, hq_server: HqProcess, skew_days: int) -> None:
    """Sync works and warns; a fresh code scans by HQ time, and would be refused by the PC's own clock."""
    member = hq_server.admin.member(hq_server.stores["A"], "周杰", phone="13600004444")
    enrolled = workstation(tmp_path, "till-a", hq_server, "A")
    enrolled.close()
    ws = Workstation.open(
        tmp_path / "till-a", clock=FixedClock(SystemClock().now() + timedelta(days=skew_days))
    )
    try:
        first = sync(ws)
        assert first.clock_warning and abs(first.clock_offset_ms + skew_days * 86_400_000) < 60_000
        with ws.db.transaction() as s:
            bind_member(s, member_id=member.id, guide=guide_ref(hq_server, "A"), now=ws.clock.now())
        assert sync(ws).applied == 1
        code = hq_server.admin.member_code(member.id)
        with pytest.raises(ScanRejected), ws.db.transaction() as s:
            resolve_scan(s, text=code, now=ws.clock.now(), cipher=ws.cipher)
        with ws.db.transaction() as s:
            assert resolve_scan(s, text=code, now=ws.hq_now(), cipher=ws.cipher).member_id == member.id
    finally:
        ws.close()
