"""`python run.py app`: a local HQ with a demo chain on 127.0.0.1, this workstation enrolled with it, and
the counter at work.

With a display the desktop window opens on the login screen (the demo PINs are printed here), and its
"演示: 出示会员码" action (F11) has the local HQ mint a fresh signed code for a member of the store and
feeds it to the scanner. Without a display (or with `--terminal`) the counter scene runs in the terminal
on the same services: the workstation syncs its store from HQ, a shopper shows a fresh member code signed
by HQ, the card appears, the guide binds the shopper, and the bind syncs to HQ, which confirms it.

Everything lives in `.guidedesk-data/` beside the repository (or `GUIDEDESK_DATA_DIR`): `hq/` holds the
local HQ's SQLite database, its log and the demo's enrollment code and PINs; `counter/` is the
workstation. Both are made on first run and reused after; delete the folder to start over.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

from app.errors import GuideDeskError
from app.services.common import GuideRef
from app.services.station import station_info
from app.sync.device import enroll_device, open_client, repoint_hq
from app.sync.engine import SyncEngine, SyncProgress, SyncReport
from app.workstation import Workstation
from demo.localhq import DemoChain, LocalHq

ROOT = Path(__file__).resolve().parents[1]
DEMO_MEMBERS = 10_000  # per store, three stores: a first run of about a minute
# How a guide reads the lifecycle stage (DESIGN.md §3); sleeping (沉睡) overlays any stage.
STAGE_LABELS = {
    "visitor": "浅客",
    "registered": "注册",
    "first_order": "首单",
    "experience": "体验官",
    "koc": "推荐官",
}


def demo_root() -> Path:
    env = os.environ.get("GUIDEDESK_DATA_DIR")
    return Path(env) if env else ROOT / ".guidedesk-data"


def _enroll(ws: Workstation, hq_url: str, chain: DemoChain) -> None:
    with ws.db.read() as s:
        info = station_info(s)
    enrolled_at = info.hq_url if info.enrolled else None
    if enrolled_at is None:
        enrollment = enroll_device(ws, hq_url=hq_url, code=chain.enrollment_code)
        print(f"已登记 / enrolled: {enrollment.store_code} {enrollment.store_name}")
    elif enrolled_at != hq_url:
        repoint_hq(ws, hq_url)  # the local HQ listens on a new port each run


def _sync(ws: Workstation, what: str) -> SyncReport:
    def progress(p: SyncProgress) -> None:
        if p.phase == "pull" and p.pages:
            print(f"\r  {what}: {p.pulled:,} changes, {p.pages} page(s)", end="", flush=True)

    client = open_client(ws)
    try:
        started = time.perf_counter()
        report = SyncEngine(ws, client, on_progress=progress).run()
    finally:
        client.close()
    if report.error is not None:
        raise GuideDeskError("sync_failed", kind=report.error.kind, reason=report.error.code)
    seconds = time.perf_counter() - started
    print(f"\r  {what}: pushed {report.pushed}, pulled {report.pulled:,} change(s) in {seconds:.1f} s")
    return report


def _guides(ws: Workstation) -> list[GuideRef]:
    with ws.db.read() as s:
        info = station_info(s)
    assert info.store_id is not None  # enrolled and synced by now
    return [GuideRef(g.id, info.store_id, g.employee_no, g.name, g.role) for g in info.guides]


def _counter_scene(ws: Workstation, hq: LocalHq, guide: GuideRef) -> None:
    from app.services.binding import bind_member, unbound_members
    from app.services.scan import scan_at_counter

    with ws.db.read() as s:
        unbound = unbound_members(s, limit=200)
    if not unbound:
        print("every member of this store is bound already")
        return
    code = hq.member_code(random.choice(unbound))  # what the shopper's phone shows
    print(f"\n扫码 / scan: {code[:48]}…")
    started = time.perf_counter()
    with ws.db.transaction() as s:  # the scan records the visit: served at this counter
        scanned = scan_at_counter(
            s, text=code, guide=guide, now=ws.clock.now(), code_now=ws.hq_now(), cipher=ws.cipher
        )
    hit, card = scanned.hit, scanned.card
    elapsed_ms = (time.perf_counter() - started) * 1000
    tags = "、".join(t.name for t in card.tags) or "—"
    stage = "沉睡" if card.stage_reason[0] == "sleeping" else STAGE_LABELS.get(card.stage, card.stage)
    print(f"会员卡 / card ({elapsed_ms:.1f} ms): {card.name}  {card.phone_masked}  {card.level}  {stage}")
    print(f"  标签 / tags: {tags}")
    print(f"  专属导购 / bound to: {card.binding.relation}")
    with ws.db.transaction() as s:
        outcome = bind_member(s, member_id=hit.member_id, guide=guide, now=ws.clock.now())
    who = f"{guide.name} ({guide.employee_no})"
    print(f"绑定 / bound to {who}: outbox #{outcome.outbox_id}, 待总部确认 / pending HQ")
    report = _sync(ws, "同步 / sync")
    if report.rejections:
        for r in report.rejections:
            print(f"总部未接受 / HQ rejected #{r.id}: {r.code} {r.details}")
    else:
        print("总部已确认绑定 / HQ confirmed the binding")


class DemoHooks:
    """What the window's demo action needs: a fresh code, signed by the local HQ, for a member of this
    store (mostly unbound ones, so a newcomer can try F2). Called on the window's network lane."""

    def __init__(self, hq: LocalHq, data_dir: Path) -> None:
        from app.db.database import Database

        self.hq = hq
        self.db = Database(data_dir, run_migrations=False)
        self.rng = random.Random()

    def member_code(self) -> str:
        from app.services.binding import unbound_members
        from app.services.members import some_members

        with self.db.read() as s:
            unbound = unbound_members(s, limit=200)
            anyone = some_members(s, limit=50)
        pool = list(unbound) if unbound and self.rng.random() < 0.75 else list(anyone or unbound)
        if not pool:
            raise GuideDeskError("unknown_member")
        return self.hq.member_code(self.rng.choice(pool))

    def close(self) -> None:
        self.db.close()


def window_possible() -> bool:
    """A real screen to open the window on (offscreen/minimal platforms, as in tests, do not count)."""
    if os.environ.get("QT_QPA_PLATFORM", "") in {"offscreen", "minimal"}:
        return False
    try:
        import PySide6.QtWidgets  # noqa: F401

        from ui.app import has_display
    except ImportError:
        return False
    return has_display()


def main(argv: list[str] | None = None) -> int:
    args = list(argv or [])
    terminal = "--terminal" in args
    root = demo_root()
    members = int(os.environ.get("GUIDEDESK_DEMO_MEMBERS", DEMO_MEMBERS))
    hq = LocalHq(root / "hq")
    ws = Workstation.open(root / "counter")
    try:
        print("GuideDesk 导购台 — 演示 / demo")
        print(f"本地总部 / local HQ: {hq.root}")
        chain = hq.demo_chain(members_per_store=members)
        url = hq.start()
        print(f"  serving on {url}")
        console_user, console_password = hq.console_login()  # the HQ console's part of the demo
        print(
            f"  总部控制台 / HQ console: {url}/console/  登录 / sign in: {console_user} / {console_password}"
        )
        _enroll(ws, url, chain)
        _sync(ws, "同步 / sync")
        print(f"\n工作站 / workstation: {ws.data_dir}  (store {chain.store_code})")
        print("导购 / guides (工号 employee no, PIN):")
        for login in chain.logins:
            print(f"  {login.employee_no}  {login.name:<4}  {login.role:<8} PIN {login.pin}")
        if not terminal and window_possible():
            return _window(ws, hq)
        if not terminal:
            print("\n没有可用的显示器，改在终端里演示柜台流程。")
            print("No display found: the counter scene runs in the terminal instead.")
        guide = next(g for g in _guides(ws) if not g.is_manager)
        _counter_scene(ws, hq, guide)
        return 0
    except GuideDeskError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    finally:
        hq.stop()
        ws.close()


def _window(ws: Workstation, hq: LocalHq) -> int:
    """The desktop window on the demo workstation, logged out; the local HQ serves until it closes."""
    from ui.app import run_window

    data_dir = ws.data_dir
    ws.close()  # the window opens the data dir itself
    print("\n正在打开桌面窗口：用上面的工号和 PIN 登录，按 F11 演示出示会员码。")
    print("Opening the window: log in with an employee no. and PIN above; F11 shows a demo member code.")
    hooks = DemoHooks(hq, data_dir)
    try:
        return run_window(["--data-dir", str(data_dir)], demo=hooks)
    finally:
        hooks.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
