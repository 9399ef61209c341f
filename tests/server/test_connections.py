"""What a client that misbehaves at the connection level meets, on both engines: slow or absent
headers and idle connections are closed, guessing tokens from one address is slowed down,
`HEAD` is answered wherever `GET` is, and Swagger UI (scripts from a CDN) only when asked."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from tests.server.harness import RunningServer, running_server


@contextmanager
def _connection(server: RunningServer) -> Iterator[socket.socket]:
    address = urlsplit(server.url)
    client = socket.create_connection((address.hostname, address.port))
    client.settimeout(10)  # far past the server's timeouts in these tests: a bound, not a wait
    try:
        yield client
    finally:
        client.close()


def _closed_by_server(client: socket.socket) -> bool:
    """Whether the server closes the connection (reading whatever it sends first)."""
    try:
        while client.recv(65536):
            pass
    except TimeoutError:
        return False
    return True


def test_silent_slow_and_idle_connections_are_closed(database_url: str) -> None:
    with running_server(database_url, header_timeout_s=0.3, idle_timeout_s=0.3) as server:
        with _connection(server) as silent:
            assert _closed_by_server(silent)
        with _connection(server) as slow:
            slow.sendall(b"GET /v1/health HTTP/1.1\r\nHo")  # and never the rest
            assert _closed_by_server(slow)
        with _connection(server) as idle:
            idle.sendall(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
            assert idle.recv(65536).startswith(b"HTTP/1.1 200")
            assert _closed_by_server(idle)  # kept alive, then idle too long
        with _connection(server) as second:
            second.sendall(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
            assert second.recv(65536).startswith(b"HTTP/1.1 200")
            second.sendall(b"GET /v1/health HTTP/1.1\r\n")  # the next request's headers stall
            assert _closed_by_server(second)


def test_a_request_in_time_is_answered_as_before(database_url: str) -> None:
    with (
        running_server(database_url, header_timeout_s=5, idle_timeout_s=5) as server,
        server.client() as client,
    ):
        assert [client.get("/v1/health").status_code for _ in range(3)] == [200, 200, 200]


def test_guessing_tokens_from_one_address_is_slowed_down(database_url: str) -> None:
    with running_server(database_url, auth_failure_burst=3, auth_failures_per_s=0.01) as server:
        good = server.token("producer", "producer")
        with server.client("rdk_guess") as guesser:
            guesses = [guesser.get("/v1/verdicts").status_code for _ in range(4)]
            limited = guesser.get("/v1/verdicts")
        with server.client(good) as same_address:
            blocked = same_address.get("/v1/verdicts")
    assert guesses == [401, 401, 401, 429]
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    assert blocked.status_code == 429  # a valid token's answer would tell a guess apart


def test_head_is_answered_where_get_is(server: RunningServer) -> None:
    with server.client() as anonymous:
        health = anonymous.head("/v1/health")
        schema = anonymous.head("/openapi.json")
        nowhere = anonymous.head("/v1/nowhere")
    with server.client(server.token("root", "admin")) as admin:
        item = admin.head("/v1/items/missing")
        verdicts = admin.head("/v1/verdicts")
    assert (health.status_code, health.content) == (200, b"")
    assert int(health.headers["content-length"]) > 0
    assert (schema.status_code, verdicts.status_code) == (200, 200)
    assert (item.status_code, nowhere.status_code) == (404, 404)


def test_swagger_ui_is_served_only_when_asked(database_url: str) -> None:
    with running_server(database_url) as plain, plain.client() as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 200
    with running_server(database_url, docs=True) as documented, documented.client() as client:
        assert client.get("/docs").status_code == 200
