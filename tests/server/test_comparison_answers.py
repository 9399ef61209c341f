"""Review-form answers on comparison decisions through API v1 over real HTTP, on SQLite and on
PostgreSQL: checked against the queue's form as items' are, stored, shown, resent idempotently."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reviewdesk.domain import ComparisonDecision, ComparisonDecisionId, Preference, ShownOrder
from reviewdesk.protocol import DecisionStatus, EntryKind
from reviewdesk.remote.reviewer import ReviewerClient
from tests.server.harness import RunningServer
from tests.server.test_comparisons import DECIDED, _batch, _lease, _push, _state, pair, prefer

FORM: dict[str, Any] = {
    "questions": [
        {
            "key": "quality",
            "kind": "choice",
            "required": True,
            "options": [{"value": "great"}, {"value": "fine"}, {"value": "poor"}],
        },
        {"key": "confidence", "kind": "rating", "min": 1, "max": 3},
        {"key": "why_bad", "kind": "text", "required": "reject"},
        {"key": "topics", "kind": "multi", "options": [{"value": "billing"}, {"value": "tone"}]},
        {
            "key": "hallucination",
            "kind": "spans",
            "required": True,
            "options": [{"value": "unsupported"}],
        },
    ]
}


def _set_form(server: RunningServer) -> int:
    with server.client(server.token("root", "admin")) as admin:
        response = admin.put("/v1/queues/prefs/form", json=FORM)
        assert response.status_code == 200, response.text
        version: int = response.json()["version"]
    return version


def test_a_misfit_is_that_entrys_invalid_naming_the_question(server: RunningServer) -> None:
    version = _set_form(server)
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
    ):
        _push(producer, [pair(1), pair(2)])
        spans = [{"start": 0, "end": 4, "label": "unsupported"}]
        results = _batch(
            ann,
            [
                prefer("cmp-0001", "d-1", answers={"confidence": 2}),
                prefer(
                    "cmp-0001", "d-2", "both_bad", reasons=["tone"], answers={"quality": "poor"}
                ),
                prefer("cmp-0001", "d-3", answers={"quality": "fine", "hallucination": spans}),
                prefer("cmp-0001", "d-4", answers={"quality": "meh"}),
                prefer("cmp-0001", "d-5", answers={"quality": "fine"}, form_version=99),
                prefer(
                    "cmp-0001",
                    "d-ok",
                    answers={"topics": ["tone", "billing"], "quality": "great", "confidence": 3},
                ),
                prefer(
                    "cmp-0002",
                    "d-bad",
                    "both_bad",
                    reasons=["tone"],
                    answers={"quality": "poor", "why_bad": "both are rude"},
                ),
            ],
        )
        assert [r["status"] for r in results] == [*["invalid"] * 5, "accepted", "accepted"]
        assert {r["code"] for r in results[:5]} == {"invalid_answers"}
        details = [r["detail"] for r in results[:5]]
        assert details[0] == "answers.quality: is required but missing"
        assert details[1] == "answers.why_bad: is required for reject (here: both_bad) but missing"
        assert details[2].startswith("answers.hallucination: is a spans question")
        assert details[3].startswith("answers.quality: 'meh' is not an option")
        assert details[4].startswith("form_version: queue 'prefs' has no form version 99")
        # nothing of the refused entries is stored; the accepted ones with their answers
        (stored,) = _state(producer, "cmp-0001")["decisions"]
        assert stored["id"] == "d-ok" and stored["form_version"] == version
        assert stored["answers"] == {
            "quality": "great",
            "confidence": 3,
            "topics": ["tone", "billing"],
        }
        (bad,) = _state(producer, "cmp-0002")["decisions"]
        assert bad["answers"] == {"quality": "poor", "why_bad": "both are rude"}
        # sent again as it was (no form version named): the same decision
        (again,) = _batch(
            ann,
            [
                prefer(
                    "cmp-0001",
                    "d-ok",
                    answers={"quality": "great", "confidence": 3, "topics": ["tone", "billing"]},
                )
            ],
        )
        assert again["status"] == "duplicate"
        (changed,) = _batch(ann, [prefer("cmp-0001", "d-ok", answers={"quality": "fine"})])
        assert (changed["status"], changed["code"]) == ("invalid", "decision_conflict")


def test_the_reviewer_client_sends_answers_with_the_form_version(server: RunningServer) -> None:
    version = _set_form(server)
    with server.client(server.token("producer", "producer")) as producer:
        _push(producer, [pair(1)])
    with ReviewerClient(server.url, server.token("ann", "reviewer")) as ann:
        lease = ann.lease("prefs", 5, ttl_s=600, kinds=[EntryKind.COMPARISON])
        (entry,) = lease.comparisons
        decision = ComparisonDecision(
            id=ComparisonDecisionId("ann-1"),
            comparison_id=entry.comparison.id,
            reviewer="ann",
            preference=Preference.A,
            shown_order=ShownOrder.AB,
            decided_at=datetime(2026, 11, 21, 9, tzinfo=UTC),
            lease_id=lease.lease_id,
            lease_epoch=entry.epoch,
            answers={"quality": "fine", "topics": ("billing",)},
            form_version=version,
        )
        assert [r.status for r in ann.push_comparisons([decision])] == [DecisionStatus.ACCEPTED]
        assert [r.status for r in ann.push_comparisons([decision])] == [DecisionStatus.DUPLICATE]
    with server.client(server.token("watcher", "producer")) as watcher:
        (stored,) = _state(watcher, "cmp-0001")["decisions"]
    assert stored["answers"] == {"quality": "fine", "topics": ["billing"]}
    assert stored["form_version"] == version


def test_a_plain_preference_passes_on_a_queue_whose_questions_are_optional(
    server: RunningServer,
) -> None:
    with server.client(server.token("root", "admin")) as admin:
        optional = {"questions": [{"key": "confidence", "kind": "rating", "min": 1, "max": 3}]}
        assert admin.put("/v1/queues/prefs/form", json=optional).status_code == 200
    with (
        server.client(server.token("producer", "producer")) as producer,
        server.client(server.token("ann", "reviewer")) as ann,
    ):
        _push(producer, [pair(1)])
        lease = _lease(ann)
        (result,) = _batch(
            ann, [prefer("cmp-0001", "d-1", lease_id=lease["lease_id"], lease_epoch=1)]
        )
        assert result["status"] == "accepted", result
        (stored,) = _state(producer, "cmp-0001")["decisions"]
        assert (stored["answers"], stored["form_version"]) == ({}, None)


def test_a_pushed_comparisons_labels_are_checked_and_a_misfit_named(
    server: RunningServer,
) -> None:
    _set_form(server)
    labels = [
        {"reviewer": "ann", "preference": "a", "decided_at": DECIDED,
         "answers": {"quality": "great"}},
        {"reviewer": "bob", "preference": "b", "decided_at": DECIDED,
         "answers": {"confidence": 2}},
    ]  # fmt: skip
    with server.client(server.token("producer", "producer")) as producer:
        (result,) = _push(producer, [pair(1, decisions=labels, required_reviews=2)])["results"]
        assert result["status"] == "created"
        assert result["errors"] == [
            {"field": "decisions[1]", "message": "answers.quality: is required but missing"}
        ]
        (stored,) = _state(producer, "cmp-0001")["decisions"]
    assert (stored["reviewer"], stored["answers"]) == ("ann", {"quality": "great"})
