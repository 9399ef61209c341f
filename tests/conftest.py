from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewdesk.store import Store
from tests.server.postgres import PostgresServer, postgres_server

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.sqlite"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    opened = Store.open(store_path)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the user's real data directory or store."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("REVIEWDESK_STORE", raising=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    """One PostgreSQL for the whole run, started by the tests (None when it is not installed)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_name(request: pytest.FixtureRequest) -> str:
    """The server database engine a test runs on: each such test runs on both."""
    return str(request.param)


@pytest.fixture
def database_url(engine_name: str, tmp_path: Path, postgres: PostgresServer | None) -> str:
    """A fresh, empty server database: an SQLite file, then a PostgreSQL database."""
    return _fresh_database(engine_name, tmp_path, postgres, schema=False)


@pytest.fixture
def schema_database_url(engine_name: str, tmp_path: Path, postgres: PostgresServer | None) -> str:
    """A fresh server database already at the head schema (what a server start makes of an
    empty one; on PostgreSQL copied from a template migrated once)."""
    return _fresh_database(engine_name, tmp_path, postgres, schema=True)


def _fresh_database(
    engine_name: str, tmp_path: Path, postgres: PostgresServer | None, *, schema: bool
) -> str:
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"  # a schema takes 40 ms to make
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (REVIEWDESK_REQUIRE_POSTGRES=1 makes this fail)")
    return postgres.database(schema=schema)
