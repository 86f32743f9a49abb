"""A counter PC's data folder can sit under a Windows user name in Chinese with spaces
(`C:\\Users\\李娜\\AppData\\Local\\GuideDesk`): the database, its migrations, the phone key file and a
committed action all work there, and survive a restart."""

from __future__ import annotations

from pathlib import Path

from app.services.common import GuideRef
from app.services.members import record_decline
from app.services.outbox import pending_count
from app.workstation import Workstation
from tests.conftest import T0

GUIDE = GuideRef(id="g-1", store_id="s-1", employee_no="A001", name="李娜")


def test_a_data_dir_with_chinese_characters_and_spaces_keeps_what_was_done(tmp_path: Path) -> None:
    folder = tmp_path / "用户 李娜" / "导购台 数据"
    ws = Workstation.open(folder)
    try:
        with ws.db.transaction() as s:
            record_decline(s, guide=GUIDE, now=T0)
        sealed = ws.cipher.encrypt("13800001234")
    finally:
        ws.close()
    again = Workstation.open(folder)
    try:
        with again.db.read() as s:
            assert pending_count(s) == 1
        assert again.cipher.decrypt(sealed) == "13800001234"
    finally:
        again.close()
