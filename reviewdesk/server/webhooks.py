"""Webhooks: registering them, their delivery log, replay, and the delivery worker.

Each final verdict of a queue becomes one `webhook_delivery` row per active webhook of the
queue, written in the transaction that made the item final (`verdicts.finalize`): the database
is the outbox, so a restart loses nothing. A `DeliveryWorker` in each server process claims due
rows — `FOR UPDATE SKIP LOCKED` on PostgreSQL, under SQLite's write lock (`BEGIN IMMEDIATE`)
there — and pushes their `next_attempt_ms` past a claim window before committing, so no other
process takes them while the POST is in flight. The POST happens outside any transaction; its
outcome is then recorded only if the row is still the one this worker claimed.

A delivery is `pending` until the receiver answers 2xx (`delivered`). A failure (no answer,
or any other status) is retried after `base_delay_s * 2**(attempts-1)` (capped), and after
`max_attempts` the row is `dead` until an admin replays it. A worker killed mid-POST leaves its
row to be retried when the claim window ends: receivers may, rarely, see a delivery twice and
should de-duplicate by the `Reviewdesk-Delivery` header.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

from reviewdesk.errors import UserError
from reviewdesk.server.database import DatabaseBusyError, read, transact
from reviewdesk.server.slots import is_postgres
from reviewdesk.server.verdicts import ItemView, verdict_at
from reviewdesk.webhook_signature import DELIVERY_HEADER, SIGNATURE_HEADER, sign

logger = logging.getLogger(__name__)


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


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
    """The JSON a webhook receives: the verdict as `/v1/verdicts` shows it."""
    from reviewdesk.server.verdict_schemas import verdict_out  # it imports this module

    return {
        "type": "verdict",
        "delivery_id": delivery_id,
        "verdict": verdict_out(view).model_dump(mode="json"),
    }


@dataclass(frozen=True)
class _Claimed:
    pk: int
    id: str
    attempts: int
    url: str
    secret: str
    body: bytes


@dataclass(frozen=True)
class DeliveryPolicy:
    """How a worker retries. Attributes in seconds."""

    max_attempts: int = 8
    base_delay_s: float = 2.0
    max_delay_s: float = 3600.0
    claim_s: float = 60.0
    timeout_s: float = 10.0
    batch: int = 20

    def delay_ms(self, attempts: int) -> int:
        return int(min(self.base_delay_s * 2 ** (attempts - 1), self.max_delay_s) * 1000)


class DeliveryWorker:
    """Delivers due webhook rows; `run_once` for one pass, `start`/`stop` for a thread.

    Args:
        engine: the server's database.
        clock: the time in ms (the server's clock, so tests can move it).
        policy: attempts and delays.
        transport: an httpx transport (tests may pass one; default: the network).
        idle_s: how long the thread sleeps when nothing was due.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], int],
        policy: DeliveryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        idle_s: float = 0.5,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.policy = policy or DeliveryPolicy()
        self._client = httpx.Client(transport=transport, timeout=self.policy.timeout_s)
        self._idle_s = idle_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Claim the due deliveries and attempt each once; how many were attempted."""
        now = self._clock()
        claimed = transact(self._engine, lambda connection: self._claim(connection, now))
        for delivery in claimed:
            self._attempt(delivery)
        return len(claimed)

    def _claim(self, connection: Connection, now: int) -> list[_Claimed]:
        sql = (
            "SELECT d.pk, d.id, d.attempts, d.verdict_seq, w.url, w.secret "
            "FROM webhook_delivery d JOIN webhook w ON w.pk = d.webhook_pk "
            "WHERE d.state = 'pending' AND d.next_attempt_ms <= :now "
            "ORDER BY d.next_attempt_ms, d.pk LIMIT :batch"
        )
        if is_postgres(connection):
            sql += " FOR UPDATE OF d SKIP LOCKED"
        rows = connection.execute(text(sql), {"now": now, "batch": self.policy.batch}).all()
        claimed: list[_Claimed] = []
        for row in rows:
            connection.execute(
                text(
                    "UPDATE webhook_delivery SET attempts = attempts + 1, "
                    "next_attempt_ms = :until WHERE pk = :pk"
                ),
                {"pk": row.pk, "until": now + int(self.policy.claim_s * 1000)},
            )
            view = verdict_at(connection, row.verdict_seq, now_ms=now)
            if view is None:  # the item was deleted: nothing to say
                continue
            body = orjson.dumps(payload(view, row.id))
            claimed.append(_Claimed(row.pk, row.id, row.attempts + 1, row.url, row.secret, body))
        return claimed

    def _attempt(self, delivery: _Claimed) -> None:
        status: int | None = None
        error: str | None = None
        try:
            answer = self._client.post(
                delivery.url,
                content=delivery.body,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(delivery.secret, delivery.body),
                    DELIVERY_HEADER: delivery.id,
                    "User-Agent": "reviewdesk-webhooks",
                },
            )
            status = answer.status_code
            if not answer.is_success:
                error = f"HTTP {status}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        now = self._clock()
        if error is None:
            state, next_ms = DeliveryState.DELIVERED, now
        elif delivery.attempts >= self.policy.max_attempts:
            state, next_ms = DeliveryState.DEAD, now
            logger.warning("webhook delivery %s is dead after %d attempts: %s",
                           delivery.id, delivery.attempts, error)  # fmt: skip
        else:
            state, next_ms = DeliveryState.PENDING, now + self.policy.delay_ms(delivery.attempts)
            logger.info("webhook delivery %s failed (%s); retry %d", delivery.id, error,
                        delivery.attempts + 1)  # fmt: skip
        transact(
            self._engine,
            lambda connection: connection.execute(
                text(
                    "UPDATE webhook_delivery SET state = :state, next_attempt_ms = :next, "
                    "last_status = :status, last_error = :error, delivered_at_ms = :delivered "
                    "WHERE pk = :pk AND attempts = :attempts AND state = 'pending'"
                ),
                {
                    "state": str(state),
                    "next": next_ms,
                    "status": status,
                    "error": error,
                    "delivered": now if state is DeliveryState.DELIVERED else None,
                    "pk": delivery.pk,
                    "attempts": delivery.attempts,
                },
            ),
        )

    def wake(self) -> None:
        """Look for due deliveries now (a verdict was just recorded)."""
        self._wake.set()

    def start(self) -> None:
        """Deliver in a background thread until `stop`."""
        self._thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except DatabaseBusyError as error:
                logger.warning("webhook delivery: %s", error)
                busy = 0
            except Exception:  # a bug must not end deliveries for the process's lifetime
                logger.exception("webhook delivery pass failed")
                busy = 0
            if not busy:
                self._wake.wait(self._idle_s)
                self._wake.clear()

    def stop(self) -> None:
        """End the thread (after its current pass) and close the HTTP client."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self._client.close()


def pending_count(engine: Engine) -> int:
    """Deliveries not yet delivered nor dead (for tests and metrics)."""
    return int(
        read(
            engine,
            lambda connection: connection.execute(
                text("SELECT count(*) FROM webhook_delivery WHERE state = 'pending'")
            ).scalar_one(),
        )
    )
