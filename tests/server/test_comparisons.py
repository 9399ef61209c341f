"""Comparisons through API v1 over real HTTP, on SQLite and on PostgreSQL: pushed with items,
leased with the same lease protocol, decided in the same decisions batch with a preference."""

from __future__ import annotations

from typing import Any

import httpx

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
        assert details[3].startswith("answers: ") and results[3]["code"] == "invalid_answers"
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
