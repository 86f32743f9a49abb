"""Property-based fuzzing of the whole HQ API from its own OpenAPI document (schemathesis): for every
operation, generated requests — valid and invalid — never get a 5xx, and every answer matches the
schema documented for its status. Run in-process against the ASGI app on SQLite, with a real device
token and the admin token, so the generated requests get past authentication and reach the handlers.
Bounded: a few examples per operation, no shrinking-heavy phases, so the file stays well under 90 s."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.hq.harness import ADMIN_TOKEN, DeviceClient, Hq

MAX_EXAMPLES = 25


@pytest.fixture
def fuzz_target(hq_sqlite: Hq) -> tuple[Hq, DeviceClient]:
    store = hq_sqlite.store("FZ01")
    guide = hq_sqlite.guide(store)
    hq_sqlite.member(store, phone="13800138000")
    device = hq_sqlite.device(store)
    visit = {"visit_id": "v-1", "member_id": hq_sqlite.member(store).id, "source": "scan",
             "at": hq_sqlite.clock().isoformat()}  # fmt: skip
    device.send("visit.record.v1", visit, guide.id)  # something for pulls and stats to return
    return hq_sqlite, device


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    # Same examples every run, so that a red run is a real regression and a green one is reproducible;
    # GUIDEDESK_FUZZ_RANDOM=1 explores new ones (how the 5xx fixed with this test were found).
    derandomize=os.environ.get("GUIDEDESK_FUZZ_RANDOM") != "1",
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_no_server_errors_and_answers_match_the_schema(fuzz_target: tuple[Hq, DeviceClient]) -> None:
    """No generated request makes HQ fail with a 5xx or answer outside its documented schema."""
    hq, device = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", hq.client.app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the document itself must be valid OpenAPI
        operations.append(result.ok())
    assert len(operations) >= 20  # device, sync, lookup and admin operations all documented

    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            path: str = case.path
            token = ADMIN_TOKEN if path.startswith("/v1/admin") else device.token
            if isinstance(case.body, dict) and "device_id" in case.body:
                case.body["device_id"] = device.device_id  # else every sync call stops at device_mismatch
            if case.path_parameters and "store" in case.path_parameters:
                case.path_parameters["store"] = "FZ01"  # else guides of random stores are only ever 404
            if isinstance(case.body, dict) and "store" in case.body:
                case.body["store"] = "FZ01"
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, response_schema_conformance],
            )

        fuzz()
