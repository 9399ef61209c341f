"""The sync engine's view of the store's sync tables: the connection to a server, the lease
cache and the outbox. It returns plain values, never rows. The comparison side (their lease
cache, the outbox rows of decisions on comparisons) is `comparisons`, a `ComparisonLedger`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from reviewdesk.domain import Decision, GenerationId, utc_now
from reviewdesk.store import _codec as codec
from reviewdesk.store.bulk import BulkWriter
from reviewdesk.store.comparison_ledger import ComparisonLedger
from reviewdesk.store.outbox import (
    HeldItem,
    LeasedGeneration,
    OutboxEntry,
    OutboxState,
    Settled,
    SyncSettings,
    drop_leases,
)
from reviewdesk.store.rows import load_answers
from reviewdesk.store.store import Store

logger = logging.getLogger(__name__)

__all__ = ["SyncLedger"]


_HELD = (
    "SELECT l.generation_id, l.server_url, l.queue, l.lease_id, l.epoch, l.slot, l.expires_at, "
    "EXISTS (SELECT 1 FROM decision d JOIN generation g ON g.pk = d.generation_pk "
    "WHERE g.id = l.generation_id) FROM sync_lease l"
)
_OUTBOX = (
    f"SELECT o.state, o.server_status, o.code, o.last_error, o.attempts, o.queued_at, "
    f"{codec.DECISION_SELECT.removeprefix('SELECT ')} "
)
_FIELDS = 6
"""The outbox's columns before the decision's in `_OUTBOX`."""


class SyncLedger:
    """The sync tables of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.comparisons = ComparisonLedger(store)

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
            already = set(result.duplicate_ids) | {c.id for c in result.conflicts}
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
        """A lease's new expiry, for its items and its comparisons."""
        with self._store.writing() as connection:
            for table in ("sync_lease", "sync_comparison_lease"):
                connection.execute(
                    f"UPDATE {table} SET expires_at = ? WHERE lease_id = ?",
                    (codec.time_text(expires_at), lease_id),
                )

    def drop(self, generation_ids: Iterable[str], *, lease_id: str | None = None) -> list[str]:
        """Forget the leases on items the server revoked, withdrew or gave to another reviewer.

        An item the checkout added and nobody decided here leaves the store (and so the queue);
        one decided here stays, with its decision, which the outbox still sends.

        Returns:
            The ids of the items that left the store.
        """
        with self._store.writing() as connection:
            removed = drop_leases(connection, generation_ids, lease_id, comparisons=False)
        if removed:
            logger.info("%d items left the store: the server took them back", len(removed))
        return removed

    # the outbox

    def take_batch(self, limit: int) -> list[Decision]:
        """Up to `limit` decisions on items to push, oldest first, now marked as being sent
        (those on comparisons: `comparisons.take_batch`)."""
        with self._store.writing() as connection:
            rows = connection.execute(
                f"{_OUTBOX} JOIN sync_outbox o ON o.decision_id = d.id "
                "WHERE o.state IN ('pending', 'sending') ORDER BY o.queued_at, d.pk LIMIT ?",
                (limit,),
            ).fetchall()
            answers = load_answers(connection, [row[_FIELDS] for row in rows])
            decisions = [
                codec.decision_from_row(tuple(row)[_FIELDS:], answers.get(row[_FIELDS]))
                for row in rows
            ]
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
        """Outbox entries in `states` (every state when none is given), oldest first: decisions
        on items and on comparisons."""
        wanted = list(states or OutboxState)
        with self._store.reading() as connection:
            rows = connection.execute(
                f"{_OUTBOX} JOIN sync_outbox o ON o.decision_id = d.id "
                f"WHERE o.state IN ({', '.join('?' * len(wanted))}) ORDER BY o.queued_at, d.pk",
                tuple(str(state) for state in wanted),
            ).fetchall()
            answers = load_answers(connection, [row[_FIELDS] for row in rows])
        found = [
            (
                row[5],
                0,
                OutboxEntry(
                    decision=codec.decision_from_row(
                        tuple(row)[_FIELDS:], answers.get(row[_FIELDS])
                    ),
                    state=OutboxState(row[0]),
                    server_status=row[1],
                    code=row[2],
                    last_error=row[3],
                    attempts=row[4],
                ),
            )
            for row in rows
        ]
        found.extend(self.comparisons.entries(wanted))
        found.sort(key=lambda entry: entry[:2])  # stable: each kind keeps its own order
        return [entry for *_, entry in found]

    def counts(self) -> dict[OutboxState, int]:
        with self._store.reading() as connection:
            rows = connection.execute(
                "SELECT state, count(*) FROM sync_outbox GROUP BY state"
            ).fetchall()
        found = {OutboxState(state): count for state, count in rows}
        return {state: found.get(state, 0) for state in OutboxState}
