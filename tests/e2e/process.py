"""The server as its own process (`reviewdesk serve`), so a test can kill it and start it again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.server.harness import wait_until_healthy
from tests.server.postgres import free_port


class ServerProcess:
    """`reviewdesk serve --db URL --port P` in a child process, on the same port each start."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as log:
            command = [sys.executable, "-m", "reviewdesk.cli.server", "serve"]
            command += ["--db", self.database_url, "--port", str(self.port)]
            command += ["--webhook-allow", "127.0.0.0/8"]  # the tests' receivers
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        wait_until_healthy(self.url)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, requests in flight are cut."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=30)
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=15)
            self._process = None
