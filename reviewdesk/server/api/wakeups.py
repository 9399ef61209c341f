"""Waking what waits on a verdict: this process's long-polls and its webhook delivery worker."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

from fastapi import Request

MAX_WAIT_S = 30.0
POLL_S = 0.25
"""How often a long-poll looks at the database: verdicts recorded by other server processes
are seen this late at most (those of this process wake it at once)."""


class VerdictBell:
    """Wakes this process's long-polls when it records something that may be a verdict.

    Rung from request threads; waited on in the event loop. A ring that falls between a
    poll's read and its wait is not lost for long: the wait ends after `POLL_S` anyway.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def ring(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout_s: float, event: asyncio.Event | None = None) -> None:
        """Until the bell rings, `event` is set by someone else, or `timeout_s` passes."""
        event = event or asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)


def announce(request: Request, *, deliveries: bool = True) -> None:
    """Something may have become final: wake long-polls, and the delivery worker when
    `deliveries` may have been queued (it also looks every `idle_s` on its own)."""
    request.app.state.verdict_bell.ring()
    worker = getattr(request.app.state, "delivery_worker", None)
    if worker is not None and deliveries:
        worker.wake()


class OpenPolls:
    """How many long-polls each token holds open in this process (event loop only)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def enter(self, key: str) -> bool:
        """Count one more open long-poll of `key`; False (and not counted) past the limit."""
        held = self._open.get(key, 0)
        if held >= self.limit:
            return False
        self._open[key] = held + 1
        return True

    def leave(self, key: str) -> None:
        held = self._open.get(key, 0) - 1
        if held > 0:
            self._open[key] = held
        else:
            self._open.pop(key, None)


@contextlib.asynccontextmanager
async def watch_departure(request: Request, wake: asyncio.Event) -> AsyncIterator[asyncio.Event]:
    """While the block runs, an event set (and `wake` set with it) once the client has closed
    its connection: a long-poll nobody waits for any more ends instead of polling on."""
    gone = asyncio.Event()

    async def watch() -> None:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                gone.set()
                wake.set()
                return

    watcher = asyncio.create_task(watch())
    try:
        yield gone
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher
