"""Input an attacker (or a buggy producer) sends, on SQLite and PostgreSQL: never a 500.

Each probe class of the attack on the server is replayed here: NUL and lone surrogates in every
kind of text (body values and keys, path, query), nesting past the limit, whole numbers past 64
or 32 bits, times outside 1970..9999, an edit with an empty output, batches with one bad entry.
Each is answered 422 naming the field (or, inside a batch, that entry `invalid` naming it).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.helpers.records import record
from tests.server.harness import RunningServer, approve, items

PROBLEM = "application/problem+json"
NUL = "a\x00b"
SURROGATE = "a\ud800b"


def _send(client: httpx.Client, method: str, url: str, body: Any) -> httpx.Response:
    # json.dumps escapes a lone surrogate as \ud800, as an attacker's raw body would carry it.
    return client.request(
        method, url, content=json.dumps(body), headers={"Content-Type": "application/json"}
    )


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"x": value}
    return value


def _fields(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["request_id"]
    return [".".join(error["loc"]) for error in problem["errors"]]


ITEM_PROBES: list[tuple[str, dict[str, Any], str]] = [
    ("nul-output", {"output": NUL}, "output"),
    ("surrogate-output", {"output": SURROGATE}, "output"),
    ("nul-prompt-turn", {"prompt": [{"role": "user", "content": NUL}]}, "prompt[0].content"),
    ("surrogate-model", {"model": SURROGATE}, "model"),
    ("nul-metadata-key", {"metadata": {NUL: 1}}, "metadata.a\\u0000b"),
    ("surrogate-metadata-value", {"metadata": {"note": SURROGATE}}, "metadata.note"),
    ("surrogate-unknown-key", {SURROGATE: "x"}, "a\\ud800b"),
    (
        "nul-flag-message",
        {"flags": [{"validator": "v", "code": "c", "severity": "info", "message": NUL}]},
        "flags[0].message",
    ),
    ("deep-metadata", {"metadata": _nested(300)}, "metadata"),
    ("bigint-latency", {"latency_ms": 2**63}, "latency_ms"),
    ("int32-latency", {"latency_ms": 2**31}, "latency_ms"),
    ("bigint-tokens", {"usage": {"input_tokens": 2**64}}, "usage.input_tokens"),
    ("bigint-metadata", {"metadata": {"n": -(2**70)}}, "metadata.n"),
    ("year-0001", {"created_at": "0001-01-01T00:00:00Z"}, "created_at"),
    ("past-9999-in-utc", {"created_at": "9999-12-31T23:30:00-05:00"}, "created_at"),
    ("nul-id", {"id": NUL}, "id"),
    ("dot-id", {"id": "."}, "id"),
    ("dotdot-id", {"id": ".."}, "id"),
    (
        "carried-decision-past-9999",
        {
            "decisions": [
                {"reviewer": "ann", "verdict": "approve", "decided_at": "9999-12-31T23:59:59-01:00"}
            ]
        },
        "decisions[0].decided_at",
    ),
    (
        "carried-decision-nul-comment",
        {
            "decisions": [
                {
                    "reviewer": "ann",
                    "verdict": "approve",
                    "comment": NUL,
                    "decided_at": "2026-11-21T09:00:00Z",
                }
            ]
        },
        "decisions[0].comment",
    ),
]


def test_each_unfit_item_is_invalid_naming_its_field_and_the_rest_are_stored(
    server: RunningServer,
) -> None:
    probes = [record(index + 1, **fields) for index, (_, fields, _) in enumerate(ITEM_PROBES)]
    good = record(900)
    with server.client(server.token("producer", "producer")) as client:
        answer = _send(client, "POST", "/v1/items", {"items": [*probes, 7, good]})
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        stored = client.get(f"/v1/items/{good['id']}")
    named = {
        name: [error["field"] for error in result["errors"]]
        for (name, _, _), result in zip(ITEM_PROBES, results, strict=False)
    }
    for name, _, field in ITEM_PROBES:
        assert any(found.startswith(field) for found in named[name]), (name, named[name])
    assert [result["status"] for result in results] == ["invalid"] * (len(ITEM_PROBES) + 1) + [
        "created"
    ]
    assert results[len(ITEM_PROBES)]["errors"][0]["message"] == "expected an object"
    assert answer.json()["created"] == 1 and stored.status_code == 200


def test_a_large_push_with_one_nul_stores_every_other_item(server: RunningServer) -> None:
    batch = items(500)
    batch[250]["output"] = NUL
    with server.client(server.token("producer", "producer")) as client:
        answer = _send(client, "POST", "/v1/items", {"items": batch})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["created"], body["invalid"]) == (499, 1)
    assert body["results"][250]["errors"][0]["field"] == "output"


DECISION_PROBES: list[tuple[str, dict[str, Any], str]] = [
    ("nul-comment", {"comment": NUL}, "body.comment"),
    ("surrogate-comment", {"comment": SURROGATE}, "body.comment"),
    ("nul-session", {"session_id": NUL}, "body.session_id"),
    ("surrogate-device", {"device_id": SURROGATE}, "body.device_id"),
    ("bigint-duration", {"duration_ms": 2**63}, "body.duration_ms"),
    ("int32-duration", {"duration_ms": 2**40}, "body.duration_ms"),
    ("bigint-epoch", {"lease_epoch": 2**64}, "body.lease_epoch"),
    ("year-0001", {"decided_at": "0001-01-01T00:00:00Z"}, "decided_at"),
    ("past-9999-in-utc", {"decided_at": "9999-12-31T23:59:59-05:00"}, "decided_at"),
    ("empty-edit", {"verdict": "edit", "edited_output": ""}, "edited_output"),
    ("deep-unknown", {"extra": _nested(100)}, "body.extra"),
]


@pytest.mark.parametrize(
    ("fields", "named"),
    [probe[1:] for probe in DECISION_PROBES],
    ids=[p[0] for p in DECISION_PROBES],
)
def test_an_unfit_decision_is_422_naming_its_field(
    server: RunningServer, fields: dict[str, Any], named: str
) -> None:
    with server.client(server.token("producer", "producer")) as producer:
        producer.post("/v1/items", json={"items": items(1)})
    body = approve("gen-000001", "d-1", **fields)
    del body["id"]
    with server.client(server.token("alice", "reviewer")) as alice:
        answer = _send(alice, "PUT", "/v1/decisions/d-1", body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert named.split(".")[-1] in answer.json()["detail"]


def test_a_batch_answers_each_entry_even_a_non_object_or_an_unfit_one(
    server: RunningServer,
) -> None:
    with server.client(server.token("producer", "producer")) as producer:
        producer.post("/v1/items", json={"items": items(2)})
    entries: list[Any] = [
        "not an object",
        approve("gen-000001", "d-1", comment=NUL),
        approve("gen-000002", "d-2"),
        approve("gen-000001", SURROGATE),
        approve("gen-000001", "d-4", decided_at="0001-01-01T00:00:00Z"),
    ]
    with server.client(server.token("alice", "reviewer")) as alice:
        answer = _send(alice, "POST", "/v1/decisions/batch", {"decisions": entries})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [(r["id"], r["status"]) for r in results] == [
        (None, "invalid"), ("d-1", "invalid"), ("d-2", "accepted"), (None, "invalid"),
        ("d-4", "invalid"),
    ]  # fmt: skip
    assert "expected an object" in results[0]["detail"]
    assert "comment" in results[1]["detail"] and "NUL" in results[1]["detail"]
    assert results[3]["detail"].startswith("id: ")
    assert "decided_at" in results[4]["detail"]


def test_nul_in_path_query_or_any_body_is_422_naming_where(server: RunningServer) -> None:
    with server.client(server.token("root", "admin")) as admin:
        probes = {
            "path.item_id": admin.get("/v1/items/a%00b"),
            "path.decision_id": admin.get("/v1/decisions/d%00"),
            "path.queue": admin.post("/v1/queues/q%00/leases", json={}),
            "query.model": admin.get("/v1/export", params={"format": "raw", "model": "\x00"}),
            "query.queue": admin.get("/v1/verdicts", params={"queue": "x\x00"}),
            "query.group_by": admin.get("/v1/stats", params={"group_by": "model\x00"}),
            "body.name": _send(admin, "POST", "/v1/tokens", {"name": NUL, "role": "reviewer"}),
            "body.url": _send(admin, "POST", "/v1/webhooks", {"queue": "q", "url": SURROGATE}),
            "body.queue": _send(admin, "POST", "/v1/webhooks", {"queue": NUL, "url": "http://x"}),
        }
        deep = _send(admin, "PUT", "/v1/queues/q/policy", _nested(40))
        very_deep = admin.put(
            "/v1/queues/q/policy",
            content="[" * 5000 + "]" * 5000,
            headers={"Content-Type": "application/json"},
        )
        nan = admin.post(
            "/v1/tokens",
            content='{"name": "n", "role": "reviewer", "queues": [NaN]}',
            headers={"Content-Type": "application/json"},
        )
        since = admin.get("/v1/export", params={"format": "raw", "since": "0001-01-01T00:00:00Z"})
    for where, answer in probes.items():
        assert where in _fields(answer), (where, answer.text)
        assert where.split(".")[1] in answer.json()["detail"]
    assert any("deeper than" in e["message"] for e in deep.json()["errors"]), deep.text
    assert very_deep.status_code in (400, 422) and very_deep.headers["content-type"] == PROBLEM
    assert nan.status_code == 422
    assert "query.since" in _fields(since)


def test_a_nul_request_without_a_token_is_still_401_first(server: RunningServer) -> None:
    with server.client() as stranger:
        answer = stranger.get("/v1/items/a%00b")
    with server.client("rdk_not-a-token") as forger:
        forged = _send(forger, "POST", "/v1/tokens", {"name": NUL, "role": "admin"})
    assert (answer.status_code, forged.status_code) == (401, 401)
