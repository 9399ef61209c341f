from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.postgres import PostgresServer, postgres_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (REVIEWDESK_REQUIRE_POSTGRES=1 makes this fail)")
    return postgres.database()
