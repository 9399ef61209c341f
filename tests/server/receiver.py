"""A webhook receiver for tests: a real HTTP server on a loopback port, in a thread."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.server.postgres import free_port


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Records every POST; `start`/`stop` bring it up and down on the same port."""

    def __init__(self, port: int | None = None, *, delay_s: float = 0.0) -> None:
        self.port = port or free_port()
        self.delay_s = delay_s
        """How long each answer takes (a slow receiver)."""
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.arrived:
                    receiver.received.append(Received(dict(self.headers.items()), body))
                    receiver.arrived.notify_all()
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)  # the receiver's own slowness, not a wait
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def wait_for(self, count: int, timeout_s: float = 60.0) -> list[Received]:
        """Until `count` deliveries arrived (bounded); all of them."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout_s)
            return list(self.received)
