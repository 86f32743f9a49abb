"""HQ's address: the device token, phone numbers and PIN hashes travel to it, so plain http is refused
unless it stays on this machine or the operator chose it explicitly (security review, finding 3)."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.errors import GuideDeskError

# .invalid never resolves (RFC 6761): a request that gets as far as the network fails as unreachable.
PLAIN = "http://hq.example.invalid:8765"


def _enrolled(data_dir: str, capsys: pytest.CaptureFixture[str]) -> bool:
    assert main(["--data-dir", data_dir, "status", "--json"]) == 0
    return bool(json.loads(capsys.readouterr().out)["enrolled"])


def test_enrolling_over_plain_http_to_another_machine_is_refused_before_any_request(ws, capsys):
    """`guidedesk enroll --hq http://…` to another host stops with `insecure_hq_url` and sends nothing;
    `--insecure` is the explicit way through. Fails on the code before the fix: the enrollment code went
    out over plain http (here it got as far as resolving the host: `unreachable`)."""
    data = str(ws.data_dir)
    ws.close()
    assert main(["--data-dir", data, "enroll", "--hq", PLAIN, "--code", "ABCD-EFGH"]) == 1
    err = capsys.readouterr().err
    assert "insecure_hq_url" in err and "unreachable" not in err
    assert not _enrolled(data, capsys)

    assert main(["--data-dir", data, "enroll", "--hq", PLAIN, "--code", "ABCD-EFGH", "--insecure"]) == 1
    assert "unreachable" in capsys.readouterr().err  # allowed to try: the host just is not there


@pytest.mark.parametrize(
    ("url", "verdict"),
    [
        ("https://hq.example.cn", "ok"),
        ("https://10.1.2.3:8443/", "ok"),
        ("http://127.0.0.1:8765", "ok"),
        ("http://127.0.0.2:8765", "ok"),
        ("http://localhost:8765", "ok"),
        ("http://[::1]:8765", "ok"),
        ("http://hq.example.cn", "insecure_hq_url"),
        ("http://192.168.1.10:8765", "insecure_hq_url"),
        ("http://127.0.0.1.example.cn", "insecure_hq_url"),
        ("ftp://hq.example.cn", "invalid_hq_url"),
        ("hq.example.cn", "invalid_hq_url"),
        ("https://user:pw@hq.example.cn", "invalid_hq_url"),
    ],
)
def test_which_addresses_are_accepted(url: str, verdict: str) -> None:
    """https anywhere; http on loopback only (a name that merely starts with 127.0.0.1 is not loopback)."""
    from app.sync.client import check_hq_url

    if verdict == "ok":
        assert check_hq_url(url) == url
    else:
        with pytest.raises(GuideDeskError) as refused:
            check_hq_url(url)
        assert refused.value.code == verdict
    assert check_hq_url("http://hq.example.cn", insecure=True) == "http://hq.example.cn"


def test_moving_to_a_plain_http_address_is_checked_as_enrollment_is(ws):
    """Re-pointing an enrolled workstation at a new address cannot slip plain http past the check."""
    from app.db.models import SyncState
    from app.sync.device import repoint_hq

    with ws.db.transaction() as s:
        s.add(SyncState(id=1, device_id="d1", store_id="s1", hq_url="https://hq.example.cn"))
    with pytest.raises(GuideDeskError) as refused:
        repoint_hq(ws, "http://hq.example.cn")
    assert refused.value.code == "insecure_hq_url"
    repoint_hq(ws, "http://hq.example.cn", insecure=True)
    with ws.db.read() as s:
        state = s.get(SyncState, 1)
        assert (state.hq_url, state.hq_insecure) == ("http://hq.example.cn", True)
