"""A throw-away PostgreSQL server for the tests: initdb + pg_ctl in a temp dir on a loopback port.

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user (or
`nobody`) and its commands run through `runuser`. When no PostgreSQL is installed the tests that
need it skip, unless `REVIEWDESK_REQUIRE_POSTGRES=1` (CI), where they fail instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

REQUIRE = os.environ.get("REVIEWDESK_REQUIRE_POSTGRES") == "1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


@dataclass
class PostgresServer:
    """A running cluster; `database()` makes a fresh database and gives its URL."""

    port: int
    bin_dir: Path
    data_dir: Path
    user: str | None
    options: str = ""
    _numbers: Iterator[int] = field(default_factory=lambda: count(1))
    _template_ready: bool = False
    _template_name: str = ""

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def database(self, *, schema: bool = False) -> str:
        """A fresh database's URL: empty, or with `schema` already holding the server's schema
        at head (copied from a template database migrated once: `CREATE DATABASE ... TEMPLATE`
        takes milliseconds where running the migrations takes half a second)."""
        import psycopg

        template = self._schema_template() if schema else None
        name = f"test_{next(self._numbers)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}")
            if template is None:
                connection.execute(f"CREATE DATABASE {name}")
            else:
                connection.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def _schema_template(self) -> str:
        if not self._template_ready:
            from reviewdesk.server import open_engine
            from reviewdesk.server.database import prepare_schema

            url = self.database()
            engine = open_engine(url)
            try:
                prepare_schema(engine, allow_migrate=False)
            finally:
                engine.dispose()  # a template takes no connections while it is copied
            self._template_name = url.rsplit("/", 1)[1]
            self._template_ready = True
        return self._template_name

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        log = str(self.data_dir.parent / "log")
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", self.options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        """Stop at once (connections are cut, as in a crash) and start again."""
        self.stop()
        self.start()


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and there is no postgres or nobody user to run PostgreSQL")


@contextmanager
def postgres_server(*, fsync: bool = False) -> Iterator[PostgresServer | None]:
    """A running PostgreSQL cluster, or None when none is installed (and none is required)."""
    bin_dir = _bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        if REQUIRE:
            raise RuntimeError(
                "REVIEWDESK_REQUIRE_POSTGRES=1 but PostgreSQL is not installed "
                "(apt-get install postgresql)"
            )
        yield None
        return
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="reviewdesk-pg-"))
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = PostgresServer(free_port(), bin_dir, root / "data", user)
        server._run(
            "initdb", "-D", str(server.data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        server.options = (
            f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            f"-c fsync={'on' if fsync else 'off'} -c shared_buffers=128MB"
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
