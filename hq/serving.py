"""Serving HQ with uvicorn, with TCP_NODELAY on every connection.

asyncio turns Nagle's algorithm off only for sockets whose `proto` is IPPROTO_TCP; uvicorn's multi-worker
mode binds its listening socket with proto 0, so every accepted connection kept Nagle on. Uvicorn
writes a response's head and body separately; the second write then waits for the client's delayed
ACK: measured here, every keep-alive request took 44 ms (a bare endpoint: 0.5 ms with this fix). The
protocol below sets the option itself, whatever socket the connection came from.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


def _no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: Any) -> None:
        _no_delay(transport)
        super().connection_made(transport)


def serve(
    *, host: str, port: int, workers: int, trust_forwarded: bool, app: str = "hq.app:app_from_env"
) -> None:
    """Run the HQ app from the environment's settings (the schema must be migrated already). `app` is
    another factory to serve on the same stack (the load benchmark's bare endpoint)."""
    import uvicorn

    uvicorn.run(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayH11Protocol,
        proxy_headers=trust_forwarded,
        forwarded_allow_ips="*" if trust_forwarded else None,
        log_level="info",
    )
