"""The comparison side of the desk's sync tables: the lease cache of comparisons
(`sync_comparison_lease`) and the outbox rows of decisions on comparisons (`sync_outbox` rows of
kind `comparison`). `SyncLedger` holds the rest (the connection to the server, the outbox's
states) and hands the comparison parts here; like it, this returns plain values, never rows.

The rules are those of items: a checkout stores each leased comparison with its lease in one
transaction; a comparison the server takes back leaves the store only when the checkout added
it and nobody decided it here (a decided one stays, its decision still goes out).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from reviewdesk.domain import ComparisonDecision, ComparisonId, utc_now
from reviewdesk.store import _codec as codec
from reviewdesk.store.comparisons import (
    _DECISION_SELECT,
    _decision,
    add_comparisons,
    answers_sqlite,
)
from reviewdesk.store.outbox import (
    HeldComparison,
    LeasedComparisonEntry,
    OutboxEntry,
    OutboxKind,
    OutboxState,
    drop_leases,
)
from reviewdesk.store.store import Store

logger = logging.getLogger(__name__)

__all__ = ["ComparisonLedger"]

_HELD = (
    "SELECT l.comparison_id, l.server_url, l.queue, l.lease_id, l.epoch, l.slot, l.expires_at, "
    "EXISTS (SELECT 1 FROM comparison_decision d JOIN comparison c ON c.pk = d.comparison_pk "
    "WHERE c.id = l.comparison_id) FROM sync_comparison_lease l"
)
_OUTBOX = (
    "SELECT o.state, o.server_status, o.code, o.last_error, o.attempts, o.queued_at, "
    f"{_DECISION_SELECT.removeprefix('SELECT ')} JOIN sync_outbox o ON o.decision_id = d.id "
    f"AND o.kind = '{OutboxKind.COMPARISON}'"
)
_CHUNK = 900


class ComparisonLedger:
    """The comparison lease cache and outbox of one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add_leased(
        self,
        *,
        server_url: str,
        queue: str,
        lease_id: str,
        mode: str,
        expires_at: datetime,
        comparisons: Sequence[LeasedComparisonEntry],
    ) -> int:
        """Store leased comparisons and their lease in one transaction; the number of new
        comparisons. One the store holds with other content stays as it is (not replaced)."""
        if not comparisons:
            return 0
        expires = codec.time_text(expires_at)
        ids = [entry.comparison.id for entry in comparisons]
        with self._store.writing() as connection:
            present = _present(connection, ids)
            added = add_comparisons(
                connection,
                [(entry.comparison, ()) for entry in comparisons],
                imported_at=codec.time_text(utc_now()),
            )
            refused = {conflict.id for conflict in added.conflicts}
            connection.executemany(
                "INSERT INTO sync_comparison_lease (comparison_id, server_url, queue, lease_id, "
                "epoch, slot, mode, expires_at, inserted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (comparison_id) DO UPDATE SET server_url = excluded.server_url, "
                "queue = excluded.queue, lease_id = excluded.lease_id, epoch = excluded.epoch, "
                "slot = excluded.slot, mode = excluded.mode, expires_at = excluded.expires_at",
                [
                    (
                        entry.comparison.id,
                        server_url,
                        queue,
                        lease_id,
                        entry.epoch,
                        entry.slot,
                        mode,
                        expires,
                        entry.comparison.id not in present | refused,
                    )
                    for entry in comparisons
                ],
            )
        return added.imported

    def held(self) -> list[HeldComparison]:
        """Every comparison the store holds under a lease, soonest expiry first."""
        with self._store.reading() as connection:
            rows = connection.execute(f"{_HELD} ORDER BY l.expires_at, l.comparison_id").fetchall()
        return [
            HeldComparison(
                comparison_id=ComparisonId(row[0]),
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

    def drop(self, comparison_ids: Iterable[str], *, lease_id: str | None = None) -> list[str]:
        """Forget the leases on comparisons the server revoked, withdrew or gave to another
        reviewer; those the checkout added and nobody decided here leave the store.

        Returns:
            The ids of the comparisons that left the store.
        """
        with self._store.writing() as connection:
            removed = drop_leases(connection, comparison_ids, lease_id, comparisons=True)
        if removed:
            logger.info("%d comparisons left the store: the server took them back", len(removed))
        return removed

    def take_batch(self, limit: int) -> list[ComparisonDecision]:
        """Up to `limit` decisions on comparisons to push, oldest first, now marked as being
        sent."""
        with self._store.writing() as connection:
            rows = connection.execute(
                f"{_OUTBOX} WHERE o.state IN ('pending', 'sending') "
                "ORDER BY o.queued_at, d.pk LIMIT ?",
                (limit,),
            ).fetchall()
            answers = answers_sqlite(connection, [row[-1] for row in rows])
            decisions = [_decision(tuple(row)[6:], answers.get(row[-1])) for row in rows]
            if decisions:
                connection.executemany(
                    "UPDATE sync_outbox SET state = 'sending', attempts = attempts + 1 "
                    "WHERE decision_id = ?",
                    [(decision.id,) for decision in decisions],
                )
        return decisions

    def entries(self, states: Sequence[OutboxState]) -> list[tuple[str, int, OutboxEntry]]:
        """Outbox entries of decisions on comparisons in `states`, each with its queued time
        and decision pk (for `SyncLedger.entries` to merge them with the items')."""
        with self._store.reading() as connection:
            rows = connection.execute(
                f"{_OUTBOX} WHERE o.state IN ({', '.join('?' * len(states))}) "
                "ORDER BY o.queued_at, d.pk",
                tuple(str(state) for state in states),
            ).fetchall()
            answers = answers_sqlite(connection, [row[-1] for row in rows])
        return [
            (
                row[5],
                row[-1],
                OutboxEntry(
                    decision=_decision(tuple(row)[6:], answers.get(row[-1])),
                    state=OutboxState(row[0]),
                    server_status=row[1],
                    code=row[2],
                    last_error=row[3],
                    attempts=row[4],
                ),
            )
            for row in rows
        ]


def _present(connection: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(
            row[0]
            for row in connection.execute(
                f"SELECT id FROM comparison WHERE id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
        )
    return found
