"""Comparisons through API v1 over real HTTP, on SQLite and on PostgreSQL: pushed with items,
leased with the same lease protocol, decided in the same decisions batch with a preference."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from reviewdesk.client import ReviewdeskClient
from reviewdesk.domain import (
    Comparison,
    ComparisonDecision,
    ComparisonDecisionId,
    Preference,
    ShownOrder,
)
from reviewdesk.protocol import DecisionStatus, EntryKind, ItemPhase, ItemResultStatus
from reviewdesk.remote.reviewer import ReviewerClient
from tests.server.harness import FakeClock, RunningServer, approve, items

DECIDED = "2026-11-21T09:00:00Z"


def pair(number: int, **fields: Any) -> dict[str, Any]:
    """A comparison record as a producer sends it."""
    base: dict[str, Any] = {
        "id": f"cmp-{number:04d}",
        "prompt": f"Rewrite politely, take {number}: send me the invoice.",
        "queue": "prefs",
        "risk": round((number * 37 % 100) / 100, 2),
        "candidates": [
            {"output": f"Could you send me the invoice, please? ({number})", "model": "m-small"},
            {"output": f"Would you kindly send the invoice? ({number})", "model": "m-large"},
        ],
    }
    base.update(fields)
    return base


def prefer(
    comparison_id: str, decision_id: str, preference: str = "b", **fields: Any
) -> dict[str, Any]:
    """A batch entry preferring a candidate of a comparison."""
    return {
        "id": decision_id,
        "comparison_id": comparison_id,
        "preference": preference,
        "shown_order": "ba",
        "decided_at": DECIDED,
        **fields,
    }


def _push(client: httpx.Client, records: list[Any]) -> dict[str, Any]:
    response = client.post("/v1/items", json={"items": records})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _lease(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/queues/prefs/leases", json={"kinds": ["comparison"], **body})
    assert response.status_code == 200, response.text
    lease: dict[str, Any] = response.json()
    return lease


def _batch(client: httpx.Client, decisions: list[Any]) -> list[dict[str, Any]]:
    response = client.post("/v1/decisions/batch", json={"decisions": decisions})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def _state(client: httpx.Client, comparison_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/items/{comparison_id}")
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


def test_comparisons_are_pushed_with_items_each_with_its_result(server: RunningServer) -> None:
    broken = pair(3)
    broken["candidates"][1]["output"] = True
    three = pair(4, candidates=[*pair(4)["candidates"], {"output": "third", "model": "m"}])
    with server.client(server.token("producer", "producer")) as producer:
        body = _push(producer, [items(1)[0], pair(1), broken, pair(2, required_reviews=0), three])
        assert [result["status"] for result in body["results"]] == [
            "created", "created", "invalid", "invalid", "invalid",
        ]  # fmt: skip
        assert [result["index"] for result in body["results"]] == [0, 1, 2, 3, 4]
        fields = [[error["field"] for error in r["errors"]] for r in body["results"][2:]]
        assert fields == [["candidates[1].output"], ["required_reviews"], ["candidates"]]
        assert "boolean" in body["results"][2]["errors"][0]["message"]
        assert (body["created"], body["invalid"]) == (2, 3)

        again = _push(producer, [pair(1), items(1)[0]])
        assert [result["status"] for result in again["results"]] == ["duplicate", "duplicate"]
        changed = pair(1)
        changed["candidates"][0]["output"] = "Another text."
        (conflict,) = _push(producer, [changed])["results"]
        assert conflict["status"] == "conflict"
        assert "candidates[0].output" in conflict["errors"][0]["message"]

        # one id names one entry, an item or a comparison
        item_named_like = {**items(1)[0], "id": "cmp-0001"}
        clash = _push(producer, [item_named_like, pair(1, id="gen-000001")])["results"]
        assert [r["status"] for r in clash] == ["conflict", "conflict"]
        assert [r["errors"][0]["message"] for r in clash] == [
            "stored already as a comparison (a record with candidates): not stored",
            "stored already as an item (a record without candidates): not stored",
        ]

        state = _state(producer, "cmp-0001")
        assert (state["kind"], state["state"], state["queue"]) == ("comparison", "queued", "prefs")
        assert (state["required_reviews"], state["reviews"], state["decisions"]) == (1, 0, [])
        assert producer.get("/v1/items/cmp-0003").status_code == 404  # the invalid one


def test_a_leased_comparison_carries_its_candidates_and_is_decided_by_preference(
    server: RunningServer,
) -> None:
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
    ):
        _push(producer, [pair(1), items(1, queue="prefs")[0]])
        only_items = ann.post("/v1/queues/prefs/leases", json={"max_items": 5}).json()
        assert [entry["generation"]["id"] for entry in only_items["items"]] == ["gen-000001"]
        assert only_items["comparisons"] == []  # a desk that asks for items gets no comparison

        lease = _lease(ann, max_items=5)
        assert lease["items"] == []
        (entry,) = lease["comparisons"]
        assert entry["kind"] == "comparison"
        comparison = entry["comparison"]
        assert comparison["id"] == "cmp-0001"
        assert comparison["prompt"].startswith("Rewrite politely, take 1")
        assert [c["model"] for c in comparison["candidates"]] == ["m-small", "m-large"]
        assert [c["id"] for c in comparison["candidates"]] == ["cmp-0001/a", "cmp-0001/b"]
        assert (entry["required_reviews"], entry["epoch"]) == (1, 1)

        decision = prefer(
            "cmp-0001",
            "d-1",
            reasons=["tone"],
            comment="b is kinder",
            edited_output="Would you kindly send me the invoice?",
            lease_id=lease["lease_id"],
            lease_epoch=entry["epoch"],
        )
        assert [r["status"] for r in _batch(ann, [decision])] == ["accepted"]
        assert [r["status"] for r in _batch(ann, [decision])] == ["duplicate"]
        assert _lease(ann)["comparisons"] == []

        state = _state(producer, "cmp-0001")
        assert (state["state"], state["preference"], state["reviews"]) == ("decided", "b", 1)
        (stored,) = state["decisions"]
        assert (stored["reviewer"], stored["preference"], stored["shown_order"]) == (
            "ann", "b", "ba",
        )  # fmt: skip
        assert stored["reasons"] == ["tone"] and stored["comment"] == "b is kinder"
        assert stored["edited_output"] == "Would you kindly send me the invoice?"
        assert stored["lease_id"] == lease["lease_id"]


def test_a_mixed_up_or_bad_decision_is_invalid_naming_the_field(server: RunningServer) -> None:
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
    ):
        _push(producer, [pair(1), items(1, queue="prefs")[0]])
        results = _batch(
            ann,
            [
                {**prefer("cmp-0001", "d-1"), "verdict": "approve"},
                {**approve("gen-000001", "d-2"), "preference": "a"},
                prefer("cmp-0001", "d-3", "c"),
                prefer("cmp-0001", "d-4", answers={"tone": "polite"}),
                prefer("cmp-0001", "d-5", "both_bad"),
                prefer("cmp-0001", "d-6", "tie", edited_output="mine"),
                prefer("cmp-9999", "d-7"),
                prefer("cmp-0001", "d-8", reviewer="bob"),
                {"comparison_id": "cmp-0001", "preference": "a"},
                prefer("cmp-0001", "d-ok"),
                approve("gen-000001", "d-item"),
            ],
        )
        assert all(r["status"] == "invalid" for r in results[:9]), results
        details = [r["detail"] for r in results[:9]]
        assert details[0].startswith("verdict: ")
        assert details[1].startswith("preference: ")
        assert details[2].startswith("preference: ")
        assert details[3].startswith("answers.tone: queue 'prefs' has no review form")
        assert results[3]["code"] == "invalid_answers"
        assert details[4].startswith("reasons: ")
        assert details[5].startswith("edited_output: ")
        assert results[6]["code"] == "unknown_item" and "cmp-9999" in details[6]
        assert results[7]["code"] == "reviewer_mismatch"
        assert "id: " in details[8] and "decided_at: " in details[8]
        assert [r["status"] for r in results[9:]] == ["accepted", "accepted"]
        # the same id with another preference is a conflict, nothing changes
        (again,) = _batch(ann, [prefer("cmp-0001", "d-ok", "a")])
        assert (again["status"], again["code"]) == ("invalid", "decision_conflict")
        assert [d["preference"] for d in _state(producer, "cmp-0001")["decisions"]] == ["b"]
        # bodies that do not read are a 422 problem, never a 500
        for bad in ({"items": "nope"}, {"items": [{"candidates": "x"}]}, {"items": [[1]]}):
            response = producer.post("/v1/items", json=bad)
            assert response.status_code in (200, 422), response.text
        (entry,) = _push(producer, [{"id": "x", "prompt": "p", "candidates": "x"}])["results"]
        assert entry["status"] == "invalid" and entry["errors"][0]["field"] == "candidates"
        response = ann.post("/v1/queues/prefs/leases", json={"kinds": ["pairs"]})
        assert response.status_code == 422 and "kinds" in response.text


def test_a_comparison_needing_three_reviews_collects_three_distinct_reviewers(
    server: RunningServer,
) -> None:
    names = ["ann", "bob", "cy", "dee"]
    clients = {name: server.client(server.token(name, "reviewer")) for name in names}
    try:
        with server.client(server.token("producer", "producer")) as producer:
            _push(producer, [pair(1, required_reviews=3)])
            for number, name in enumerate(names[:3]):
                lease = _lease(clients[name])
                assert [e["comparison"]["id"] for e in lease["comparisons"]] == ["cmp-0001"]
                assert _lease(clients[name])["comparisons"] == []  # never twice to one reviewer
                preference = "a" if name == "cy" else "b"
                (result,) = _batch(clients[name], [prefer("cmp-0001", f"d-{number}", preference)])
                assert result["status"] == "accepted"
                assert _lease(clients[name])["comparisons"] == []  # decided: never again
            assert _lease(clients["dee"])["comparisons"] == []  # three slots, all filled
            state = _state(producer, "cmp-0001")
            assert (state["state"], state["reviews"], state["preference"]) == ("decided", 3, "b")
            assert sorted(d["reviewer"] for d in state["decisions"]) == ["ann", "bob", "cy"]
            # a change of mind keeps the reviewer's slot; a fourth reviewer's label is extra
            (mind,) = _batch(clients["cy"], [prefer("cmp-0001", "d-cy-2", "b")])
            (extra,) = _batch(clients["dee"], [prefer("cmp-0001", "d-dee", "a")])
            assert (mind["status"], extra["status"]) == ("accepted", "accepted_extra")
            state = _state(producer, "cmp-0001")
            assert state["reviews"] == 4
            cy = [d for d in state["decisions"] if d["reviewer"] == "cy"]
            assert cy[1]["supersedes"] == cy[0]["id"]
    finally:
        for client in clients.values():
            client.close()


def test_leases_of_comparisons_extend_release_and_expire(
    server: RunningServer, clock: FakeClock
) -> None:
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
        server.client(server.token("bob", "reviewer")) as bob,
    ):
        _push(producer, [pair(1), pair(2)])
        lease = _lease(ann, max_items=1, mode="online", ttl_s=60)
        (first,) = [entry["comparison"]["id"] for entry in lease["comparisons"]]
        assert _state(producer, first)["state"] == "leased"
        clock.advance(50)
        extended = ann.patch(f"/v1/leases/{lease['lease_id']}", json={"ttl_s": 60})
        assert extended.status_code == 200 and extended.json()["held"] == [first]
        clock.advance(50)  # still held: the heartbeat moved the expiry
        assert [e["comparison"]["id"] for e in _lease(bob)["comparisons"]] != [first]
        released = ann.delete(f"/v1/leases/{lease['lease_id']}")
        assert released.status_code == 200 and released.json()["released"] == [first]
        again = _lease(bob)
        assert [e["comparison"]["id"] for e in again["comparisons"]] == [first]
        clock.advance(3600 * 100)  # bob's lease expires; ann takes the slot with a new epoch
        taken = _lease(ann)
        (entry,) = [e for e in taken["comparisons"] if e["comparison"]["id"] == first]
        assert entry["epoch"] == 3
        late = prefer(first, "d-bob", lease_id=again["lease_id"], lease_epoch=2)
        (mine, theirs) = (
            _batch(ann, [prefer(first, "d-ann", lease_id=taken["lease_id"], lease_epoch=3)]),
            _batch(bob, [late]),
        )
        assert (mine[0]["status"], theirs[0]["status"]) == ("accepted", "accepted_extra")


def test_the_clients_push_lease_and_decide_comparisons_with_typed_models(
    server: RunningServer,
) -> None:
    comparisons = [Comparison.model_validate(pair(n)) for n in (2, 1)]
    with ReviewdeskClient(server.url, server.token("producer", "producer")) as desk:
        results = desk.submit_comparisons(comparisons, required_reviews=2)
        assert [(r.id, r.status) for r in results] == [
            ("cmp-0002", ItemResultStatus.CREATED), ("cmp-0001", ItemResultStatus.CREATED),
        ]  # fmt: skip
        again = desk.submit_comparisons(comparisons, required_reviews=2)
        assert {r.status for r in again} == {ItemResultStatus.DUPLICATE}
    with ReviewerClient(server.url, server.token("ann", "reviewer")) as ann:
        assert ann.lease("prefs", 5, ttl_s=600).comparisons == []  # items only by default
        lease = ann.lease("prefs", 5, ttl_s=600, kinds=[EntryKind.ITEM, EntryKind.COMPARISON])
        leased = [entry.comparison for entry in lease.comparisons]
        assert [c.id for c in leased] == ["cmp-0002", "cmp-0001"]  # highest risk first
        assert leased[0].candidates[1].output == comparisons[0].candidates[1].output
        decisions = [
            ComparisonDecision(
                id=ComparisonDecisionId(f"ann-{c.id}"),
                comparison_id=c.id,
                reviewer="ann",
                preference=Preference.TIE,
                shown_order=ShownOrder.BA,
                decided_at=datetime(2026, 11, 21, 9, tzinfo=UTC),
                lease_id=lease.lease_id,
                lease_epoch=entry.epoch,
            )
            for c, entry in zip(leased, lease.comparisons, strict=True)
        ]
        statuses = [r.status for r in ann.push_comparisons(decisions)]
        assert statuses == [DecisionStatus.ACCEPTED, DecisionStatus.ACCEPTED]
        assert {r.status for r in ann.push_comparisons(decisions)} == {DecisionStatus.DUPLICATE}
    with ReviewdeskClient(server.url, server.token("watcher", "producer")) as desk:
        state = desk.comparison("cmp-0001")
        assert (state.state, state.reviews, state.required_reviews) == (ItemPhase.QUEUED, 1, 2)
        assert [(d.reviewer, d.preference, d.shown_order) for d in state.decisions] == [
            ("ann", Preference.TIE, ShownOrder.BA)
        ]


def _label(reviewer: str, preference: str, minute: int) -> dict[str, Any]:
    return {
        "reviewer": reviewer,
        "preference": preference,
        "shown_order": "ab",
        "decided_at": f"2026-11-21T09:{minute:02d}:00Z",
    }


def test_stats_and_the_dpo_export_serve_the_human_preferences(server: RunningServer) -> None:
    majority_b = pair(1, required_reviews=3, decisions=[
        _label("ann", "b", 1), _label("bob", "b", 2), _label("cy", "a", 3),
    ])  # fmt: skip
    tie = pair(2, decisions=[_label("ann", "tie", 4)])
    with server.client(server.token("producer", "producer")) as producer:
        body = _push(producer, [majority_b, tie, pair(3)])
        assert [r["decisions"] for r in body["results"]] == [3, 1, 0]
        assert _push(producer, [majority_b])["results"][0]["decisions"] == 0  # a re-push
        assert _state(producer, "cmp-0001")["state"] == "decided"
        response = producer.get("/v1/stats", params={"kind": "comparison"})
        assert response.status_code == 200, response.text
        stats = response.json()
        assert (stats["kind"], stats["comparisons"], stats["decided"]) == ("comparison", 3, 2)
        assert stats["resolved"] == {"a": 0, "b": 1, "tie": 1, "both_bad": 0}
        (models,) = stats["pairs"]
        assert (models["model_x"], models["model_y"]) == ("m-large", "m-small")
        assert [models[key]["count"] for key in ("wins", "ties", "losses")] == [1, 1, 0]
        refused = producer.get("/v1/stats", params={"kind": "comparison", "group_by": "model"})
        assert refused.status_code == 422 and "group_by" in refused.json()["detail"]
    with server.client(server.token("root", "admin")) as admin:
        response = admin.get("/v1/export", params={"format": "dpo", "queue": "prefs"})
        assert response.status_code == 200, response.text
    rows = [orjson.loads(line) for line in response.text.splitlines() if line]
    assert len(rows) == 1  # the tie and the undecided comparison give no pair
    (row,) = rows
    assert row["chosen"] == [
        {"role": "assistant", "content": majority_b["candidates"][1]["output"]}
    ]  # the human majority's preference, b
    assert row["rejected"] == [
        {"role": "assistant", "content": majority_b["candidates"][0]["output"]}
    ]


def test_one_lease_holds_items_first_then_comparisons(server: RunningServer) -> None:
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
    ):
        _push(producer, [*items(2, queue="prefs"), pair(1), pair(2)])
        lease = _lease(ann, max_items=3, kinds=["item", "comparison"])
        leased_items = [entry["generation"]["id"] for entry in lease["items"]]
        leased_pairs = [entry["comparison"]["id"] for entry in lease["comparisons"]]
        assert (len(leased_items), len(leased_pairs)) == (2, 1)
        (summary,) = ann.get("/v1/leases").json()["leases"]
        assert (summary["lease_id"], summary["held"]) == (lease["lease_id"], 3)
        extended = ann.patch(f"/v1/leases/{lease['lease_id']}", json={"ttl_s": 60}).json()
        assert extended["held"] == sorted([*leased_items, *leased_pairs])
        released = ann.delete(f"/v1/leases/{lease['lease_id']}").json()
        assert released["released"] == sorted([*leased_items, *leased_pairs])
        again = _lease(ann, max_items=10, kinds=["comparison"])
        assert sorted(entry["comparison"]["id"] for entry in again["comparisons"]) == [
            "cmp-0001", "cmp-0002",
        ]  # fmt: skip


def test_a_withdrawn_comparison_leaves_the_queue(server: RunningServer) -> None:
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
    ):
        _push(producer, [pair(1)])
        lease = _lease(ann)
        assert len(lease["comparisons"]) == 1
        withdrawn = producer.delete("/v1/items/cmp-0001")
        assert withdrawn.status_code == 200, withdrawn.text
        assert _state(producer, "cmp-0001")["state"] == "withdrawn"
        (late,) = _batch(ann, [prefer("cmp-0001", "d-1", lease_id=lease["lease_id"])])
        assert late["status"] == "withdrawn"
        assert _state(producer, "cmp-0001")["decisions"] == []
        assert producer.delete("/v1/items/cmp-9999").status_code == 404


def test_the_queues_review_policy_routes_comparisons(server: RunningServer) -> None:
    policy = {
        "risk_threshold": 0.5,
        "min_severity": "error",
        "required_reviews": [{"above": 0.7, "reviews": 2}],
    }
    with server.client(server.token("root", "admin")) as admin:
        assert admin.put("/v1/queues/prefs/policy", json=policy).status_code == 200
    flagged = pair(3)  # risk 0.11, but a candidate's flag is severe enough to be reviewed
    flagged["candidates"][0]["flags"] = [
        {"validator": "pii", "code": "email", "severity": "error", "message": "address"}
    ]
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
    ):
        _push(producer, [pair(1), pair(2), flagged])  # risks 0.37, 0.74, 0.11
        states = [_state(producer, f"cmp-000{n}") for n in (1, 2, 3)]
        assert [(s["state"], s["required_reviews"]) for s in states] == [
            ("auto_approved", 1), ("queued", 2), ("queued", 1),
        ]  # fmt: skip
        leased = _lease(ann, max_items=10)["comparisons"]
        assert [entry["comparison"]["id"] for entry in leased] == ["cmp-0002", "cmp-0003"]
        assert [entry["required_reviews"] for entry in leased] == [2, 1]


def test_routing_over_http_advises_a_route_by_its_comparisons_and_says_so(
    server: RunningServer,
) -> None:
    routed = [
        {"output": "Could you send me the invoice, please?", "model": "m-small", "route": "mail"},
        {"output": "Would you kindly send the invoice?", "model": "m-large", "route": "mail"},
    ]
    records = [
        pair(n, candidates=routed, decisions=[_label("ann", "a" if n % 8 == 0 else "b", 1)])
        for n in range(1, 41)
    ]
    with server.client(server.token("producer", "producer")) as producer:
        _push(producer, records)
        response = producer.get("/v1/routing")
    assert response.status_code == 200, response.text
    (route,) = response.json()["routes"]
    assert (route["route"], route["status"], route["model"], route["evidence"]) == (
        "mail",
        "advised",
        "m-large",
        "preference",
    )
    large, small = route["preference"]["ratings"]
    assert (large["model"], large["wins"], large["losses"]) == ("m-large", 35, 5)
    assert (small["model"], small["wins"], small["losses"]) == ("m-small", 5, 35)


def test_a_leased_comparison_is_the_one_pushed_in_every_field(server: RunningServer) -> None:
    full = pair(
        1,
        prompt=[
            {"role": "system", "content": "Be polite. «Ünïcode» ✓"},
            {"role": "user", "content": 'Rewrite: "send the invoice"\n\ttoday'},
        ],
        created_at="2026-11-20T10:00:00Z",
        team="billing",  # an unknown key: kept in the metadata
        candidates=[
            {
                "output": "Mail bill@shop.example — “please”",
                "model": "m-small",
                "route": "support.billing",
                "prompt_template": "polite",
                "prompt_version": "v2",
                "usage": {"input_tokens": 12, "output_tokens": 7, "cost_usd": 0.0001},
                "latency_ms": 930,
                "trace_id": "trc-1",
                "flags": [
                    {
                        "validator": "pii",
                        "code": "email",
                        "severity": "error",
                        "message": "e-mail address in output",
                        "score": 0.97,
                        "span": [5, 21],
                    }
                ],
                "metadata": {"seed": 7},
            },
            {"output": "Could you send the invoice today?", "model": "m-large"},
        ],
    )
    plain = pair(2, risk=None)
    with server.client(server.token("producer", "producer")) as producer:
        _push(producer, [full, plain])
    pushed = [Comparison.model_validate(record) for record in (full, plain)]
    with ReviewerClient(server.url, server.token("ann", "reviewer")) as ann:
        lease = ann.lease("prefs", 5, ttl_s=600, kinds=[EntryKind.COMPARISON])
    assert [entry.comparison for entry in lease.comparisons] == pushed
