"""Verdict revisions, end to end on both engines: a final verdict never changes silently.

A producer reads `approve`; decisions arriving later (from reviewers who never held the item)
change the resolved verdict: each change is a new revision in `/v1/verdicts`, a signed
`verdict.revised` webhook and the latest answer of `ReviewdeskClient`. With the queue's policy
set to freeze, the late decisions are stored and the verdict keeps revision 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from reviewdesk.client import verify_signature
from reviewdesk.remote import ReviewdeskClient
from reviewdesk.server.webhooks.worker import DeliveryPolicy, DeliveryWorker
from tests.helpers.records import record
from tests.server.harness import FakeClock, RunningServer, approve
from tests.server.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def _decide(server: RunningServer, reviewer: str, decision_id: str, **fields: Any) -> str:
    body = approve("gen-000001", decision_id, **fields)
    del body["id"]
    with server.client(server.token(reviewer, "reviewer")) as client:
        if fields.get("lease", True):
            client.post("/v1/queues/support/leases", json={"max_items": 1})
        answer = client.put(f"/v1/decisions/{decision_id}", json=body)
    assert answer.status_code == 200, answer.text
    status: str = answer.json()["status"]
    return status


def _setup(server: RunningServer, receiver: Receiver, *, freeze: bool) -> str:
    with server.client(server.token("root", "admin")) as admin:
        if freeze:
            put = admin.put("/v1/queues/support/policy", json={"freeze": True})
            assert put.status_code == 200, put.text
        made = admin.post("/v1/webhooks", json={"queue": "support", "url": receiver.url})
        assert made.status_code == 201
    secret: str = made.json()["secret"]
    return secret


def _deliver(server: RunningServer, clock: FakeClock) -> int:
    worker = DeliveryWorker(server.engine, clock=clock, policy=DeliveryPolicy(timeout_s=5))
    try:
        return worker.run_once()
    finally:
        worker.stop()


def _late_reject(server: RunningServer, reviewer: str, decision_id: str) -> str:
    body = approve("gen-000001", decision_id, verdict="reject", reasons=["unsafe"])
    del body["id"]
    with server.client(server.token(reviewer, "reviewer")) as client:  # never leased it
        answer = client.put(f"/v1/decisions/{decision_id}", json=body)
    assert answer.status_code == 200, answer.text
    status: str = answer.json()["status"]
    return status


def test_a_late_reject_makes_revision_2_in_the_feed_the_webhook_and_the_client(
    server: RunningServer, clock: FakeClock, receiver: Receiver
) -> None:
    secret = _setup(server, receiver, freeze=False)
    with ReviewdeskClient(server.url, server.token("producer", "producer")) as producer:
        producer.submit([record(1)])
        assert _decide(server, "alice", "d-alice") == "accepted"
        first = producer.wait_for_verdict("gen-000001", timeout=5)
        assert (first["verdict"]["verdict"], first["revision"]) == ("approve", 1)
        assert _deliver(server, clock) == 1

        assert _late_reject(server, "bob", "d-bob") == "accepted_extra"
        tied = producer.item("gen-000001")
        assert (tied["state"], tied["verdict"]["verdict"], tied["revision"]) == (
            "needs_adjudication", "needs_adjudication", 2,
        )  # fmt: skip
        assert _late_reject(server, "carol", "d-carol") == "accepted_extra"
        latest = producer.wait_for_verdict("gen-000001", timeout=5)
        revisions = list(producer.revisions("gen-000001"))
        feed, _ = producer.verdicts(0)
    assert (latest["verdict"]["verdict"], latest["revision"]) == ("reject", 3)
    assert latest["verdict"]["reasons"] == ["unsafe"]
    assert [(r["revision"], r["verdict"]["verdict"], r["previous"]) for r in revisions] == [
        (1, "approve", None),
        (2, "needs_adjudication", "approve"),
        (3, "reject", "needs_adjudication"),
    ]
    assert [entry["revision"] for entry in feed] == [1, 2, 3]
    assert feed[0]["verdict"]["verdict"] == "approve"  # each entry as it was then

    assert _deliver(server, clock) == 2
    bodies = [orjson.loads(got.body) for got in receiver.wait_for(3)]
    assert [(b["event"], b["verdict"]["revision"]) for b in bodies] == [
        ("verdict.final", 1), ("verdict.revised", 2), ("verdict.revised", 3),
    ]  # fmt: skip
    assert bodies[1]["verdict"]["previous"] == "approve"
    for got in receiver.received:
        assert verify_signature(secret, got.headers, got.body)


def test_a_frozen_queue_keeps_revision_1_and_still_stores_the_late_decisions(
    server: RunningServer, clock: FakeClock, receiver: Receiver
) -> None:
    _setup(server, receiver, freeze=True)
    with ReviewdeskClient(server.url, server.token("producer", "producer")) as producer:
        producer.submit([record(1)])
        assert _decide(server, "alice", "d-alice") == "accepted"
        assert _late_reject(server, "bob", "d-bob") == "accepted_extra"
        assert _late_reject(server, "carol", "d-carol") == "accepted_extra"
        item = producer.wait_for_verdict("gen-000001", timeout=5)
        revisions = list(producer.revisions("gen-000001"))
    assert (item["verdict"]["verdict"], item["revision"]) == ("approve", 1)
    assert [r["revision"] for r in revisions] == [1]
    assert _deliver(server, clock) == 1
    assert [orjson.loads(got.body)["event"] for got in receiver.wait_for(1)] == ["verdict.final"]
    with server.client(server.token("root", "admin")) as admin:
        stored = [admin.get(f"/v1/decisions/{d}").json()["verdict"] for d in ("d-bob", "d-carol")]
    assert stored == ["reject", "reject"]
