"""The desk's side of syncing with a queue server, in the store: outbox, lease cache, state.

A decision on an item the store holds under a server lease is written together with its outbox
row, in one transaction (`Store.record_decision` calls `enqueue`), and carries the lease's id
and epoch. `SyncLedger` is what the sync engine reads and writes between pushes; it returns
plain values, never rows.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from reviewdesk.domain import Decision, Generation, GenerationId, utc_now
from reviewdesk.errors import StoreError
from reviewdesk.store import _codec as codec
from reviewdesk.store.bulk import BulkWriter
from reviewdesk.store.connections import scalar

if TYPE_CHECKING:
    from reviewdesk.store.store import Store

logger = logging.getLogger(__name__)

__all__ = [
    "DecisionAlreadySentError",
    "HeldItem",
    "LeasedGeneration",
    "OutboxEntry",
    "OutboxState",
    "Settled",
    "SyncLedger",
    "SyncSettings",
]


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    REFUSED = "refused"


class DecisionAlreadySentError(StoreError):
    """Undo of a decision that has reached (or is reaching) the queue server."""


@dataclass(frozen=True)
class Settled:
    """The server's answer to one sent decision, as the outbox keeps it: the outbox state the
    sync engine chose for it (sent, or refused: kept for the reviewer's attention) and the
    server's status, code and detail."""

    decision_id: str
    state: OutboxState
    server_status: str
    code: str | None
    detail: str | None


@dataclass(frozen=True)
class OutboxEntry:
    decision: Decision
    state: OutboxState
    server_status: str | None
    code: str | None
    last_error: str | None
    attempts: int


@dataclass(frozen=True)
class HeldItem:
    generation_id: GenerationId
    server_url: str
    queue: str
    lease_id: str
    epoch: int
    slot: int
    expires_at: datetime
    decided: bool


@dataclass(frozen=True)
class SyncSettings:
    server_url: str
    queue: str
    target: int
    ttl_s: int
    changes_cursor: int
    last_sync_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class LeasedGeneration:
    generation: Generation
    slot: int
    epoch: int


# -- called by Store inside its write transactions ---------------------------------------------


def lease_of(connection: sqlite3.Connection, generation_id: str) -> tuple[str, int] | None:
    """The (lease id, epoch) the store holds `generation_id` under, or None."""
    row = connection.execute(
        "SELECT lease_id, epoch FROM sync_lease WHERE generation_id = ?", (generation_id,)
    ).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def enqueue(connection: sqlite3.Connection, decision: Decision) -> None:
    connection.execute(
        "INSERT INTO sync_outbox (decision_id, generation_id, state, attempts, queued_at) "
        "VALUES (?, ?, 'pending', 0, ?)",
        (decision.id, decision.generation_id, codec.time_text(utc_now())),
    )


def forget(connection: sqlite3.Connection, decision: Decision) -> None:
    """Before an undo: drop the decision's outbox row, or refuse when it left the desk."""
    state = scalar(
        connection.execute("SELECT state FROM sync_outbox WHERE decision_id = ?", (decision.id,))
    )
    if state is None:
        return
    if state != OutboxState.PENDING:
        raise DecisionAlreadySentError(
            f"the decision on {decision.generation_id} has already been sent to the server, "
            "so it cannot be undone; decide the item again to change it"
        )
    connection.execute("DELETE FROM sync_outbox WHERE decision_id = ?", (decision.id,))


# -- the sync engine's view --------------------------------------------------------------------

_HELD = (
    "SELECT l.generation_id, l.server_url, l.queue, l.lease_id, l.epoch, l.slot, l.expires_at, "
    "EXISTS (SELECT 1 FROM decision d JOIN generation g ON g.pk = d.generation_pk "
    "WHERE g.id = l.generation_id) FROM sync_lease l"
)
_OUTBOX = (
    f"SELECT o.state, o.server_status, o.code, o.last_error, o.attempts, "
    f"{codec.DECISION_SELECT.removeprefix('SELECT ')} "
)


class SyncLedger:
    """The sync tables of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # state

    def settings(self) -> SyncSettings | None:
        with self._store.reading() as connection:
            row = connection.execute(
                "SELECT server_url, queue, target, ttl_s, changes_cursor, last_sync_at, "
                "last_error FROM sync_state ORDER BY rowid DESC LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return SyncSettings(
            server_url=row[0],
            queue=row[1],
            target=row[2],
            ttl_s=row[3],
            changes_cursor=row[4],
            last_sync_at=None if row[5] is None else codec.parse_time(row[5]),
            last_error=row[6],
        )

    def connect(self, server_url: str, *, queue: str = "default", ttl_s: int = 24 * 3600) -> None:
        """Make `server_url` the store's sync partner (kept when it already is)."""
        with self._store.writing() as connection:
            connection.execute(
                "INSERT INTO sync_state (server_url, queue, target, ttl_s, changes_cursor) "
                "VALUES (?, ?, 0, ?, 0) ON CONFLICT (server_url) DO NOTHING",
                (server_url, queue, ttl_s),
            )
            connection.execute("DELETE FROM sync_state WHERE server_url != ?", (server_url,))

    def set_checkout(self, *, queue: str, target: int, ttl_s: int) -> None:
        with self._store.writing() as connection:
            connection.execute(
                "UPDATE sync_state SET queue = ?, target = ?, ttl_s = ?", (queue, target, ttl_s)
            )

    def set_cursor(self, cursor: int) -> None:
        with self._store.writing() as connection:
            connection.execute("UPDATE sync_state SET changes_cursor = ?", (cursor,))

    def finish_sync(self, error: str | None) -> None:
        """Note the end of a sync: its time when it succeeded, its error when not."""
        with self._store.writing() as connection:
            if error is None:
                connection.execute(
                    "UPDATE sync_state SET last_sync_at = ?, last_error = NULL",
                    (codec.time_text(utc_now()),),
                )
            else:
                connection.execute("UPDATE sync_state SET last_error = ?", (error,))

    # the lease cache

    def add_leased(
        self,
        *,
        server_url: str,
        queue: str,
        lease_id: str,
        mode: str,
        expires_at: datetime,
        items: Sequence[LeasedGeneration],
    ) -> int:
        """Store leased items and their lease in one transaction; the number of new items."""
        expires = codec.time_text(expires_at)
        with self._store.writing() as connection:
            result = BulkWriter(connection).add([(item.generation, ()) for item in items])
            already = set(result.duplicate_ids)
            connection.executemany(
                "INSERT INTO sync_lease (generation_id, server_url, queue, lease_id, epoch, slot, "
                "mode, expires_at, inserted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (generation_id) DO UPDATE SET server_url = excluded.server_url, "
                "queue = excluded.queue, lease_id = excluded.lease_id, epoch = excluded.epoch, "
                "slot = excluded.slot, mode = excluded.mode, expires_at = excluded.expires_at",
                [
                    (
                        item.generation.id,
                        server_url,
                        queue,
                        lease_id,
                        item.epoch,
                        item.slot,
                        mode,
                        expires,
                        item.generation.id not in already,
                    )
                    for item in items
                ],
            )
        return result.imported

    def held(self) -> list[HeldItem]:
        """Every item the store holds under a lease, soonest expiry first."""
        with self._store.reading() as connection:
            rows = connection.execute(f"{_HELD} ORDER BY l.expires_at, l.generation_id").fetchall()
        return [
            HeldItem(
                generation_id=GenerationId(row[0]),
                server_url=row[1],
                queue=row[2],
                lease_id=row[3],
                epoch=row[4],
                slot=row[5],
                expires_at=codec.parse_time(row[6]),
                decided=bool(row[7]),
            )
            for row in rows
        ]

    def extended(self, lease_id: str, expires_at: datetime) -> None:
        with self._store.writing() as connection:
            connection.execute(
                "UPDATE sync_lease SET expires_at = ? WHERE lease_id = ?",
                (codec.time_text(expires_at), lease_id),
            )

    def drop(self, generation_ids: Iterable[str], *, lease_id: str | None = None) -> list[str]:
        """Forget the leases on items the server revoked, withdrew or gave to another reviewer.

        An item the checkout added and nobody decided here leaves the store (and so the queue);
        one decided here stays, with its decision, which the outbox still sends.

        Returns:
            The ids of the items that left the store.
        """
        removed: list[str] = []
        with self._store.writing() as connection:
            for generation_id in generation_ids:
                row = connection.execute(
                    "SELECT l.inserted, g.pk, g.review_count FROM sync_lease l "
                    "LEFT JOIN generation g ON g.id = l.generation_id "
                    "WHERE l.generation_id = ? AND (? IS NULL OR l.lease_id = ?)",
                    (generation_id, lease_id, lease_id),
                ).fetchone()
                if row is None:
                    continue
                connection.execute(
                    "DELETE FROM sync_lease WHERE generation_id = ?", (generation_id,)
                )
                inserted, pk, reviews = row
                if inserted and pk is not None and reviews == 0:
                    connection.execute("DELETE FROM generation WHERE pk = ?", (pk,))
                    removed.append(generation_id)
        if removed:
            logger.info("%d items left the store: the server took them back", len(removed))
        return removed

    # the outbox

    def take_batch(self, limit: int) -> list[Decision]:
        """Up to `limit` decisions to push, oldest first, now marked as being sent."""
        with self._store.writing() as connection:
            rows = connection.execute(
                f"{_OUTBOX} JOIN sync_outbox o ON o.decision_id = d.id "
                "WHERE o.state IN ('pending', 'sending') ORDER BY o.queued_at, d.pk LIMIT ?",
                (limit,),
            ).fetchall()
            decisions = [codec.decision_from_row(tuple(row)[5:]) for row in rows]
            if decisions:
                connection.executemany(
                    "UPDATE sync_outbox SET state = 'sending', attempts = attempts + 1 "
                    "WHERE decision_id = ?",
                    [(decision.id,) for decision in decisions],
                )
        return decisions

    def settle(self, results: Sequence[Settled]) -> None:
        """Record the server's answers."""
        now = codec.time_text(utc_now())
        with self._store.writing() as connection:
            connection.executemany(
                "UPDATE sync_outbox SET state = ?, server_status = ?, code = ?, last_error = ?, "
                "sent_at = ? WHERE decision_id = ?",
                [
                    (
                        str(result.state),
                        str(result.server_status),
                        result.code,
                        result.detail,
                        now,
                        result.decision_id,
                    )
                    for result in results
                ],
            )

    def unsent(self, decision_ids: Sequence[str], error: str) -> None:
        """The push did not get through: back to pending (undo is possible again)."""
        with self._store.writing() as connection:
            connection.executemany(
                "UPDATE sync_outbox SET state = 'pending', last_error = ? "
                "WHERE decision_id = ? AND state = 'sending'",
                [(error, decision_id) for decision_id in decision_ids],
            )

    def retry_refused(self, decision_ids: Sequence[str] | None = None) -> int:
        """Put refused decisions back in the outbox (after the cause was fixed)."""
        with self._store.writing() as connection:
            if decision_ids is None:
                result = connection.execute(
                    "UPDATE sync_outbox SET state = 'pending' WHERE state = 'refused'"
                )
            else:
                result = connection.executemany(
                    "UPDATE sync_outbox SET state = 'pending' "
                    "WHERE state = 'refused' AND decision_id = ?",
                    [(decision_id,) for decision_id in decision_ids],
                )
        return int(result.rowcount)

    def entries(self, *states: OutboxState) -> list[OutboxEntry]:
        """Outbox entries in `states` (every state when none is given), oldest first."""
        wanted = list(states or OutboxState)
        with self._store.reading() as connection:
            rows = connection.execute(
                f"{_OUTBOX} JOIN sync_outbox o ON o.decision_id = d.id "
                f"WHERE o.state IN ({', '.join('?' * len(wanted))}) ORDER BY o.queued_at, d.pk",
                tuple(str(state) for state in wanted),
            ).fetchall()
        return [
            OutboxEntry(
                decision=codec.decision_from_row(tuple(row)[5:]),
                state=OutboxState(row[0]),
                server_status=row[1],
                code=row[2],
                last_error=row[3],
                attempts=row[4],
            )
            for row in rows
        ]

    def counts(self) -> dict[OutboxState, int]:
        with self._store.reading() as connection:
            rows = connection.execute(
                "SELECT state, count(*) FROM sync_outbox GROUP BY state"
            ).fetchall()
        found = {OutboxState(state): count for state, count in rows}
        return {state: found.get(state, 0) for state in OutboxState}
