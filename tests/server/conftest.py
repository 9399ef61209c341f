from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.harness import FakeClock, RunningServer, running_server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(database_url: str, clock: FakeClock) -> Iterator[RunningServer]:
    with running_server(database_url, clock) as running:
        yield running
