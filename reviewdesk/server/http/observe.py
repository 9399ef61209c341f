"""Request ids, the access log, request latency metrics and the body size limit, as one ASGI
middleware; and the Prometheus registry of an app.

The access log line has the method, the path, the status, the latency, the request id and the
token's name — never the token, a query string, or a body (prompts and outputs stay out of logs).
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reviewdesk.protocol.statuses import ProblemCode
from reviewdesk.server.http.problems import PROBLEM_JSON, TYPE_BASE, BodyTooLargeError
from reviewdesk.server.queue.changes import QueueFigures

logger = logging.getLogger(__name__)
access_log = logging.getLogger("reviewdesk.server.access")

_MAX_REQUEST_ID = 100


class Metrics:
    """The app's Prometheus metrics, in a registry of its own."""

    def __init__(self, figures: Callable[[], list[QueueFigures]]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "reviewdesk_http_request_duration_seconds",
            "Time to answer a request, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.decisions = Counter(
            "reviewdesk_decisions",
            "Decisions received, by status.",
            ["status"],
            registry=self.registry,
        )
        self.items = Counter(
            "reviewdesk_items", "Items received, by status.", ["status"], registry=self.registry
        )
        self.leased = Counter(
            "reviewdesk_leased_slots", "Slots handed out in leases.", registry=self.registry
        )
        self.registry.register(_QueueCollector(figures))


class _QueueCollector(Collector):
    def __init__(self, figures: Callable[[], list[QueueFigures]]) -> None:
        self._figures = figures

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "reviewdesk_queue_depth", "Items waiting for a review, by queue.", labels=["queue"]
        )
        slots = GaugeMetricFamily(
            "reviewdesk_queue_open_slots", "Reviews still to make, by queue.", labels=["queue"]
        )
        leased = GaugeMetricFamily(
            "reviewdesk_open_leases", "Slots held on a live lease, by queue.", labels=["queue"]
        )
        for figure in self._figures():
            depth.add_metric([figure.queue], figure.open_items)
            slots.add_metric([figure.queue], figure.open_slots)
            leased.add_metric([figure.queue], figure.live_leased_slots)
        yield depth
        yield slots
        yield leased

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


class RequestObserver:
    """ASGI middleware: request id, body limit, latency metric and access log of each request;
    `HEAD` answered as `GET` without the body; an unexpected error answered as a problem
    document (500, with the request id) on a connection then closed."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers", ()))
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = (
            given if given and len(given) <= _MAX_REQUEST_ID and given.isprintable() else ""
        ) or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        answered = False
        head = scope["method"] == "HEAD"
        inner = {**scope, "method": "GET"} if head else scope
        length = headers.get(b"content-length")
        too_large = length is not None and length.isdigit() and int(length) > self.max_body_bytes
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLargeError
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                answered = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            if too_large:
                await _send_problem(send_with_id, 413, ProblemCode.BODY_TOO_LARGE, request_id)
            else:
                await self.app(inner, limited_receive, send_with_id)
        except Exception as error:  # a bug: answer it, log where it happened (never its data)
            _log_failure(error, scope, request_id)
            status = 500
            if not answered:
                await _send_problem(send_with_id, 500, ProblemCode.INTERNAL_ERROR, request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = inner.get("route") or scope.get("route")
            template = getattr(route, "path_format", None) or "unmatched"
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            self.metrics.latency.labels(method, template, str(status)).observe(elapsed)
            access_log.info(
                "%s %s %d %.1fms rid=%s who=%s",
                method,
                printable(scope["path"]),
                status,
                elapsed * 1000,
                request_id,
                printable(state.get("token_name", "-")),
            )


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""The methods the metrics and the access log name; any other is `other` (a label taken from
the request would let anyone grow the metrics without bound)."""


def printable(value: str) -> str:
    """`value` with control characters escaped (`\\n`, `\\x00`): one log line stays one line."""
    if value.isprintable():
        return value
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in value
    )


def _log_failure(error: Exception, scope: Scope, request_id: str) -> None:
    """Log an unexpected error by its kind and where it was raised, at ERROR; its message (which
    may quote a prompt, an output or SQL parameters) only at DEBUG."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if "/reviewdesk/" in frame.filename.replace("\\", "/")]
    shown = [*frames[-3:], *(ours[-3:] if ours and ours[-1] not in frames[-3:] else [])]
    where = " < ".join(f"{frame.name} ({frame.filename}:{frame.lineno})" for frame in shown)
    logger.error(
        "internal error on %s %s rid=%s: %s in %s",
        scope["method"] if scope["method"] in KNOWN_METHODS else "other",
        printable(scope["path"]),
        request_id,
        type(error).__name__,
        where,
    )
    logger.debug("internal error rid=%s", request_id, exc_info=error)


_TITLES = {413: ("Content Too Large", "the request body is larger than the server takes"),
           500: ("Internal Server Error", "the server failed to answer; the request id names it "
                 "in the server's log")}  # fmt: skip


async def _send_problem(send: Send, status: int, code: str, request_id: str) -> None:
    title, detail = _TITLES[status]
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        "request_id": request_id,
    }
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
