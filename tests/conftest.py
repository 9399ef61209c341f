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
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None
) -> str:
    """A fresh server database: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (REVIEWDESK_REQUIRE_POSTGRES=1 makes this fail)")
    return postgres.database()
