from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.harness import FakeClock, RunningServer, running_server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(schema_database_url: str, clock: FakeClock) -> Iterator[RunningServer]:
    with running_server(schema_database_url, clock) as running:
        yield running
