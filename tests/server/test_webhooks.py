"""Webhooks: each final verdict is POSTed once, signed, retried, dead-lettered and replayed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import orjson
import pytest

from reviewdesk.client import verify_signature
from reviewdesk.server.webhooks.worker import DeliveryPolicy, DeliveryWorker
from tests.helpers.records import record
from tests.server.harness import FakeClock, RunningServer, approve
from tests.server.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def _setup(server: RunningServer, url: str, count: int = 1) -> tuple[str, str]:
    with server.client(server.token("root", "admin")) as admin:
        made = admin.post("/v1/webhooks", json={"queue": "support", "url": url})
        assert made.status_code == 201, made.text
    with server.client(server.token("producer", "producer")) as producer:
        items = [record(n, queue="support") for n in range(1, count + 1)]
        assert producer.post("/v1/items", json={"items": items}).status_code == 200
    return made.json()["id"], made.json()["secret"]


def _decide(server: RunningServer, number: int) -> None:
    body = approve(f"gen-{number:06d}", f"d-{number}")
    body.pop("id")
    with server.client(server.token("alice", "reviewer")) as alice:
        assert alice.put(f"/v1/decisions/d-{number}", json=body).status_code == 200


def _worker(server: RunningServer, clock: FakeClock, **policy: Any) -> DeliveryWorker:
    return DeliveryWorker(
        server.engine, clock=clock, policy=replace(DeliveryPolicy(timeout_s=5), **policy)
    )


def _log(server: RunningServer, webhook_id: str) -> list[dict[str, object]]:
    with server.client(server.token("root", "admin")) as admin:
        deliveries: list[dict[str, object]] = admin.get(
            f"/v1/webhooks/{webhook_id}/deliveries"
        ).json()["deliveries"]
        return deliveries


def test_one_correctly_signed_delivery_per_verdict(
    server: RunningServer, clock: FakeClock, receiver: Receiver
) -> None:
    receiver.start()
    webhook_id, secret = _setup(server, receiver.url)
    _decide(server, 1)
    _decide(server, 1)  # the same decision again (a retry): still one verdict
    worker = _worker(server, clock)
    try:
        assert worker.run_once() == 1
        assert worker.run_once() == 0
    finally:
        worker.stop()
    (got,) = receiver.received
    assert verify_signature(secret, got.headers, got.body)
    assert not verify_signature("whsec_other", got.headers, got.body)
    body = orjson.loads(got.body)
    assert body["verdict"]["id"] == "gen-000001"
    assert body["verdict"]["verdict"]["verdict"] == "approve"
    assert got.headers["Reviewdesk-Delivery"] == body["delivery_id"]
    (logged,) = _log(server, webhook_id)
    assert (logged["state"], logged["attempts"], logged["last_status"]) == ("delivered", 1, 204)
    with server.client(server.token("root", "admin")) as admin:
        listed = admin.get("/v1/webhooks").json()["webhooks"]
    assert [hook["secret"] for hook in listed] == [None]


def test_a_receiver_that_is_down_gets_the_delivery_once_it_is_back(
    server: RunningServer, clock: FakeClock, receiver: Receiver
) -> None:
    webhook_id, secret = _setup(server, receiver.url)  # the receiver is not listening yet
    _decide(server, 1)
    worker = _worker(server, clock, base_delay_s=10)
    try:
        assert worker.run_once() == 1  # refused
        assert worker.run_once() == 0  # not due for 10 s
        clock.advance(10)
        assert worker.run_once() == 1  # refused again; next in 20 s
        receiver.start()
        clock.advance(19)
        assert worker.run_once() == 0
        clock.advance(1)
        assert worker.run_once() == 1
    finally:
        worker.stop()
    (got,) = receiver.received
    assert verify_signature(secret, got.headers, got.body)
    (logged,) = _log(server, webhook_id)
    assert (logged["state"], logged["attempts"]) == ("delivered", 3)


def test_dead_after_max_attempts_then_replayed_by_an_admin(
    server: RunningServer, clock: FakeClock, receiver: Receiver
) -> None:
    webhook_id, _ = _setup(server, receiver.url)
    _decide(server, 1)
    worker = _worker(server, clock, base_delay_s=1, max_attempts=2)
    try:
        worker.run_once()
        clock.advance(1)
        worker.run_once()
        clock.advance(100)
        assert worker.run_once() == 0
        (logged,) = _log(server, webhook_id)
        assert (logged["state"], logged["attempts"]) == ("dead", 2)
        assert logged["last_error"]
        receiver.start()
        with server.client(server.token("root", "admin")) as admin:
            replayed = admin.post(f"/v1/webhooks/{webhook_id}/replay").json()
        assert replayed == {"replayed": 1}
        assert worker.run_once() == 1
    finally:
        worker.stop()
    assert len(receiver.received) == 1
    assert _log(server, webhook_id)[0]["state"] == "delivered"


def test_a_background_worker_delivers_without_being_driven(
    server: RunningServer, clock: FakeClock, receiver: Receiver
) -> None:
    receiver.start()
    _setup(server, receiver.url, count=5)
    worker = _worker(server, clock)
    worker.start()
    try:
        for number in range(1, 6):
            _decide(server, number)
        got = receiver.wait_for(5)
    finally:
        worker.stop()
    ids = sorted(orjson.loads(entry.body)["verdict"]["id"] for entry in got)
    assert ids == [f"gen-{n:06d}" for n in range(1, 6)]


def test_a_bad_url_is_refused(server: RunningServer) -> None:
    with server.client(server.token("root", "admin")) as admin:
        answer = admin.post("/v1/webhooks", json={"queue": "q", "url": "ftp://x"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_webhook"
