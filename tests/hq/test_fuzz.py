"""Fuzzed bodies against HQ (DESIGN.md §8): whatever a device sends — wrong types, missing fields, huge
numbers, nested junk, garbage mutation arguments — HQ answers with a 4xx in the error shape or a
rejected result, never a 5xx. (schemathesis against /openapi.json is the fuller version of this; it is not
installed here, so hypothesis drives the same idea from the schema's endpoints.)"""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract.wire import MUTATION_NAMES
from tests.hq.harness import Hq

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
ID_LIKE = st.one_of(st.just(str(uuid.uuid4())), st.text(max_size=40), st.integers(), st.none())
ARG_KEYS = st.sampled_from(
    ["binding_id", "member_id", "from_binding_id", "to_guide_id", "reason", "approved_by", "card_no", "name",
     "phone", "consent", "paid", "decline_id", "tag_id", "note_id", "body", "task_id", "kind", "due_at",
     "assigned_guide_id", "note", "guide_id", "outcome", "completed_at", "visit_id", "source", "at",
     "action", "subject_id", "details", "code"]
)  # fmt: skip
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _no_5xx(status: int, text: str) -> None:
    assert status < 500, text
    body = json.loads(text)
    assert isinstance(body, dict) and "server_epoch" in body


def test_any_json_body_on_any_endpoint_is_a_4xx_at_worst(hq_sqlite: Hq) -> None:
    """Malformed requests are the client's problem, reported as such."""
    device = hq_sqlite.device(hq_sqlite.store())
    headers = {**device.headers, "Content-Type": "application/json"}
    statuses: list[int] = []

    @FUZZ
    @given(
        body=JSON, path=st.sampled_from(["/v1/enroll", "/v1/sync/hello", "/v1/sync/push", "/v1/sync/pull"])
    )
    def check(body: Any, path: str) -> None:
        answer = hq_sqlite.client.post(path, content=json.dumps(body), headers=headers)
        _no_5xx(answer.status_code, answer.text)
        statuses.append(answer.status_code)

    check()
    assert len(statuses) >= 30 and set(statuses) <= {400, 403, 413}


def test_garbage_mutation_arguments_are_rejected_results_not_errors(hq_sqlite: Hq) -> None:
    """Every handler reads its arguments defensively: bad ones become `rejected`, and the queue moves on."""
    store = hq_sqlite.store()
    device, guide_id = hq_sqlite.device(store), hq_sqlite.guide(store).id
    outcomes: list[str] = []

    @FUZZ
    @given(
        name=st.sampled_from(sorted(MUTATION_NAMES)),
        args=st.dictionaries(ARG_KEYS, st.one_of(ID_LIKE, JSON), max_size=8),
    )
    def check(name: str, args: dict[str, Any]) -> None:
        answer = device.push([device.mutation(name, args, guide_id)])
        _no_5xx(answer.status_code, answer.text)
        assert answer.status_code == 200, answer.text
        outcomes.append(answer.json()["results"][0]["status"])

    check()
    assert len(outcomes) >= 30 and set(outcomes) <= {"applied", "merged", "rejected"}
