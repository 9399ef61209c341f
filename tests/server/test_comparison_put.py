"""`PUT /v1/decisions/{id}` of decisions on comparisons over real HTTP, on SQLite and on
PostgreSQL: the body of a batch entry without its id, the batch's statuses and idempotency, and
a 422 naming the field for what breaks a rule."""

from __future__ import annotations

from typing import Any

import httpx

from tests.server.harness import RunningServer, approve, items
from tests.server.test_comparisons import _batch, _lease, _push, _state, pair, prefer

PROBLEM = "application/problem+json"


def _put(client: httpx.Client, decision: dict[str, Any]) -> httpx.Response:
    body = dict(decision)
    return client.put(f"/v1/decisions/{body.pop('id')}", json=body)


def test_a_comparison_decision_is_put_by_id_with_the_statuses_of_the_batch(
    server: RunningServer,
) -> None:
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
        server.client(server.token("bob", "reviewer")) as bob,
        server.client(server.token("cy", "reviewer")) as cy,
    ):
        _push(producer, [pair(1, required_reviews=2), pair(2)])
        lease = _lease(ann, max_items=1)
        (entry,) = lease["comparisons"]
        assert entry["comparison"]["id"] == "cmp-0002"  # the higher risk
        decision = prefer(
            "cmp-0002",
            "d-ann",
            "both_bad",
            reasons=["tone"],
            comment="both are curt",
            lease_id=lease["lease_id"],
            lease_epoch=entry["epoch"],
        )
        first = _put(ann, decision)
        assert first.status_code == 200, first.text
        assert (first.json()["id"], first.json()["status"]) == ("d-ann", "accepted")
        again = _put(ann, decision)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")
        # the batch and the PUT share one idempotency by decision id
        assert [r["status"] for r in _batch(ann, [decision])] == ["duplicate"]

        other = _put(ann, {**decision, "preference": "a", "reasons": []})
        assert other.status_code == 409 and other.headers["content-type"] == PROBLEM
        assert other.json()["code"] == "decision_conflict"
        assert other.json()["detail"] == (
            "decision d-ann is already stored with another preference, reasons"
        )

        state = _state(producer, "cmp-0002")
        assert (state["state"], state["preference"], state["reviews"]) == ("decided", "both_bad", 1)
        (stored,) = state["decisions"]
        # GET reads it back (its reviewer or an admin), as it reads an item's decision
        read_back = ann.get("/v1/decisions/d-ann")
        assert read_back.status_code == 200, read_back.text
        assert read_back.json() == stored
        assert (stored["comparison_id"], stored["preference"]) == ("cmp-0002", "both_bad")
        assert bob.get("/v1/decisions/d-ann").status_code == 404
        with server.client(server.token("root", "admin")) as admin:
            assert admin.get("/v1/decisions/d-ann").json()["reviewer"] == "ann"
        assert (stored["id"], stored["reviewer"], stored["shown_order"]) == ("d-ann", "ann", "ba")
        assert (stored["reasons"], stored["comment"]) == (["tone"], "both are curt")
        assert (stored["lease_id"], stored["lease_epoch"]) == (lease["lease_id"], entry["epoch"])

        # no lease: an open slot is taken; every slot taken: the label is kept as extra
        statuses = [
            _put(reviewer, prefer("cmp-0001", f"d-{name}-1", "a")).json()["status"]
            for name, reviewer in (("ann", ann), ("bob", bob), ("cy", cy))
        ]
        assert statuses == ["accepted", "accepted", "accepted_extra"]
        # a change of mind supersedes the reviewer's earlier decision and keeps the slot
        mind = _put(ann, prefer("cmp-0001", "d-ann-2", "b"))
        assert mind.json()["status"] == "accepted"
        state = _state(producer, "cmp-0001")
        assert (state["state"], state["reviews"], len(state["decisions"])) == ("decided", 3, 4)
        ann_decisions = [d for d in state["decisions"] if d["reviewer"] == "ann"]
        assert [d["supersedes"] for d in ann_decisions] == [None, "d-ann-1"]

        withdrawn = producer.delete("/v1/items/cmp-0002")
        assert withdrawn.status_code == 200, withdrawn.text
        late = _put(bob, prefer("cmp-0002", "d-bob-late"))
        assert (late.status_code, late.json()["status"]) == (200, "withdrawn")


def test_a_put_that_breaks_a_rule_is_422_naming_the_field_and_stores_nothing(
    server: RunningServer,
) -> None:
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
    ):
        _push(producer, [pair(1), *items(1, queue="prefs")])
        no_decided_at = prefer("cmp-0001", "d-9")
        del no_decided_at["decided_at"]
        probes: list[tuple[dict[str, Any], str, str]] = [
            (
                {**prefer("cmp-0001", "d-1"), "verdict": "approve"},
                "invalid_request",
                "verdict: a comparison's decision has a preference (a, b, tie or both_bad), "
                "not a verdict",
            ),
            (
                {**approve("gen-000001", "d-2"), "preference": "a"},
                "invalid_request",
                "preference: an item's decision has a verdict",
            ),
            (prefer("cmp-0001", "d-3", "c"), "invalid_request", "preference: Input should be"),
            (prefer("cmp-0001", "d-4", "both_bad"), "invalid_decision", "reasons: "),
            (
                prefer("cmp-0001", "d-5", "tie", edited_output="mine"),
                "invalid_decision",
                "edited_output: ",
            ),
            (prefer("cmp-9999", "d-6"), "unknown_item", "there is no comparison cmp-9999"),
            (prefer("cmp-0001", "d-7", reviewer="bob"), "reviewer_mismatch", "the token is ann's"),
            (
                prefer("cmp-0001", "d-8", answers={"tone": "polite"}),
                "invalid_answers",
                "answers.tone: queue 'prefs' has no review form",
            ),
            (no_decided_at, "invalid_request", "decided_at: Field required"),
            (prefer("cmp-0001", "d-10", comment="a\x00b"), "invalid_request", "comment: "),
            (prefer("cmp-0001", "d-11", shown_order="left"), "invalid_request", "shown_order: "),
        ]
        for body, code, named in probes:
            answer = _put(ann, body)
            assert answer.status_code == 422, (body, answer.text)
            assert answer.headers["content-type"] == PROBLEM
            problem = answer.json()
            assert (problem["code"], named in problem["detail"]) == (code, True), problem
            # the location is the body's field, never the name of the model that read it
            assert "body.comparison" not in problem["detail"], problem
            assert "body.item" not in problem["detail"], problem
        for not_an_object in ([1], "text", None):
            answer = ann.put("/v1/decisions/d-12", json=not_an_object)
            assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"

        state = _state(producer, "cmp-0001")
        assert (state["state"], state["decisions"]) == ("queued", [])
        # the item's path is unchanged beside it
        item = _put(ann, approve("gen-000001", "d-item"))
        assert (item.status_code, item.json()["status"]) == (200, "accepted")
        bad_verdict = _put(ann, approve("gen-000001", "d-item-2", verdict="maybe"))
        assert bad_verdict.status_code == 422
        assert "body.verdict: Input should be" in bad_verdict.json()["detail"]
