"""API v1's endpoints that close the loop with producers: an item's state and verdict, the
long-polled verdict feed, queue review policies and webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from reviewdesk.errors import UserError
from reviewdesk.server import webhooks
from reviewdesk.server.auth import Admin, Watcher
from reviewdesk.server.database import read, transact
from reviewdesk.server.policy import ReviewPolicy, load_policies, save_policy, unreviewed_counts
from reviewdesk.server.problems import ApiError, problem_responses
from reviewdesk.server.routing import ApiRoute
from reviewdesk.server.settings import ServerSettings
from reviewdesk.server.verdict_schemas import (
    DeliveriesOut,
    ItemStateOut,
    PolicyOut,
    ReplayIn,
    ReplayOut,
    VerdictsOut,
    WebhookIn,
    WebhookOut,
    WebhooksOut,
    delivery_out,
    item_out,
    verdict_out,
    webhook_out,
)
from reviewdesk.server.verdicts import feed_head, item_view, verdicts_since

router = APIRouter(prefix="/v1", route_class=ApiRoute)

AUTH_ERRORS = (401, 403, 429, 503)
IdPath = Annotated[str, Path(min_length=1, max_length=200)]
MAX_WAIT_S = 30.0
POLL_S = 0.25
"""How often a long-poll looks at the database: verdicts recorded by other server processes
are seen this late at most (those of this process wake it at once)."""


class VerdictBell:
    """Wakes this process's long-polls when it records something that may be a verdict.

    Rung from request threads; waited on in the event loop. A ring that falls between a
    poll's read and its wait is not lost for long: the wait ends after `POLL_S` anyway.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def ring(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout_s: float) -> None:
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)


def announce(request: Request, *, deliveries: bool = True) -> None:
    """Something may have become final: wake long-polls, and the delivery worker when
    `deliveries` may have been queued (it also looks every `idle_s` on its own)."""
    request.app.state.verdict_bell.ring()
    worker = getattr(request.app.state, "delivery_worker", None)
    if worker is not None and deliveries:
        worker.wake()


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _now(request: Request) -> int:
    settings: ServerSettings = request.app.state.settings
    return settings.clock()


@router.get("/items/{item_id}", tags=["producers"], responses=problem_responses(*AUTH_ERRORS, 404))
def get_item(request: Request, item_id: IdPath, token: Watcher) -> ItemStateOut:
    """An item's state (queued, leased, decided, needs_adjudication, auto_approved, withdrawn)
    and, once final, its resolved verdict with the edited output, reasons, reviewers and time."""
    now = _now(request)
    view = read(_engine(request), lambda connection: item_view(connection, item_id, now_ms=now))
    if view is None:
        raise ApiError(404, "unknown_item", f"there is no item {item_id}")
    return item_out(view)


@router.get("/verdicts", tags=["producers"], responses=problem_responses(*AUTH_ERRORS, 422))
async def get_verdicts(
    request: Request,
    token: Watcher,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="seconds to wait")] = 0,
    queue: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> VerdictsOut:
    """Final verdicts after the cursor `since`, oldest first; pass `next` back as `since`.

    With `wait`, the request is held until a verdict lands (or `wait` seconds pass, then an
    empty list): one open request follows every verdict as it happens.
    """
    engine = _engine(request)
    bell: VerdictBell = request.app.state.verdict_bell
    settings: ServerSettings = request.app.state.settings
    deadline = time.monotonic() + min(wait, settings.max_wait_s)
    while True:
        found = await run_in_threadpool(
            read, engine, partial(verdicts_since, since=since, queue=queue, limit=limit,
                                  now_ms=_now(request))
        )  # fmt: skip
        left = deadline - time.monotonic()
        if found or left <= 0:
            break
        await bell.wait(min(POLL_S, left))
    head = await run_in_threadpool(read, engine, feed_head)
    return VerdictsOut(
        verdicts=[verdict_out(view) for view in found],
        next=found[-1].seq if found and found[-1].seq is not None else since,
        head=max(head, found[-1].seq or 0) if found else head,
    )


@router.get(
    "/queues/{queue}/policy", tags=["admin"], responses=problem_responses(*AUTH_ERRORS, 422)
)
def get_policy(request: Request, queue: IdPath, token: Admin) -> PolicyOut:
    """A queue's review policy (null: every item is reviewed) and how many items it let
    through unreviewed."""

    def load(connection: object) -> PolicyOut:
        policies = load_policies(connection, {queue})  # type: ignore[arg-type]
        counts = unreviewed_counts(connection)  # type: ignore[arg-type]
        return PolicyOut(
            queue=queue, policy=policies.get(queue), auto_approved=counts.get(queue, 0)
        )

    return read(_engine(request), load)


@router.put(
    "/queues/{queue}/policy", tags=["admin"], responses=problem_responses(*AUTH_ERRORS, 422)
)
def put_policy(request: Request, queue: IdPath, body: ReviewPolicy, token: Admin) -> PolicyOut:
    """Set a queue's review policy; it routes the items pushed from now on."""
    now = _now(request)
    transact(_engine(request), lambda connection: save_policy(connection, queue, body, now_ms=now))
    request.app.state.priorities.forget(queue)
    return get_policy(request, queue, token)


@router.post(
    "/webhooks", tags=["admin"], status_code=201, responses=problem_responses(*AUTH_ERRORS, 422)
)
def post_webhook(request: Request, body: WebhookIn, token: Admin) -> WebhookOut:
    """Register a URL for a queue's final verdicts; the signing secret is in this answer only."""
    now = _now(request)
    try:
        hook = transact(
            _engine(request),
            lambda connection: webhooks.add_webhook(connection, body.queue, body.url, now_ms=now),
        )
    except UserError as error:
        raise ApiError(422, "invalid_webhook", str(error)) from error
    return webhook_out(hook)


@router.get("/webhooks", tags=["admin"], responses=problem_responses(*AUTH_ERRORS))
def get_webhooks(request: Request, token: Admin) -> WebhooksOut:
    """Every webhook (never a secret)."""
    found = read(_engine(request), webhooks.list_webhooks)
    return WebhooksOut(webhooks=[webhook_out(hook) for hook in found])


@router.delete(
    "/webhooks/{webhook_id}", tags=["admin"], responses=problem_responses(*AUTH_ERRORS, 404, 422)
)
def delete_webhook(request: Request, webhook_id: IdPath, token: Admin) -> ReplayOut:
    """Stop a webhook: no new deliveries are queued for it."""
    try:
        transact(
            _engine(request), lambda connection: webhooks.remove_webhook(connection, webhook_id)
        )
    except webhooks.UnknownWebhookError as error:
        raise ApiError(404, "webhook_not_found", str(error)) from error
    return ReplayOut(replayed=0)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    tags=["admin"],
    responses=problem_responses(*AUTH_ERRORS, 404, 422),
)
def get_deliveries(
    request: Request,
    webhook_id: IdPath,
    token: Admin,
    state: webhooks.DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveriesOut:
    """A webhook's delivery log, newest first: state, attempts, last status and error."""
    try:
        found = read(
            _engine(request),
            lambda connection: webhooks.deliveries(
                connection, webhook_id, state=state, limit=limit
            ),
        )
    except webhooks.UnknownWebhookError as error:
        raise ApiError(404, "webhook_not_found", str(error)) from error
    return DeliveriesOut(deliveries=[delivery_out(delivery) for delivery in found])


@router.post(
    "/webhooks/{webhook_id}/replay",
    tags=["admin"],
    responses=problem_responses(*AUTH_ERRORS, 404, 422),
)
def replay_webhook(
    request: Request,
    webhook_id: IdPath,
    token: Admin,
    body: Annotated[ReplayIn | None, Body()] = None,
) -> ReplayOut:
    """Send dead deliveries again (all of the webhook's, or the ones named)."""
    now = _now(request)
    ids = None if body is None else body.delivery_ids
    try:
        count = transact(
            _engine(request),
            lambda connection: webhooks.replay(
                connection, webhook_id, delivery_ids=ids, now_ms=now
            ),
        )
    except webhooks.UnknownWebhookError as error:
        raise ApiError(404, "webhook_not_found", str(error)) from error
    announce(request)
    return ReplayOut(replayed=count)
