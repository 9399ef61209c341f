"""Twenty reviewers lease and decide 2,000 items over real HTTP against `reviewdesk serve`,
required_reviews mixed 1 and 2: every slot is decided exactly once, no reviewer gets an item
twice, no decision is lost, no request gets a 500 — also when the server process is killed
with SIGKILL mid-run and started again."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from reviewdesk.protocol import TokenRole
from reviewdesk.server import open_engine
from reviewdesk.server.access.tokens import create_token
from reviewdesk.server.database import transact
from tests.e2e.process import ServerProcess
from tests.helpers.records import record

ITEMS = 2000
REVIEWERS = 20
KEPT = {"accepted", "duplicate", "accepted_late", "accepted_extra"}


@dataclass
class Reviewer:
    name: str
    secret: str
    received: list[str] = field(default_factory=list)
    sent: dict[str, str] = field(default_factory=dict)  # decision id -> item id
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0
    busy: int = 0
    retries: int = 0


def _request(reviewer: Reviewer, client: httpx.Client, method: str, url: str, body: Any) -> Any:
    """One call, retried while the server is down or restarting (bounded)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            response = client.request(method, url, json=body)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            reviewer.retries += 1
            time.sleep(0.05)
            continue
        if response.status_code == 503:  # busy: the protocol says retry after Retry-After
            reviewer.busy += 1
            time.sleep(float(response.headers.get("retry-after", "1")))
            continue
        if response.status_code >= 500:
            reviewer.server_errors += 1
        assert response.status_code == 200, response.text
        return response.json()


def _work(reviewer: Reviewer, url: str, ttl_s: int, all_done: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {reviewer.secret}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        while not all_done.is_set():
            lease = _request(
                reviewer, client, "POST", "/v1/queues/support/leases",
                {"max_items": 25, "ttl_s": ttl_s},
            )  # fmt: skip
            if not lease["items"]:
                all_done.wait(0.05)  # others hold the rest, or it is all done: ask again
                continue
            decisions = []
            for item in lease["items"]:
                gid = item["generation"]["id"]
                reviewer.received.append(gid)
                decision_id = str(uuid.uuid4())
                reviewer.sent[decision_id] = gid
                decisions.append(
                    {
                        "id": decision_id,
                        "generation_id": gid,
                        "verdict": "approve",
                        "decided_at": "2026-11-21T09:00:00Z",
                        "lease_id": lease["lease_id"],
                        "lease_epoch": item["epoch"],
                    }
                )
            results = _request(
                reviewer, client, "POST", "/v1/decisions/batch", {"decisions": decisions}
            )["results"]
            reviewer.statuses.update(result["status"] for result in results)


def _run(database_url: str, tmp_path: Path, *, kill_midway: bool) -> None:
    engine = open_engine(database_url)
    server = ServerProcess(database_url, tmp_path / "server.log")
    server.start()
    try:

        def make(name: str, role: str) -> str:
            made = transact(engine, lambda c: create_token(c, name, TokenRole(role)))
            return made.secret

        producer = make("producer", "producer")
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {producer}"}, timeout=60
        ) as client:
            for start in range(1, ITEMS + 1, 500):
                batch = [
                    record(n, required_reviews=2 if n % 3 == 0 else 1)
                    for n in range(start, start + 500)
                ]
                assert client.post("/v1/items", json={"items": batch}).json()["created"] == 500
        slots = ITEMS + ITEMS // 3
        reviewers = [Reviewer(f"r{n:02d}", make(f"r{n:02d}", "reviewer")) for n in range(REVIEWERS)]
        all_done = threading.Event()
        ttl_s = 5 if kill_midway else 900  # leases whose answer the kill cut come back soon
        threads = [
            threading.Thread(target=_work, args=(r, server.url, ttl_s, all_done), daemon=True)
            for r in reviewers
        ]
        for thread in threads:
            thread.start()

        def open_slots() -> int:
            with engine.connect() as connection:
                return int(
                    connection.execute(
                        text("SELECT count(*) FROM lease_slot WHERE state <> 'decided'")
                    ).scalar_one()
                )

        killed = False
        deadline = time.monotonic() + 600
        while open_slots() and time.monotonic() < deadline:
            if kill_midway and not killed and open_slots() < slots * 0.6:
                server.kill()
                server.start()
                killed = True
            if not all(thread.is_alive() for thread in threads):
                break  # a client failed: its assertion is reported below
            time.sleep(0.1)
        all_done.set()
        for thread in threads:
            thread.join(timeout=120)
        assert not kill_midway or killed
        assert open_slots() == 0
    finally:
        server.stop()

    with engine.connect() as connection:
        filled = connection.execute(
            text(
                "SELECT s.generation_pk, d.reviewer, d.id FROM lease_slot s "
                "JOIN decision d ON d.pk = s.decision_pk"
            )
        ).all()
        stored = set(connection.execute(text("SELECT id FROM decision")).scalars())
        review_counts = connection.execute(
            text("SELECT count(*) FROM generation WHERE review_count <> required_reviews")
        ).scalar_one()
    engine.dispose()
    # Every slot decided exactly once, each item's slots by different reviewers.
    assert len(filled) == slots
    assert len({decision_id for _, _, decision_id in filled}) == slots
    assert len({(pk, reviewer) for pk, reviewer, _ in filled}) == slots
    # No reviewer received an item twice; nobody saw a 500; no decision was lost.
    for reviewer in reviewers:
        assert len(reviewer.received) == len(set(reviewer.received)), reviewer.name
        assert reviewer.server_errors == 0
        assert set(reviewer.sent) <= stored
    statuses = sum((reviewer.statuses for reviewer in reviewers), Counter())
    assert set(statuses) <= KEPT
    if not kill_midway:
        assert statuses == Counter({"accepted": slots})
        assert review_counts == 0
        assert len(stored) == slots


@pytest.mark.slow
def test_twenty_reviewers_decide_every_slot_exactly_once(database_url: str, tmp_path: Path) -> None:
    _run(database_url, tmp_path, kill_midway=False)


@pytest.mark.slow
def test_a_server_killed_mid_run_loses_nothing(database_url: str, tmp_path: Path) -> None:
    _run(database_url, tmp_path, kill_midway=True)
