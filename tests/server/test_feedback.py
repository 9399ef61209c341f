"""Statistics, routing advice and exports over HTTP: the same answers as on a local store."""

from __future__ import annotations

import orjson

from reviewdesk.export import ExportFormat, ExportOptions, stream_export
from reviewdesk.stats import GroupKey, grouped_stats, routing_advice, routing_document
from reviewdesk.store import Resolution
from tests.helpers.records import decision, record
from tests.server.harness import RunningServer


def _fill(server: RunningServer) -> None:
    items = [
        record(1, model="gpt-4o", decisions=[decision("alice", "approve")]),
        record(2, model="gpt-4o", decisions=[decision("alice", "reject")]),
        record(3, model="llama", decisions=[decision("alice", "edit"), decision("bob", "approve")]),
        record(4, model="llama"),
    ]
    with server.client(server.token("producer", "producer")) as producer:
        answer = producer.post("/v1/items", json={"items": items})
        assert answer.status_code == 200, answer.text


def test_stats_over_http_match_the_library_on_the_same_database(server: RunningServer) -> None:
    _fill(server)
    with server.client(server.token("watcher", "producer")) as client:
        answer = client.get("/v1/stats", params={"group_by": "model", "policy": "latest"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        bad = client.get("/v1/stats", params={"group_by": "colour"})
        # By default each item once: item 3 (edit against approve) is a tie, left out.
        items = client.get("/v1/stats", params={"group_by": "model"}).json()
    expected = grouped_stats(server.engine, [GroupKey.MODEL], Resolution.LATEST)
    assert body["groups"] == [group.model_dump(mode="json") for group in expected]
    by_model = {group["group"]["model"]: group for group in body["groups"]}
    assert (by_model["gpt-4o"]["approve"], by_model["gpt-4o"]["reject"]) == (1, 1)
    assert (by_model["llama"]["edit"], by_model["llama"]["approve"]) == (1, 1)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["code"] == "invalid_group_by"
    assert body["left_out"] == {"policy": "latest", "items": 0, "reason": ""}
    assert items["policy"] == "resolved" and items["unit"] == "items"
    assert items["left_out"] == {
        "policy": "resolved",
        "items": 1,
        "reason": "ties no adjudicator settled",
    }
    assert [(g["group"]["model"], g["n"]) for g in items["groups"]] == [("gpt-4o", 2)]


def test_routing_over_http_is_the_routing_document(server: RunningServer) -> None:
    _fill(server)
    with server.client(server.token("watcher", "producer")) as client:
        answer = client.get("/v1/routing", params={"target": 0.8})
    assert answer.status_code == 200, answer.text
    expected = routing_document(routing_advice(server.engine, Resolution.RESOLVED, target=0.8))
    assert answer.json() == orjson.loads(orjson.dumps(expected))


def test_export_streams_what_the_library_writes(server: RunningServer) -> None:
    _fill(server)
    with server.client(server.token("root", "admin")) as admin:
        answer = admin.get("/v1/export", params={"format": "sft"})
        every = admin.get("/v1/export", params={"format": "sft", "policy": "latest"})
        csv_answer = admin.get("/v1/export", params={"format": "csv", "model": "llama"})
        bad = admin.get("/v1/export", params={"format": "xml"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/x-ndjson"
    with server.engine.connect() as connection:
        expected = b"".join(stream_export(connection, ExportOptions(format=ExportFormat.SFT)))
    assert answer.content == expected
    rows = [orjson.loads(line) for line in answer.content.splitlines()]
    # One row per item: item 1's approve (item 2 is a reject, item 3 a tie left out) ...
    assert len(rows) == 1
    # ... or, a row per reviewer's label: approve, edit (edited text), bob's approve; no reject.
    assert len(every.content.splitlines()) == 3
    assert all(row["messages"][-1]["role"] == "assistant" for row in rows)
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert len(csv_answer.text.strip().splitlines()) == 1 + 2  # header + llama's two labels
    assert bad.status_code == 422
