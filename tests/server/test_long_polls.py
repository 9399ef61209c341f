"""Long-polls of the verdict feed under abuse, on both engines: one whose client went away ends
at once (the server stops reading the database for it), and a token holds only so many open."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from sqlalchemy import event

from tests.server.harness import RunningServer, running_server


def _open_polls(server: RunningServer) -> int:
    return sum(server.app.state.open_polls._open.values())


def _until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Whether `condition` became true within `timeout_s` (looked at every 10 ms)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@contextmanager
def _abandoned_polls(server: RunningServer, token: str, count: int) -> Iterator[None]:
    """`count` clients each holding `GET /v1/verdicts?wait=30` open; they leave (close their
    connections without reading an answer) when the block ends."""
    address = urlsplit(server.url)
    clients = []
    try:
        for _ in range(count):
            client = socket.create_connection((address.hostname, address.port))
            client.sendall(
                b"GET /v1/verdicts?wait=30 HTTP/1.1\r\nHost: test\r\n"
                + f"Authorization: Bearer {token}\r\n\r\n".encode()
            )
            clients.append(client)
        assert _until(lambda: _open_polls(server) == count, 10), _open_polls(server)
        yield
    finally:
        for client in clients:
            client.close()


def test_abandoned_long_polls_end_and_the_database_goes_quiet(database_url: str) -> None:
    with running_server(database_url, max_polls_per_token=100) as server:
        token = server.token("producer", "producer")
        statements: list[float] = []
        event.listen(
            server.engine, "before_cursor_execute", lambda *_: statements.append(time.monotonic())
        )
        with _abandoned_polls(server, token, 40):
            busy_since = time.monotonic()
            assert _until(lambda: len(statements) > 40, 5)  # they do poll while held
        left_at = time.monotonic()
        assert busy_since < left_at
        assert _until(lambda: _open_polls(server) == 0, 2.0), _open_polls(server)
        quiet_from = time.monotonic()
        time.sleep(0.5)  # a window to observe: no long-poll reads the database any more
        assert [at for at in statements if at > quiet_from + 0.05] == []


def test_a_token_holds_only_so_many_long_polls_open(database_url: str) -> None:
    with running_server(database_url, max_polls_per_token=3) as server:
        token = server.token("producer", "producer")
        other = server.token("other", "producer")
        with _abandoned_polls(server, token, 3):
            with server.client(token) as client:
                refused = client.get("/v1/verdicts", params={"wait": 1})
                quick = client.get("/v1/verdicts")  # no wait: not a long-poll
            with server.client(other) as client:
                allowed = client.get("/v1/verdicts", params={"wait": 0.1})
        assert _until(lambda: _open_polls(server) == 0, 2.0)
        with server.client(token) as client:
            again = client.get("/v1/verdicts", params={"wait": 0.1})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and refused.headers["retry-after"] == "1"
    assert (quick.status_code, allowed.status_code, again.status_code) == (200, 200, 200)
