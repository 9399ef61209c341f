"""The service endpoints: liveness (`/v1/health`, no token) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from reviewdesk import __version__
from reviewdesk.protocol.v1 import Health
from reviewdesk.server.access.auth import Watcher
from reviewdesk.server.api.common import AUTH_ERRORS
from reviewdesk.server.database import read
from reviewdesk.server.http.observe import Metrics
from reviewdesk.server.http.problems import problem_responses
from reviewdesk.server.http.routing import ApiRoute

router = APIRouter(route_class=ApiRoute)


@router.get("/v1/health", tags=["service"], responses=problem_responses(503))
def health(request: Request) -> Health:
    """Liveness: the server answers and reaches its database. No token needed."""
    engine: Engine = request.app.state.engine
    read(engine, lambda connection: connection.execute(text("SELECT 1")).scalar())
    return Health(status="ok", version=__version__, api="v1", database=engine.dialect.name)


@router.get(
    "/metrics",
    tags=["service"],
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}},
        **problem_responses(*AUTH_ERRORS),
    },
)
def prometheus(request: Request, token: Watcher) -> Response:
    """Prometheus metrics (a producer or admin token): queue depth, open leases,
    decisions by status, request latency."""
    return Response(generate_latest(metrics_registry(request)), media_type=CONTENT_TYPE_LATEST)


def metrics_registry(request: Request) -> CollectorRegistry:
    metrics: Metrics = request.app.state.metrics
    return metrics.registry
