"""Webhooks in the server's database: registering them, their delivery log, and replay.

Each final verdict of a queue becomes one `webhook_delivery` row per active webhook of the
queue, written in the transaction that made the item final (`queue.feed.finalize`): the
database is the outbox, so a restart loses nothing. `worker.DeliveryWorker` sends them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from reviewdesk.errors import UserError
from reviewdesk.protocol.statuses import DeliveryState, WebhookEvent
from reviewdesk.protocol.v1 import DeliveryOut, WebhookOut
from reviewdesk.server.queue.verdicts import ItemView, verdict_out


class UnknownWebhookError(UserError):
    """No webhook has that id."""


@dataclass(frozen=True)
class Webhook:
    id: str
    queue: str
    url: str
    active: bool
    created_at_ms: int
    secret: str | None = None
    """Only in the answer that made it."""


@dataclass(frozen=True)
class Delivery:
    id: str
    webhook_id: str
    item_id: str
    verdict_seq: int
    state: DeliveryState
    attempts: int
    next_attempt_ms: int
    last_status: int | None
    last_error: str | None
    created_at_ms: int
    delivered_at_ms: int | None


def add_webhook(connection: Connection, queue: str, url: str, *, now_ms: int) -> Webhook:
    """Register `url` for the final verdicts of `queue` from now on; the secret is returned
    here only."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise UserError(f"{url!r} is not a URL: {error}") from error
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UserError(f"{url!r} is not an http(s) URL")
    hook = Webhook(
        id=f"whk_{secrets.token_hex(8)}",
        queue=queue,
        url=url,
        active=True,
        created_at_ms=now_ms,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
    )
    connection.execute(
        text(
            "INSERT INTO webhook (id, queue, url, secret, active, created_at_ms) "
            "VALUES (:id, :queue, :url, :secret, true, :now)"
        ),
        {"id": hook.id, "queue": queue, "url": url, "secret": hook.secret, "now": now_ms},
    )
    return hook


def list_webhooks(connection: Connection) -> list[Webhook]:
    """Every webhook (never a secret)."""
    rows = connection.execute(
        text("SELECT id, queue, url, active, created_at_ms FROM webhook ORDER BY pk")
    )
    return [Webhook(row[0], row[1], row[2], bool(row[3]), row[4]) for row in rows]


def _webhook_pk(connection: Connection, webhook_id: str) -> int:
    pk = connection.execute(
        text("SELECT pk FROM webhook WHERE id = :id"), {"id": webhook_id}
    ).scalar()
    if pk is None:
        raise UnknownWebhookError(f"there is no webhook {webhook_id}")
    return int(pk)


def remove_webhook(connection: Connection, webhook_id: str) -> None:
    """Stop a webhook: no new deliveries; pending ones are left as they are, undelivered."""
    _webhook_pk(connection, webhook_id)
    connection.execute(text("UPDATE webhook SET active = false WHERE id = :id"), {"id": webhook_id})


_DELIVERIES = (
    "SELECT d.id, w.id, g.id, d.verdict_seq, d.state, d.attempts, d.next_attempt_ms, "
    "d.last_status, d.last_error, d.created_at_ms, d.delivered_at_ms FROM webhook_delivery d "
    "JOIN webhook w ON w.pk = d.webhook_pk JOIN server_verdict v ON v.seq = d.verdict_seq "
    "JOIN generation g ON g.pk = v.generation_pk WHERE d.webhook_pk = :hook"
)


def deliveries(
    connection: Connection, webhook_id: str, *, state: DeliveryState | None, limit: int
) -> list[Delivery]:
    """A webhook's delivery log, newest first (of one state, or all)."""
    params: dict[str, Any] = {"hook": _webhook_pk(connection, webhook_id), "limit": limit}
    sql = _DELIVERIES
    if state is not None:
        sql += " AND d.state = :state"
        params["state"] = str(state)
    rows = connection.execute(text(sql + " ORDER BY d.pk DESC LIMIT :limit"), params)
    return [
        Delivery(row[0], row[1], row[2], row[3], DeliveryState(row[4]), row[5], row[6], row[7],
                 row[8], row[9], row[10])
        for row in rows
    ]  # fmt: skip


def replay(
    connection: Connection, webhook_id: str, *, delivery_ids: list[str] | None, now_ms: int
) -> int:
    """Send dead deliveries again (all of the webhook's, or those named), with fresh attempts.
    How many were put back."""
    params: dict[str, Any] = {"hook": _webhook_pk(connection, webhook_id), "now": now_ms}
    sql = (
        "UPDATE webhook_delivery SET state = 'pending', attempts = 0, next_attempt_ms = :now "
        "WHERE webhook_pk = :hook AND state = 'dead'"
    )
    statement = text(sql)
    if delivery_ids is not None:
        statement = text(sql + " AND id IN :ids").bindparams(bindparam("ids", expanding=True))
        params["ids"] = delivery_ids
    return int(connection.execute(statement, params).rowcount)


def payload(view: ItemView, delivery_id: str) -> dict[str, Any]:
    """The JSON a webhook receives: the verdict as `/v1/verdicts` shows it; `event` says
    whether it is the item's first final verdict or a later revision of it."""
    revised = view.revision is not None and view.revision > 1
    return {
        "type": "verdict",
        "event": WebhookEvent.VERDICT_REVISED if revised else WebhookEvent.VERDICT_FINAL,
        "delivery_id": delivery_id,
        "verdict": verdict_out(view).model_dump(mode="json"),
    }


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def webhook_out(hook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        queue=hook.queue,
        url=hook.url,
        active=hook.active,
        created_at=_time(hook.created_at_ms),
        secret=hook.secret,
    )


def delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        item_id=delivery.item_id,
        verdict_seq=delivery.verdict_seq,
        state=delivery.state,
        attempts=delivery.attempts,
        next_attempt_at=_time(delivery.next_attempt_ms),
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        created_at=_time(delivery.created_at_ms),
        delivered_at=None if delivery.delivered_at_ms is None else _time(delivery.delivered_at_ms),
    )
