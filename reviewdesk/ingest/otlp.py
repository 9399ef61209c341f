"""OpenTelemetry traces to generations: each model-call span becomes one canonical import record.

Shared by the server's OTLP/HTTP receiver and `reviewdesk import --format otlp` (the Collector's
file exporter: JSON lines of `ExportTraceServiceRequest`). The server decodes protobuf itself
and hands this module `Span`s; `otlp_json` reads OTLP JSON into them, `otlp_messages` finds a
span's chat turns. Nothing here touches a store.

A span is a model call when its `gen_ai.operation.name` is a model operation (`chat`,
`text_completion`, `generate_content`), or OpenInference's `openinference.span.kind` is `LLM`,
or OpenLLMetry's `llm.request.type` is `chat` or `completion`; a span with none of these three
is a model call when it names a model (`gen_ai.request.model`, `gen_ai.response.model`,
`llm.model_name`). Every other span is ignored.

The record of a model-call span:
- `id`: `TRACEID-SPANID` (hex), so a retried export finds its items stored already;
- `prompt`: the chat turns of `gen_ai.system_instructions` and `gen_ai.input.messages`
  (OpenInference `llm.input_messages.N.message.*`, OpenLLMetry `gen_ai.prompt.N.*`);
- `output`: the text parts of the first output message (`gen_ai.output.messages`, OpenInference
  `llm.output_messages.0.message.content`, OpenLLMetry `gen_ai.completion.0.content`);
- `model`: `gen_ai.response.model`, else `gen_ai.request.model`, else `llm.model_name`;
- `usage`, `latency_ms` (the span's duration), `trace_id`, `created_at` (the span's start);
- `route`, `prompt_template`, `prompt_version`, `queue`: the first of `OtlpSettings`' attribute
  names the span (or else its resource) has; the route falls back to the resource's
  `service.name`;
- `prompt_template_text` (for the prompt-template registry, not stored with the item): the
  first of `reviewdesk.prompt_template_text`, OpenInference's `llm.prompt_template.template`
  and OpenLLMetry's `traceloop.prompt.template`, when the span also names its template and
  version;
- `flags` from `gen_ai.evaluation.result` span events: the evaluation's name is the validator,
  its label the code, its score the score (when within 0..1), its explanation the message;
  a score at or above `OtlpSettings.error_at` is an `error`, anything else a `warning`; `risk`
  is the highest such score.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewdesk.errors import UserError
from reviewdesk.ingest.otlp_messages import span_output, span_prompt

MODEL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content"})
EVALUATION_EVENT = "gen_ai.evaluation.result"
_NO_CONTENT = (
    "the span has no {what}: have the instrumentation record message content on spans "
    "(for opentelemetry-instrumentation-openai-v2: OTEL_SEMCONV_STABILITY_OPT_IN="
    "gen_ai_latest_experimental and OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only)"
)


class OtlpError(UserError):
    """An OTLP document that cannot be read, or an OTLP settings file that is wrong."""


@dataclass(frozen=True)
class SpanEvent:
    name: str
    attributes: dict[str, Any]


@dataclass(frozen=True)
class Span:
    """A span as the mapping needs it, whatever encoding it came in."""

    trace_id: str
    """Hex, 32 digits."""
    span_id: str
    """Hex, 16 digits."""
    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    events: tuple[SpanEvent, ...] = ()
    resource: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OtlpSettings:
    """Which attributes name a generation's route, template, version and queue, and how an
    evaluation's score becomes a severity. `reviewdesk serve --otlp-config FILE.toml` and
    `reviewdesk import --format otlp --otlp-config FILE.toml` read these keys from a TOML file
    (each a list of attribute names but `route_fallback`, a resource attribute, and `error_at`).
    """

    route: tuple[str, ...] = ("reviewdesk.route",)
    prompt_template: tuple[str, ...] = ("reviewdesk.prompt_template", "traceloop.prompt.key")
    prompt_version: tuple[str, ...] = (
        "reviewdesk.prompt_version",
        "llm.prompt_template.version",
        "traceloop.prompt.version",
    )
    queue: tuple[str, ...] = ("reviewdesk.queue",)
    prompt_template_text: tuple[str, ...] = (
        "reviewdesk.prompt_template_text",
        "llm.prompt_template.template",
        "traceloop.prompt.template",
    )
    route_fallback: str = "service.name"
    error_at: float = 0.8

    @classmethod
    def from_toml(cls, path: Path) -> OtlpSettings:
        """The settings of a TOML file; keys it leaves out keep their defaults.

        Raises:
            OtlpError: the file cannot be read, or a key is unknown or of the wrong kind.
        """
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise OtlpError(f"{path}: cannot be read: {error}") from error
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in document.items():
            if key not in known:
                raise OtlpError(f"{path}: {key}: not a known key (use {', '.join(sorted(known))})")
            if key == "error_at":
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise OtlpError(f"{path}: error_at: expected a number, got {value!r}")
                values[key] = float(value)
            elif key == "route_fallback":
                if not isinstance(value, str):
                    raise OtlpError(f"{path}: route_fallback: expected text, got {value!r}")
                values[key] = value
            else:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise OtlpError(f"{path}: {key}: expected a list of attribute names")
                values[key] = tuple(value)
        return cls(**values)


@dataclass(frozen=True)
class SpanProblem:
    """Why a model-call span cannot become a generation."""

    span: str
    """`TRACEID-SPANID`, as the generation's id would have been."""
    field: str
    message: str

    def __str__(self) -> str:
        return f"span {self.span}: {self.field}: {self.message}"


@dataclass
class SpanTally:
    """Spans read, and those left out because they are not model calls."""

    spans: int = 0
    ignored: int = 0


def generation_id(trace_id: str, span_id: str) -> str:
    return f"{trace_id}-{span_id}"


def is_model_call(attributes: Mapping[str, Any]) -> bool:
    operation = attributes.get("gen_ai.operation.name")
    if operation is not None:
        return isinstance(operation, str) and operation in MODEL_OPERATIONS
    kind = attributes.get("openinference.span.kind")
    if kind is not None:
        return str(kind).upper() == "LLM"
    request_type = attributes.get("llm.request.type")
    if request_type is not None:
        return request_type in ("chat", "completion")
    return any(
        key in attributes
        for key in ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name")
    )


def span_record(span: Span, settings: OtlpSettings) -> dict[str, Any] | SpanProblem | None:
    """The canonical import record of a model-call span, why it cannot be one, or None for a
    span that is not a model call."""
    attributes = span.attributes
    if not is_model_call(attributes):
        return None
    gid = generation_id(span.trace_id, span.span_id)
    model = _first_text(
        attributes, ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
    )
    if model is None:
        return SpanProblem(gid, "model", "the span names no model (gen_ai.request.model)")
    prompt = span_prompt(attributes)
    if prompt is None:
        return SpanProblem(gid, "prompt", _NO_CONTENT.format(what="input messages"))
    output = span_output(attributes)
    if output is None:
        return SpanProblem(gid, "output", _NO_CONTENT.format(what="output messages"))
    record: dict[str, Any] = {
        "id": gid,
        "prompt": prompt,
        "output": output,
        "model": model,
        "trace_id": span.trace_id,
    }
    if span.start_ns > 0:
        record["created_at"] = _time(span.start_ns)
    if span.end_ns >= span.start_ns > 0:
        record["latency_ms"] = (span.end_ns - span.start_ns) // 1_000_000
    usage = _usage(attributes)
    if usage:
        record["usage"] = usage
    for key in ("route", "prompt_template", "prompt_version", "queue"):
        value = _first_text(attributes, getattr(settings, key)) or _first_text(
            span.resource, getattr(settings, key)
        )
        if value is None and key == "route" and settings.route_fallback:
            value = _first_text(span.resource, (settings.route_fallback,))
        if value is not None:
            record[key] = value
    if "prompt_template" in record and "prompt_version" in record:
        template_text = _first_text(attributes, settings.prompt_template_text)
        if template_text is not None:
            record["prompt_template_text"] = template_text
    flags = [
        _flag(event.attributes, settings) for event in span.events if event.name == EVALUATION_EVENT
    ]
    if flags:
        record["flags"] = flags
        scores = [flag["score"] for flag in flags if "score" in flag]
        if scores:
            record["risk"] = max(scores)
    record["metadata"] = {"otel": _otel_metadata(span)}
    return record


def _time(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat().replace("+00:00", "Z")


def _first_text(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, str) and value:
            return value
    return None


def _number(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def _usage(attributes: Mapping[str, Any]) -> dict[str, int]:
    usage: dict[str, int] = {}
    given = _number(
        attributes,
        (
            "gen_ai.usage.input_tokens",
            "llm.token_count.prompt",
            "gen_ai.usage.prompt_tokens",
            "llm.usage.prompt_tokens",
        ),
    )
    if given is not None:
        usage["input_tokens"] = given
    given = _number(
        attributes,
        (
            "gen_ai.usage.output_tokens",
            "llm.token_count.completion",
            "gen_ai.usage.completion_tokens",
            "llm.usage.completion_tokens",
        ),
    )
    if given is not None:
        usage["output_tokens"] = given
    return usage


def _flag(attributes: Mapping[str, Any], settings: OtlpSettings) -> dict[str, Any]:
    name = _first_text(attributes, ("gen_ai.evaluation.name",)) or "evaluation"
    label = _first_text(attributes, ("gen_ai.evaluation.score.label",)) or name
    score = attributes.get("gen_ai.evaluation.score.value")
    flag: dict[str, Any] = {"validator": name, "code": label}
    explanation = _first_text(attributes, ("gen_ai.evaluation.explanation",)) or ""
    severity = "warning"
    if isinstance(score, int | float) and not isinstance(score, bool):
        if score >= settings.error_at:
            severity = "error"
        if 0.0 <= score <= 1.0:
            flag["score"] = float(score)
        else:  # a score on another scale (1 to 5, say): kept in the message, not as the score
            explanation = f"score {score:g}" + (f": {explanation}" if explanation else "")
    flag["severity"] = severity
    if explanation:
        flag["message"] = explanation
    return flag


def _otel_metadata(span: Span) -> dict[str, Any]:
    meta: dict[str, Any] = {"span_id": span.span_id, "span_name": span.name}
    service = span.resource.get("service.name")
    if isinstance(service, str):
        meta["service"] = service
    attributes = span.attributes
    for key, name in (
        ("gen_ai.provider.name", "provider"),
        ("gen_ai.system", "provider"),
        ("gen_ai.response.id", "response_id"),
        ("gen_ai.response.finish_reasons", "finish_reasons"),
    ):
        value = attributes.get(key)
        if value is not None and name not in meta:
            meta[name] = value
    return meta
