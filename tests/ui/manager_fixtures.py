"""Fixtures of the manager's pages: the seeded store (tests/factories.py) plus a crowd of members pulled
through the applier, a page context over an inline runner (deterministic), logged in as a guide or the
manager."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.sync.applier import apply_changes
from app.workstation import Workstation
from contract.wire import Change
from tests.factories import Seeded, seed
from ui.context import AppContext, GuideSession
from ui.settings import Settings
from ui.tasks import TaskRunner

SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ["芳", "伟", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军"]


def add_crowd(ws: Workstation, seeded: Seeded, n: int = 300, seed_: int = 9) -> None:
    """`n` more members of store-a with tags, stages, last visits and bindings to the seeded guides."""
    rng = random.Random(seed_)
    now = ws.clock.now()
    guides = [seeded.guide, seeded.other_guide, None, None]
    changes = []
    for i in range(n):
        mid = f"c-{i:04d}"
        changes.append(
            Change(
                "member",
                mid,
                "put",
                10,
                {
                    "store_id": "store-a",
                    "card_no": f"8899{i:06d}",
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                    "stage": rng.choice(["visitor", "registered", "first_order", "experience", "koc"]),
                    "level": rng.choice(["普卡", "银卡", "金卡", "钻石卡"]),
                    "last_visit_at": (now - timedelta(hours=rng.randrange(2000))).isoformat(),
                    "last_purchase_at": (now - timedelta(days=rng.randrange(400))).isoformat(),
                },
            )
        )
        for tag in rng.sample(list(seeded.tags.values()), rng.randrange(3)):
            changes.append(Change("member_tag", f"{mid}:{tag}", "put", 10, {}))
        g = rng.choice(guides)
        if g is not None:
            changes.append(
                Change(
                    "binding",
                    f"cb-{i:04d}",
                    "put",
                    10,
                    {
                        "member_id": mid,
                        "guide_id": g.id,
                        "store_id": "store-a",
                        "guide_name": g.name,
                        "store_name": "上海南京西路店",
                        "active": True,
                        "bound_at": (now - timedelta(days=5)).isoformat(),
                        "protected_until": (now + timedelta(days=85)).isoformat(),
                    },
                )
            )
    with ws.db.transaction() as s:
        apply_changes(s, changes, cipher=ws.cipher)


def type_text(widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type text key by key, Chinese included (QTest.keyClicks asserts on non-ASCII characters): what an
    input method commits arrives as key events carrying the text."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


@dataclass
class PageEnv:
    ctx: AppContext
    seeded: Seeded
    ws: Workstation


@pytest.fixture
def env(ws: Workstation, tmp_path) -> Iterator[PageEnv]:  # type: ignore[no-untyped-def]
    """The seeded store + 300 members, a context over an inline runner, the manager logged in."""
    seeded = seed(ws)
    add_crowd(ws, seeded)
    runner = TaskRunner(ws, inline=True)
    ctx = AppContext(
        ws=ws,
        runner=runner,
        settings=Settings.for_data_dir(tmp_path / "ui-settings"),
        session=GuideSession(),
    )
    ctx.request_manager = lambda _why, then: then(seeded.manager)
    ctx.session.log_in(seeded.manager)
    yield PageEnv(ctx, seeded, ws)
    runner.shutdown()
