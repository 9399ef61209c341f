"""Webhooks under stress and abuse, on both engines: a slow receiver served by two delivery
workers gets each verdict once; a removed webhook gets nothing more; private destinations are
refused unless the server allows them (`--webhook-allow`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from reviewdesk.errors import UserError
from reviewdesk.server.database import transact
from reviewdesk.server.settings import wall_clock_ms
from reviewdesk.server.webhooks.destinations import Destinations
from reviewdesk.server.webhooks.hooks import add_webhook
from reviewdesk.server.webhooks.worker import DeliveryPolicy, DeliveryWorker, pending_count
from tests.helpers.records import record
from tests.server.harness import RunningServer, approve, running_server
from tests.server.receiver import Receiver


@pytest.fixture
def slow_receiver() -> Iterator[Receiver]:
    receiver = Receiver(delay_s=0.25).start()
    yield receiver
    receiver.stop()


def _push_and_decide(server: RunningServer, count: int) -> None:
    with server.client(server.token("producer", "producer")) as producer:
        items = [record(n) for n in range(1, count + 1)]
        assert producer.post("/v1/items", json={"items": items}).status_code == 200
    with server.client(server.token("alice", "reviewer")) as alice:
        alice.post("/v1/queues/support/leases", json={"max_items": count})
        decisions = [approve(f"gen-{n:06d}", f"d-{n}") for n in range(1, count + 1)]
        assert alice.post("/v1/decisions/batch", json={"decisions": decisions}).status_code == 200


def _hook(server: RunningServer, url: str) -> str:
    with server.client(server.token("root", "admin")) as admin:
        made = admin.post("/v1/webhooks", json={"queue": "support", "url": url})
    assert made.status_code == 201, made.text
    hook_id: str = made.json()["id"]
    return hook_id


def test_a_slow_receiver_with_two_workers_gets_each_verdict_once(
    server: RunningServer, slow_receiver: Receiver
) -> None:
    _hook(server, slow_receiver.url)
    _push_and_decide(server, 12)
    # A claim window shorter than a batch of POSTs to this receiver (12 x 0.25 s): without a
    # claim renewed per delivery, the second worker would take the rest of the batch again.
    policy = DeliveryPolicy(claim_s=1.0, batch=12, timeout_s=5)
    workers = [
        DeliveryWorker(server.engine, clock=wall_clock_ms, policy=policy, idle_s=0.05)
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    try:
        slow_receiver.wait_for(12, timeout_s=60)
        deadline = wall_clock_ms() + 60_000
        while pending_count(server.engine) and wall_clock_ms() < deadline:
            slow_receiver.wait_for(len(slow_receiver.received) + 1, timeout_s=0.5)
    finally:
        for worker in workers:
            worker.stop()  # after its current POST: nothing is in flight past here
    sent = Counter(got.headers["Reviewdesk-Delivery"] for got in slow_receiver.received)
    assert len(sent) == 12 and set(sent.values()) == {1}
    assert pending_count(server.engine) == 0


def test_a_removed_webhook_is_not_delivered(server: RunningServer) -> None:
    receiver = Receiver().start()
    try:
        hook_id = _hook(server, receiver.url)
        _push_and_decide(server, 2)
        with server.client(server.token("root", "admin")) as admin:
            assert admin.delete(f"/v1/webhooks/{hook_id}").status_code == 200
        worker = DeliveryWorker(server.engine, clock=wall_clock_ms)
        try:
            assert worker.run_once() == 0
        finally:
            worker.stop()
        assert receiver.received == []
    finally:
        receiver.stop()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0:9/",
    ],
)
def test_private_destinations_are_refused_unless_allowed(database_url: str, url: str) -> None:
    with (
        running_server(database_url, webhook_allow=()) as server,
        server.client(server.token("root", "admin")) as admin,
    ):
        refused = admin.post("/v1/webhooks", json={"queue": "support", "url": url})
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_webhook"
    assert "--webhook-allow" in refused.json()["detail"]


def test_an_allowed_network_is_reached_and_a_disallowed_one_is_logged_not_sent(
    database_url: str,
) -> None:
    receiver = Receiver().start()
    try:
        with running_server(database_url, webhook_allow=("10.0.0.0/8",)) as server:
            with server.client(server.token("root", "admin")) as admin:
                allowed = admin.post(
                    "/v1/webhooks", json={"queue": "support", "url": "http://10.9.8.7/"}
                )
            assert allowed.status_code == 201
            # Registered behind the API's back (the command line writes the database itself):
            # the worker still refuses to send it, and says why in the delivery log.
            hook = transact(
                server.engine,
                lambda c: add_webhook(c, "support", receiver.url, now_ms=wall_clock_ms()),
            )
            _push_and_decide(server, 1)
            worker = DeliveryWorker(
                server.engine,
                clock=wall_clock_ms,
                destinations=Destinations(("10.0.0.0/8",)),
                policy=DeliveryPolicy(timeout_s=1),
            )
            try:
                worker.run_once()
            finally:
                worker.stop()
            with server.client(server.token("root2", "admin")) as admin:
                log = admin.get(f"/v1/webhooks/{hook.id}/deliveries").json()["deliveries"]
        assert receiver.received == []
        assert log[0]["state"] == "pending" and "not sent" in log[0]["last_error"]
        assert "127.0.0.1" in log[0]["last_error"]
    finally:
        receiver.stop()


def test_public_hosts_pass_and_a_bad_allow_entry_is_named() -> None:
    public = Destinations(resolver=lambda host: ["93.184.216.34"])
    assert public.problem("https://hooks.example.com/x") is None
    rebound = Destinations(resolver=lambda host: ["93.184.216.34", "127.0.0.1"])
    assert rebound.problem("https://hooks.example.com/x") is not None
    named = Destinations(("hooks.internal",), resolver=lambda host: ["10.0.0.5"])
    assert named.problem("http://hooks.internal:8080/") is None
    with pytest.raises(UserError, match="--webhook-allow"):
        Destinations(("not a host!",))
