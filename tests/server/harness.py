"""Running the real server for tests: uvicorn on a loopback port, in a thread of the test
process (so a test can move the server's clock), and a few helpers around it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from sqlalchemy.engine import Engine

from reviewdesk.protocol import TokenRole
from reviewdesk.remote.transport import tls_context
from reviewdesk.server import ServerSettings, open_engine, prepare_schema
from reviewdesk.server.access.tokens import create_token
from reviewdesk.server.app import create_app
from reviewdesk.server.database import transact
from reviewdesk.server.http.connections import uvicorn_options
from reviewdesk.server.settings import wall_clock_ms
from tests.helpers.records import record
from tests.server.postgres import free_port


class FakeClock:
    """The server's clock, moved by the test; starts at the real time."""

    def __init__(self) -> None:
        self.now_ms = wall_clock_ms()

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)


def wait_until_healthy(url: str, *, timeout_s: float = 90.0) -> None:
    """Poll /v1/health until it answers 200 (bounded)."""
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{url}/v1/health", timeout=1.0, verify=tls_context())
            if answer.status_code == 200:
                return
        except httpx.TransportError as error:
            last = error
        time.sleep(0.02)
    raise TimeoutError(f"the server at {url} did not become healthy: {last}")


@dataclass
class RunningServer:
    url: str
    engine: Engine
    settings: ServerSettings
    app: Any = None

    def token(self, name: str, role: str) -> str:
        made = transact(
            self.engine, lambda connection: create_token(connection, name, TokenRole(role))
        )
        return made.secret

    def client(self, secret: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {} if secret is None else {"Authorization": f"Bearer {secret}"}
        kwargs.setdefault("verify", tls_context())  # made once: loading CAs takes 0.1 s a client
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0, **kwargs)


@contextmanager
def running_server(
    database_url: str, clock: FakeClock | None = None, *, join: bool = False, **settings: Any
) -> Iterator[RunningServer]:
    """The app under uvicorn on a free loopback port, until the block ends: it no longer
    listens when the block has ended, and its thread ends soon after (`join`: before the
    block returns, for tests that look for threads left running)."""
    if clock is not None:
        settings["clock"] = clock
    settings.setdefault("webhook_allow", ("127.0.0.0/8",))  # the tests' receivers
    # Every test client is 127.0.0.1, and some send wrong tokens on purpose, many times over.
    settings.setdefault("auth_failure_burst", 100_000)
    config_settings = ServerSettings(database_url=database_url, **settings)
    engine = open_engine(database_url)
    prepare_schema(engine, allow_migrate=False)
    app = create_app(config_settings, engine=engine)
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        **uvicorn_options(config_settings.header_timeout_s, config_settings.idle_timeout_s),
    )
    server = _PromptServer(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url)
        yield RunningServer(url, engine, config_settings, app)
    finally:
        # Once it no longer listens and has told its connections to close, the rest of the
        # shutdown (uvicorn waits 0.1 s for connections, then for tasks) ends in the background.
        server.stop()
        server.stopped_listening.wait(timeout=15)

        def finish() -> None:
            thread.join(timeout=15)
            engine.dispose()

        if join:
            finish()
        else:
            threading.Thread(target=finish, name="uvicorn-stop", daemon=True).start()


class _PromptServer(uvicorn.Server):
    """uvicorn's server, told to stop at once: its own loop looks for `should_exit` every
    0.1 s, and the tests start and stop hundreds of servers."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stopped_listening = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for listener in self.servers:
            listener.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        self.stopped_listening.set()
        await super().shutdown(sockets)

    def stop(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
        if not self.started:
            self.stopped_listening.set()  # it never listened


def items(count: int, *, start: int = 1, **fields: Any) -> list[dict[str, Any]]:
    """`count` canonical records numbered from `start`."""
    return [record(number, **fields) for number in range(start, start + count)]


def approve(generation_id: str, decision_id: str, **fields: Any) -> dict[str, Any]:
    """A decision body approving an item."""
    body: dict[str, Any] = {
        "generation_id": generation_id,
        "verdict": "approve",
        "decided_at": "2026-11-21T09:00:00Z",
        "duration_ms": 1200,
    }
    body.update(fields)
    return {"id": decision_id, **body}
