"""Delivering webhooks: the worker each server process runs.

The deliveries wait in the `webhook_delivery` table (see `hooks`). A `DeliveryWorker` in each
server process claims due rows — `FOR UPDATE SKIP LOCKED` on PostgreSQL, under SQLite's write
lock (`BEGIN IMMEDIATE`) there — and pushes their `next_attempt_ms` past a claim window before
committing, so no other process takes them while the POST is in flight. Just before each POST
the claim is renewed (a batch's POSTs one after another can outlast one window; a slow receiver
must not make another process send the same delivery); a row claimed by another process since,
or of a webhook removed since, is skipped. The POST happens outside any transaction; its
outcome is then recorded only if the row is still the one this worker claimed. Deliveries of a
removed (inactive) webhook are never sent.

A delivery is `pending` until the receiver answers 2xx (`delivered`). A failure (no answer,
or any other status) is retried after `base_delay_s * 2**(attempts-1)` (capped), and after
`max_attempts` the row is `dead` until an admin replays it. A worker killed mid-POST leaves its
row to be retried when the claim window ends: receivers may, rarely, see a delivery twice and
should de-duplicate by the `Reviewdesk-Delivery` header.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from reviewdesk.protocol.statuses import DeliveryState
from reviewdesk.remote.webhooks import WebhookSender
from reviewdesk.server.database import DatabaseBusyError, read, transact
from reviewdesk.server.queue.slots import is_postgres
from reviewdesk.server.queue.verdicts import verdict_at
from reviewdesk.server.webhooks.destinations import Destinations
from reviewdesk.server.webhooks.hooks import payload

logger = logging.getLogger(__name__)


_RENEW = text(
    "UPDATE webhook_delivery SET next_attempt_ms = :until WHERE pk = :pk "
    "AND attempts = :attempts AND state = 'pending' AND EXISTS ("
    "SELECT 1 FROM webhook w WHERE w.pk = webhook_delivery.webhook_pk AND w.active)"
)


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
        destinations: where deliveries may go (None: anywhere; the server passes its rule).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], int],
        policy: DeliveryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        idle_s: float = 0.5,
        destinations: Destinations | None = None,
    ) -> None:
        self._engine = engine
        self._destinations = destinations
        self._clock = clock
        self.policy = policy or DeliveryPolicy()
        self._sender = WebhookSender(timeout_s=self.policy.timeout_s, transport=transport)
        self._idle_s = idle_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Claim the due deliveries and attempt each once; how many were attempted."""
        now = self._clock()
        claimed = transact(self._engine, lambda connection: self._claim(connection, now))
        for delivery in claimed:
            if self._renew(delivery):
                self._attempt(delivery)
        return len(claimed)

    def _renew(self, delivery: _Claimed) -> bool:
        """Claim the delivery afresh just before its POST: the batch's earlier POSTs may have
        used up the first claim's window. False when it is no longer this worker's to send
        (another process claimed it since, or its webhook was removed)."""
        until = self._clock() + int(self.policy.claim_s * 1000)
        renewed = transact(
            self._engine,
            lambda connection: connection.execute(_RENEW, {"until": until, "pk": delivery.pk,
                                                           "attempts": delivery.attempts}),
        )  # fmt: skip
        return bool(renewed.rowcount)

    def _claim(self, connection: Connection, now: int) -> list[_Claimed]:
        sql = (
            "SELECT d.pk, d.id, d.attempts, d.verdict_seq, w.url, w.secret "
            "FROM webhook_delivery d JOIN webhook w ON w.pk = d.webhook_pk "
            "WHERE d.state = 'pending' AND d.next_attempt_ms <= :now AND w.active "
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
        refused = None if self._destinations is None else self._destinations.problem(delivery.url)
        status: int | None = None
        error: str | None = None
        if refused is not None:
            error = f"not sent: {refused}"
        else:
            attempt = self._sender.post(
                delivery.url, secret=delivery.secret, body=delivery.body, delivery_id=delivery.id
            )
            status, error = attempt.status, attempt.error
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
            except Exception as error:  # a bug must not end deliveries for the process's lifetime
                # Its kind only: a message may quote the verdict being sent.
                logger.error("webhook delivery pass failed: %s", type(error).__name__)
                logger.debug("webhook delivery pass failed", exc_info=error)
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
        self._sender.close()


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
