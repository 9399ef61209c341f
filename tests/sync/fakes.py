"""Hand-written fakes for the sync tests: an in-memory keyring, fault-injecting transports
around the real httpx transport, and a TCP proxy that cuts a connection mid-request."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

import httpx
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """A keychain that keeps passwords in a dict (`priority` high enough to be chosen)."""

    priority = 10

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class HangingKeyring(MemoryKeyring):
    """A keychain that never answers until `release` is set (a locked, hung keychain)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(30)


Fault = Callable[[httpx.Request, Callable[[], httpx.Response]], httpx.Response]
"""Given the request and a way to send it to the real server, the response (or raise)."""


class FaultTransport(httpx.BaseTransport):
    """The real transport, with a fault for requests whose path `fault_for` picks."""

    def __init__(self, faults: dict[str, list[Fault]] | None = None) -> None:
        self._real = httpx.HTTPTransport()
        self.faults = faults or {}
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        queue = self.faults.get(request.url.path)

        def send() -> httpx.Response:
            response = self._real.handle_request(request)
            response.read()
            return response

        if queue:
            return queue.pop(0)(request, send)
        return send()

    def close(self) -> None:
        self._real.close()


def busy(retry_after: int) -> Fault:
    def fault(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
        return httpx.Response(
            503,
            headers={"Retry-After": str(retry_after), "Content-Type": "application/problem+json"},
            json={
                "type": "x",
                "title": "busy",
                "status": 503,
                "code": "database_busy",
                "detail": "busy",
            },
            request=request,
        )

    return fault


def timeout_after_commit(request: httpx.Request, send: Callable[[], httpx.Response]) -> Any:
    send()  # the server commits; the answer is lost on the way back
    raise httpx.ReadTimeout("timed out waiting for the answer", request=request)


def then(action: Callable[[], object]) -> Fault:
    """Pass the request through, then run `action` (e.g. revoke the token)."""

    def fault(request: httpx.Request, send: Callable[[], httpx.Response]) -> httpx.Response:
        response = send()
        action()
        return response

    return fault


class CuttingProxy:
    """A TCP proxy on loopback; `cut_next(prefix)` resets the next connection whose request
    starts with `prefix` after forwarding only part of it (the server never gets the body)."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._cut: bytes | None = None
        self.cuts = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def cut_next(self, prefix: bytes) -> None:
        with self._lock:
            self._cut = prefix

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self._upstream))
        self._sockets += [client, upstream]
        try:
            first = client.recv(65536)
            with self._lock:
                cut = self._cut is not None and first.startswith(self._cut)
                if cut:
                    self._cut = None
                    self.cuts += 1
            if cut:
                upstream.sendall(first[: len(first) // 2])
                for sock in (client, upstream):  # RST, not FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
                return
            upstream.sendall(first)
            back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
            back.start()
            _pump(client, upstream)
            back.join(10)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._accepting.join(10)
        for thread in self._threads:
            thread.join(10)


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)
