"""Screenshots of the window from a real X display (run under Xvfb with fonts-noto-cjk):

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/screenshots/take.py [zh_CN en]

Builds a seeded workstation (tests/factories.py: one store, members in every binding situation) in a
temporary folder, drives the window as a guide would and grabs the whole screen (dialogs included) into
docs/screenshots/<area>-<what>-<lang>.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GUIDEDESK_KEYRING", "file")
os.environ["QT_QPA_PLATFORM"] = "xcb"  # a real X display (Xvfb), not the offscreen plugin

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from app.clock import FixedClock  # noqa: E402
from app.db.models import BindingConflict, Outbox, SyncState  # noqa: E402
from app.services.members import add_note, add_tag  # noqa: E402
from app.services.tasks import create_task  # noqa: E402
from app.sync.engine import SyncProgress  # noqa: E402
from app.workstation import Workstation  # noqa: E402
from tests.factories import add_task_item, add_task_list, seed  # noqa: E402
from ui.app import build_window, make_application  # noqa: E402
from ui.i18n import install_translations  # noqa: E402
from ui.resources import style_sheet  # noqa: E402
from ui.settings import Settings  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
T0 = datetime(2026, 11, 19, 2, 0, tzinfo=UTC)  # a Thursday, 10:00 in the store


def settle(ms: int = 250) -> None:
    QTest.qWait(ms)


def shot(name: str, lang: str) -> None:
    settle()
    path = OUT / f"{name}-{lang}.png"
    QGuiApplication.primaryScreen().grabWindow(0).save(str(path))
    print(path.relative_to(ROOT))


def window_for(folder: Path, lang: str, *, enrolled: bool):  # type: ignore[no-untyped-def]
    ws = Workstation.open(folder, clock=FixedClock(T0))
    seeded = seed(ws)
    if enrolled:
        with ws.db.transaction() as s:
            s.add(
                SyncState(
                    id=1,
                    device_id="dev-1",
                    store_id="store-a",
                    hq_url="https://hq.example.cn",
                    last_sync_at=T0 - timedelta(minutes=3),
                )
            )
    install_translations(lang)
    window = build_window(ws, Settings.for_data_dir(folder), inline=True, autosync=False)
    window.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
    window.show()
    return window, ws, seeded


def scan(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.scan_edit.setText(text)
    QTest.keyClick(page.scan_edit, Qt.Key.Key_Return)


def take(lang: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # ---- wizard: enroll step, then the first sync under way
        window, ws, _ = window_for(Path(tmp) / "new", lang, enrolled=False)
        window.start()
        wizard = window.wizard
        wizard.url_edit.setText("https://hq.example.cn")
        wizard.code_edit.setText("K7Q2-M9XD-4TPA")
        shot("shell-wizard", lang)
        wizard.steps.setCurrentIndex(1)
        wizard.sync_title.setText(
            wizard.tr("Enrolled for {store}. First sync…").format(store="SH001 上海南京西路店")
        )
        wizard._show_buttons(running=True)
        import time

        wizard._started_at = time.monotonic() - 6.0
        wizard._on_sync_progressed(SyncProgress("pull", 0, 42_000, 42, behind=58_000))
        shot("shell-wizard-sync", lang)
        window.close()
        ws.close()

        # ---- login, with a wrong PIN's message
        window, ws, seeded = window_for(Path(tmp) / "store", lang, enrolled=True)
        window.start()
        window.login.employee.setText("A002")
        window.login.pin.setText("111111")
        QTest.keyClick(window.login.pin, Qt.Key.Key_Return)
        shot("shell-login", lang)
        window.login.pin.setText("246810")
        QTest.keyClick(window.login.pin, Qt.Key.Key_Return)
        page = window.shell.page("counter")
        now = ws.clock.now()

        with ws.db.transaction() as s:  # a richer card for the member bound to this guide
            add_tag(
                s, member_id=seeded.members["mine"], tag_id=seeded.tags["高价值"], guide=seeded.guide, now=now
            )
            add_note(
                s, member_id=seeded.members["mine"], body="喜欢蓝色款，周末到店", guide=seeded.guide, now=now
            )
            create_task(
                s,
                member_id=seeded.members["mine"],
                kind="call",
                due_at=now + timedelta(days=3),
                assigned_guide_id=None,
                note=None,
                guide=seeded.guide,
                now=now,
            )
        page.clear()
        shot("counter-empty", lang)
        scan(page, seeded.member_code("unbound", issued=now))
        shot("counter-unbound", lang)
        page.bind()
        shot("counter-mine-pending", lang)
        for label, name in (
            ("mine", "counter-mine"),
            ("colleague", "counter-colleague"),
            ("lapsed", "counter-colleague-lapsed"),
            ("foreign", "counter-other-store"),
            ("sleeper", "counter-sleeping"),
        ):
            scan(page, seeded.member_code(label, issued=now))
            shot(name, lang)
        scan(page, seeded.member_code("colleague", issued=now))
        page.bind()
        shot("counter-refused", lang)
        # the bind of 刘洋 lost at HQ to another store's guide
        with ws.db.transaction() as s:
            row = s.query(Outbox).filter(Outbox.name == "binding.create.v1").one()
            row.state = "rejected"
            row.result = {
                "code": "member_already_bound",
                "details": {"winner_guide_name": "陈静", "winner_store_name": "北京三里屯店"},
            }
            s.add(
                BindingConflict(
                    id="c-1",
                    member_id=seeded.members["unbound"],
                    losing_guide_id=seeded.guide.id,
                    losing_store_id="store-a",
                    winning_guide_id="g-chen",
                    winning_store_id="store-b",
                    winning_guide_name="陈静",
                    winning_store_name="北京三里屯店",
                    created_at=now - timedelta(minutes=2),
                )
            )
        scan(page, seeded.cards["unbound"])
        window.ctx.sync.online = False
        window.ctx.runner.data_changed.emit(None, window.ctx.sync)
        shot("counter-lost", lang)
        dialog = page.open_enroll()
        dialog.name.setText("王小美")
        dialog.phone.setText("13912345678")
        dialog.paid.setChecked(True)
        dialog.ok.click()
        shot("counter-enroll-dialog", lang)
        dialog.reject()
        window.shell.open_page("sync")
        window.shell.pages["sync"].tabs.setCurrentIndex(1)
        shot("shell-sync-refused", lang)
        window.shell.pages["sync"].tabs.setCurrentIndex(2)
        shot("shell-sync-conflicts", lang)
        window.shell.pages["sync"].tabs.setCurrentIndex(0)
        shot("shell-sync-waiting", lang)
        _task_list(ws, seeded)
        window.shell.open_page("tasks")
        tasks = window.shell.pages["tasks"]
        tasks.tabs.setCurrentIndex(tasks.tabs.count() - 1)  # every open task
        settle(400)
        tasks.table.setFocus()
        tasks.table.selectRow(0)
        shot("manager-tasks-script", lang)
        window.close()
        ws.close()


INVITE_SCRIPT = "您好，我是您的专属导购。本周秋冬新品到店，周末有会员专享试穿，方便的话欢迎来店里看看。"


def _task_list(ws: Workstation, seeded) -> None:  # type: ignore[no-untyped-def]
    """An HQ call list with its script, as the pull applier writes it, with three of the store's
    members on it."""
    with ws.db.transaction() as s:
        add_task_list(s, list_id="L-invite", title="新品到店邀约", created_at=T0 - timedelta(days=1),
                      due_at=T0 + timedelta(days=2), script=INVITE_SCRIPT)  # fmt: skip
        s.flush()
        for i, label in enumerate(("mine", "sleeper", "unbound")):
            add_task_item(s, item_id=f"invite-{i}", list_id="L-invite", member_id=seeded.members[label],
                          created_at=T0 - timedelta(days=1), assigned_guide_id=seeded.guide.id,
                          due_at=T0 + timedelta(days=2))  # fmt: skip


def main(langs: list[str]) -> None:
    app = make_application()
    app.setStyleSheet(style_sheet())
    for lang in langs or ["zh_CN", "en"]:
        take(lang)


if __name__ == "__main__":
    main(sys.argv[1:])
