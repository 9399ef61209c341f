"""The OTLP/HTTP traces receiver over real HTTP, on SQLite and on PostgreSQL: a real instrumented
OpenAI app exporting with the official exporter, OTLP JSON sent by hand, and bad requests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.trace.export import SpanExportResult
from sqlalchemy import text

from reviewdesk.ingest.otlp import OtlpSettings
from tests.server.harness import RunningServer, running_server
from tests.server.otlp_app import ANSWER, STAND_IN_MODEL, llm_app

TRACES = "/v1/otlp/v1/traces"
TRACE = "5b8efff798038103d269b633813fc60c"


def _stored(server: RunningServer) -> int:
    with server.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM generation")).scalar_one())


def _leased(server: RunningServer, queue: str) -> list[dict[str, Any]]:
    with server.client(server.token("rita", "reviewer")) as client:
        response = client.post(f"/v1/queues/{queue}/leases", json={"max_items": 50})
    assert response.status_code == 200, response.text
    return [item["generation"] for item in response.json()["items"]]


def _json_span(span_id: str, attributes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A span in OTLP JSON: hex ids, nanoseconds as strings, attributes as AnyValue objects."""
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "name": "chat gpt-4o-mini",
        "kind": 3,
        "startTimeUnixNano": "1764000000000000000",
        "endTimeUnixNano": "1764000001250000000",
        "attributes": [{"key": key, "value": _any(value)} for key, value in attributes.items()],
        **fields,
    }


def _any(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_any(item) for item in value]}}
    return {"stringValue": value}


def _request(*spans: dict[str, Any], service: str = "refund-bot") -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": _any(service)}]},
                "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}],
            }
        ]
    }


CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.input_tokens": 31,
    "gen_ai.usage.output_tokens": 9,
    "gen_ai.system_instructions": '[{"type": "text", "content": "Be brief."}]',
    "gen_ai.input.messages": '[{"role": "user", "parts": [{"type": "text", "content": "Hi?"}]}]',
    "gen_ai.output.messages": '[{"role": "assistant", "parts": [{"type": "text", '
    '"content": "Hello"}, {"type": "text", "content": " there."}], "finish_reason": "stop"}]',
    "reviewdesk.prompt_template": "greeting",
    "reviewdesk.prompt_version": "v3",
}


def test_an_instrumented_openai_app_s_calls_become_generations_once(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = server.url + TRACES
    resource = {"service.name": "refund-bot", "reviewdesk.queue": "support"}
    token = server.token("refund-bot", "producer")
    with llm_app(monkeypatch, endpoint, token, resource=resource) as app:
        assert app.ask("Can I return the blender?") == ANSWER
        app.ask("And the toaster?", system="You answer toaster questions.")
        spans = app.spans()
        assert len(spans) == 2
        stored = {item["id"]: item for item in _leased(server, "support")}
        first = spans[0]
        trace_id = format(first.context.trace_id, "032x")
        span_id = format(first.context.span_id, "016x")
        item = stored[f"{trace_id}-{span_id}"]
        assert item["prompt"] == [
            {"role": "system", "content": "You answer refund questions."},
            {"role": "user", "content": "Can I return the blender?"},
        ]
        assert item["output"] == ANSWER
        assert item["model"] == STAND_IN_MODEL
        assert item["usage"]["input_tokens"] == 20 and item["usage"]["output_tokens"] == 11
        assert item["trace_id"] == trace_id
        assert item["route"] == "refund-bot"  # the service's name when no route is given
        assert first.start_time is not None and first.end_time is not None
        assert item["latency_ms"] == (first.end_time - first.start_time) // 1_000_000
        # The app's validator recorded a gen_ai.evaluation.result event: a flag, and the risk.
        assert [(f["validator"], f["code"], f["severity"], f["score"]) for f in item["flags"]] == [
            ("pii", "email", "error", 0.93)
        ]
        assert item["risk"] == 0.93
        assert len(stored) == 2
        # A retried export (the exporter sends the same spans again) creates nothing new.
        assert app.exporter.export(spans) is SpanExportResult.SUCCESS
    assert _stored(server) == 2


def test_an_exporter_configured_by_environment_with_gzip(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = server.token("refund-bot", "producer")
    # The README's settings: the base endpoint (the exporter adds /v1/traces), the token as a
    # header (the space percent-encoded, as the variable's format asks), gzip.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", server.url + "/v1/otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"Authorization=Bearer%20{token}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
    with llm_app(monkeypatch, None, token) as app:
        app.ask("Can I return the blender?")
    assert [item["output"] for item in _leased(server, "default")] == [ANSWER]


def test_calls_recorded_without_their_content_are_rejected_with_the_reason(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = server.token("refund-bot", "producer")
    with llm_app(monkeypatch, server.url + TRACES, token, content="no_content") as app:
        app.ask("Can I return the blender?")
        spans = app.spans()
    body = _request(
        *[
            _json_span(
                format(span.context.span_id, "016x"),
                {
                    key: value
                    for key, value in (span.attributes or {}).items()
                    if not isinstance(value, tuple)
                },
            )
            for span in spans
        ]
    )
    with server.client(token) as client:
        response = client.post(TRACES, json=body)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert "no input messages" in partial["errorMessage"]
    assert "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only" in partial["errorMessage"]
    assert _stored(server) == 0


def test_otlp_json_with_gzip_and_spans_that_are_not_model_calls(server: RunningServer) -> None:
    body = _request(
        _json_span("00f067aa0ba902b7", CHAT),
        _json_span("00f067aa0ba902b8", {"http.request.method": "GET"}, name="GET /refunds"),
        _json_span("00f067aa0ba902b9", {"gen_ai.operation.name": "embeddings",
                                        "gen_ai.request.model": "text-embedding-3-small"}),
    )  # fmt: skip
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with server.client(server.token("bot", "producer")) as client:
        response = client.post(TRACES, content=gzip.compress(orjson.dumps(body)), headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {}  # nothing rejected: the other two are simply not reviewed
        again = client.post(TRACES, json=body)
        assert again.status_code == 200 and again.json() == {}
    with server.client(server.token("ops", "admin")) as client:
        metrics = client.get("/metrics").text
    assert 'reviewdesk_otlp_spans_total{outcome="created"} 1.0' in metrics
    assert 'reviewdesk_otlp_spans_total{outcome="duplicate"} 1.0' in metrics
    assert 'reviewdesk_otlp_spans_total{outcome="ignored"} 4.0' in metrics
    [item] = _leased(server, "default")
    assert item["id"] == f"{TRACE}-00f067aa0ba902b7"
    assert item["prompt"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi?"},
    ]
    assert item["output"] == "Hello there."
    assert (item["model"], item["prompt_template"], item["prompt_version"]) == (
        "gpt-4o-mini-2024-07-18", "greeting", "v3",
    )  # fmt: skip
    assert item["latency_ms"] == 1250
    assert item["created_at"].startswith("2025-11-24T16:00:00")


def test_a_protobuf_answer_counts_rejected_spans(server: RunningServer) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    request = ExportTraceServiceRequest()
    scope = request.resource_spans.add().scope_spans.add()
    for number, output in ((1, "Fine."), (2, None)):
        span = scope.spans.add(
            trace_id=bytes.fromhex(TRACE), span_id=number.to_bytes(8, "big"), name="chat",
            start_time_unix_nano=1_764_000_000_000_000_000,
            end_time_unix_nano=1_764_000_000_500_000_000,
        )  # fmt: skip
        attributes = {**CHAT, "gen_ai.output.messages": output and f'[{{"role": "assistant", '
                      f'"parts": [{{"type": "text", "content": "{output}"}}]}}]'}  # fmt: skip
        for key, value in attributes.items():
            if value is None:
                continue
            any_value = (
                AnyValue(int_value=value)
                if isinstance(value, int)
                else AnyValue(string_value=str(value))
            )
            span.attributes.append(KeyValue(key=key, value=any_value))
    headers = {"Content-Type": "application/x-protobuf"}
    with server.client(server.token("bot", "producer")) as client:
        response = client.post(TRACES, content=request.SerializeToString(), headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_spans == 1
    assert f"span {TRACE}-0000000000000002: output" in answer.partial_success.error_message
    assert _stored(server) == 1


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-protobuf", b"\xff\xff\xff not protobuf"),
        ("application/json", b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 7}]}]}]}'),
        ("application/json", b"{not json"),
        (
            "application/json",
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "'
            + TRACE.encode()
            + b'", "spanId": "00f067aa0ba902b7", "startTimeUnixNano": "99999999999999999999"}]}]}]}',
        ),
    ],
)
def test_a_malformed_body_is_400_with_a_status_and_stores_nothing(
    server: RunningServer, content_type: str, body: bytes
) -> None:
    good = orjson.dumps(_request(_json_span("00f067aa0ba902b7", CHAT)))
    with server.client(server.token("bot", "producer")) as client:
        # One good span before the bad one: nothing of the request is stored.
        if content_type == "application/json" and body.startswith(b'{"resourceSpans"'):
            document = orjson.loads(good)
            document["resourceSpans"][0]["scopeSpans"][0]["spans"].append({"traceId": 7})
            body = orjson.dumps(document)
        response = client.post(TRACES, content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.headers["content-type"] == content_type
    if content_type == "application/json":
        status = response.json()
        assert status["code"] == 3 and "ExportTraceServiceRequest" in status["message"]
    else:
        status_pb = Status.FromString(response.content)
        assert status_pb.code == 3 and "not valid protobuf" in status_pb.message
    assert _stored(server) == 0


def test_a_gzip_body_that_is_not_gzip_is_400(server: RunningServer) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with server.client(server.token("bot", "producer")) as client:
        response = client.post(TRACES, content=b"plain text", headers=headers)
    assert response.status_code == 400
    assert "not valid gzip" in response.json()["message"]


def test_a_wrong_token_is_401_and_an_odd_content_type_415(server: RunningServer) -> None:
    body = orjson.dumps(_request(_json_span("00f067aa0ba902b7", CHAT)))
    json_type = {"Content-Type": "application/json"}
    with server.client("rdk_not_a_token") as client:
        assert client.post(TRACES, content=body, headers=json_type).status_code == 401
    with server.client() as client:
        assert client.post(TRACES, content=body, headers=json_type).status_code == 401
    with server.client(server.token("rita", "reviewer")) as client:
        assert client.post(TRACES, content=body, headers=json_type).status_code == 403
    with server.client(server.token("bot", "producer")) as client:
        response = client.post(TRACES, content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert _stored(server) == 0


def test_an_oversized_body_is_413_compressed_or_not(database_url: str) -> None:
    with running_server(database_url, max_body_bytes=4096) as server:
        big = orjson.dumps(_request(_json_span("00f067aa0ba902b7", {**CHAT, "x": "y" * 8000})))
        bomb = gzip.compress(b" " * 100_000)  # 100 KB of JSON whitespace in 150 bytes
        with server.client(server.token("bot", "producer")) as client:
            plain = client.post(TRACES, content=big, headers={"Content-Type": "application/json"})
            inflated = client.post(
                TRACES,
                content=bomb,
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            )
        assert plain.status_code == 413
        assert inflated.status_code == 413
        assert "decompressed body is larger than 4096 bytes" in inflated.json()["message"]
        assert _stored(server) == 0


def test_the_exporter_sees_a_wrong_token_as_a_failed_export(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with llm_app(monkeypatch, server.url + TRACES, "rdk_wrong") as app:
        app.ask("Can I return the blender?")
        assert app.exporter.export(app.spans()) is SpanExportResult.FAILURE
    assert _stored(server) == 0


def test_the_queue_s_review_policy_decides_which_spans_are_reviewed(server: RunningServer) -> None:
    def scored(span_id: str, score: float) -> dict[str, Any]:
        event = {
            "name": "gen_ai.evaluation.result",
            "attributes": [
                {"key": "gen_ai.evaluation.name", "value": _any("toxicity")},
                {"key": "gen_ai.evaluation.score.value", "value": _any(score)},
            ],
        }
        return _json_span(span_id, CHAT, events=[event])

    with server.client(server.token("ops", "admin")) as admin:
        policy = admin.put("/v1/queues/default/policy", json={"risk_threshold": 0.5})
        assert policy.status_code == 200, policy.text
    with server.client(server.token("bot", "producer")) as client:
        response = client.post(TRACES, json=_request(scored("0000000000000a01", 0.2),
                                                     scored("0000000000000a02", 0.9)))  # fmt: skip
        assert response.status_code == 200 and response.json() == {}
        low = client.get(f"/v1/items/{TRACE}-0000000000000a01").json()
        high = client.get(f"/v1/items/{TRACE}-0000000000000a02").json()
    assert (low["state"], high["state"]) == ("auto_approved", "queued")
    assert [item["id"] for item in _leased(server, "default")] == [f"{TRACE}-0000000000000a02"]


def test_the_server_s_otlp_settings_name_the_attributes(database_url: str, tmp_path: Path) -> None:
    config = tmp_path / "otlp.toml"
    config.write_text('route = ["app.route"]\nroute_fallback = ""\n', encoding="utf-8")
    with running_server(database_url, otlp=OtlpSettings.from_toml(config)) as server:
        body = _request(
            _json_span("0000000000000b01", {**CHAT, "app.route": "support.greeting"}),
            _json_span("0000000000000b02", CHAT),
        )
        with server.client(server.token("bot", "producer")) as client:
            assert client.post(TRACES, json=body).status_code == 200
        routes = {item["id"][-4:]: item.get("route") for item in _leased(server, "default")}
    # Without a route attribute and with no fallback, an item has no route (not the service's).
    assert routes == {"0b01": "support.greeting", "0b02": None}


def test_hostile_spans_are_rejected_or_refused_never_a_500(server: RunningServer) -> None:
    nul = {
        **CHAT,
        "gen_ai.output.messages": '[{"role": "assistant", "parts": [{"type": "text", '
        '"content": "a\\u0000b"}]}]',
    }
    deep: dict[str, Any] = {"stringValue": "x"}
    for _ in range(300):  # 900 levels of JSON: as deep as the server's JSON parser takes
        deep = {"arrayValue": {"values": [deep]}}
    nested = _json_span("0000000000000c02", CHAT)
    nested["attributes"].append({"key": "deep", "value": deep})
    huge = {**CHAT, "gen_ai.usage.input_tokens": 2**70}
    body = _request(
        _json_span("0000000000000c01", nul), nested, _json_span("0000000000000c03", huge)
    )
    with server.client(server.token("bot", "producer")) as client:
        # The standard library's encoder: orjson writes no more than 255 levels.
        content = json.dumps(body).encode()
        response = client.post(
            TRACES, content=content, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 200, response.text
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "2"
    assert (
        f"span {TRACE}-0000000000000c01: invalid: output: contains a NUL" in partial["errorMessage"]
    )
    assert f"span {TRACE}-0000000000000c03: invalid: usage.input_tokens" in partial["errorMessage"]
    assert [item["id"] for item in _leased(server, "default")] == [f"{TRACE}-0000000000000c02"]


def test_worker_processes_read_the_same_otlp_settings(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reviewdesk.server.runner import DB_ENV, OTLP_ENV, app_from_environment

    config = tmp_path / "otlp.toml"
    config.write_text('queue = ["app.queue"]\nerror_at = 0.6\n', encoding="utf-8")
    with running_server(database_url):  # prepares the database's schema
        monkeypatch.setenv(DB_ENV, database_url)
        monkeypatch.setenv(OTLP_ENV, str(config))
        app = app_from_environment()
        try:
            settings: OtlpSettings = app.state.settings.otlp
        finally:
            app.state.engine.dispose()
    assert (settings.queue, settings.error_at) == (("app.queue",), 0.6)
