"""Run test actions at the same instant in real threads: `together(items, action)`.

Each thread gets its own context (so its own app context and database session when it makes a
request), and a barrier releases them all at once, so they really race.
"""

from __future__ import annotations

import contextvars
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server

from deliberation.extensions import db


def together(items: Sequence[Any], action: Callable[[Any], Any], timeout: float = 120) -> list:
    """`action(item)` for every item at once, one thread each; the results in the items' order
    (an exception an action raised stands in its place, reported, not hidden)."""
    barrier = threading.Barrier(len(items))
    results: list = [None] * len(items)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(items[i])
        except Exception as exc:  # noqa: BLE001
            results[i] = exc

    threads = [threading.Thread(target=contextvars.Context().run, args=(run, i)) for i in range(len(items))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


def post_together(clients: Sequence[Any], url: str, data: dict | None = None) -> list[int]:
    """Every test client POSTs `data` to `url` at once (each with its own CSRF token, fetched
    first); the status codes in the clients' order."""
    tokens = [c.csrf_token() for c in clients]
    db.session.commit()  # end the test's own (writing) transaction before the threads start
    pairs = list(zip(clients, tokens, strict=True))
    return together(pairs, lambda p: p[0].post(url, data={**(data or {}), "csrf_token": p[1]}).status_code)


def free_port() -> int:
    """A loopback port nobody listens on now (so two test runs at once never collide)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app) -> Iterator[int]:
    """The app on a free loopback port in a thread (threaded server); yields the port."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    server.daemon_threads = True
    # A fresh context: requests must not see the test's app context.
    thread = threading.Thread(target=contextvars.Context().run, args=(server.serve_forever,), daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
