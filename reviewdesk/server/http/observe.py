"""Request ids, the access log, request latency metrics and the body size limit, as one ASGI
middleware; and the Prometheus registry of an app.

The access log line has the method, the path, the status, the latency, the request id and the
token's name — never the token, a query string, or a body (prompts and outputs stay out of logs).
"""

from __future__ import annotations

import logging
import time
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
    """ASGI middleware: request id, body limit, latency metric and access log of each request."""

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
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            if too_large:
                await _send_too_large(send_with_id, request_id)
            else:
                await self.app(scope, limited_receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.latency.labels(scope["method"], template, str(status)).observe(elapsed)
            access_log.info(
                "%s %s %d %.1fms rid=%s who=%s",
                scope["method"],
                scope["path"],
                status,
                elapsed * 1000,
                request_id,
                state.get("token_name", "-"),
            )


async def _send_too_large(send: Send, request_id: str) -> None:
    body: dict[str, Any] = {
        "type": TYPE_BASE + "body_too_large",
        "title": "Content Too Large",
        "status": 413,
        "code": ProblemCode.BODY_TOO_LARGE,
        "detail": "the request body is larger than the server takes",
        "request_id": request_id,
    }
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
