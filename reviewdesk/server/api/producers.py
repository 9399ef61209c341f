"""API v1 for producers: push and withdraw items, read an item's state, follow the verdicts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Connection

from reviewdesk.errors import UnknownItemError
from reviewdesk.protocol.statuses import ItemPhase, ItemResultStatus, ProblemCode
from reviewdesk.protocol.v1 import (
    ComparisonStateOut,
    FieldErrorOut,
    ItemResult,
    ItemsIn,
    ItemsOut,
    ItemStateOut,
    VerdictsOut,
    WithdrawnOut,
)
from reviewdesk.server.access.auth import Producer, Watcher
from reviewdesk.server.api.common import (
    AUTH_ERRORS,
    IdPath,
    engine_of,
    now_of,
    settings_of,
)
from reviewdesk.server.api.intake import store_items
from reviewdesk.server.api.wakeups import (
    MAX_WAIT_S,
    POLL_S,
    OpenPolls,
    VerdictBell,
    announce,
    watch_departure,
)
from reviewdesk.server.database import read, transact
from reviewdesk.server.http.problems import ApiError, problem_responses
from reviewdesk.server.http.routing import ApiRoute
from reviewdesk.server.queue.comparison_items import (
    enqueue_entries,
    holds_comparisons,
    withdraw_comparison,
)
from reviewdesk.server.queue.comparison_views import comparison_state
from reviewdesk.server.queue.items import parse_items, withdraw
from reviewdesk.server.queue.verdicts import (
    ItemView,
    feed_head,
    item_out,
    item_view,
    verdict_out,
    verdicts_since,
)
from reviewdesk.server.settings import ServerSettings

router = APIRouter(prefix="/v1", route_class=ApiRoute)


@router.post(
    "/items",
    tags=["producers"],
    responses=problem_responses(*AUTH_ERRORS, 413, 422),
)
def post_items(request: Request, body: ItemsIn, token: Producer) -> ItemsOut:
    """Enqueue up to 500 items (canonical import records; `required_reviews` optional).

    Idempotent by item id: an id already stored is a `duplicate` and left as it is; stored with
    another prompt, output or model, a `conflict` (not stored). An integer id is taken as text. A
    carried decision without `decided_at` gets the time the server received it, and an id that
    does not depend on that time (so a re-push finds it a duplicate). Each item gets a result; an
    invalid one names its fields and problems and the others are still stored.

    On SQLite the items are stored in lots of about a hundred, and a transaction ends after
    any lot when a reviewer's write waits: a call answered with an error (503) may have stored
    some of its items, which a retry of the call then finds as duplicates.
    """
    settings = settings_of(request)
    if len(body.items) > settings.max_items_per_call:
        raise ApiError(
            413,
            ProblemCode.BATCH_TOO_LARGE,
            f"{len(body.items)} items: send at most {settings.max_items_per_call} a call",
        )
    now = settings.clock()
    if holds_comparisons(body.items):
        outcomes = transact(
            request.app.state.engine,
            lambda connection: enqueue_entries(connection, body.items, now_ms=now),
        )
    else:
        outcomes = store_items(request.app.state.engine, parse_items(body.items, now_ms=now), now)
    results = [
        ItemResult(
            index=outcome.index,
            id=outcome.id,
            status=outcome.status.value,
            errors=[FieldErrorOut(field=e.field, message=e.message) for e in outcome.errors],
            decisions=outcome.decisions,
        )
        for outcome in outcomes
    ]
    announce(request)
    metrics = request.app.state.metrics
    for status, count in Counter(result.status for result in results).items():
        metrics.items.labels(status).inc(count)  # one look-up of each label, not one per item
    return ItemsOut(
        created=sum(result.status == ItemResultStatus.CREATED for result in results),
        duplicates=sum(result.status == ItemResultStatus.DUPLICATE for result in results),
        invalid=sum(result.status == ItemResultStatus.INVALID for result in results),
        results=results,
    )


@router.delete(
    "/items/{item_id:path}",
    tags=["producers"],
    responses=problem_responses(*AUTH_ERRORS, 404, 422),
)
def withdraw_item(request: Request, item_id: IdPath, token: Producer) -> WithdrawnOut:
    """Withdraw an item: it leaves every queue, reviewers holding it are told (`/v1/changes`),
    and decisions arriving on it later get the status `withdrawn`."""
    now = settings_of(request).clock()
    try:
        transact(
            request.app.state.engine,
            lambda connection: withdraw(connection, item_id, now_ms=now),
        )
    except UnknownItemError as error:
        try:
            transact(
                request.app.state.engine,
                lambda connection: withdraw_comparison(connection, item_id, now_ms=now),
            )
        except UnknownItemError:
            raise ApiError(404, ProblemCode.UNKNOWN_ITEM, str(error)) from error
    return WithdrawnOut(id=item_id, state=ItemPhase.WITHDRAWN)


@router.get(
    "/items/{item_id:path}", tags=["producers"], responses=problem_responses(*AUTH_ERRORS, 404)
)
def get_item(
    request: Request, item_id: IdPath, token: Watcher
) -> ItemStateOut | ComparisonStateOut:
    """An item's state (queued, leased, decided, needs_adjudication, auto_approved, withdrawn)
    and, once final, its resolved verdict with the edited output, reasons, reviewers and time.
    A comparison's (`kind: comparison`): its state, resolved preference once final, and every
    decision on it."""
    now = now_of(request)
    view = read(engine_of(request), lambda connection: item_view(connection, item_id, now_ms=now))
    if view is None:
        found = read(
            engine_of(request),
            lambda connection: comparison_state(connection, item_id, now_ms=now),
        )
        if found is not None:
            return found
        raise ApiError(404, ProblemCode.UNKNOWN_ITEM, f"there is no item {item_id}")
    return item_out(view)


@router.get("/verdicts", tags=["producers"], responses=problem_responses(*AUTH_ERRORS, 422))
async def get_verdicts(
    request: Request,
    token: Watcher,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="seconds to wait")] = 0,
    queue: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    item: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> VerdictsOut:
    """Final verdicts after the cursor `since`, oldest first; pass `next` back as `since`.

    Each entry is a revision of an item's verdict: `revision` 1 when the item became final,
    then one more (with the `previous` verdict) each time a later decision changed it. With
    `item`, only that item's revisions.

    With `wait`, the request is held until a verdict lands (or `wait` seconds pass, then an
    empty list): one open request follows every verdict as it happens. A token may hold a
    limited number of such requests open at once (more: 429); one whose client has gone away
    ends at once.
    """
    engine = engine_of(request)
    settings: ServerSettings = request.app.state.settings
    wait = min(wait, settings.max_wait_s)
    read_feed = partial(verdicts_since, since=since, queue=queue, limit=limit,
                        now_ms=now_of(request), item_id=item)  # fmt: skip
    if wait > 0:
        found = await _hold(request, token.id, read_feed, wait)
    else:
        found = await run_in_threadpool(read, engine, read_feed)
    head = await run_in_threadpool(read, engine, feed_head)
    return VerdictsOut(
        verdicts=[verdict_out(view) for view in found],
        next=found[-1].seq if found and found[-1].seq is not None else since,
        head=max(head, found[-1].seq or 0) if found else head,
    )


async def _hold(
    request: Request, token_id: str, read_feed: Callable[[Connection], list[ItemView]], wait: float
) -> list[ItemView]:
    """The feed's entries, reading it again whenever a verdict may have landed, until one did,
    `wait` seconds passed, or the client went away.

    Raises:
        ApiError: 429, the token holds as many long-polls open as one may.
    """
    polls: OpenPolls = request.app.state.open_polls
    if not polls.enter(token_id):
        raise ApiError(
            429,
            ProblemCode.RATE_LIMITED,
            f"this token holds {polls.limit} long-polls open already; wait for one to end",
            headers={"Retry-After": "1"},
        )
    try:
        return await _poll(request, read_feed, wait)
    finally:
        polls.leave(token_id)


async def _poll(
    request: Request, read_feed: Callable[[Connection], list[ItemView]], wait: float
) -> list[ItemView]:
    engine = engine_of(request)
    bell: VerdictBell = request.app.state.verdict_bell
    deadline = time.monotonic() + wait
    wake = asyncio.Event()
    async with watch_departure(request, wake) as gone:
        while True:
            found: list[ItemView] = await run_in_threadpool(read, engine, read_feed)
            left = deadline - time.monotonic()
            if found or left <= 0 or gone.is_set():
                return found
            await bell.wait(min(POLL_S, left), wake)
            wake.clear()
