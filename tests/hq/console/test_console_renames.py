"""Renaming a store, a guide, a tag group or a tag in the console: the name changes, the change is audited,
and every till that shows the old name pulls the new one — a store's and a guide's name also travel in
the bindings that name them, so those are sent again. A bad name changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from contract.wire import Mutation
from hq.db.models import AuditEvent, Guide, Store, Tag, TagGroup
from hq.services.tags import create_tag, create_tag_group
from tests.hq.console.conftest import Console
from tests.hq.harness import DeviceClient


def _names(changes: list[dict[str, Any]], entity_type: str, field: str) -> set[str]:
    return {c["data"][field] for c in changes if c["t"] == entity_type and c["op"] == "put"}


def _caught_up(device: DeviceClient) -> DeviceClient:
    device.pull_all()
    return device


def test_a_renamed_store_and_guide_reach_every_till_that_shows_them(console: Console) -> None:
    hq = console.hq
    home, other = hq.store("SH01", "上海南京西路店"), hq.store("BJ01", "北京三里屯店")
    guide = hq.guide(home, "陈静")
    till = hq.device(home)
    for name in ("赵敏", "周杰"):
        member = hq.member(home, name)
        bound = till.send(Mutation.BINDING_CREATE, {"binding_id": str(uuid.uuid4()), "member_id": member.id},
                          guide.id)  # fmt: skip
        assert bound["status"] == "applied", bound
    home_till, other_till = _caught_up(till), _caught_up(hq.device(other))

    client, csrf = console.sign_in("admin")
    # One at a time: a pull builds payloads from the current tables, so each rename must put its own
    # bindings again for their new name to arrive.
    renamed = client.post(f"/console/guides/{guide.id}/name", data={"csrf": csrf, "name": "陈静怡"},
                          follow_redirects=False)  # fmt: skip
    assert renamed.status_code == 303
    pulled = home_till.pull_all()
    assert _names(pulled, "guide", "name") == {"陈静怡"}
    assert _names(pulled, "binding", "guide_name") == {"陈静怡"}
    assert len([c for c in pulled if c["t"] == "binding"]) == 2

    renamed = client.post(f"/console/stores/{home.id}/name", data={"csrf": csrf, "name": " 上海静安嘉里店 "},
                          follow_redirects=False)  # fmt: skip
    assert renamed.status_code == 303
    pulled = home_till.pull_all()
    assert _names(pulled, "store", "name") == {"上海静安嘉里店"}
    assert _names(pulled, "binding", "store_name") == {"上海静安嘉里店"}
    assert len([c for c in pulled if c["t"] == "binding"]) == 2
    assert other_till.pull_all() == [], "another store's till holds none of it"
    assert "上海静安嘉里店" in client.get("/console/stores").text
    with hq.runtime.db.read() as s:
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"store.rename", "guide.rename"} <= actions


def test_a_renamed_tag_and_group_reach_every_till(console: Console) -> None:
    hq = console.hq
    till = _caught_up(hq.device(hq.store("SH01", "上海南京西路店")))
    with hq.tx() as (s, changes):
        group = create_tag_group(s, name="偏好", changes=changes)
        tag = create_tag(s, group_id=group, name="蓝色款", changes=changes).id
    till.pull_all()
    client, csrf = console.sign_in("operator")
    for target, name in ((f"tag:{tag}", "藏青色款"), (f"group:{group}", "款式偏好")):
        answer = client.post("/console/tags/rename", data={"csrf": csrf, "target": target, "name": name},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303, answer.text
    pulled = till.pull_all()
    assert _names(pulled, "tag", "name") == {"藏青色款"}
    assert _names(pulled, "tag_group", "name") == {"款式偏好"}


def test_a_bad_name_is_refused_and_changes_nothing(console: Console) -> None:
    hq = console.hq
    store = hq.store("SH01", "上海南京西路店")
    guide = hq.guide(store, "陈静")
    till = _caught_up(hq.device(store))
    client, csrf = console.sign_in("admin")
    for path in (f"/console/stores/{store.id}/name", f"/console/guides/{guide.id}/name"):
        answer = client.post(path, data={"csrf": csrf, "name": "   "}, follow_redirects=False)
        assert answer.status_code == 400 and "名称无效" in answer.text
    answer = client.post("/console/tags/rename", data={"csrf": csrf, "target": "store:x", "name": "甲"})
    assert answer.status_code == 400 and "请选择要改名的标签组或标签" in answer.text
    with hq.runtime.db.read() as s:
        assert s.get(Store, store.id).name == "上海南京西路店"
        assert s.get(Guide, guide.id).name == "陈静"
        assert (
            s.scalar(select(TagGroup.name).limit(1)) is None and s.scalar(select(Tag.name).limit(1)) is None
        )
    assert till.pull_all() == []
