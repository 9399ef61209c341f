"""OpenTelemetry traces to generations: each model-call span becomes one canonical import record.

Shared by the server's OTLP/HTTP receiver and `reviewdesk import --format otlp` (the Collector's
file exporter: JSON lines of `ExportTraceServiceRequest`). The server decodes protobuf itself
and hands this module `Span`s; OTLP JSON (hex ids, 64-bit integers as strings, `AnyValue`
objects) is read here. Nothing here touches a store.

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
- `flags` from `gen_ai.evaluation.result` span events: the evaluation's name is the validator,
  its label the code, its score the score (when within 0..1), its explanation the message;
  a score at or above `OtlpSettings.error_at` is an `error`, anything else a `warning`; `risk`
  is the highest such score.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.errors import UserError

MODEL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "completion"})
EVALUATION_EVENT = "gen_ai.evaluation.result"
_NS_LIMIT = 253_402_300_800 * 10**9
"""Nanoseconds since 1970 of 10000-01-01: OTLP times are unsigned 64-bit, but no later time is
a date."""
_ROLES = {
    "developer": "system",
    "function": "tool",
    "model": "assistant",
    "human": "user",
    "ai": "assistant",
}
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
        return operation in MODEL_OPERATIONS
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
    prompt = _prompt(attributes)
    if prompt is None:
        return SpanProblem(gid, "prompt", _NO_CONTENT.format(what="input messages"))
    output = _output(attributes)
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


# --- messages -------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    """A structured attribute: recorded as JSON text by most SDKs, as a list by some."""
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _role(value: Any) -> Any:
    return _ROLES.get(value, value) if isinstance(value, str) else value


def _parts_text(parts: Any) -> str:
    """The text of a GenAI message's parts: text parts as they are, tool calls and their
    answers in brackets (a reviewer should see that the model called a tool)."""
    if isinstance(parts, str):
        return parts
    if not isinstance(parts, list):
        return ""
    texts: list[str] = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("text", "reasoning", None) and isinstance(part.get("content"), str):
            if kind != "reasoning":
                texts.append(part["content"])
        elif kind == "tool_call":
            arguments = part.get("arguments")
            shown = arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()
            texts.append(f"[tool call {part.get('name', '?')}({shown})]")
        elif kind == "tool_call_response":
            response = part.get("response")
            texts.append(response if isinstance(response, str) else orjson.dumps(response).decode())
    return "".join(texts)


def _genai_messages(value: Any) -> list[dict[str, Any]] | None:
    messages = _json_value(value)
    if not isinstance(messages, list):
        return None
    turns: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        content = message.get("parts", message.get("content"))
        turns.append({"role": _role(message.get("role")), "content": _parts_text(content)})
    return turns


def _indexed(attributes: Mapping[str, Any], prefix: str) -> dict[int, dict[str, Any]]:
    """Flattened lists (`prefix.0.role`, `prefix.0.content`, ...) as {index: {rest: value}}."""
    found: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        if not key.startswith(prefix):
            continue
        index, _, rest = key[len(prefix) :].partition(".")
        if index.isdigit() and rest:
            found.setdefault(int(index), {})[rest] = value
    return found


def _flat_messages(
    attributes: Mapping[str, Any], prefix: str, role: str, content: str, contents: str | None = None
) -> list[dict[str, Any]] | None:
    indexed = _indexed(attributes, prefix)
    if not indexed:
        return None
    turns = []
    for _, values in sorted(indexed.items()):
        text = values.get(content)
        if not isinstance(text, str) and contents is not None:
            parts = _content_parts(values, contents)
            text = "".join(parts)
        turns.append({"role": _role(values.get(role)), "content": text if text is not None else ""})
    return turns


def _content_parts(values: Mapping[str, Any], prefix: str) -> list[str]:
    """OpenInference's `message.contents.N.message_content.text`, in order."""
    parts = _indexed(values, prefix + ".")
    return [
        text
        for _, part in sorted(parts.items())
        if isinstance(text := part.get("message_content.text"), str)
    ]


def _prompt(attributes: Mapping[str, Any]) -> list[dict[str, Any]] | str | None:
    turns: list[dict[str, Any]] = []
    system = attributes.get("gen_ai.system_instructions")
    if system is not None:
        turns.append({"role": "system", "content": _parts_text(_json_value(system))})
    messages = (
        _genai_messages(attributes["gen_ai.input.messages"])
        if "gen_ai.input.messages" in attributes
        else None
    )
    if messages is None:
        messages = _flat_messages(
            attributes, "llm.input_messages.", "message.role", "message.content", "message.contents"
        )
    if messages is None:
        messages = _flat_messages(attributes, "gen_ai.prompt.", "role", "content")
    if messages is None and not turns:
        plain = attributes.get("input.value")
        return plain if isinstance(plain, str) and plain else None
    return turns + (messages or [])


def _output(attributes: Mapping[str, Any]) -> str | None:
    messages = (
        _genai_messages(attributes["gen_ai.output.messages"])
        if "gen_ai.output.messages" in attributes
        else None
    )
    if messages is None:
        messages = _flat_messages(
            attributes,
            "llm.output_messages.",
            "message.role",
            "message.content",
            "message.contents",
        )
    if messages is None:
        messages = _flat_messages(attributes, "gen_ai.completion.", "role", "content")
    if messages:
        content = messages[0]["content"]
        return content if isinstance(content, str) else None
    plain = attributes.get("output.value")
    return plain if isinstance(plain, str) else None


# --- OTLP JSON -------------------------------------------------------------------------------


def spans_from_json(document: Any) -> Iterator[Span]:
    """The spans of an `ExportTraceServiceRequest` in OTLP JSON.

    Raises:
        OtlpError: the document is not one, naming where (`resourceSpans[0].scopeSpans[1]...`).
    """
    if not isinstance(document, dict):
        raise OtlpError("expected an ExportTraceServiceRequest object")
    for r, resource_spans in enumerate(_list(document, "resourceSpans", "")):
        where = f"resourceSpans[{r}]"
        resource_doc = _object(resource_spans, "resource", where)
        resource = _attributes(resource_doc.get("attributes"), f"{where}.resource.attributes")
        for s, scope_spans in enumerate(_list(resource_spans, "scopeSpans", where)):
            inner = f"{where}.scopeSpans[{s}]"
            for n, raw in enumerate(_list(scope_spans, "spans", inner)):
                yield _span(raw, f"{inner}.spans[{n}]", resource)


def _list(parent: Any, key: str, where: str) -> list[Any]:
    if not isinstance(parent, dict):
        raise OtlpError(f"{where}: expected an object")
    value = parent.get(key, [])
    if not isinstance(value, list):
        raise OtlpError(f"{where + '.' if where else ''}{key}: expected a list")
    return value


def _object(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = parent.get(key) or {}
    if not isinstance(value, dict):
        raise OtlpError(f"{where}.{key}: expected an object")
    return value


def _hex_id(raw: dict[str, Any], key: str, digits: int, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or len(value) != digits:
        raise OtlpError(f"{where}.{key}: expected {digits} hex digits, got {value!r}")
    try:
        int(value, 16)
    except ValueError:
        raise OtlpError(f"{where}.{key}: expected {digits} hex digits, got {value!r}") from None
    if not value.strip("0"):
        raise OtlpError(f"{where}.{key}: an id of all zeros is invalid")
    return value.lower()


def _int64(raw: dict[str, Any], key: str, where: str) -> int:
    value = raw.get(key, 0)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _NS_LIMIT:
        return value
    raise OtlpError(f"{where}.{key}: expected a whole number of nanoseconds, got {value!r}")


def _span(raw: Any, where: str, resource: dict[str, Any]) -> Span:
    if not isinstance(raw, dict):
        raise OtlpError(f"{where}: expected a span object")
    events = []
    for e, event in enumerate(_list(raw, "events", where)):
        if not isinstance(event, dict):
            raise OtlpError(f"{where}.events[{e}]: expected an object")
        events.append(
            SpanEvent(
                str(event.get("name", "")),
                _attributes(event.get("attributes"), f"{where}.events[{e}].attributes"),
            )
        )
    name = raw.get("name", "")
    return Span(
        trace_id=_hex_id(raw, "traceId", 32, where),
        span_id=_hex_id(raw, "spanId", 16, where),
        name=name if isinstance(name, str) else "",
        start_ns=_int64(raw, "startTimeUnixNano", where),
        end_ns=_int64(raw, "endTimeUnixNano", where),
        attributes=_attributes(raw.get("attributes"), f"{where}.attributes"),
        events=tuple(events),
        resource=resource,
    )


def _attributes(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise OtlpError(f"{where}: expected a list of key-value objects")
    found: dict[str, Any] = {}
    for index, pair in enumerate(raw):
        if not isinstance(pair, dict) or not isinstance(pair.get("key"), str):
            raise OtlpError(f"{where}[{index}]: expected an object with a key and a value")
        found[pair["key"]] = _any_value(pair.get("value"), f"{where}[{index}].value")
    return found


def _any_value(raw: Any, where: str) -> Any:
    """An OTLP JSON `AnyValue` as a plain Python value."""
    if raw is None or raw == {}:
        return None
    if not isinstance(raw, dict) or len(raw) != 1:
        raise OtlpError(f"{where}: expected an AnyValue object with one key (stringValue, ...)")
    ((kind, value),) = raw.items()
    if kind == "stringValue" and isinstance(value, str):
        return value
    if kind == "boolValue" and isinstance(value, bool):
        return value
    if kind == "intValue" and (
        (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, str) and value.lstrip("-").isdigit())
    ):
        return int(value)
    if kind == "doubleValue" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "arrayValue" and isinstance(value, dict):
        values = value.get("values") or []
        if isinstance(values, list):
            return [_any_value(item, f"{where}.values[{i}]") for i, item in enumerate(values)]
    if kind == "kvlistValue" and isinstance(value, dict):
        return _attributes(value.get("values"), f"{where}.values")
    if kind == "bytesValue" and isinstance(value, str):
        return value
    raise OtlpError(f"{where}: {kind}: not a valid value ({value!r})")
