"""Queue review forms on the server (`PUT/GET /v1/queues/{queue}/form`) and decisions' answers
checked against them, on SQLite and on PostgreSQL."""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from reviewdesk.client import ClientError, ReviewdeskClient
from tests.server.harness import RunningServer, approve, items

OUTPUT = items(1)[0]["output"]

FORM: dict[str, Any] = {
    "guidelines": "Approve only answers that follow the **refund policy**.",
    "questions": [
        {
            "key": "behaviour",
            "label": "What did the model do?",
            "kind": "choice",
            "required": "reject",
            "options": [
                {"value": "full_compliance", "label": "Full compliance"},
                {"value": "full_refusal", "label": "Full refusal"},
                {"value": "partial_refusal", "label": "Partial refusal"},
            ],
        },
        {"key": "helpfulness", "kind": "rating", "min": 1, "max": 5, "labels": {"1": "useless"}},
        {
            "key": "topics",
            "kind": "multi",
            "options": [{"value": "shipping"}, {"value": "billing"}],
        },
        {"key": "note", "kind": "text"},
        {
            "key": "hallucination",
            "kind": "spans",
            "options": [{"value": "unsupported", "label": "Unsupported claim"}],
        },
    ],
}


def _put(admin: httpx.Client, form: dict[str, Any], queue: str = "support") -> httpx.Response:
    return admin.put(f"/v1/queues/{queue}/form", json=form)


def _stored_forms(server: RunningServer) -> list[tuple[str, int]]:
    with server.engine.connect() as connection:
        found = connection.execute(text("SELECT queue, version FROM form ORDER BY queue, version"))
        return [(row[0], row[1]) for row in found]


def _answer_rows(server: RunningServer) -> int:
    with server.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM decision_answer")).scalar_one())


def test_an_admin_sets_a_form_and_every_token_that_sees_the_queue_reads_it(
    server: RunningServer,
) -> None:
    with server.client(server.token("root", "admin")) as admin:
        first = _put(admin, FORM)
        assert first.status_code == 200, first.text
        assert first.json()["version"] == 1
        again = _put(admin, FORM)  # the same form again: no new version
        assert again.json()["version"] == 1
        changed = _put(admin, {**FORM, "guidelines": "Read the policy first."})
        assert changed.json()["version"] == 2

    for name, role in (("producer", "producer"), ("alice", "reviewer")):
        with server.client(server.token(name, role)) as client:
            current = client.get("/v1/queues/support/form")
            assert current.status_code == 200, current.text
            body = current.json()
            assert (body["queue"], body["version"]) == ("support", 2)
            assert body["guidelines"] == "Read the policy first."
            assert [q["key"] for q in body["questions"]] == [
                "behaviour",
                "helpfulness",
                "topics",
                "note",
                "hallucination",
            ]
            # Options without a key got the digits the desk picks them with.
            assert [o["key"] for o in body["questions"][0]["options"]] == ["1", "2", "3"]
            older = client.get("/v1/queues/support/form", params={"version": 1})
            assert older.json()["guidelines"] == FORM["guidelines"]
    assert _stored_forms(server) == [("support", 1), ("support", 2)]


def test_a_queue_without_a_form_is_a_404_problem(server: RunningServer) -> None:
    with server.client(server.token("alice", "reviewer")) as alice:
        response = alice.get("/v1/queues/support/form")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "form_not_found"
    assert "support" in response.json()["detail"]


def test_only_an_admin_sets_a_form_and_a_limited_reviewer_reads_only_its_queues(
    server: RunningServer,
) -> None:
    with server.client(server.token("root", "admin")) as admin:
        assert _put(admin, FORM, queue="legal").status_code == 200
        limited = admin.post(
            "/v1/tokens", json={"name": "bob", "role": "reviewer", "queues": ["support"]}
        ).json()["secret"]
    with server.client(server.token("alice", "reviewer")) as alice:
        refused = _put(alice, FORM)
        assert (refused.status_code, refused.json()["code"]) == (403, "wrong_role")
    with server.client(limited) as bob:
        other = bob.get("/v1/queues/legal/form")
        assert (other.status_code, other.json()["code"]) == (403, "queue_not_allowed")
    assert _stored_forms(server) == [("legal", 1)]


def test_a_bad_form_is_a_422_naming_the_question_and_stores_nothing(
    server: RunningServer,
) -> None:
    duplicate = {
        "questions": [
            {"key": "tone", "kind": "text"},
            {"key": "tone", "kind": "rating", "min": 1, "max": 5},
        ]
    }
    rating = {"questions": [{"key": "stars", "kind": "rating", "min": 5, "max": 1}]}
    desk_key = {
        "questions": [
            {"key": "behaviour", "kind": "choice", "options": [{"value": "ok", "key": "a"}]}
        ]
    }
    unknown_kind = {"questions": [{"key": "mood", "kind": "emoji"}]}
    with server.client(server.token("root", "admin")) as admin:
        answers = [_put(admin, form) for form in (duplicate, rating, desk_key, unknown_kind)]
    assert {(r.status_code, r.json()["code"]) for r in answers} == {(422, "invalid_form")}
    details = [r.json()["detail"] for r in answers]
    assert "questions[2] 'tone'" in details[0] and "questions[1]'s too" in details[0]
    assert "questions[1] 'stars'" in details[1] and "min must be below max" in details[1]
    assert "questions[1] 'behaviour'" in details[2] and "desk key" in details[2]
    assert "questions[1] 'mood'" in details[3] and "unknown kind 'emoji'" in details[3]
    assert _stored_forms(server) == []


def test_a_lower_version_is_refused_with_a_409_and_the_current_form_stays(
    server: RunningServer,
) -> None:
    with server.client(server.token("root", "admin")) as admin:
        assert _put(admin, {**FORM, "version": 3}).json()["version"] == 3
        lower = _put(admin, {**FORM, "version": 2, "guidelines": "Older"})
        same_other = _put(admin, {**FORM, "version": 3, "guidelines": "Other"})
        current = admin.get("/v1/queues/support/form").json()
        bumped = _put(admin, {**FORM, "guidelines": "Newer"})
    assert (lower.status_code, lower.json()["code"]) == (409, "form_version_conflict")
    assert "version 3" in lower.json()["detail"] and "version 2 is older" in lower.json()["detail"]
    assert (same_other.status_code, same_other.json()["code"]) == (409, "form_version_conflict")
    assert (current["version"], current["guidelines"]) == (3, FORM["guidelines"])
    assert bumped.json()["version"] == 4
    assert _stored_forms(server) == [("support", 3), ("support", 4)]


def test_the_openapi_document_describes_the_form_endpoints(server: RunningServer) -> None:
    with server.client() as anonymous:
        document = anonymous.get("/openapi.json").json()
    path = document["paths"]["/v1/queues/{queue}/form"]
    assert set(path) >= {"get", "put"}
    assert path["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/FormBody"
    )
    assert {"404"} <= set(path["get"]["responses"])
    assert {"409", "422"} <= set(path["put"]["responses"])
    assert "FormOut" in document["components"]["schemas"]


# -- decisions' answers -------------------------------------------------------------------------


def _setup(server: RunningServer, count: int, form: dict[str, Any] | None = FORM) -> str:
    """Items pushed to `support`, its form set; a reviewer's token that leased them."""
    with server.client(server.token("producer", "producer")) as producer:
        assert producer.post("/v1/items", json={"items": items(count)}).status_code == 200
    if form is not None:
        with server.client(server.token("root", "admin")) as admin:
            assert _put(admin, form).status_code == 200
    secret = server.token("alice", "reviewer")
    with server.client(secret) as alice:
        leased = alice.post("/v1/queues/support/leases", json={"max_items": count})
        assert len(leased.json()["items"]) == count
    return secret


def _body(decision: dict[str, Any]) -> dict[str, Any]:
    """A decision's body for `PUT /v1/decisions/{id}` (the id is in the path)."""
    return {key: value for key, value in decision.items() if key != "id"}


def _batch(client: httpx.Client, *decisions: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/v1/decisions/batch", json={"decisions": list(decisions)})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_answers_that_fit_the_form_are_accepted_typed_and_read_back(
    server: RunningServer,
) -> None:
    secret = _setup(server, 2)
    answers = {
        "hallucination": [{"start": 4, "end": 11, "label": "unsupported"}],
        "topics": ["billing", "shipping", "billing"],
        "behaviour": "full_refusal",
        "helpfulness": 4,
        "note": "",  # empty text: no answer
    }
    with server.client(secret) as alice:
        results = _batch(
            alice,
            approve("gen-000001", "d-1", answers=answers),
            approve("gen-000002", "d-2", answers={"helpfulness": 2}, form_version=1),
        )
        assert [r["status"] for r in results] == ["accepted", "accepted"]
        first = alice.get("/v1/decisions/d-1").json()
        second = alice.get("/v1/decisions/d-2").json()
        # Sent again as it was first sent: the same decision, not a conflict.
        again = _batch(alice, approve("gen-000001", "d-1", answers=answers))
    assert first["answers"] == {
        "behaviour": "full_refusal",
        "helpfulness": 4,
        "topics": ["billing", "shipping"],
        "hallucination": [{"start": 4, "end": 11, "label": "unsupported"}],
    }
    assert first["form_version"] == 1  # the current version, recorded with the answers
    assert (second["answers"], second["form_version"]) == ({"helpfulness": 2}, 1)
    assert [r["status"] for r in again] == ["duplicate"]


def test_an_answer_that_does_not_fit_makes_that_decision_invalid_naming_the_question(
    server: RunningServer,
) -> None:
    secret = _setup(server, 6)
    with server.client(secret) as alice:
        results = _batch(
            alice,
            approve("gen-000001", "d-1", answers={"behaviour": "maybe"}),
            approve("gen-000002", "d-2", answers={"helpfulness": 9}),
            approve(
                "gen-000003",
                "d-3",
                answers={"hallucination": [{"start": 0, "end": 5000, "label": "unsupported"}]},
            ),
            approve("gen-000004", "d-4", answers={"mood": "happy"}),
            {
                "id": "d-5",
                "generation_id": "gen-000005",
                "verdict": "reject",
                "reasons": ["unsafe"],
                "decided_at": "2026-11-21T09:00:00Z",
            },
            approve("gen-000006", "d-6", answers={"helpfulness": 3}),
        )
        single = alice.put(
            "/v1/decisions/d-7", json=_body(approve("gen-000005", "x", answers={"topics": "all"}))
        )
        missing = alice.get("/v1/decisions/d-1")
    statuses = [(r["status"], r.get("code")) for r in results]
    assert statuses[:5] == [("invalid", "invalid_answers")] * 5
    assert statuses[5] == ("accepted", None)
    details = [r["detail"] for r in results[:5]]
    assert details[0].startswith("answers.behaviour: 'maybe' is not an option")
    assert details[1] == "answers.helpfulness: 9 is outside the rating 1..5"
    assert details[2].startswith("answers.hallucination: [0]: [0, 5000] is not a range inside")
    assert details[3].startswith("answers.mood: is not a question of this form")
    assert details[4] == "answers.behaviour: is required for reject but missing"
    assert (single.status_code, single.json()["code"]) == (422, "invalid_answers")
    assert single.json()["detail"].startswith("answers.topics: expected a list of options")
    assert missing.status_code == 404  # nothing of an invalid decision is stored
    assert _answer_rows(server) == 1


def test_an_unknown_form_version_or_answers_to_a_queue_without_a_form_are_invalid(
    server: RunningServer,
) -> None:
    secret = _setup(server, 2, form=None)
    with server.client(secret) as alice:
        results = _batch(
            alice,
            approve("gen-000001", "d-1", answers={"helpfulness": 3}),
            approve("gen-000002", "d-2", form_version=4),
        )
    assert [(r["status"], r["code"]) for r in results] == [("invalid", "invalid_answers")] * 2
    assert (
        results[0]["detail"] == "answers.helpfulness: queue 'support' has no review form to answer"
    )
    assert (
        results[1]["detail"]
        == "form_version: queue 'support' has no form version 4 (it has no form)"
    )


def test_answers_are_checked_against_the_version_the_decision_names(
    server: RunningServer,
) -> None:
    secret = _setup(server, 2)
    with server.client(server.token("root", "admin")) as admin:
        stricter = {"questions": [{"key": "verdict_ok", "kind": "text", "required": True}]}
        assert _put(admin, stricter).json()["version"] == 2
    with server.client(secret) as alice:
        results = _batch(
            alice,
            approve("gen-000001", "d-1", answers={"helpfulness": 5}, form_version=1),
            approve("gen-000002", "d-2", answers={"helpfulness": 5}),
        )
    assert results[0]["status"] == "accepted"
    assert results[1]["status"] == "invalid"
    assert results[1]["detail"].startswith("answers.verdict_ok: is required but missing")


def test_a_client_without_answers_is_accepted_on_a_queue_whose_questions_are_optional(
    server: RunningServer,
) -> None:
    optional = {
        **FORM,
        "questions": [{**q, "required": False} for q in FORM["questions"]],
    }
    secret = _setup(server, 2, form=optional)
    with server.client(secret) as alice:
        one = alice.put("/v1/decisions/d-1", json=_body(approve("gen-000001", "x")))
        results = _batch(
            alice,
            {
                "id": "d-2",
                "generation_id": "gen-000002",
                "verdict": "reject",
                "reasons": ["unsafe"],
                "decided_at": "2026-11-21T09:00:00Z",
            },
        )
        stored = alice.get("/v1/decisions/d-2").json()
    assert one.json()["status"] == "accepted"
    assert [r["status"] for r in results] == ["accepted"]
    assert (stored["answers"], stored["form_version"]) == ({}, None)


def test_an_answer_not_even_of_an_answers_shape_is_one_line_naming_the_question(
    server: RunningServer,
) -> None:
    secret = _setup(server, 4)
    with server.client(secret) as alice:
        results = _batch(
            alice,
            approve("gen-000001", "d-1", answers={"helpfulness": 3.5}),
            approve(
                "gen-000002",
                "d-2",
                answers={"hallucination": [{"start": 9, "end": 2, "label": "unsupported"}]},
            ),
            approve("gen-000003", "d-3", answers={"Bad-Key": 1}),
        )
        single = alice.put(
            "/v1/decisions/d-4", json=_body(approve("gen-000004", "x", answers={"note": None}))
        )
    assert {(r["status"], r["code"]) for r in results} == {("invalid", "invalid_answers")}
    assert results[0]["detail"] == (
        "answers.helpfulness: expected an option's value, a list of option values, a whole "
        "number, text, or a list of spans {start, end, label}, got the number 3.5"
    )
    assert results[1]["detail"] == (
        "answers.hallucination: [0]: [9, 2] is not a range with start < end"
    )
    assert results[2]["detail"].startswith("answers: 'Bad-Key' is not a question key")
    assert (single.status_code, single.json()["code"]) == (422, "invalid_answers")
    assert single.json()["detail"].startswith("answers.note: expected an option's value")
    assert single.json()["detail"].endswith("got null")
    assert _answer_rows(server) == 0


def test_the_producer_client_sets_and_reads_a_form_from_a_form_file(
    server: RunningServer,
) -> None:
    form_file = """
version = 2
guidelines = "Mark what the policy does not support."

[[questions]]
key = "hallucination"
kind = "spans"
options = [{value = "unsupported", label = "Unsupported claim"}]
"""
    with ReviewdeskClient(server.url, server.token("root", "admin"), attempts=1) as desk:
        assert desk.form("support") is None
        stored = desk.set_form("support", tomllib.loads(form_file))
        current = desk.form("support")
        with pytest.raises(ClientError) as refused:
            desk.set_form("support", {"version": 1})
    assert stored["version"] == 2
    assert current is not None and current["version"] == 2
    assert current["questions"] == [
        {
            "key": "hallucination",
            "kind": "spans",
            "options": [{"value": "unsupported", "label": "Unsupported claim", "key": "1"}],
        }
    ]
    assert (refused.value.status, refused.value.code) == (409, "form_version_conflict")


def test_hostile_form_bodies_are_422_naming_the_field_never_a_500(server: RunningServer) -> None:
    bodies: list[Any] = [
        {"questions": [1]},
        {"questions": "behaviour"},
        {"questions": [{"key": "stars", "kind": "rating", "min": 1, "max": 5, "labels": {"x": 1}}]},
        {"questions": [{"key": "stars", "kind": "rating", "min": "one", "max": 5}]},
        {"questions": [{"key": "pick", "kind": "choice", "options": [{"value": "x" * 201}]}]},
        {"questions": [{"key": "pick", "kind": "choice", "options": "abc"}]},
        {"questions": [{"key": "t", "kind": "text", "required": "sometimes"}]},
        {"version": 0},
        {"version": 2**40},
        {"guidelines": "\u0000"},
        {"colour": "blue"},
        [],
    ]
    with server.client(server.token("root", "admin")) as admin:
        answers = [_put(admin, body) for body in bodies]
    assert [r.status_code for r in answers] == [422] * len(bodies), [r.text for r in answers]
    details = [r.json()["detail"] for r in answers]
    assert "body.questions[0]: Input should be a valid dictionary" in details[0]
    assert "body.questions" in details[1]
    assert "questions[1] 'stars': labels" in details[2]
    assert "questions[1] 'stars': min: expected a whole number" in details[3]
    assert "questions[1] 'pick': options[1].value" in details[4]
    assert "questions[1] 'pick': options" in details[5]
    assert "questions[1] 't': required: expected true, false, a verdict" in details[6]
    assert "version" in details[7] and "version" in details[8]
    assert "guidelines" in details[9]
    assert "colour" in details[10]
    assert _stored_forms(server) == []


def test_admins_setting_forms_at_once_each_get_their_own_version(server: RunningServer) -> None:
    secret = server.token("root", "admin")

    def put(number: int) -> httpx.Response:
        with server.client(secret) as admin:
            return _put(admin, {**FORM, "guidelines": f"Edition {number}"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(put, range(6)))

    assert [r.status_code for r in answers] == [200] * 6, [r.text for r in answers]
    assert sorted(r.json()["version"] for r in answers) == [1, 2, 3, 4, 5, 6]
    assert _stored_forms(server) == [("support", version) for version in range(1, 7)]
