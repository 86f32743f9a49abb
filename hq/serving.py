"""Serving HQ with uvicorn: its fastest HTTP parser and event loop, TCP_NODELAY on every connection, and
no access log unless asked for.

- httptools + uvloop (uvicorn's "standard" extras, declared in pyproject.toml) when installed, h11 and
  asyncio otherwise. Measured with benchmarks/hq_load.py on a bare endpoint: ~480 µs of server CPU per
  request with h11 + asyncio, ~270 µs with httptools + uvloop.
- The access log (one line per request through `logging`, a few % of a bare request's CPU) is off;
  `GUIDEDESK_HQ_ACCESS_LOG=1` turns it on. Errors are still logged.
- TCP_NODELAY: asyncio turns Nagle's algorithm off only for sockets whose `proto` is IPPROTO_TCP;
  uvicorn's multi-worker mode binds its listening socket with proto 0, so every accepted connection
  kept Nagle on. Uvicorn writes a response's head and body separately; the second write then waits for
  the client's delayed ACK: measured here, every keep-alive request took 44 ms (a bare endpoint: 0.5 ms
  with this fix). The protocols below set the option themselves, whatever socket the connection came
  from and whatever the loop (uvloop sets it too; asyncio does not).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

WORKER_HEALTHCHECK_S = 60


def _no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: Any) -> None:
        _no_delay(transport)
        super().connection_made(transport)


if importlib.util.find_spec("httptools") is not None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    # Module level, not made in a function: uvicorn pickles the protocol class to its worker processes.
    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: Any) -> None:
            _no_delay(transport)
            super().connection_made(transport)

    HTTP_PROTOCOL: type[asyncio.Protocol] = NoDelayHttpToolsProtocol
else:
    HTTP_PROTOCOL = NoDelayH11Protocol


def serve(
    *,
    host: str,
    port: int,
    workers: int,
    trust_forwarded: bool,
    app: str = "hq.app:app_from_env",
    staff_listen: str | None = None,
) -> None:
    """Run the HQ app from the environment's settings (the schema must be migrated already). `app` is
    another factory to serve on the same stack (the load benchmark's bare endpoint). `staff_listen`
    (`host:port`): the admin API and console in a second process listening there; the main listener
    then serves workstations only (the app factory reads the same setting)."""
    import multiprocessing

    staff = None
    if staff_listen:
        staff_host, _, staff_port = staff_listen.rpartition(":")
        staff = multiprocessing.get_context("spawn").Process(
            target=_serve_one,
            kwargs={"app": "hq.app:staff_app_from_env", "host": staff_host.strip("[]"),
                    "port": int(staff_port), "workers": 1, "trust_forwarded": trust_forwarded},
            name="guidedesk-hq-staff",
            daemon=True,
        )  # fmt: skip
        staff.start()
    try:
        _serve_one(app=app, host=host, port=port, workers=workers, trust_forwarded=trust_forwarded)
    finally:
        if staff is not None:
            staff.terminate()
            staff.join(5)


def _serve_one(*, app: str, host: str, port: int, workers: int, trust_forwarded: bool) -> None:
    import uvicorn

    uvicorn.run(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=HTTP_PROTOCOL,
        loop="auto",  # uvloop when installed
        # The client address is hq/api/auth.py's to decide from X-Forwarded-For (trusted proxies only,
        # rightmost untrusted hop); uvicorn's "*" took the leftmost, client-written entry.
        proxy_headers=False,
        log_level="info",
        # uvicorn kills a worker that has not answered its supervisor within this many seconds, and
        # starts another. Its default of 5 s is shorter than a worker's start (imports, the database
        # pool) on a busy 2-core server: measured here at load 8, every worker was killed before it
        # served a request, in a loop, and HQ never answered.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        access_log=os.environ.get("GUIDEDESK_HQ_ACCESS_LOG", "0") in ("1", "true", "yes"),
    )
