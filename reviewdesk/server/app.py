"""The FastAPI app of the queue server: `create_app(settings)`.

The app holds no state of its own beyond rate-limit buckets and metrics: everything else is in
the database, so several processes can serve one PostgreSQL behind a load balancer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Path, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from reviewdesk import __version__
from reviewdesk.errors import UserError
from reviewdesk.server.auth import Admin, Watcher
from reviewdesk.server.database import open_engine, read, transact
from reviewdesk.server.feed import queue_figures
from reviewdesk.server.feedback_routes import router as feedback_router
from reviewdesk.server.observe import Metrics, RequestObserver
from reviewdesk.server.policy import PriorityCache
from reviewdesk.server.problems import ApiError, install_problem_handlers, problem_responses
from reviewdesk.server.ratelimit import TokenBuckets
from reviewdesk.server.routes import AUTH_ERRORS, router
from reviewdesk.server.routing import ApiRoute
from reviewdesk.server.schemas import Health, Problem, TokenIn, TokenOut, TokensOut
from reviewdesk.server.settings import ServerSettings
from reviewdesk.server.tokens import (
    TokenInfo,
    UnknownTokenError,
    create_token,
    list_tokens,
    revoke_token,
)
from reviewdesk.server.verdict_routes import VerdictBell
from reviewdesk.server.verdict_routes import router as verdict_router
from reviewdesk.server.webhooks import DeliveryWorker
from reviewdesk.store import codec

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
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.verdict_bell = VerdictBell()
    app.state.delivery_worker = None
    app.state.priorities = PriorityCache()
    app.state.buckets = TokenBuckets(settings.rate_per_s, settings.rate_burst)
    metrics = Metrics(lambda: read(engine, lambda c: queue_figures(c, settings.clock())))
    app.state.metrics = metrics
    install_problem_handlers(app)
    app.add_middleware(RequestObserver, metrics=metrics, max_body_bytes=settings.max_body_bytes)
    app.include_router(router)
    app.include_router(feedback_router)
    app.include_router(verdict_router)
    app.router.route_class = ApiRoute
    _add_service_routes(app)
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
        worker = DeliveryWorker(app.state.engine, clock=settings.clock)
        worker.start()
        app.state.delivery_worker = worker
    try:
        yield
    finally:
        if worker is not None:
            app.state.delivery_worker = None
            worker.stop()


def _token_out(info: TokenInfo, secret: str | None = None) -> TokenOut:
    return TokenOut(
        id=info.id,
        name=info.name,
        role=info.role,
        created_at=codec.parse_time(info.created_at),
        revoked_at=None if info.revoked_at is None else codec.parse_time(info.revoked_at),
        queues=None if info.queues is None else list(info.queues),
        secret=secret,
    )


def _add_service_routes(app: FastAPI) -> None:
    @app.get("/v1/health", tags=["service"], responses=problem_responses(503))
    def health(request: Request) -> Health:
        """Liveness: the server answers and reaches its database. No token needed."""
        engine: Engine = request.app.state.engine
        read(engine, lambda connection: connection.execute(text("SELECT 1")).scalar())
        return Health(status="ok", version=__version__, api="v1", database=engine.dialect.name)

    @app.get(
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

    @app.post(
        "/v1/tokens",
        tags=["admin"],
        status_code=201,
        responses=problem_responses(*AUTH_ERRORS, 422),
    )
    def make_token(request: Request, body: TokenIn, token: Admin) -> TokenOut:
        """Make a token; its secret is in this answer only."""
        try:
            made = transact(
                request.app.state.engine,
                lambda connection: create_token(connection, body.name, body.role, body.queues),
            )
        except UserError as error:  # a blank name, queues on a producer's token
            raise ApiError(422, "invalid_token", str(error)) from error
        return _token_out(made.info, made.secret)

    @app.get("/v1/tokens", tags=["admin"], responses=problem_responses(*AUTH_ERRORS))
    def get_tokens(request: Request, token: Admin) -> TokensOut:
        """Every token (never a secret)."""
        found = read(request.app.state.engine, list_tokens)
        return TokensOut(tokens=[_token_out(info) for info in found])

    @app.delete(
        "/v1/tokens/{token_id}",
        tags=["admin"],
        responses=problem_responses(*AUTH_ERRORS, 404, 422),
    )
    def delete_token(
        request: Request,
        token_id: Annotated[str, Path(min_length=1, max_length=200)],
        token: Admin,
    ) -> TokenOut:
        """Revoke a token; it is refused from the next request on."""
        try:
            info = transact(
                request.app.state.engine, lambda connection: revoke_token(connection, token_id)
            )
        except UnknownTokenError as error:
            raise ApiError(404, "token_not_found", str(error)) from error
        return _token_out(info)


def metrics_registry(request: Request) -> CollectorRegistry:
    metrics: Metrics = request.app.state.metrics
    return metrics.registry
