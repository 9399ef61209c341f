"""Prompt templates on the server (`PUT/GET /v1/templates/...`), and items, OTLP spans filling
the registry on first sight, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from openinference.semconv.trace import SpanAttributes as OpenInference
from opentelemetry.semconv_ai import SpanAttributes as OpenLLMetry
from sqlalchemy import text

from reviewdesk.client import ClientError, ReviewdeskClient
from reviewdesk.protocol import TokenRole
from reviewdesk.server.access.tokens import create_token
from tests.server.harness import RunningServer, items
from tests.server.test_otlp import CHAT, TRACES, _json_span, _request

V6 = "You answer refund questions for Shop.\nBe brief.\n"
V7 = "You answer refund questions for Shop.\nBe kind and brief.\nCite the policy.\n"


def _templates(server: RunningServer) -> list[tuple[str, str, str, str, int]]:
    with server.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT name, version, text, source, mismatches FROM prompt_template "
                "ORDER BY name, version"
            )
        )
        return [(row[0], row[1], row[2], row[3], row[4]) for row in found]


def test_a_producer_stores_a_text_once_and_another_text_is_a_conflict(
    server: RunningServer,
) -> None:
    with server.client(server.token("deployer", "producer")) as producer:
        first = producer.put("/v1/templates/refund-policy/v7", json={"text": V7})
        assert first.status_code == 200, first.text
        assert first.json()["outcome"] == "added" and first.json()["source"] == "api"
        again = producer.put("/v1/templates/refund-policy/v7", json={"text": V7})
        assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
        other = producer.put("/v1/templates/refund-policy/v7", json={"text": V6})
        assert other.status_code == 409, other.text
        assert other.json()["code"] == "template_conflict"
        assert "refund-policy@v7 has another text already" in other.json()["detail"]
        assert _templates(server) == [("refund-policy", "v7", V7, "api", 0)]  # unchanged

        replaced = producer.put(
            "/v1/templates/refund-policy/v7", json={"text": V6, "replace": True}
        )
        assert replaced.status_code == 200 and replaced.json()["outcome"] == "replaced"
        assert producer.put("/v1/templates/refund-policy/v8", json={"text": V7}).status_code == 200

    with server.client(server.token("alice", "reviewer")) as reviewer:
        shown = reviewer.get("/v1/templates/refund-policy/v7")
        assert shown.status_code == 200 and shown.json()["text"] == V6
        listed = reviewer.get("/v1/templates").json()["templates"]
        assert [(t["name"], t["version"], t["items"]) for t in listed] == [
            ("refund-policy", "v7", 0),
            ("refund-policy", "v8", 0),
        ]
        missing = reviewer.get("/v1/templates/refund-policy/v9")
        assert missing.status_code == 404 and missing.json()["code"] == "template_not_found"
        # Reviewers read templates; they do not set them.
        refused = reviewer.put("/v1/templates/refund-policy/v9", json={"text": V7})
        assert refused.status_code == 403
    assert [row[1] for row in _templates(server)] == ["v7", "v8"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": 7}, "text"),
        ({"text": V7, "replace": "perhaps"}, "replace"),
        ({"text": V7, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_template_body_is_a_422_naming_the_field_and_stores_nothing(
    server: RunningServer, body: dict[str, Any], field: str
) -> None:
    with server.client(server.token("deployer", "producer")) as producer:
        response = producer.put("/v1/templates/refund-policy/v7", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"][-1] == field
    assert _templates(server) == []


def test_pushed_items_fill_the_registry_on_first_sight_and_never_overwrite_it(
    server: RunningServer,
) -> None:
    first, second, third = items(3)
    first["prompt_template_text"] = V7
    second["prompt_template_text"] = V6  # another text for the same v7: counted, not taken
    del third["prompt_version"]
    third["prompt_template_text"] = V7
    with server.client(server.token("bot", "producer")) as producer:
        response = producer.post("/v1/items", json={"items": [first, second, third]})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "created", "invalid"]
    assert results[2]["errors"][0]["field"] == "prompt_template_text"
    assert (
        "needs the record's prompt_template and prompt_version"
        in (results[2]["errors"][0]["message"])
    )
    assert _templates(server) == [("refund-policy", "v7", V7, "item", 1)]
    with server.client(server.token("rita", "reviewer")) as reviewer:
        leased = reviewer.post("/v1/queues/default/leases", json={"max_items": 10}).json()
        listed = reviewer.get("/v1/templates").json()["templates"]
    # The text fills the registry; it is not kept with each item.
    assert all("prompt_template_text" not in i["generation"]["metadata"] for i in leased["items"])
    assert [(t["version"], t["items"], t["mismatches"]) for t in listed] == [("v7", 2, 1)]


def test_otlp_spans_fill_the_registry_with_openinference_and_openllmetry_attributes(
    server: RunningServer,
) -> None:
    chat = {k: v for k, v in CHAT.items() if not k.startswith("reviewdesk.prompt")}
    openinference = {
        **chat,
        "reviewdesk.prompt_template": "greeting",
        OpenInference.LLM_PROMPT_TEMPLATE_VERSION: "v3",
        OpenInference.LLM_PROMPT_TEMPLATE: "Greet {name} briefly.",
    }
    openllmetry = {
        **chat,
        OpenLLMetry.TRACELOOP_PROMPT_KEY: "farewell",
        OpenLLMetry.TRACELOOP_PROMPT_VERSION: 2,
        OpenLLMetry.TRACELOOP_PROMPT_TEMPLATE: "Say goodbye to {name}.",
    }
    # A template text with no template name to file it under: the span is still an item.
    unnamed = {**chat, OpenInference.LLM_PROMPT_TEMPLATE: "Nameless {x}."}
    body = _request(
        _json_span("00f067aa0ba90201", openinference),
        _json_span("00f067aa0ba90202", openllmetry),
        _json_span("00f067aa0ba90203", unnamed),
    )
    with server.client(server.token("bot", "producer")) as producer:
        response = producer.post(TRACES, json=body)
        assert response.status_code == 200 and response.json() == {}, response.text
        assert producer.post(TRACES, json=body).json() == {}  # a retried export: nothing new
    assert _templates(server) == [
        ("farewell", "2", "Say goodbye to {name}.", "otlp", 0),
        ("greeting", "v3", "Greet {name} briefly.", "otlp", 0),
    ]


def test_a_reviewer_kept_to_a_queue_sees_only_that_queue_s_templates(
    server: RunningServer,
) -> None:
    support = items(1, queue="support", prompt_template_text=V7)
    billing = items(
        1, start=2, queue="billing", prompt_template="invoice", prompt_template_text="Bill."
    )
    with server.client(server.token("bot", "producer")) as producer:
        assert producer.post("/v1/items", json={"items": support + billing}).status_code == 200
    with server.engine.begin() as connection:
        secret = create_token(connection, "sam", TokenRole.REVIEWER, ["support"]).secret
    with server.client(secret) as sam:
        listed = sam.get("/v1/templates").json()["templates"]
        assert [(t["name"], t["version"]) for t in listed] == [("refund-policy", "v7")]
        assert sam.get("/v1/templates/refund-policy/v7").json()["text"] == V7
        hidden = sam.get("/v1/templates/invoice/v7")
        assert hidden.status_code == 404
    with server.client(server.token("alice", "reviewer")) as alice:  # every queue
        assert alice.get("/v1/templates/invoice/v7").json()["text"] == "Bill."


def test_the_producer_client_sets_and_reads_templates(server: RunningServer) -> None:
    with ReviewdeskClient(server.url, server.token("deployer", "producer")) as client:
        assert client.set_template("refund-policy", "v7", V7)["outcome"] == "added"
        assert client.set_template("refund-policy", "v7", V7)["outcome"] == "unchanged"
        with pytest.raises(ClientError) as refused:
            client.set_template("refund-policy", "v7", V6)
        assert refused.value.code == "template_conflict"
        assert "refund-policy@v7 has another text already" in str(refused.value)
        found = client.template("refund-policy", "v7")
        assert found is not None and found["text"] == V7
        assert client.template("refund-policy", "v1") is None
