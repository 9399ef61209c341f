"""OTLP JSON (hex ids, 64-bit integers as strings, `AnyValue` objects) read into the OTLP
mapping's `Span`s: what `reviewdesk import --format otlp` and the receiver's JSON encoding read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewdesk.ingest.otlp import OtlpError, Span, SpanEvent

_NS_LIMIT = 253_402_300_800 * 10**9
"""Nanoseconds since 1970 of 10000-01-01: OTLP times are unsigned 64-bit, but no later time is
a date."""


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
