"""A small, fully known store for service tests: what the pull applier would have written.

`seed(ws)` gives one store (上海南京西路店) with a manager, two guides, a guide of another store, a
policy, an HQ signing key, tag groups, and members in every binding situation. Tests mint dynamic codes
with `Seeded.member_code(...)`, as the member mini-program would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from app.db import member_index
from app.db.models import (
    Binding,
    Guide,
    Member,
    MemberCode,
    MemberTag,
    Policy,
    QrKey,
    Store,
    Tag,
    TagGroup,
    TaskItem,
    TaskList,
)
from app.qr import public_key_bytes, sign_member_code
from app.security.crypto import PhoneCipher, mask_phone
from app.services.common import GuideRef
from app.workstation import Workstation

PIN = "246810"
_PIN_HASH_CACHE: dict[str, str] = {}


def pin_hash(pin: str = PIN) -> str:
    # The real cost (the verifier refuses cheaper hashes), made once per PIN for the whole session.
    from contract.pins import hash_pin

    if pin not in _PIN_HASH_CACHE:
        _PIN_HASH_CACHE[pin] = hash_pin(pin)
    return _PIN_HASH_CACHE[pin]


@dataclass
class Seeded:
    store: GuideRef  # id/name of the store are on the refs below; kept for symmetry
    store_id: str
    manager: GuideRef
    guide: GuideRef
    other_guide: GuideRef
    foreign_guide: GuideRef  # a guide of another store
    signing_key: Ed25519PrivateKey
    key_id: str
    members: dict[str, str] = field(default_factory=dict)  # label -> member id
    phones: dict[str, str] = field(default_factory=dict)  # label -> phone
    cards: dict[str, str] = field(default_factory=dict)  # label -> card no
    tags: dict[str, str] = field(default_factory=dict)  # tag name -> tag id

    def member_code(self, label: str, *, issued: datetime, ttl: int = 300, nonce: str | None = None) -> str:
        return sign_member_code(
            self.signing_key,
            key_id=self.key_id,
            member_id=self.members[label],
            issued=issued,
            ttl_seconds=ttl,
            nonce=nonce,
        )


def _guide(s: Session, gid: str, store_id: str, no: str, name: str, role: str = "guide") -> GuideRef:
    s.add(Guide(id=gid, store_id=store_id, employee_no=no, name=name, role=role, pin_hash=pin_hash()))
    return GuideRef(id=gid, store_id=store_id, employee_no=no, name=name, role=role)


def add_member(
    s: Session,
    cipher: PhoneCipher,
    *,
    member_id: str,
    store_id: str,
    card_no: str,
    name: str,
    phone: str,
    stage: str = "registered",
    level: str = "普卡",
    last_purchase_at: datetime | None = None,
    enrolled_at: datetime | None = None,
) -> None:
    s.add(
        Member(
            id=member_id,
            store_id=store_id,
            card_no=card_no,
            name=name,
            phone_enc=cipher.encrypt(phone),
            phone_index=cipher.blind_index(phone),
            phone_masked=mask_phone(phone),
            phone_last4=phone[-4:],
            stage=stage,
            level=level,
            last_purchase_at=last_purchase_at,
            enrolled_at=enrolled_at,
        )
    )
    s.add(MemberCode(code=card_no, member_id=member_id, kind="card"))


def seed(ws: Workstation) -> Seeded:
    now = ws.clock.now()
    key = Ed25519PrivateKey.generate()
    with ws.db.transaction() as s:
        s.add(Store(id="store-a", code="SH001", name="上海南京西路店"))
        s.add(Store(id="store-b", code="BJ001", name="北京三里屯店"))
        s.flush()
        manager = _guide(s, "g-mgr", "store-a", "A001", "王店长", "manager")
        guide = _guide(s, "g-li", "store-a", "A002", "李娜")
        other = _guide(s, "g-zhang", "store-a", "A003", "张伟")
        foreign = GuideRef(id="g-chen", store_id="store-b", employee_no="B001", name="陈静")
        s.add(Policy(id=1, version=1, protection_days=90, sleeping_days=180, contact_budget=4,
                     contact_window_days=30, code_ttl_seconds=300, clock_tolerance_seconds=120))  # fmt: skip
        s.add(QrKey(key_id="k1", public_key=public_key_bytes(key), active=True))
        seeded = Seeded(
            store=manager, store_id="store-a", manager=manager, guide=guide, other_guide=other,
            foreign_guide=foreign, signing_key=key, key_id="k1",
        )  # fmt: skip
        s.add(TagGroup(id="tg-interest", name="兴趣", sort=1))
        s.add(TagGroup(id="tg-value", name="价值", sort=2))
        s.flush()
        for tid, gid, name in [("t-skin", "tg-interest", "护肤"), ("t-bag", "tg-interest", "箱包"),
                               ("t-vip", "tg-value", "高价值")]:  # fmt: skip
            s.add(Tag(id=tid, group_id=gid, name=name))
            seeded.tags[name] = tid
        s.flush()
        people = [
            ("unbound", "m-1", "13800001111", "刘洋", "first_order"),
            ("mine", "m-2", "13900002222", "赵敏", "experience"),
            ("colleague", "m-3", "13700003333", "孙丽", "registered"),
            ("foreign", "m-4", "13600004444", "周杰", "koc"),
            ("lapsed", "m-5", "13500005555", "吴芳", "registered"),
            ("sleeper", "m-6", "13400006666", "郑强", "first_order"),
        ]
        for i, (label, mid, phone, name, stage) in enumerate(people):
            card = f"880000{i:04d}"
            last = now - timedelta(days=400) if label == "sleeper" else now - timedelta(days=20)
            add_member(s, ws.cipher, member_id=mid, store_id="store-a", card_no=card, name=name,
                       phone=phone, stage=stage, last_purchase_at=last)  # fmt: skip
            seeded.members[label], seeded.phones[label], seeded.cards[label] = mid, phone, card
        s.flush()
        s.add(MemberTag(member_id="m-2", tag_id="t-skin"))

        def bind(bid: str, mid: str, g: GuideRef, store_name: str, days_ago: int, protect: int = 90) -> None:
            at = now - timedelta(days=days_ago)
            s.add(Binding(id=bid, member_id=mid, guide_id=g.id, store_id=g.store_id, guide_name=g.name,
                          store_name=store_name, active=True, bound_at=at,
                          protected_until=at + timedelta(days=protect)))  # fmt: skip

        bind("b-2", "m-2", guide, "上海南京西路店", 10)
        bind("b-3", "m-3", other, "上海南京西路店", 10)
        bind("b-4", "m-4", foreign, "北京三里屯店", 10)
        bind("b-5", "m-5", other, "上海南京西路店", 200)  # protection lapsed 110 days ago
        s.flush()
        member_index.refresh_all(s.connection())  # what the applier keeps for the members list
    return seeded


def add_task_list(
    s: Session,
    *,
    list_id: str,
    title: str,
    created_at: datetime,
    store_id: str | None = "store-a",
    source: str = "hq",
    due_at: datetime | None = None,
    script: str | None = None,
) -> None:
    """A task list as the pull applier would write it (HQ's or the store's)."""
    s.add(TaskList(id=list_id, store_id=store_id, title=title, source=source, due_at=due_at,
                   created_at=created_at, script=script))  # fmt: skip


def add_task_item(
    s: Session,
    *,
    item_id: str,
    member_id: str,
    created_at: datetime,
    list_id: str | None = None,
    kind: str = "call",
    assigned_guide_id: str | None = None,
    due_at: datetime | None = None,
    state: str = "open",
    outcome: str | None = None,
    completed_at: datetime | None = None,
    completed_by_guide_id: str | None = None,
) -> None:
    """A task item as the pull applier would write it."""
    s.add(TaskItem(id=item_id, list_id=list_id, member_id=member_id, kind=kind,
                   assigned_guide_id=assigned_guide_id, due_at=due_at, state=state, outcome=outcome,
                   completed_at=completed_at, completed_by_guide_id=completed_by_guide_id,
                   created_at=created_at))  # fmt: skip
