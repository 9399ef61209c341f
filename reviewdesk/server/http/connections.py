"""Connections nobody uses: closed instead of held.

uvicorn closes a keep-alive connection idle between two requests after `timeout_keep_alive`,
but waits for a request's headers without limit: a client that connects and sends nothing, or
sends its headers a byte at a time, holds a connection (and its memory) for as long as it
likes. `GuardedH11Protocol` gives every request's headers a deadline, from the moment the
connection opens or the previous answer went out.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_S = 10.0
"""How long a client may take to send a request's headers."""
IDLE_TIMEOUT_S = 5.0
"""How long a keep-alive connection may sit idle between requests (uvicorn's own timeout)."""


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's headers."""

    header_timeout_s = HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # a request's headers are in
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request's headers get the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        deadline = getattr(self, "_header_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(header_timeout_s: float, idle_timeout_s: float) -> dict[str, Any]:
    """uvicorn's options for these timeouts (the protocol class and the keep-alive timeout)."""
    protocol: type[H11Protocol] = GuardedH11Protocol
    if header_timeout_s != GuardedH11Protocol.header_timeout_s:
        protocol = type(
            "GuardedH11Protocol", (GuardedH11Protocol,), {"header_timeout_s": header_timeout_s}
        )
    return {"http": protocol, "timeout_keep_alive": idle_timeout_s}
