"""`python run.py app`: open the demo workstation and show the counter at work.

Until the desktop window lands this walks through a counter scene in the terminal, on the same services
the window will call: a shopper shows a fresh signed member code, the card appears, the guide binds the
shopper, and the outbox holds what will sync to HQ. The demo workstation lives in `.guidedesk-data/`
beside the repository (or `GUIDEDESK_DATA_DIR`) and is generated on first run.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

from sqlalchemy import select

from app.db.models import Binding, Guide, Member
from app.errors import GuideDeskError
from app.services.common import GuideRef
from app.services.policy import policy_of
from app.workstation import Workstation

ROOT = Path(__file__).resolve().parents[1]
DEMO_MEMBERS = 20_000


def demo_data_dir() -> Path:
    env = os.environ.get("GUIDEDESK_DATA_DIR")
    return Path(env) if env else ROOT / ".guidedesk-data" / "workstation"


def _ensure_demo(ws: Workstation) -> None:
    from app.demo import generate

    with ws.db.read() as s:
        if s.scalar(select(Member.id).limit(1)) is not None:
            return
    print(f"首次运行：正在生成演示数据（{DEMO_MEMBERS:,} 名会员）… / generating demo data …", flush=True)
    summary = generate(ws.db, ws.cipher, members=DEMO_MEMBERS, now=ws.clock.now())
    print(f"  {summary.members:,} members, {summary.bindings:,} bindings in {summary.seconds:.1f} s")


def _guides(ws: Workstation) -> list[GuideRef]:
    with ws.db.read() as s:
        rows = s.scalars(select(Guide).where(Guide.active.is_(True)).order_by(Guide.employee_no)).all()
        return [GuideRef(g.id, g.store_id, g.employee_no, g.name, g.role) for g in rows]


def _counter_scene(ws: Workstation, guide: GuideRef) -> None:
    from app.demo import load_demo_signing_key
    from app.qr import sign_member_code
    from app.services.binding import bind_member
    from app.services.cards import member_card
    from app.services.outbox import list_outbox
    from app.services.scan import resolve_scan

    with ws.db.read() as s:
        bound = select(Binding.member_id).where(Binding.active.is_(True))
        unbound = s.scalars(select(Member.id).where(Member.id.not_in(bound)).limit(200)).all()
        ttl = policy_of(s).code_ttl_seconds
    if not unbound:
        print("every demo member is bound already")
        return
    member_id = random.choice(unbound)
    code = sign_member_code(
        load_demo_signing_key(ws.data_dir),
        key_id="demo-1",
        member_id=member_id,
        issued=ws.clock.now(),
        ttl_seconds=ttl,
    )
    print(f"\n扫码 / scan: {code[:48]}…")
    started = time.perf_counter()
    with ws.db.transaction() as s:
        hit = resolve_scan(s, text=code, now=ws.hq_now(), cipher=ws.cipher)
        card = member_card(s, member_id=hit.member_id, viewer=guide, now=ws.clock.now())
    elapsed_ms = (time.perf_counter() - started) * 1000
    tags = "、".join(t.name for t in card.tags) or "—"
    print(
        f"会员卡 / card ({elapsed_ms:.1f} ms): {card.name}  {card.phone_masked}  {card.level}  {card.stage}"
    )
    print(f"  标签 / tags: {tags}")
    print(f"  专属导购 / bound to: {card.binding.relation}")
    with ws.db.transaction() as s:
        outcome = bind_member(s, member_id=member_id, guide=guide, now=ws.clock.now())
    who = f"{guide.name} ({guide.employee_no})"
    print(f"绑定 / bound to {who}: outbox #{outcome.outbox_id}, 待总部确认 / pending HQ")
    with ws.db.read() as s:
        pending = list_outbox(s, states=("pending",))
    print(f"待同步 / outbox pending: {len(pending)} mutation(s)")


def main(argv: list[str] | None = None) -> int:
    data_dir = demo_data_dir()
    ws = Workstation.open(data_dir)
    try:
        _ensure_demo(ws)
        guides = _guides(ws)
        print(f"\nGuideDesk 导购台 — 演示工作站 / demo workstation: {data_dir}")
        print("导购 / guides (工号 employee no, PIN):")
        from app.demo import GUIDE_PIN, MANAGER_PIN

        for g in guides[:6]:
            pin = MANAGER_PIN if g.is_manager else GUIDE_PIN
            print(f"  {g.employee_no}  {g.name:<4}  {g.role:<8} PIN {pin}")
        guide = next(g for g in guides if not g.is_manager)
        _counter_scene(ws, guide)
        print("\n桌面窗口与本地总部将随后续版本从同一命令启动。")
        print("The desktop window and the local HQ will start from this same command once they land.")
        return 0
    except GuideDeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        ws.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
