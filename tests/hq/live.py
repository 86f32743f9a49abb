"""A real HQ over real HTTP for concurrency tests: uvicorn on 127.0.0.1 with an ephemeral port, in a
background thread of the test process, stopped when the test ends. Clients are httpx clients in real
threads, so requests truly overlap inside HQ's thread pool and on the database."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx
import uvicorn

from hq.app import create_app
from hq.serving import NoDelayH11Protocol
from tests.hq.harness import Hq

T = TypeVar("T")


@contextmanager
def live_server(hq: Hq) -> Iterator[str]:
    """Serve `hq`'s app (same runtime, same clock) on a free loopback port; yields the base URL."""
    app = create_app(hq.settings, runtime=hq.runtime)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", limit_concurrency=200, http=NoDelayH11Protocol
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def all_at_once(jobs: list[Callable[[], T]], *, timeout: float = 60) -> list[T]:
    """Run the jobs in as many threads, released together by a barrier; results in job order."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], T]) -> T:
        barrier.wait(timeout=timeout)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        return [f.result(timeout=timeout) for f in futures]


def http_client(base_url: str, token: str | None = None) -> httpx.Client:
    headers: dict[str, Any] = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30)
