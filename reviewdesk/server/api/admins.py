"""API v1 for admins: tokens, queue review policies, webhooks and their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request

from reviewdesk.domain.policy import ReviewPolicy
from reviewdesk.errors import UserError
from reviewdesk.protocol.statuses import DeliveryState, ProblemCode
from reviewdesk.protocol.v1 import (
    DeliveriesOut,
    PolicyOut,
    ReplayIn,
    ReplayOut,
    TokenIn,
    TokenOut,
    TokensOut,
    WebhookIn,
    WebhookOut,
    WebhooksOut,
)
from reviewdesk.server.access.auth import Admin
from reviewdesk.server.access.tokens import (
    UnknownTokenError,
    create_token,
    list_tokens,
    revoke_token,
    token_out,
)
from reviewdesk.server.api.common import (
    AUTH_ERRORS,
    IdPath,
    engine_of,
    now_of,
)
from reviewdesk.server.api.wakeups import announce
from reviewdesk.server.database import read, transact
from reviewdesk.server.http.problems import ApiError, problem_responses
from reviewdesk.server.http.routing import ApiRoute
from reviewdesk.server.queue.policy import load_policies, save_policy, unreviewed_counts
from reviewdesk.server.webhooks import hooks as webhooks
from reviewdesk.server.webhooks.hooks import delivery_out, webhook_out

router = APIRouter(prefix="/v1", route_class=ApiRoute)


@router.get(
    "/queues/{queue:path}/policy", tags=["admin"], responses=problem_responses(*AUTH_ERRORS, 422)
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

    return read(engine_of(request), load)


@router.put(
    "/queues/{queue:path}/policy", tags=["admin"], responses=problem_responses(*AUTH_ERRORS, 422)
)
def put_policy(request: Request, queue: IdPath, body: ReviewPolicy, token: Admin) -> PolicyOut:
    """Set a queue's review policy; it routes the items pushed from now on."""
    now = now_of(request)
    transact(
        engine_of(request), lambda connection: save_policy(connection, queue, body, now_ms=now)
    )
    request.app.state.priorities.forget(queue)
    return get_policy(request, queue, token)


@router.post(
    "/webhooks", tags=["admin"], status_code=201, responses=problem_responses(*AUTH_ERRORS, 422)
)
def post_webhook(request: Request, body: WebhookIn, token: Admin) -> WebhookOut:
    """Register a URL for a queue's final verdicts; the signing secret is in this answer only.

    A URL whose host is a private or local address is refused unless the server was started
    with `--webhook-allow` naming it."""
    now = now_of(request)
    refused = request.app.state.destinations.problem(body.url)
    if refused is not None:
        raise ApiError(422, ProblemCode.INVALID_WEBHOOK, refused)
    try:
        hook = transact(
            engine_of(request),
            lambda connection: webhooks.add_webhook(connection, body.queue, body.url, now_ms=now),
        )
    except UserError as error:
        raise ApiError(422, ProblemCode.INVALID_WEBHOOK, str(error)) from error
    return webhook_out(hook)


@router.get("/webhooks", tags=["admin"], responses=problem_responses(*AUTH_ERRORS))
def get_webhooks(request: Request, token: Admin) -> WebhooksOut:
    """Every webhook (never a secret)."""
    found = read(engine_of(request), webhooks.list_webhooks)
    return WebhooksOut(webhooks=[webhook_out(hook) for hook in found])


@router.delete(
    "/webhooks/{webhook_id}", tags=["admin"], responses=problem_responses(*AUTH_ERRORS, 404, 422)
)
def delete_webhook(request: Request, webhook_id: IdPath, token: Admin) -> ReplayOut:
    """Stop a webhook: no new deliveries are queued for it."""
    try:
        transact(
            engine_of(request), lambda connection: webhooks.remove_webhook(connection, webhook_id)
        )
    except webhooks.UnknownWebhookError as error:
        raise ApiError(404, ProblemCode.WEBHOOK_NOT_FOUND, str(error)) from error
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
    state: DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveriesOut:
    """A webhook's delivery log, newest first: state, attempts, last status and error."""
    try:
        found = read(
            engine_of(request),
            lambda connection: webhooks.deliveries(
                connection, webhook_id, state=state, limit=limit
            ),
        )
    except webhooks.UnknownWebhookError as error:
        raise ApiError(404, ProblemCode.WEBHOOK_NOT_FOUND, str(error)) from error
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
    now = now_of(request)
    ids = None if body is None else body.delivery_ids
    try:
        count = transact(
            engine_of(request),
            lambda connection: webhooks.replay(
                connection, webhook_id, delivery_ids=ids, now_ms=now
            ),
        )
    except webhooks.UnknownWebhookError as error:
        raise ApiError(404, ProblemCode.WEBHOOK_NOT_FOUND, str(error)) from error
    announce(request)
    return ReplayOut(replayed=count)


@router.post(
    "/tokens",
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
        raise ApiError(422, ProblemCode.INVALID_TOKEN, str(error)) from error
    return token_out(made.info, made.secret)


@router.get("/tokens", tags=["admin"], responses=problem_responses(*AUTH_ERRORS))
def get_tokens(request: Request, token: Admin) -> TokensOut:
    """Every token (never a secret)."""
    found = read(request.app.state.engine, list_tokens)
    return TokensOut(tokens=[token_out(info) for info in found])


@router.delete(
    "/tokens/{token_id}",
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
        raise ApiError(404, ProblemCode.TOKEN_NOT_FOUND, str(error)) from error
    return token_out(info)
