"""Two server processes on one PostgreSQL deliver each verdict to a webhook exactly once."""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path

import httpx
import orjson
import pytest

from reviewdesk.client import ReviewdeskClient, verify_signature
from reviewdesk.protocol import TokenRole
from reviewdesk.server import open_engine, prepare_schema
from reviewdesk.server.access.tokens import create_token
from reviewdesk.server.database import transact
from tests.e2e.process import ServerProcess
from tests.helpers.records import record
from tests.server.postgres import PostgresServer
from tests.server.receiver import Receiver

ITEMS = 60


@pytest.mark.slow
def test_two_processes_deliver_each_verdict_exactly_once(
    postgres: PostgresServer | None, tmp_path: Path
) -> None:
    if postgres is None:
        pytest.skip("PostgreSQL is not installed")
    url = postgres.database()
    engine = open_engine(url)
    prepare_schema(engine, allow_migrate=False)
    secrets = {
        role: transact(engine, partial(create_token, name=role, role=TokenRole(role))).secret
        for role in ("producer", "reviewer", "admin")
    }
    engine.dispose()
    receiver = Receiver().start()
    servers = [ServerProcess(url, tmp_path / f"server{n}.log") for n in (1, 2)]
    try:
        for server in servers:
            server.start()
        first, second = servers
        headers = {"Authorization": f"Bearer {secrets['admin']}"}
        made = httpx.post(f"{first.url}/v1/webhooks", headers=headers,
                          json={"queue": "support", "url": receiver.url}).json()  # fmt: skip
        with ReviewdeskClient(first.url, secrets["producer"]) as producer:
            producer.submit([record(n) for n in range(1, ITEMS + 1)])
        # Decisions alternate between the processes; each process's worker claims deliveries.
        for number in range(1, ITEMS + 1):
            server = servers[number % 2]
            body = {"generation_id": f"gen-{number:06d}", "verdict": "approve",
                    "decided_at": "2026-11-21T09:00:00Z"}  # fmt: skip
            answer = httpx.put(
                f"{server.url}/v1/decisions/d-{number}",
                json=body,
                headers={"Authorization": f"Bearer {secrets['reviewer']}"},
            )
            assert answer.status_code == 200, answer.text
        receiver.wait_for(ITEMS)
        with ReviewdeskClient(second.url, secrets["producer"]) as producer:
            verdict = producer.wait_for_verdict("gen-000001", timeout=10)
    finally:
        for server in servers:
            server.stop()
        receiver.stop()
    got = receiver.received  # all that arrived until both processes stopped
    counts = Counter(orjson.loads(entry.body)["verdict"]["id"] for entry in got)
    assert counts == Counter({f"gen-{n:06d}": 1 for n in range(1, ITEMS + 1)})
    assert all(verify_signature(made["secret"], entry.headers, entry.body) for entry in got)
    assert verdict["verdict"]["verdict"] == "approve"
    engine = open_engine(url)
    with engine.connect() as connection:
        log = connection.exec_driver_sql("SELECT state, attempts FROM webhook_delivery").all()
    engine.dispose()
    assert Counter(tuple(row) for row in log) == Counter({("delivered", 1): ITEMS})
