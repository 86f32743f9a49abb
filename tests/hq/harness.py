"""An in-process HQ for tests: the real app over a real database, its clock under test control, and
small helpers that set up stores, guides, members and enrolled devices the way an admin would, then talk
to HQ only through HTTP like a workstation does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from contract.wire import payload_sha256
from hq.app import create_app
from hq.clock import ManualClock
from hq.config import Settings
from hq.runtime import HqRuntime
from hq.services.devices import issue_enrollment_code
from hq.services.guides import GuideView, add_guide
from hq.services.members import MemberView, add_member
from hq.services.policy import current_policy
from hq.services.qrkeys import mint_member_code
from hq.services.stores import StoreView, create_store
from hq.sync.changes import ChangeSet, record

# The admin token every test HQ is configured with: as strong as HQ demands (≥ 32 random characters).
ADMIN_TOKEN = "Kq3vT9xw-Lm2Rz7pYb4Nc8Hd1Fs6Gj0Ua5We"

# A Thursday morning in the stores' time zone (02:00 UTC = 10:00 Asia/Shanghai), as in tests/conftest.py.
T0 = datetime(2026, 11, 19, 2, 0, tzinfo=UTC)


@dataclass
class Hq:
    settings: Settings
    runtime: HqRuntime
    client: TestClient
    clock: ManualClock

    @classmethod
    def start(cls, settings: Settings, *, at: datetime = T0) -> Hq:
        clock = ManualClock(at)
        settings = replace(settings, clock=clock)
        runtime = HqRuntime.open(settings)
        app = create_app(settings, runtime=runtime)
        client = TestClient(app, raise_server_exceptions=False)
        return cls(settings, runtime, client, clock)

    def close(self) -> None:
        self.client.close()
        self.runtime.close()

    @contextmanager
    def tx(self) -> Iterator[tuple[Session, ChangeSet]]:
        """An admin-side unit of work whose sync changes are recorded at the end, as services expect."""
        changes = ChangeSet()
        with self.runtime.db.write() as session:
            yield session, changes
            record(session, changes, now=self.clock())

    # ------------------------------------------------------------ set-up as an admin would

    def store(self, code: str | None = None, name: str | None = None) -> StoreView:
        code = code or "S" + uuid.uuid4().hex[:6].upper()
        with self.tx() as (s, changes):
            return create_store(s, code=code, name=name or f"门店{code}", now=self.clock(), changes=changes)

    def guide(
        self, store: StoreView, name: str = "导购", *, role: str = "guide", pin: str = "246824"
    ) -> GuideView:
        with self.tx() as (s, changes):
            return add_guide(
                s,
                store=store.id,
                employee_no="E" + uuid.uuid4().hex[:8],
                name=name,
                pin=pin,
                role=role,
                now=self.clock(),
                changes=changes,
            )

    def member(self, store: StoreView, name: str = "会员", *, phone: str | None = None) -> MemberView:
        with self.tx() as (s, changes):
            return add_member(s, store=store.id, name=name, phone=phone, now=self.clock(), changes=changes)

    def enrollment_code(self, store: StoreView, *, ttl: timedelta = timedelta(hours=1)) -> str:
        with self.tx() as (s, _changes):
            return issue_enrollment_code(s, store=store.id, now=self.clock(), ttl=ttl).code

    def device(self, store: StoreView) -> DeviceClient:
        answer = self.client.post(
            "/v1/enroll", json={"code": self.enrollment_code(store), "hostname": "till-1"}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return DeviceClient(self, body["device_id"], body["token"], store.id)

    def member_code(self, member_id: str, *, ttl_seconds: int | None = None, compact: bool = True) -> str:
        with self.runtime.db.read() as s:
            ttl = ttl_seconds or current_policy(s).code_ttl_seconds
            return mint_member_code(
                s,
                master_secret=self.runtime.facts.master_secret,
                member_id=member_id,
                now=self.clock(),
                ttl_seconds=ttl,
                compact=compact,
            )


@dataclass
class DeviceClient:
    """A workstation as HQ sees it: a token, a store, and device-monotonic mutation ids."""

    hq: Hq
    device_id: str
    token: str
    store_id: str
    next_id: int = 1
    cursor: str | None = None
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.hq.client.post(path, json=body, headers=self.headers)

    def hello(self, **overrides: Any) -> httpx.Response:
        body = {"device_id": self.device_id, "protocol": 1, "schema_version": 1, "app_version": "test",
                "client_time": self.hq.clock().isoformat(), **overrides}  # fmt: skip
        return self.post("/v1/sync/hello", body)

    def mutation(
        self, name: str, args: dict[str, Any], guide_id: str, *, id: int | None = None
    ) -> dict[str, Any]:
        """A wire mutation with the next id (or `id`), hashed as the workstation hashes it."""
        if id is None:
            id, self.next_id = self.next_id, self.next_id + 1
        wire = {"id": id, "name": name, "sha256": payload_sha256(name, args),
                "client_time": self.hq.clock().isoformat(), "guide_id": guide_id, "args": args}  # fmt: skip
        self.sent.append(wire)
        return wire

    def push(self, mutations: list[dict[str, Any]]) -> httpx.Response:
        return self.post("/v1/sync/push", {"device_id": self.device_id, "mutations": mutations})

    def send(self, name: str, args: dict[str, Any], guide_id: str) -> dict[str, Any]:
        """Push one mutation; the result as the wire says it."""
        answer = self.push([self.mutation(name, args, guide_id)])
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        assert len(results) == 1
        return dict(results[0])

    def pull(self, cursor: str | None = None, *, limit: int = 1000) -> httpx.Response:
        return self.post("/v1/sync/pull", {"device_id": self.device_id, "cursor": cursor, "limit": limit})

    def pull_all(self, *, limit: int = 1000, max_pages: int = 10_000) -> list[dict[str, Any]]:
        """Pull from the remembered cursor until has_more is false; all changes, in order."""
        out: list[dict[str, Any]] = []
        for _ in range(max_pages):
            answer = self.pull(self.cursor, limit=limit)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert not body.get("reset_required"), body
            out += body["changes"]
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return out
        raise AssertionError("pull never finished")


def idle_device(hq: Hq) -> DeviceClient:
    """A till of a new one-member store that has pulled everything: its next pull is idle."""
    store = hq.store()
    hq.member(store)
    device = hq.device(store)
    device.pull_all()
    return device
