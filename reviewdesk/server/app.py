"""The FastAPI app of the queue server: `create_app(settings)`.

The app holds no state of its own beyond rate-limit buckets and metrics: everything else is in
the database, so several processes can serve one PostgreSQL behind a load balancer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import Counter
from sqlalchemy.engine import Engine

# The store's table classes (and with them sqlalchemy.orm) load lazily for the desk's start-up
# time; a server loads them now. Loaded by the first push instead, they were imported while
# other request threads ran SQL, and SQLAlchemy's half-imported ORM made those statements fail
# (a 500 burst after each restart under load).
import reviewdesk.store.tables  # noqa: F401
from reviewdesk import __version__
from reviewdesk.protocol.v1 import Problem
from reviewdesk.server.access.ratelimit import TokenBuckets
from reviewdesk.server.api import (
    admins,
    feedback,
    forms,
    otlp,
    producers,
    reviewers,
    service,
    templates,
)
from reviewdesk.server.api.wakeups import OpenPolls, VerdictBell
from reviewdesk.server.database import open_engine, read
from reviewdesk.server.http.observe import Metrics, RequestObserver
from reviewdesk.server.http.problems import install_problem_handlers
from reviewdesk.server.http.routing import ApiRoute
from reviewdesk.server.queue.changes import queue_figures
from reviewdesk.server.queue.policy import PriorityCache
from reviewdesk.server.settings import ServerSettings
from reviewdesk.server.webhooks.destinations import Destinations
from reviewdesk.server.webhooks.worker import DeliveryWorker

DESCRIPTION = """\
The reviewdesk queue server. Producers push generations (`POST /v1/items`); reviewers lease them
(`POST /v1/queues/{queue}/leases`), decide, and send their decisions back (`PUT /v1/decisions/{id}`,
`POST /v1/decisions/batch`). Every endpoint but `/v1/health` needs a bearer token of the right
role. Errors are `application/problem+json` with a stable `code`.
"""


def create_app(settings: ServerSettings, *, engine: Engine | None = None) -> FastAPI:
    """The server's ASGI app on the database of `settings` (or on `engine`, already prepared).

    The database's schema must be current (see `database.prepare_schema`).
    """
    engine = engine or open_engine(settings.database_url)
    app = FastAPI(
        lifespan=_lifespan,
        title="reviewdesk queue server",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs" if settings.docs else None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.verdict_bell = VerdictBell()
    app.state.open_polls = OpenPolls(settings.max_polls_per_token)
    app.state.delivery_worker = None
    app.state.priorities = PriorityCache()
    app.state.destinations = Destinations(settings.webhook_allow)
    app.state.buckets = TokenBuckets(settings.rate_per_s, settings.rate_burst)
    app.state.auth_failures = TokenBuckets(
        settings.auth_failures_per_s, settings.auth_failure_burst
    )
    metrics = Metrics(lambda: read(engine, lambda c: queue_figures(c, settings.clock())))
    app.state.metrics = metrics
    app.state.otlp_spans = Counter(
        "reviewdesk_otlp_spans",
        "Spans received over OTLP, by outcome: created, duplicate, rejected, ignored (not a "
        "model call).",
        ["outcome"],
        registry=metrics.registry,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestObserver, metrics=metrics, max_body_bytes=settings.max_body_bytes)
    for module in (producers, otlp, reviewers, admins, forms, templates, feedback):
        app.include_router(module.router)
    app.router.route_class = ApiRoute
    app.include_router(service.router)
    # Make the Problem schema part of the document: every error response refers to it.
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schema = original()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = Problem.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        return app.openapi_schema or schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Deliver webhooks from this process while it serves (each process runs one worker)."""
    settings: ServerSettings = app.state.settings
    worker: DeliveryWorker | None = None
    if settings.deliver_webhooks:
        worker = DeliveryWorker(
            app.state.engine, clock=settings.clock, destinations=app.state.destinations
        )
        worker.start()
        app.state.delivery_worker = worker
    try:
        yield
    finally:
        if worker is not None:
            app.state.delivery_worker = None
            worker.stop()
