"""The OTLP/HTTP traces receiver: `POST /v1/otlp/v1/traces`, so an OpenTelemetry SDK's exporter
pointed at `OTEL_EXPORTER_OTLP_ENDPOINT=http://HOST:PORT/v1/otlp` (with a producer token in
`OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer rdk_...`) sends its spans here.

Each model-call span becomes a generation (`reviewdesk.ingest.otlp`), stored by the same
`store_items` as `POST /v1/items`: the same validation, idempotency by id (a retried export is all
duplicates), conflicts, and the queue's review policy. Per the OTLP/HTTP specification:
- the body is protobuf (`application/x-protobuf`) or OTLP JSON (`application/json`), optionally
  `Content-Encoding: gzip`; the answer is an `ExportTraceServiceResponse` in the same encoding;
- a body that cannot be decoded is answered 400 with a `google.rpc.Status`, and nothing is
  stored; an unsupported content type or encoding 415; a body (or its decompressed form) over
  the server's limit 413;
- model-call spans that cannot become a generation (no output recorded, a conflict, ...) are
  rejected: `partial_success.rejected_spans` counts them and `error_message` names the first
  few. Spans that are not model calls are not rejected data: they are accepted and left out,
  counted in the server's log and in the `reviewdesk_otlp_spans{outcome="ignored"}` metric.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from google.protobuf.message import DecodeError
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from starlette.responses import Response

from reviewdesk.ingest.otlp import (
    OtlpError,
    OtlpSettings,
    Span,
    SpanEvent,
    SpanProblem,
    span_record,
)
from reviewdesk.ingest.otlp_json import spans_from_json
from reviewdesk.protocol.statuses import ItemResultStatus
from reviewdesk.server.access.auth import Producer
from reviewdesk.server.api.common import AUTH_ERRORS, engine_of, settings_of
from reviewdesk.server.api.intake import store_items
from reviewdesk.server.api.wakeups import announce
from reviewdesk.server.http.problems import problem_responses
from reviewdesk.server.http.routing import ApiRoute
from reviewdesk.server.queue.items import parse_items

logger = logging.getLogger(__name__)

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
SHOWN_PROBLEMS = 5
"""How many rejected spans `error_message` names (the count covers them all)."""
_INVALID_ARGUMENT = 3  # google.rpc.Code


class _OtlpRoute(ApiRoute):
    """`ApiRoute`'s token check on the endpoint's thread, without its JSON screening: the body
    is protobuf or OTLP JSON, decoded (and refused with a 400) by the endpoint itself."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        return APIRoute.get_route_handler(self)


router = APIRouter(prefix="/v1/otlp", route_class=_OtlpRoute)

_BODY = {"schema": {"type": "string", "format": "binary"}}
_ANSWER = {"content": {PROTOBUF: _BODY, JSON: {"schema": {"type": "object"}}}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problem_responses(*AUTH_ERRORS),
    200: {"description": "ExportTraceServiceResponse", **_ANSWER},
    400: {"description": "google.rpc.Status: the body cannot be decoded", **_ANSWER},
    413: {
        "description": "the body (problem document), or its decompressed form (Status), is "
        "too large",
        "content": {**_ANSWER["content"], **problem_responses(413)[413]["content"]},
    },
    415: {"description": "google.rpc.Status: an unsupported type or encoding", **_ANSWER},
}


@router.post(
    "/v1/traces",
    tags=["producers"],
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {PROTOBUF: _BODY, JSON: {"schema": {"type": "object"}}},
        }
    },
)
async def post_traces(request: Request, token: Producer) -> Response:
    """OTLP/HTTP traces: each GenAI model-call span becomes a generation (see the README's
    "From your LLM app")."""
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    as_json = content_type == JSON
    if content_type not in (PROTOBUF, JSON):
        return _status(415, f"send {PROTOBUF} or {JSON}, not {content_type or 'no type'}", True)
    body = await request.body()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    limit = settings_of(request).max_body_bytes
    if encoding == "gzip":
        try:
            inflated = _gunzip(body, limit)
        except (zlib.error, EOFError) as error:
            return _status(400, f"the body is not valid gzip: {error}", as_json)
        if inflated is None:
            return _status(413, f"the decompressed body is larger than {limit} bytes", as_json)
        body = inflated
    elif encoding != "identity":
        return _status(415, f"Content-Encoding {encoding} is not supported: use gzip", as_json)
    settings: OtlpSettings = settings_of(request).otlp
    return await run_in_threadpool(_receive, request, body, as_json, settings)


def _receive(request: Request, body: bytes, as_json: bool, settings: OtlpSettings) -> Response:
    try:
        spans = list(_json_spans(body) if as_json else _protobuf_spans(body))
    except OtlpError as error:
        return _status(400, f"not an ExportTraceServiceRequest: {error}", as_json)
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    ignored = 0
    for span in spans:
        mapped = span_record(span, settings)
        if mapped is None:
            ignored += 1
        elif isinstance(mapped, SpanProblem):
            problems.append(str(mapped))
        else:
            items.append(mapped)
    created = duplicates = 0
    if items:
        now = settings_of(request).clock()
        outcomes = store_items(
            engine_of(request), parse_items(items, now_ms=now), now, source="otlp"
        )
        metrics = request.app.state.metrics
        for outcome in outcomes:
            metrics.items.labels(outcome.status.value).inc()
            if outcome.status is ItemResultStatus.CREATED:
                created += 1
            elif outcome.status is ItemResultStatus.DUPLICATE:
                duplicates += 1
            else:
                why = "; ".join(
                    f"{e.field}: {e.message}" if e.field else e.message for e in outcome.errors
                )
                problems.append(f"span {outcome.id}: {outcome.status.value}: {why}")
        announce(request)
    counter = request.app.state.otlp_spans
    for outcome_name, count in (
        (ItemResultStatus.CREATED.value, created),
        (ItemResultStatus.DUPLICATE.value, duplicates),
        ("rejected", len(problems)),
        ("ignored", ignored),
    ):
        if count:
            counter.labels(outcome_name).inc(count)
    logger.info(
        "otlp: %d spans: %d created, %d duplicates, %d rejected, %d not model calls",
        len(spans),
        created,
        duplicates,
        len(problems),
        ignored,
    )
    return _accepted(problems, as_json)


def _gunzip(body: bytes, limit: int) -> bytes | None:
    """The decompressed body, or None when it is larger than `limit` (decompressing stops
    there: a small body that inflates to gigabytes costs no memory)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = inflater.decompress(body, limit + 1)
    if len(data) > limit:
        return None
    if not inflater.eof:
        raise EOFError("the compressed stream is cut off")
    return data


def _accepted(problems: list[str], as_json: bool) -> Response:
    message = ""
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        message = shown + (f"; and {more} more" if more > 0 else "")
    if as_json:
        document: dict[str, Any] = {}
        if problems:
            document["partialSuccess"] = {
                "rejectedSpans": str(len(problems)),
                "errorMessage": message,
            }
        return Response(orjson.dumps(document), media_type=JSON)
    answer = ExportTraceServiceResponse()
    if problems:
        answer.partial_success.rejected_spans = len(problems)
        answer.partial_success.error_message = message
    return Response(answer.SerializeToString(), media_type=PROTOBUF)


def _status(status: int, message: str, as_json: bool) -> Response:
    """A `google.rpc.Status` answer, as the OTLP/HTTP specification asks of a failed request."""
    if as_json:
        return Response(
            orjson.dumps({"code": _INVALID_ARGUMENT, "message": message}),
            status_code=status,
            media_type=JSON,
        )
    body = Status(code=_INVALID_ARGUMENT, message=message).SerializeToString()
    return Response(body, status_code=status, media_type=PROTOBUF)


def _json_spans(body: bytes) -> Iterator[Span]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise OtlpError(f"not valid JSON: {error}") from error
    return spans_from_json(document)


def _protobuf_spans(body: bytes) -> Iterator[Span]:
    try:
        request = ExportTraceServiceRequest.FromString(body)
    except DecodeError as error:
        raise OtlpError(f"not valid protobuf: {error}") from error
    for r, resource_spans in enumerate(request.resource_spans):
        resource = _attributes(resource_spans.resource.attributes)
        for s, scope_spans in enumerate(resource_spans.scope_spans):
            for n, span in enumerate(scope_spans.spans):
                where = f"resource_spans[{r}].scope_spans[{s}].spans[{n}]"
                yield Span(
                    trace_id=_id(span.trace_id, 16, f"{where}.trace_id"),
                    span_id=_id(span.span_id, 8, f"{where}.span_id"),
                    name=span.name,
                    start_ns=span.start_time_unix_nano,
                    end_ns=span.end_time_unix_nano,
                    attributes=_attributes(span.attributes),
                    events=tuple(
                        SpanEvent(event.name, _attributes(event.attributes))
                        for event in span.events
                    ),
                    resource=resource,
                )


def _id(raw: bytes, size: int, where: str) -> str:
    if len(raw) != size or not any(raw):
        raise OtlpError(f"{where}: expected {size} bytes, not all zero")
    return raw.hex()


def _attributes(pairs: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pair: KeyValue
    for pair in pairs:
        found[pair.key] = _value(pair.value)
    return found


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)
