"""The only module that speaks HTTP: one `requests.Session` to HQ, explicit timeouts, TLS verification on,
and every failure mapped to a typed `SyncError` kind the engine can act on. Plain HTTP goes only to this
machine unless chosen explicitly (`check_hq_url`); redirects are not followed.

Kinds: network (unreachable, timeout, truncated body), auth (bad token), revoked, upgrade (protocol too
old), reset (cursor too old or foreign), gap (409 mutation_gap, with the expected id), payload_mismatch
(422), server (5xx), protocol (an answer that is not what the contract says), refused (4xx with a code).
"""

from __future__ import annotations

import gzip
import ipaddress
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests

from app.errors import GuideDeskError

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
STREAM_PIECE = 1 << 18  # bytes read at a time from a streamed answer


class SyncError(GuideDeskError):
    """A sync call failed; `kind` says what the engine should do, `code` is HQ's code when it sent one."""

    def __init__(
        self, kind: str, code: str | None = None, *, status: int | None = None, **details: Any
    ) -> None:
        super().__init__(code or kind, kind=kind, status=status, **details)
        self.kind = kind
        self.status = status


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_hq_url(url: str, *, insecure: bool = False) -> str:
    """HQ's address if it is safe to send this workstation's token and its store's data to: `https://`,
    or `http://` on this machine (loopback: the demo, tests, a local TLS-terminating proxy). Plain HTTP
    elsewhere carries the bearer token, phone numbers and PIN hashes readable on the way, so it needs the
    explicit `insecure` choice. Raises GuideDeskError `invalid_hq_url` or `insecure_hq_url`."""
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise GuideDeskError("invalid_hq_url")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise GuideDeskError("invalid_hq_url")
    if parts.scheme == "http" and not insecure and not _loopback(parts.hostname):
        raise GuideDeskError("insecure_hq_url", host=parts.hostname)
    return url.strip()


@dataclass(frozen=True)
class HqEndpoint:
    base_url: str  # e.g. https://hq.example.cn or http://127.0.0.1:8765
    ca_path: str | None = None  # a private CA for an HQ with its own certificate
    insecure: bool = False  # plain http to a host other than this machine, chosen explicitly

    def __post_init__(self) -> None:
        check_hq_url(self.base_url, insecure=self.insecure)


class HqClient:
    """Typed calls of sync protocol v1. Not thread-safe: one per sync run (the engine is single-flight)."""

    def __init__(self, endpoint: HqEndpoint, *, token: str | None = None, app_version: str = "") -> None:
        self.endpoint = endpoint
        self.token = token
        self.app_version = app_version
        self._http = requests.Session()
        self._http.headers["User-Agent"] = f"GuideDesk/{app_version or 'dev'}"
        self._http.headers["Accept-Encoding"] = "gzip"
        self._http.verify = endpoint.ca_path or True

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ protocol calls

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/v1/health", auth=False)

    def enroll(self, *, code: str, hostname: str) -> dict[str, Any]:
        body = {"code": code, "hostname": hostname, "app_version": self.app_version}
        return self._call("POST", "/v1/enroll", body, auth=False)

    def hello(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/sync/hello", body)

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/sync/push", body, compress=True)

    def pull(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/sync/pull", body)

    def lookup_member(self, code: str) -> dict[str, Any]:
        # In the body, not the query string: URLs land in proxies' and servers' access logs. (HQs
        # before this answer POST with 405; the GET stays on HQ for older clients.)
        return self._call("POST", "/v1/members/lookup", {"code": code})

    # ------------------------------------------------------------ plumbing

    def snapshot(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The lines of a first-sync snapshot (hq/sync/snapshot.py), decoded one at a time as they
        arrive: a 100,000-member store is ~150 MB of JSON, never held whole. An error status raises like
        any call (an HQ without snapshots answers 404); a cut-off stream raises `network`/`truncated`."""
        with self._network_errors():
            response = self._send("POST", "/v1/sync/snapshot", body, stream=True)
            try:
                if response.status_code != 200 or "ndjson" not in response.headers.get("Content-Type", ""):
                    _decode(response.status_code, response.content)
                    raise SyncError("protocol", "not_ndjson", status=response.status_code)
                yield from _lines(response.iter_content(STREAM_PIECE))
            finally:
                response.close()

    # ------------------------------------------------------------ plumbing

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        auth: bool = True,
        params: dict[str, str] | None = None,
        compress: bool = False,
    ) -> dict[str, Any]:
        with self._network_errors():
            response = self._send(method, path, body, auth=auth, params=params, compress=compress)
            raw = response.content  # reads the whole body: a truncated one raises here
        return _decode(response.status_code, raw)

    def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        auth: bool = True,
        params: dict[str, str] | None = None,
        compress: bool = False,
        stream: bool = False,
    ) -> requests.Response:
        headers: dict[str, str] = {}
        data: bytes | None = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
            if compress and len(data) > 4096:
                data = gzip.compress(data, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        if auth:
            if not self.token:
                raise SyncError("auth", "not_enrolled")
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.endpoint.base_url.rstrip("/") + path
        return self._http.request(
            method,
            url,
            data=data,
            headers=headers,
            params=params,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,  # HQ never redirects: one could lead the token off https
            stream=stream,
        )

    @staticmethod
    @contextmanager
    def _network_errors() -> Iterator[None]:
        """requests' failures as SyncError kinds."""
        try:
            yield
        except requests.exceptions.SSLError as exc:
            raise SyncError("network", "tls_error", reason=type(exc).__name__) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise SyncError("network", "unreachable", reason=type(exc).__name__) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            raise SyncError("network", "truncated", reason=type(exc).__name__) from exc
        except requests.exceptions.RequestException as exc:
            raise SyncError("network", "request_failed", reason=type(exc).__name__) from exc


def _lines(pieces: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """NDJSON objects from a body arriving in pieces. A body that ends inside a line was cut off."""
    rest = b""
    for piece in pieces:
        rest += piece
        *whole, rest = rest.split(b"\n")
        for line in whole:
            if line:
                yield _object(line)
    if rest.strip():
        raise SyncError("network", "truncated", reason="partial_line")


def _object(line: bytes) -> dict[str, Any]:
    try:
        decoded = orjson.loads(line)
    except ValueError:
        decoded = None
    if not isinstance(decoded, dict):
        raise SyncError("protocol", "bad_snapshot_line")
    return decoded


def _decode(status: int, raw: bytes) -> dict[str, Any]:
    # orjson straight from the body's bytes: a 1,000-change pull page is ~270 KB, which `json` decodes
    # ~3× slower (PERF-NOTES; docs/benchmarks-sync.md). Its errors are ValueErrors, like json's.
    try:
        payload = orjson.loads(raw) if raw else {}
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        if status >= 500:
            raise SyncError("server", "server_error", status=status)
        raise SyncError("protocol", "not_json", status=status)
    if status < 300:
        return payload
    code = payload.get("error")
    details = payload.get("details") or {}
    if status == 409 and code == "mutation_gap":
        raise SyncError("gap", code, status=status, expected=payload.get("expected", details.get("expected")))
    if status == 422 and code == "idempotency_payload_mismatch":
        raise SyncError("payload_mismatch", code, status=status, id=payload.get("id", details.get("id")))
    if code == "device_revoked":
        raise SyncError("revoked", code, status=status)
    if code == "upgrade_required":
        raise SyncError("upgrade", code, status=status)
    if status in (401, 403):
        raise SyncError("auth", code or "unauthorized", status=status)
    if status >= 500:
        raise SyncError("server", code or "server_error", status=status)
    raise SyncError("refused", code or f"http_{status}", status=status, details=details)
