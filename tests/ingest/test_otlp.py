"""`reviewdesk import --format otlp`: the OTel Collector's file exporter output (JSON lines of
`ExportTraceServiceRequest`), with the attributes of the GenAI conventions, OpenInference and
OpenLLMetry. The OpenInference and OpenLLMetry spans are spelled with the constants of their
own semantic-convention packages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from openinference.semconv.trace import MessageAttributes, OpenInferenceSpanKindValues
from openinference.semconv.trace import SpanAttributes as OI
from opentelemetry.semconv_ai import LLMRequestTypeValues
from opentelemetry.semconv_ai import SpanAttributes as OLL

from reviewdesk.cli.app import run
from reviewdesk.errors import ImportFailedError, UserError
from reviewdesk.ingest import Mapping, OnError, SourceFormat, import_files
from reviewdesk.ingest.otlp import OtlpError, OtlpSettings
from reviewdesk.store import Store

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _any(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def _attributes(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": _any(value)} for key, value in values.items()]


def _span(span_id: str, attributes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "name": "llm",
        "startTimeUnixNano": "1764000000000000000",
        "endTimeUnixNano": "1764000000800000000",
        "attributes": _attributes(attributes),
        **fields,
    }


def _export(*spans: dict[str, Any], resource: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attributes(resource or {"service.name": "helpdesk"})},
                "scopeSpans": [{"scope": {"name": "app"}, "spans": list(spans)}],
            }
        ]
    }


def _write(path: Path, *lines: dict[str, Any] | bytes) -> Path:
    path.write_bytes(
        b"".join(
            (line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines
        )
    )
    return path


def _message(prefix: str, index: int, role: str, content: str) -> dict[str, str]:
    return {
        f"{prefix}.{index}.{MessageAttributes.MESSAGE_ROLE}": role,
        f"{prefix}.{index}.{MessageAttributes.MESSAGE_CONTENT}": content,
    }


OPENINFERENCE = {
    OI.OPENINFERENCE_SPAN_KIND: OpenInferenceSpanKindValues.LLM.value,
    OI.LLM_MODEL_NAME: "claude-sonnet-4",
    **_message(OI.LLM_INPUT_MESSAGES, 0, "system", "You summarise tickets."),
    **_message(OI.LLM_INPUT_MESSAGES, 1, "user", "Summarise ticket 42."),
    **_message(OI.LLM_OUTPUT_MESSAGES, 0, "assistant", "The printer is jammed."),
    OI.LLM_TOKEN_COUNT_PROMPT: 120,
    OI.LLM_TOKEN_COUNT_COMPLETION: 7,
    OI.LLM_PROMPT_TEMPLATE_VERSION: "v2",
}

OPENLLMETRY = {
    OLL.LLM_REQUEST_TYPE: LLMRequestTypeValues.CHAT.value,
    OLL.LLM_SYSTEM: "openai",
    OLL.LLM_REQUEST_MODEL: "gpt-4o",
    OLL.LLM_RESPONSE_MODEL: "gpt-4o-2024-08-06",
    f"{OLL.LLM_PROMPTS}.0.role": "user",
    f"{OLL.LLM_PROMPTS}.0.content": "Translate 'hello' to French.",
    f"{OLL.LLM_COMPLETIONS}.0.role": "assistant",
    f"{OLL.LLM_COMPLETIONS}.0.content": "Bonjour.",
    OLL.LLM_USAGE_PROMPT_TOKENS: 14,
    OLL.LLM_USAGE_COMPLETION_TOKENS: 3,
    OLL.TRACELOOP_PROMPT_KEY: "translate",
    OLL.TRACELOOP_PROMPT_VERSION: 4,
}

GENAI = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.input.messages": '[{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]',
    "gen_ai.output.messages": '[{"role": "assistant", "parts": [{"type": "text", '
    '"content": "Hello."}]}]',
}


def test_openinference_and_openllmetry_spans_become_generations(
    store: Store, tmp_path: Path
) -> None:
    data = _write(
        tmp_path / "traces.jsonl",
        _export(_span("00000000000000a1", OPENINFERENCE)),
        _export(
            _span("00000000000000b1", OPENLLMETRY),
            _span("00000000000000b2", {"db.system": "postgresql"}, name="SELECT"),
        ),
    )
    report = import_files(store, [data], source_format=SourceFormat.OTLP)
    assert report.summary()["imported"] == 2
    assert report.notes == ["1 of 3 spans are not model calls: left out"]
    inference = store.get(f"{TRACE}-00000000000000a1")
    assert inference is not None
    assert [(turn.role, turn.content) for turn in inference.prompt] == [  # type: ignore[union-attr]
        ("system", "You summarise tickets."),
        ("user", "Summarise ticket 42."),
    ]
    assert inference.output == "The printer is jammed."
    assert inference.model == "claude-sonnet-4"
    assert inference.usage is not None
    assert (inference.usage.input_tokens, inference.usage.output_tokens) == (120, 7)
    assert (inference.prompt_version, inference.route) == ("v2", "helpdesk")
    assert inference.latency_ms == 800 and inference.trace_id == TRACE
    llmetry = store.get(f"{TRACE}-00000000000000b1")
    assert llmetry is not None
    assert llmetry.output == "Bonjour."
    assert llmetry.model == "gpt-4o-2024-08-06"
    assert llmetry.usage is not None and llmetry.usage.output_tokens == 3
    assert (llmetry.prompt_template, llmetry.prompt_version) == ("translate", "4")
    # Importing the file again stores nothing new.
    again = import_files(store, [data], source_format=SourceFormat.OTLP)
    assert (again.imported, again.duplicates) == (0, 2)


def test_tool_calls_and_their_answers_show_in_the_prompt(store: Store, tmp_path: Path) -> None:
    turns = [
        {"role": "user", "parts": [{"type": "text", "content": "Where is order 7?"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "find_order",
                                         "arguments": {"order": 7}}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1",
                                    "response": "shipped"}]},
    ]  # fmt: skip
    span = _span(
        "00000000000000a9", {**GENAI, "gen_ai.input.messages": orjson.dumps(turns).decode()}
    )
    import_files(
        store, [_write(tmp_path / "t.jsonl", _export(span))], source_format=SourceFormat.OTLP
    )
    stored = store.get(f"{TRACE}-00000000000000a9")
    assert stored is not None
    assert [(turn.role, turn.content) for turn in stored.prompt] == [  # type: ignore[union-attr]
        ("user", "Where is order 7?"),
        ("assistant", '[tool call find_order({"order":7})]'),
        ("tool", "shipped"),
    ]


def test_evaluation_events_become_flags_by_the_configured_rule(
    store: Store, tmp_path: Path
) -> None:
    def evaluation(name: str, score: float, label: str) -> dict[str, Any]:
        return {
            "name": "gen_ai.evaluation.result",
            "timeUnixNano": "1764000000900000000",
            "attributes": _attributes(
                {
                    "gen_ai.evaluation.name": name,
                    "gen_ai.evaluation.score.value": score,
                    "gen_ai.evaluation.score.label": label,
                }
            ),
        }

    events = [
        evaluation("toxicity", 0.55, "toxic"),
        evaluation("pii", 0.91, "email"),
        evaluation("helpfulness", 4.0, "helpful"),  # a 1-to-5 scale: not a 0..1 score
    ]
    span = _span("00000000000000c1", {**GENAI, "app.route": "support.greeting"}, events=events)
    data = _write(tmp_path / "traces.jsonl", _export(span))
    config = tmp_path / "otlp.toml"
    config.write_text('route = ["app.route"]\nerror_at = 0.5\n', encoding="utf-8")
    import_files(
        store, [data], source_format=SourceFormat.OTLP, otlp=OtlpSettings.from_toml(config)
    )
    stored = store.get(f"{TRACE}-00000000000000c1")
    assert stored is not None
    assert stored.route == "support.greeting"
    assert [(f.validator, f.code, f.severity.value, f.score) for f in stored.flags] == [
        ("toxicity", "toxic", "error", 0.55),
        ("pii", "email", "error", 0.91),
        ("helpfulness", "helpful", "error", None),
    ]
    assert stored.flags[2].message == "score 4"
    assert stored.risk == 0.91
    # With the default rule (an error from 0.8 on) the same toxicity score is a warning.
    default = OtlpSettings()
    assert default.error_at == 0.8
    import_files(
        store,
        [_write(tmp_path / "again.jsonl", _export({**span, "spanId": "00000000000000c2"}))],
        source_format=SourceFormat.OTLP,
    )
    second = store.get(f"{TRACE}-00000000000000c2")
    assert second is not None and second.route == "helpdesk"
    assert [f.severity.value for f in second.flags] == ["warning", "error", "error"]


def test_errors_name_the_file_line_and_span(store: Store, tmp_path: Path) -> None:
    no_output = {key: value for key, value in GENAI.items() if key != "gen_ai.output.messages"}
    bad_role = {
        **GENAI,
        "gen_ai.input.messages": '[{"role": "narrator", "parts": [{"type": "text", '
        '"content": "Once"}]}]',
    }
    data = _write(
        tmp_path / "traces.jsonl",
        _export(_span("00000000000000d1", GENAI)),
        _export(_span("00000000000000d2", no_output)),
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xyz"}]}]}]}',
        _export(_span("00000000000000d4", bad_role)),
    )
    with pytest.raises(ImportFailedError):
        import_files(store, [data], source_format=SourceFormat.OTLP)
    assert store.counts().generations == 0
    report = import_files(store, [data], source_format=SourceFormat.OTLP, on_error=OnError.SKIP)
    messages = [str(error) for error in report.errors]
    assert messages[0].startswith(
        f"traces.jsonl:2: span {TRACE}-00000000000000d2: output: the span has no output messages"
    )
    assert messages[1] == (
        "traces.jsonl:3: not an OTLP trace export: resourceSpans[0].scopeSpans[0].spans[0]."
        "traceId: expected 32 hex digits, got 'xyz'"
    )
    assert messages[2].startswith(f"traces.jsonl:4: span {TRACE}-00000000000000d4: prompt[0].role")
    assert report.imported == 1


def test_a_wrong_settings_file_names_its_key(tmp_path: Path) -> None:
    config = tmp_path / "otlp.toml"
    config.write_text('routes = ["app.route"]\n', encoding="utf-8")
    with pytest.raises(OtlpError, match=r"otlp.toml: routes: not a known key"):
        OtlpSettings.from_toml(config)
    config.write_text("error_at = 'high'\n", encoding="utf-8")
    with pytest.raises(OtlpError, match=r"otlp.toml: error_at: expected a number"):
        OtlpSettings.from_toml(config)


def test_a_column_mapping_is_refused_for_traces(store: Store, tmp_path: Path) -> None:
    data = _write(tmp_path / "traces.jsonl", _export(_span("00000000000000e1", GENAI)))
    with pytest.raises(UserError, match="--otlp-config"):
        import_files(
            store,
            [data],
            source_format=SourceFormat.OTLP,
            mapping=Mapping.from_specs(["output=answer"], [], [], []),
        )


def test_the_command_line_imports_traces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(
        tmp_path / "traces.jsonl",
        _export(_span("00000000000000f1", {**GENAI, "svc.queue": "greetings"})),
    )
    config = tmp_path / "otlp.toml"
    config.write_text('queue = ["svc.queue"]\n', encoding="utf-8")
    store_path = tmp_path / "store.sqlite"
    code = run(
        ["import", str(data), "--format", "otlp", "--otlp-config", str(config),
         "--store", str(store_path), "--json"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert orjson.loads(captured.out)["imported"] == 1
    with Store.open(store_path) as opened:
        stored = opened.get(f"{TRACE}-00000000000000f1")
    assert stored is not None and stored.queue == "greetings"
