"""Decisions carry their form answers through the server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import httpx

from tests.server.harness import RunningServer, approve, items

ANSWERS = {
    "behaviour": "full_refusal",
    "helpfulness": 4,
    "topics": ["shipping", "billing"],
    "hallucination": [{"start": 0, "end": 3, "label": "unsupported"}],
}


FORM = {
    "version": 2,
    "questions": [
        {
            "key": "behaviour",
            "kind": "choice",
            "options": [{"value": "full_compliance"}, {"value": "full_refusal"}],
        },
        {"key": "helpfulness", "kind": "rating", "min": 1, "max": 5},
        {
            "key": "topics",
            "kind": "multi",
            "options": [{"value": "shipping"}, {"value": "billing"}],
        },
        {"key": "hallucination", "kind": "spans", "options": [{"value": "unsupported"}]},
    ],
}


def _decision(client: httpx.Client, decision_id: str) -> dict[str, object]:
    response = client.get(f"/v1/decisions/{decision_id}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_answers_sent_with_a_decision_are_stored_with_it(server: RunningServer) -> None:
    with server.client(server.token("producer", "producer")) as producer:
        assert producer.post("/v1/items", json={"items": items(3)}).status_code == 200
    with server.client(server.token("root", "admin")) as admin:
        assert admin.put("/v1/queues/support/form", json=FORM).status_code == 200
    with server.client(server.token("alice", "reviewer")) as alice:
        assert alice.post("/v1/queues/support/leases", json={"max_items": 3}).status_code == 200
        one = approve("gen-000001", "d-1", answers=ANSWERS, form_version=2)
        body = dict(one)
        assert alice.put(f"/v1/decisions/{body.pop('id')}", json=body).json()["status"] == (
            "accepted"
        )
        batch = alice.post(
            "/v1/decisions/batch",
            json={
                "decisions": [
                    approve("gen-000002", "d-2", answers={"helpfulness": 1}, form_version=2),
                    approve("gen-000003", "d-3"),
                ]
            },
        ).json()["results"]
        assert [result["status"] for result in batch] == ["accepted", "accepted"]
        first = _decision(alice, "d-1")
        second = _decision(alice, "d-2")
        plain = _decision(alice, "d-3")
    assert first["answers"] == ANSWERS
    assert first["form_version"] == 2
    assert second["answers"] == {"helpfulness": 1}
    assert (plain["answers"], plain["form_version"]) == ({}, None)
    # and the server's exports carry them, read by the same code on either engine
    with server.client(server.token("admin", "admin")) as admin:
        raw = admin.get("/v1/export", params={"format": "raw"})
        table = admin.get("/v1/export", params={"format": "csv"})
    assert raw.status_code == 200, raw.text
    exported = {row["decision_id"]: row for row in map(json.loads, raw.text.splitlines())}
    output = items(1)[0]["output"]
    assert exported["d-1"]["answers"] == {
        **ANSWERS,
        "hallucination": [{"start": 0, "end": 3, "label": "unsupported", "text": output[:3]}],
    }
    assert exported["d-3"]["answers"] == {}
    header, *rows = list(csv.reader(io.StringIO(table.text)))
    assert header[-4:] == [  # in the form's order
        "answer.behaviour", "answer.helpfulness", "answer.topics", "answer.hallucination",
    ]  # fmt: skip
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_id["d-1"]["answer.topics"] == "shipping;billing"
    assert by_id["d-2"]["answer.helpfulness"] == "1"
