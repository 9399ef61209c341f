"""Producers learn verdicts: an item's state, the long-polled verdict feed, queue policies."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from reviewdesk.domain.policy import Priority, ReviewPolicy, Routing, audit_draw
from reviewdesk.server.queue.policy import PriorityCache
from tests.helpers.records import record
from tests.server.harness import RunningServer, approve


def _push(server: RunningServer, items: list[dict[str, Any]]) -> None:
    with server.client(server.token("producer", "producer")) as producer:
        answer = producer.post("/v1/items", json={"items": items})
        assert answer.status_code == 200, answer.text


def _decide(
    server: RunningServer, reviewer: str, item_id: str, verdict: str, **fields: Any
) -> None:
    body = approve(item_id, f"d-{reviewer}-{item_id}", verdict=verdict, **fields)
    decision_id = body.pop("id")
    with server.client(server.token(reviewer, "reviewer")) as client:
        answer = client.put(f"/v1/decisions/{decision_id}", json=body)
        assert answer.status_code == 200, answer.text


def test_an_item_goes_from_queued_to_leased_to_decided_with_its_verdict(
    server: RunningServer,
) -> None:
    _push(server, [record(1, required_reviews=2)])
    producer = server.client(server.token("watcher", "producer"))
    with producer, server.client(server.token("alice", "reviewer")) as alice:
        assert producer.get("/v1/items/gen-000001").json()["state"] == "queued"
        assert producer.get("/v1/items/nope").status_code == 404
        lease = alice.post("/v1/queues/support/leases", json={"max_items": 1}).json()
        assert len(lease["items"]) == 1
        assert producer.get("/v1/items/gen-000001").json()["state"] == "leased"
        _decide(server, "alice", "gen-000001", "edit", edited_output="Fixed.", lease_id=None)
        half = producer.get("/v1/items/gen-000001").json()
        _decide(server, "bob", "gen-000001", "edit", edited_output="Fixed better.")
        done = producer.get("/v1/items/gen-000001").json()
    # alice's slot is decided, the second is free again: waiting for another reviewer.
    assert (half["state"], half["reviews"], half["verdict"]) == ("queued", 1, None)
    assert done["state"] == "decided"
    assert done["verdict"]["verdict"] == "edit"
    assert done["verdict"]["edited_output"] == "Fixed better."  # the latest of the majority
    assert done["verdict"]["reviewers"] == ["alice", "bob"]
    assert done["verdict"]["decided_at"] is not None


def test_a_tie_needs_adjudication(server: RunningServer) -> None:
    _push(server, [record(1, required_reviews=2)])
    _decide(server, "alice", "gen-000001", "approve")
    _decide(server, "bob", "gen-000001", "reject", reasons=["unsafe"])
    with server.client(server.token("watcher", "producer")) as producer:
        item = producer.get("/v1/items/gen-000001").json()
        feed = producer.get("/v1/verdicts").json()
    assert item["state"] == "needs_adjudication"
    assert [entry["verdict"]["verdict"] for entry in feed["verdicts"]] == ["needs_adjudication"]


def test_the_feed_is_a_cursor_over_final_verdicts_in_order(server: RunningServer) -> None:
    _push(server, [record(number) for number in range(1, 4)])
    for number in (2, 1, 3):
        _decide(server, "alice", f"gen-{number:06d}", "approve")
    with server.client(server.token("watcher", "producer")) as producer:
        first = producer.get("/v1/verdicts", params={"limit": 2}).json()
        rest = producer.get("/v1/verdicts", params={"since": first["next"]}).json()
        empty = producer.get("/v1/verdicts", params={"since": rest["next"]}).json()
    assert [entry["id"] for entry in first["verdicts"] + rest["verdicts"]] == [
        "gen-000002", "gen-000001", "gen-000003",
    ]  # fmt: skip
    assert empty["verdicts"] == [] and empty["next"] == rest["next"] == empty["head"]


def test_the_long_poll_returns_as_soon_as_a_verdict_lands(server: RunningServer) -> None:
    _push(server, [record(1)])
    answers: list[httpx.Response] = []
    started = threading.Event()

    def poll() -> None:
        with server.client(server.token("watcher", "producer")) as producer:
            started.set()
            answers.append(producer.get("/v1/verdicts", params={"wait": 30}))

    poller = threading.Thread(target=poll)
    poller.start()
    started.wait(10)
    poller.join(timeout=0.5)
    assert poller.is_alive() and not answers, "the poll returned before any verdict existed"
    _decide(server, "alice", "gen-000001", "approve")
    poller.join(timeout=15)  # far below the 30 s the poll may wait: it was woken
    assert not poller.is_alive()
    assert [entry["id"] for entry in answers[0].json()["verdicts"]] == ["gen-000001"]


def test_a_long_poll_with_nothing_to_say_ends_empty(server: RunningServer) -> None:
    with server.client(server.token("watcher", "producer")) as producer:
        answer = producer.get("/v1/verdicts", params={"wait": 0.3})
        too_long = producer.get("/v1/verdicts", params={"wait": 31})
    assert answer.json() == {"verdicts": [], "next": 0, "head": 0}
    assert too_long.status_code == 422


@pytest.mark.slow
def test_a_policy_routes_the_right_share_of_10000_items(server: RunningServer) -> None:
    policy = {"risk_threshold": 0.7, "audit_rate": 0.05, "required_reviews": [
        {"above": 0.9, "reviews": 2}]}  # fmt: skip
    with server.client(server.token("root", "admin")) as admin:
        answer = admin.put("/v1/queues/support/policy", json=policy)
        assert answer.status_code == 200, answer.text
    items = [
        record(number, queue="support", flags=[], risk=(number % 1000) / 1000)
        for number in range(1, 10_001)
    ]
    for start in range(0, len(items), 500):
        _push(server, items[start : start + 500])
    with server.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT g.id, g.risk, i.state, g.required_reviews, "
            "(SELECT count(*) FROM lease_slot s WHERE s.generation_pk = g.pk) "
            "FROM generation g JOIN server_item i ON i.generation_pk = g.pk"
        ).all()
    low = [row for row in rows if row.risk < 0.7]
    reviewed_low = [row for row in low if row.state == "open"]
    # 7,000 low-risk items, 5% audited: 350 expected, sd ~18; allow 4 sd.
    assert abs(len(reviewed_low) - 0.05 * len(low)) <= 4 * (len(low) * 0.05 * 0.95) ** 0.5
    # The draw is the item id's hash, so this is exactly the policy's own routing.
    assert {row.id for row in reviewed_low} == {row.id for row in low if audit_draw(row.id) < 0.05}
    assert all(row.state == "open" for row in rows if row.risk >= 0.7)
    assert all(row[4] == 0 for row in rows if row.state == "auto_approved")
    assert all(row.required_reviews == 2 == row[4] for row in rows if row.risk > 0.9)
    auto = len(rows) - sum(row.state == "open" for row in rows)
    with server.client(server.token("watcher", "producer")) as producer:
        stats = producer.get("/v1/stats", params={"group_by": "queue"}).json()
        one = producer.get(f"/v1/items/{next(r.id for r in low if r.state != 'open')}").json()
    with server.client(server.token("root2", "admin")) as admin:
        shown = admin.get("/v1/queues/support/policy").json()
    assert stats["unreviewed"] == {"auto_approved": auto, "by_queue": {"support": auto}}
    assert shown["auto_approved"] == auto and shown["policy"]["risk_threshold"] == 0.7
    assert one["state"] == "auto_approved" and one["verdict"]["verdict"] == "auto_approved"


def test_an_auto_approved_item_is_never_leased(server: RunningServer) -> None:
    with server.client(server.token("root", "admin")) as admin:
        admin.put("/v1/queues/q/policy", json={"risk_threshold": 0.5, "min_severity": "error"})
    _push(server, [
        record(1, queue="q", risk=0.1, flags=[]),
        record(2, queue="q", risk=0.1),  # an error flag: reviewed
        record(3, queue="q", risk=0.6, flags=[]),
    ])  # fmt: skip
    with server.client(server.token("alice", "reviewer")) as alice:
        leased = alice.post("/v1/queues/q/leases", json={"max_items": 10}).json()["items"]
    assert sorted(item["generation"]["id"] for item in leased) == ["gen-000002", "gen-000003"]


def test_policy_routing_rules() -> None:
    policy = ReviewPolicy.model_validate(
        {"risk_threshold": 0.7, "min_severity": "error", "audit_rate": 0.0,
         "required_reviews": [{"above": 0.9, "reviews": 3}, {"above": 0.8, "reviews": 2}]}
    )  # fmt: skip
    assert policy.route("a", 0.75, 0) is Routing.REVIEW
    assert policy.route("a", 0.1, 3) is Routing.REVIEW
    assert policy.route("a", 0.1, 2) is Routing.AUTO_APPROVED
    assert policy.route("a", None, 0) is Routing.REVIEW
    assert ReviewPolicy(audit_rate=1.0, risk_threshold=0.5).route("a", 0.1, 0) is Routing.AUDIT
    ordered = policy.model_copy(
        update={"required_reviews": tuple(sorted(policy.required_reviews, key=lambda b: b.above))}
    )
    assert [ordered.reviews_for(risk, 1) for risk in (0.5, 0.85, 0.95)] == [1, 2, 3]
    assert ordered.reviews_for(0.5, 4) == 4


def test_a_queue_priority_sets_the_lease_order(server: RunningServer) -> None:
    risks = [0.2, 0.9, 0.5]  # pushed in this order: gen-000001 is the oldest
    _push(server, [record(n, queue="fifo", flags=[], risk=r) for n, r in enumerate(risks, 1)])
    _push(server, [record(n, queue="hot", flags=[], risk=r) for n, r in enumerate(risks, 11)])
    _push(server, [record(n, queue="lifo", flags=[], risk=r) for n, r in enumerate(risks, 21)])

    def lease_order(queue: str, reviewer: str) -> list[str]:
        with server.client(server.token(reviewer, "reviewer")) as client:
            answer = client.post(f"/v1/queues/{queue}/leases", json={"max_items": 3})
            assert answer.status_code == 200, answer.text
            return [item["generation"]["id"] for item in answer.json()["items"]]

    with server.client(server.token("root", "admin")) as admin:
        assert admin.put("/v1/queues/fifo/policy", json={"priority": "oldest"}).status_code == 200
    assert lease_order("fifo", "alice") == ["gen-000001", "gen-000002", "gen-000003"]
    assert lease_order("hot", "alice") == ["gen-000012", "gen-000013", "gen-000011"]  # by risk
    with server.client(server.token("root2", "admin")) as admin:
        assert admin.put("/v1/queues/lifo/policy", json={"priority": "newest"}).status_code == 200
    assert lease_order("lifo", "bob") == ["gen-000023", "gen-000022", "gen-000021"]


def test_a_priority_set_after_leases_began_orders_the_next_lease(server: RunningServer) -> None:
    _push(
        server,
        [record(n, queue="late", flags=[], risk=r) for n, r in ((1, 0.2), (2, 0.9), (3, 0.5))],
    )

    def lease_order(reviewer: str) -> list[str]:
        with server.client(server.token(reviewer, "reviewer")) as client:
            answer = client.post("/v1/queues/late/leases", json={"max_items": 3})
            assert answer.status_code == 200, answer.text
            return [item["generation"]["id"] for item in answer.json()["items"]]

    with server.client(server.token("peek", "reviewer")) as peek:
        first = peek.post("/v1/queues/late/leases", json={"max_items": 1}).json()["items"]
    assert [item["generation"]["id"] for item in first] == ["gen-000002"]  # by risk
    with server.client(server.token("root", "admin")) as admin:
        assert admin.put("/v1/queues/late/policy", json={"priority": "oldest"}).status_code == 200
    assert lease_order("bob") == ["gen-000001", "gen-000003"]  # gen-000002 is leased


def test_a_priority_changed_elsewhere_is_read_again_after_the_cache_time() -> None:
    now = [100.0]
    cache = PriorityCache(ttl_s=2.0, clock=lambda: now[0])
    stored: list[ReviewPolicy | None] = [None]
    reads: list[str] = []

    def load() -> ReviewPolicy | None:
        reads.append("read")
        return stored[0]

    assert cache.get("q", load) is Priority.RISK
    stored[0] = ReviewPolicy(priority=Priority.NEWEST)  # another server process set it
    now[0] += 1.9
    assert cache.get("q", load) is Priority.RISK
    assert len(reads) == 1
    now[0] += 0.2
    assert cache.get("q", load) is Priority.NEWEST
    assert len(reads) == 2


def test_a_call_whose_every_item_the_policy_lets_through_is_stored(
    server: RunningServer,
) -> None:
    with server.client(server.token("root", "admin")) as admin:
        answer = admin.put("/v1/queues/support/policy", json={"risk_threshold": 0.9})
        assert answer.status_code == 200, answer.text
    _push(server, [record(number, flags=[], risk=0.1) for number in range(1, 251)])
    with server.engine.connect() as connection:
        states = connection.exec_driver_sql("SELECT state, count(*) FROM server_item GROUP BY 1")
        slots = connection.exec_driver_sql("SELECT count(*) FROM lease_slot").scalar_one()
        assert (dict(states.all()), slots) == ({"auto_approved": 250}, 0)
