"""A loopback HTTP proxy that breaks the network on purpose, for the sync fault tests.

It sits between a workstation and a real HQ process on 127.0.0.1 and, for each request, asks its `plan`
which fault to inject:

- `drop_request`   close the connection without forwarding (HQ never sees it)
- `drop_response`  forward, let HQ commit, then close without answering (the lost ack)
- `duplicate`      forward the same request twice, answer with the second response
- `delay`          wait, then forward (timeouts, overlapping runs)
- `truncate`       forward, then send only half of the response body and close
- `status_500/502/503`  answer with that status without forwarding
- `late_503`       forward (HQ commits), answer 503 anyway
- `reorder`        hold the request back and close the connection (the client times out and retries);
                   the stale original reaches HQ right after the next request on the same endpoint has
                   been forwarded, before that one is answered — so HQ meets an old push after its retry
                   (or after newer mutations) and must answer it as a replay

Faults are drawn from a seeded RNG so a failing run replays exactly; every injected fault is counted,
and the status HQ gave each stale delivery is kept in `stale` (HQ's answer goes nowhere else: the
client has long given up on it). `release_held()` delivers what is still held.
Everything binds to 127.0.0.1 and stops with `close()`.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = (
    "drop_request",
    "drop_response",
    "duplicate",
    "delay",
    "truncate",
    "status_500",
    "status_502",
    "status_503",
    "late_503",
    "reorder",
)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te"}


@dataclass
class SeededPlan:
    """Injects a fault on a share of sync requests; `paths` limits which endpoints are attacked."""

    seed: int
    rate: float = 0.3
    faults: tuple[str, ...] = FAULTS
    paths: tuple[str, ...] = (
        "/v1/sync/push",
        "/v1/sync/pull",
        "/v1/sync/hello",
        "/v1/sync/snapshot",
    )
    max_delay_s: float = 0.3
    rng: random.Random = field(init=False)
    enabled: bool = True

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def __call__(self, method: str, path: str) -> str | None:
        if not self.enabled or not any(path.startswith(p) for p in self.paths):
            return None
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.faults)


class FaultProxy:
    def __init__(self, upstream: str, plan: Callable[[str, str], str | None] | None = None) -> None:
        target = urlsplit(upstream)
        self.upstream_host = target.hostname or "127.0.0.1"
        self.upstream_port = target.port or 80
        self.plan = plan or (lambda _m, _p: None)
        self.injected: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.stale: Counter[str] = Counter()  # "<path> <HQ's status>" of each delayed original delivered
        self._held: list[tuple[str, str, dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:  # keep test output clean
                return

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path
                endpoint = path.split("?")[0]
                with proxy._lock:
                    proxy.requests[endpoint] += 1
                    fault = proxy.plan(self.command, path)
                    if fault:
                        proxy.injected[fault] += 1
                    if fault == "reorder":
                        proxy._held.append((self.command, path, dict(self.headers.items()), body))
                if fault in ("drop_request", "reorder"):
                    self.close_connection = True
                    return
                if fault and fault.startswith("status_"):
                    self._answer(int(fault.split("_")[1]), b'{"error":"injected_fault"}', {})
                    return
                if fault == "delay":
                    time.sleep(random.random() * getattr(proxy.plan, "max_delay_s", 0.3))
                status, headers, payload = proxy._forward(self.command, path, self.headers, body)
                if fault == "duplicate":
                    status, headers, payload = proxy._forward(self.command, path, self.headers, body)
                proxy._release(endpoint)  # a held original overtaken by this request arrives now
                if fault == "drop_response":
                    self.close_connection = True
                    return
                if fault == "late_503":
                    self._answer(503, b'{"error":"injected_fault"}', {})
                    return
                if fault == "truncate" and len(payload) > 1:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._answer(status, payload, headers)

            def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "content-type" not in {k.lower() for k in headers}:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()

    def _forward(
        self, method: str, path: str, headers: object, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            out = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}  # type: ignore[attr-defined]
            conn.request(method, path, body=body or None, headers=out)
            response = conn.getresponse()
            payload = response.read()
            kept = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in _HOP_BY_HOP | {"content-length", "date", "server"}
            }
            return response.status, kept, payload
        finally:
            conn.close()

    def _release(self, endpoint: str | None) -> None:
        """Deliver the held requests for `endpoint` (all of them for None) in the order they came."""
        with self._lock:
            due = [h for h in self._held if endpoint is None or h[1].split("?")[0] == endpoint]
            self._held = [h for h in self._held if h not in due]
        for method, path, headers, body in due:
            status, _headers, _payload = self._forward(method, path, headers, body)
            with self._lock:
                self.stale[f"{path.split('?')[0]} {status}"] += 1

    def release_held(self) -> None:
        """Deliver every request still held back (the stale originals still on their way to HQ)."""
        self._release(None)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
