"""Schemathesis against the real server's /openapi.json: no 500, no answer outside the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.server.harness import RunningServer, items, running_server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "server.sqlite"
    # A generous rate limit: hypothesis sends many requests with one token; long-polls cut short.
    with running_server(
        f"sqlite:///{path}", rate_per_s=10_000, rate_burst=10_000, max_wait_s=0.2
    ) as server:
        with server.client(server.token("seed", "producer")) as producer:
            producer.post("/v1/items", json={"items": items(50)})
        yield server


@pytest.fixture(scope="module")
def admin_headers(live: RunningServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {live.token('fuzz', 'admin')}"}


@pytest.mark.slow
def test_the_api_answers_within_its_schema(
    live: RunningServer, admin_headers: dict[str, str]
) -> None:
    # Schemathesis's pytest plugin does not run under this pytest: drive its hypothesis
    # strategies directly, operation by operation, and report every failing one.
    api = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        if isinstance(result, Err):  # the API's own schema could not be read: a failure too
            failures.append(f"schema: {result.err()}")
            continue
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: Any) -> None:
            case.call_and_validate(base_url=live.url, headers=admin_headers, checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as error:  # list every failing operation
            failures.append(f"{operation.label}: {error}")
    assert operations >= 15
    assert failures == []
