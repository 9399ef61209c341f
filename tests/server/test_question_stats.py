"""`GET /v1/stats?question=KEY`: a review form question's answers over HTTP, the same as the
library counts them on the server's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from reviewdesk.domain import Form
from reviewdesk.stats import parse_keys, question_agreement, question_stats
from reviewdesk.store.rows import save_form
from tests.helpers.answers import FORM, OUTPUT, answered
from tests.helpers.records import record
from tests.server.harness import RunningServer


def _fill(server: RunningServer) -> None:
    with server.engine.begin() as connection:
        save_form(connection, "support", Form.from_toml(FORM), created_at="2026-11-20T00:00:00Z")
    labels = [
        ("full_refusal", "full_refusal"),
        ("full_refusal", "partial_refusal"),
        ("full_compliance", "full_compliance"),
        ("partial_refusal", "partial_refusal"),
    ]
    items = [
        record(
            number,
            output=OUTPUT,
            queue="support",
            flags=[],
            model="m-a" if number % 2 else "m-b",
            decisions=[
                answered("ann", {"behaviour": first, "helpfulness": number}),
                answered("bob", {"behaviour": second, "helpfulness": number}, minute=1),
            ],
        )
        for number, (first, second) in enumerate(labels, start=1)
    ]
    with server.client(server.token("producer", "producer")) as producer:
        answer = producer.post("/v1/items", json={"items": items})
        assert answer.status_code == 200, answer.text
        assert all(result["status"] == "created" for result in answer.json()["results"])


def test_question_stats_over_http(server: RunningServer) -> None:
    _fill(server)
    with server.client(server.token("watcher", "producer")) as client:
        answer = client.get("/v1/stats", params={"question": "behaviour", "group_by": "model"})
        rating = client.get("/v1/stats", params={"question": "helpfulness"})
        unknown = client.get("/v1/stats", params={"question": "colour"})
        flags = client.get("/v1/stats", params={"question": "behaviour", "group_by": "validator"})
        labels = client.get(
            "/v1/stats", params={"question": "behaviour", "unit": "labels", "policy": "majority"}
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = question_stats(server.engine, "behaviour", parse_keys("model"))
    assert body["stats"] == expected.model_dump(mode="json")
    counts = {o["value"]: o["count"] for o in body["stats"]["overall"]["options"]}
    # Item 2 is a tie (full against partial refusal): left out, the other three once each.
    assert counts == {"full_compliance": 1, "full_refusal": 1, "partial_refusal": 1}
    assert body["stats"]["left_out"]["items"] == 1
    assert body["agreement"] == question_agreement(server.engine, "behaviour").model_dump(
        mode="json"
    )
    assert body["agreement"]["items"] == 4 and body["calibration"] is not None
    assert rating.status_code == 200 and rating.json()["stats"]["overall"]["mean"] == 2.5
    assert rating.json()["agreement"]["alpha"] == 1.0  # ann and bob rate alike
    assert rating.json()["group_by"] == [] and rating.json()["calibration"] is None
    for bad in (unknown, flags, labels):
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["code"] == "invalid_request"
    assert unknown.json()["detail"].startswith("question: no review form has a question 'colour'")
    assert unknown.json()["errors"][0]["loc"] == ["query", "question"]
    assert flags.json()["code"] == "invalid_group_by"
    assert flags.json()["detail"].startswith("group_by: ") and "validator" in flags.json()["detail"]
    assert labels.json()["detail"].startswith("unit: ")
