"""API v1 over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text

from tests.server.harness import FakeClock, RunningServer, approve, items, running_server

PROBLEM = "application/problem+json"


def _push(server: RunningServer, records: list[dict[str, Any]]) -> dict[str, Any]:
    with server.client(server.token("producer", "producer")) as client:
        response = client.post("/v1/items", json={"items": records})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _lease(client: httpx.Client, queue: str = "support", **body: Any) -> dict[str, Any]:
    response = client.post(f"/v1/queues/{queue}/leases", json=body)
    assert response.status_code == 200, response.text
    lease: dict[str, Any] = response.json()
    return lease


def _ids(lease: dict[str, Any]) -> list[str]:
    return [item["generation"]["id"] for item in lease["items"]]


def _decide(client: httpx.Client, decision: dict[str, Any]) -> httpx.Response:
    body = dict(decision)
    return client.put(f"/v1/decisions/{body.pop('id')}", json=body)


def test_items_are_idempotent_by_id_with_a_result_each(server: RunningServer) -> None:
    first = _push(server, [*items(3), {"id": "broken", "output": "x"}])
    assert (first["created"], first["duplicates"], first["invalid"]) == (3, 0, 1)
    broken = first["results"][3]
    assert broken["status"] == "invalid" and broken["id"] == "broken"
    assert {error["field"] for error in broken["errors"]} == {"prompt", "model"}
    again = _push(server, items(4))
    assert [result["status"] for result in again["results"]] == [
        "duplicate", "duplicate", "duplicate", "created",
    ]  # fmt: skip


def test_an_id_with_other_content_is_a_conflict_never_merged(server: RunningServer) -> None:
    first, second = items(2)
    assert _push(server, [first])["created"] == 1
    label = {"reviewer": "bob", "verdict": "approve", "decided_at": "2026-11-21T09:00:00Z"}
    changed = {**first, "output": "Another answer.", "flags": [], "decisions": [label]}
    body = _push(server, [changed, first, second, {**second, "model": "other-model"}])
    assert [result["status"] for result in body["results"]] == [
        "conflict", "duplicate", "created", "conflict",
    ]  # fmt: skip
    assert (body["created"], body["duplicates"]) == (1, 1)
    assert body["results"][0]["errors"] == [
        {"field": "id", "message": "stored already with a different output: not stored"}
    ]
    assert body["results"][0]["decisions"] == 0
    assert (
        "earlier in this call with a different model" in body["results"][3]["errors"][0]["message"]
    )
    with server.engine.connect() as connection:
        output = connection.execute(
            text(
                "SELECT t.output FROM generation g JOIN generation_text t ON t.pk = g.pk "
                "WHERE g.id = :id"
            ),
            {"id": first["id"]},
        ).scalar_one()
        decisions = connection.execute(text("SELECT count(*) FROM decision")).scalar_one()
    assert (output, decisions) == (first["output"], 0)


def _stored_decisions(server: RunningServer) -> dict[str, tuple[str, str, datetime]]:
    with server.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT d.id, g.id, d.reviewer, d.decided_at FROM decision d "
                "JOIN generation g ON g.pk = d.generation_pk"
            )
        ).all()
    return {
        did: (gid, reviewer, datetime.fromisoformat(when.replace("Z", "+00:00")))
        for did, gid, reviewer, when in found
    }


def test_integer_ids_and_undated_decisions_are_taken_and_a_repush_is_all_duplicates(
    server: RunningServer, clock: FakeClock
) -> None:
    dated = {"reviewer": "bob", "verdict": "approve", "decided_at": "2026-11-21T09:00:00Z"}
    undated = {"reviewer": "ann", "verdict": "reject", "reasons": ["pii_leak"]}
    numbered = {**items(1)[0], "id": 47, "decisions": [undated, dated]}
    blank = {**items(1, start=2)[0], "decisions": [{**undated, "decided_at": ""}]}
    pushed = [numbered, blank]
    received = datetime.fromtimestamp(clock.now_ms / 1000, UTC)

    first = _push(server, pushed)
    assert [(r["id"], r["status"], r["decisions"]) for r in first["results"]] == [
        ("47", "created", 2), ("gen-000002", "created", 1),
    ]  # fmt: skip
    with server.client(server.token("watcher", "producer")) as client:
        assert client.get("/v1/items/47").json()["id"] == "47"
    stored = _stored_decisions(server)
    assert sorted(stored.values()) == [
        ("47", "ann", received),
        ("47", "bob", datetime(2026, 11, 21, 9, tzinfo=UTC)),
        ("gen-000002", "ann", received),
    ]

    clock.advance(3600)  # pushed again an hour later: the same decisions, not new ones
    again = _push(server, pushed)
    assert [(r["status"], r["decisions"], r["errors"]) for r in again["results"]] == [
        ("duplicate", 0, []), ("duplicate", 0, []),
    ]  # fmt: skip
    assert (again["created"], again["duplicates"]) == (0, 2)
    assert _stored_decisions(server) == stored


def test_a_span_outside_the_output_names_the_field_as_import_does(server: RunningServer) -> None:
    bad = items(1)[0]
    bad["flags"][0]["span"] = [0, 10_000]
    result = _push(server, [bad])["results"][0]
    assert result["status"] == "invalid"
    assert result["errors"][0]["field"] == "flags[0].span"
    assert "outside the output" in result["errors"][0]["message"]


def test_too_many_items_or_decisions_in_one_call_is_413(server: RunningServer) -> None:
    with server.client(server.token("p", "producer")) as client:
        response = client.post("/v1/items", json={"items": items(501)})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "batch_too_large"
    with server.client(server.token("r", "reviewer")) as client:
        decisions = [approve(f"gen-{n}", f"d-{n}") for n in range(201)]
        response = client.post("/v1/decisions/batch", json={"decisions": decisions})
    assert response.status_code == 413 and response.json()["code"] == "batch_too_large"


def test_a_body_over_the_limit_is_413(database_url: str) -> None:
    with (
        running_server(database_url, max_body_bytes=10_000) as server,
        server.client(server.token("p", "producer")) as client,
    ):
        response = client.post("/v1/items", json={"items": items(20)})
        streamed = client.post(
            "/v1/items",
            content=iter([b'{"items": [', b" " * 20_000, b"]}"]),
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    assert streamed.status_code == 413


def test_each_slot_goes_to_a_different_reviewer_and_nobody_twice(server: RunningServer) -> None:
    _push(server, [*items(2), *items(1, start=3, required_reviews=2, risk=0.99)])
    alice = server.client(server.token("alice", "reviewer"))
    bob = server.client(server.token("bob", "reviewer"))
    carol = server.client(server.token("carol", "reviewer"))
    with alice, bob, carol:
        first = _lease(alice, max_items=10)
        assert _ids(first)[0] == "gen-000003"  # highest risk first
        assert sorted(_ids(first)) == ["gen-000001", "gen-000002", "gen-000003"]
        assert _lease(alice, max_items=10)["items"] == []  # holds them all: nothing more
        second = _lease(bob, max_items=10)
        assert _ids(second) == ["gen-000003"]  # the second slot of the two-review item
        assert second["items"][0]["required_reviews"] == 2
        assert _lease(carol, max_items=10)["items"] == []
        for lease, client, name in ((first, alice, "a"), (second, bob, "b")):
            for item in lease["items"]:
                gid = item["generation"]["id"]
                response = _decide(
                    client, approve(gid, f"{name}-{gid}", lease_id=lease["lease_id"])
                )
                assert response.json()["status"] == "accepted"
        assert _lease(alice)["items"] == [] and _lease(carol)["items"] == []
    with server.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, review_count FROM generation"))
        counts = {row[0]: row[1] for row in rows}
    assert counts == {"gen-000001": 1, "gen-000002": 1, "gen-000003": 2}


def test_an_expired_lease_is_reclaimed_and_the_late_decision_kept(
    server: RunningServer, clock: FakeClock
) -> None:
    _push(server, items(1))
    with (
        server.client(server.token("alice", "reviewer")) as alice,
        server.client(server.token("bob", "reviewer")) as bob,
    ):
        first = _lease(alice, ttl_s=60)
        assert first["items"][0]["epoch"] == 1
        assert _lease(bob)["items"] == []
        clock.advance(61)
        second = _lease(bob, ttl_s=60)
        assert _ids(second) == ["gen-000001"] and second["items"][0]["epoch"] == 2
        changes = alice.get("/v1/changes", params={"since": 0}).json()
        assert [(c["kind"], c["item_id"], c["lease_id"]) for c in changes["changes"]] == [
            ("lease_revoked", "gen-000001", first["lease_id"])
        ]
        assert alice.get("/v1/changes", params={"since": changes["next"]}).json()["changes"] == []
        assert bob.get("/v1/changes").json()["changes"] == []
        late = _decide(
            alice, approve("gen-000001", "late", lease_id=first["lease_id"], lease_epoch=1)
        )
        assert late.json()["status"] == "accepted_extra"
        on_time = _decide(bob, approve("gen-000001", "on-time", lease_id=second["lease_id"]))
        assert on_time.json()["status"] == "accepted"
        assert (
            alice.patch(f"/v1/leases/{first['lease_id']}", json={}).json()["code"] == "lease_lost"
        )
    with server.engine.connect() as connection:
        kept = connection.execute(text("SELECT id FROM decision ORDER BY id")).scalars().all()
    assert kept == ["late", "on-time"]


def test_a_decision_on_an_expired_but_unclaimed_lease_is_accepted_late(
    server: RunningServer, clock: FakeClock
) -> None:
    _push(server, items(1))
    with server.client(server.token("alice", "reviewer")) as alice:
        lease = _lease(alice, ttl_s=60)
        clock.advance(120)
        response = _decide(alice, approve("gen-000001", "d1", lease_id=lease["lease_id"]))
        assert response.json()["status"] == "accepted_late"
        assert _lease(alice)["items"] == []


def test_extend_keeps_a_lease_alive_and_release_gives_items_back(
    server: RunningServer, clock: FakeClock
) -> None:
    _push(server, items(2))
    with (
        server.client(server.token("alice", "reviewer")) as alice,
        server.client(server.token("bob", "reviewer")) as bob,
    ):
        lease = _lease(alice, ttl_s=60, max_items=2)
        clock.advance(50)
        extended = alice.patch(f"/v1/leases/{lease['lease_id']}", json={"ttl_s": 60})
        assert extended.status_code == 200
        assert sorted(extended.json()["held"]) == ["gen-000001", "gen-000002"]
        clock.advance(50)
        assert _lease(bob)["items"] == []  # still alice's: the heartbeat moved the expiry
        assert [lease["held"] for lease in alice.get("/v1/leases").json()["leases"]] == [2]
        assert bob.get("/v1/leases").json()["leases"] == []
        released = alice.delete(f"/v1/leases/{lease['lease_id']}")
        assert sorted(released.json()["released"]) == ["gen-000001", "gen-000002"]
        assert len(_lease(bob, max_items=5)["items"]) == 2


def test_an_offline_lease_lasts_longer_than_an_online_one_within_limits(
    server: RunningServer,
) -> None:
    _push(server, items(2))
    with server.client(server.token("alice", "reviewer")) as alice:
        online = _lease(alice, max_items=1, ttl_s=10**6)
        offline = _lease(alice, max_items=1, mode="offline", ttl_s=10**7)
    for lease, limit in ((online, 15 * 60), (offline, 72 * 3600)):
        from datetime import datetime

        span = datetime.fromisoformat(lease["expires_at"]) - datetime.fromisoformat(
            lease["server_time"]
        )
        assert span.total_seconds() == limit


def test_decisions_are_idempotent_by_id_and_a_reused_id_is_409(server: RunningServer) -> None:
    _push(server, items(2))
    with server.client(server.token("alice", "reviewer")) as alice:
        _lease(alice, max_items=2)
        decision = approve("gen-000001", "d-1")
        assert _decide(alice, decision).json()["status"] == "accepted"
        assert _decide(alice, decision).json()["status"] == "duplicate"
        other = _decide(alice, {**decision, "verdict": "reject", "reasons": ["tone"]})
        assert other.status_code == 409
        assert other.headers["content-type"] == PROBLEM
        assert other.json()["code"] == "decision_conflict"
        batch = alice.post(
            "/v1/decisions/batch",
            json={
                "decisions": [
                    decision,
                    {**decision, "verdict": "reject", "reasons": ["tone"]},
                    approve("gen-000002", "d-2"),
                    approve("gen-000002", "d-3", verdict="edit"),
                    approve("missing", "d-4"),
                ]
            },
        ).json()["results"]
    assert [(r["id"], r["status"], r["code"]) for r in batch] == [
        ("d-1", "duplicate", None),
        ("d-1", "invalid", "decision_conflict"),
        ("d-2", "accepted", None),
        ("d-3", "invalid", "invalid_decision"),
        ("d-4", "invalid", "unknown_item"),
    ]


def test_a_withdrawn_item_leaves_the_queue_and_its_holder_is_told(server: RunningServer) -> None:
    _push(server, items(2))
    with (
        server.client(server.token("alice", "reviewer")) as alice,
        server.client(server.token("producer2", "producer")) as producer,
    ):
        lease = _lease(alice, max_items=1)
        (held,) = _ids(lease)
        assert producer.delete(f"/v1/items/{held}").json() == {"id": held, "state": "withdrawn"}
        assert producer.delete("/v1/items/nope").status_code == 404
        changes = alice.get("/v1/changes").json()["changes"]
        assert [(c["kind"], c["item_id"]) for c in changes] == [("item_withdrawn", held)]
        assert _decide(alice, approve(held, "d-w")).json()["status"] == "withdrawn"
        assert held not in _ids(_lease(alice, max_items=5))


def test_a_reviewer_sees_only_their_own_leases_decisions_and_changes(
    server: RunningServer, clock: FakeClock
) -> None:
    _push(server, items(2))
    admin_token = server.token("root", "admin")
    with (
        server.client(server.token("alice", "reviewer")) as alice,
        server.client(server.token("bob", "reviewer")) as bob,
        server.client(admin_token) as admin,
    ):
        lease = _lease(alice, max_items=1, ttl_s=30)
        (gid,) = _ids(lease)
        _decide(alice, approve(gid, "alice-1"))
        assert bob.get("/v1/decisions/alice-1").status_code == 404
        assert alice.get("/v1/decisions/alice-1").json()["reviewer"] == "alice"
        assert admin.get("/v1/decisions/alice-1").status_code == 200
        other = _lease(alice, max_items=1, ttl_s=30)
        assert bob.patch(f"/v1/leases/{other['lease_id']}", json={}).status_code == 404
        assert bob.delete(f"/v1/leases/{other['lease_id']}").status_code == 404
        clock.advance(31)
        _lease(bob)
        assert bob.get("/v1/changes").json()["changes"] == []
        assert len(alice.get("/v1/changes").json()["changes"]) == 1
        assert len(admin.get("/v1/changes").json()["changes"]) == 1
        impostor = _decide(bob, approve(_ids(other)[0], "b-1", reviewer="alice"))
        assert impostor.status_code == 422 and impostor.json()["code"] == "reviewer_mismatch"


def test_the_rate_limit_answers_429_with_retry_after(database_url: str) -> None:
    with running_server(database_url, rate_per_s=0.01, rate_burst=3) as server:
        with server.client(server.token("alice", "reviewer")) as alice:
            statuses = [alice.get("/v1/leases").status_code for _ in range(4)]
            limited = alice.get("/v1/leases")
        with server.client(server.token("bob", "reviewer")) as bob:
            assert bob.get("/v1/leases").status_code == 200  # a bucket per token
    assert statuses == [200, 200, 200, 429]
    assert limited.headers["content-type"] == PROBLEM
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1


def test_health_metrics_docs_and_request_ids(server: RunningServer) -> None:
    _push(server, items(3))
    with server.client() as anonymous:
        health = anonymous.get("/v1/health")
        assert health.json()["status"] == "ok" and health.json()["api"] == "v1"
        assert anonymous.get("/docs").status_code == 404  # Swagger UI only with --docs
        assert "/v1/queues/{queue}/leases" in anonymous.get("/openapi.json").json()["paths"]
        echoed = anonymous.get("/v1/health", headers={"X-Request-ID": "abc-123"})
        assert echoed.headers["x-request-id"] == "abc-123"
        assert len(health.headers["x-request-id"]) == 32
        missing = anonymous.get("/nowhere")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    with server.client(server.token("alice", "reviewer")) as alice:
        _lease(alice, max_items=1)
        _decide(alice, approve("gen-000003", "m-1"))
        assert alice.get("/metrics").status_code == 403
    with server.client(server.token("prom", "producer")) as prometheus:
        metrics = prometheus.get("/metrics").text
    assert 'reviewdesk_queue_depth{queue="support"} 2.0' in metrics
    assert 'reviewdesk_decisions_total{status="accepted"} 1.0' in metrics
    assert "reviewdesk_http_request_duration_seconds_bucket" in metrics
    assert 'route="/v1/queues/{queue}/leases"' in metrics


def test_a_full_call_stored_in_lots_still_answers_each_item_as_one_call_would(
    server: RunningServer,
) -> None:
    records = items(400)
    changed = {**records[7], "model": "other-model"}
    records[250] = dict(records[3])  # a repeat, far from its first copy: a duplicate
    records[399] = changed  # a repeat with other content, past the lots of 100: a conflict
    body = _push(server, [*records, {"id": "broken", "output": "x"}])

    statuses = [result["status"] for result in body["results"]]
    assert [result["index"] for result in body["results"]] == list(range(401))
    assert (body["created"], body["duplicates"], body["invalid"]) == (398, 1, 1)
    assert (statuses[3], statuses[250], statuses[399], statuses[400]) == (
        "created", "duplicate", "conflict", "invalid",
    )  # fmt: skip
    assert body["results"][399]["errors"] == [
        {"field": "id", "message": "earlier in this call with a different model: not stored"}
    ]
    with server.engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM server_item")).scalar_one()
        slots = connection.execute(text("SELECT count(*) FROM lease_slot")).scalar_one()
    assert (stored, slots) == (398, 398)
