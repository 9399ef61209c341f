"""The desk's outbox in the store: its states and records, and what `Store` does to it inside
its own write transactions.

A decision on an item the store holds under a server lease is written together with its outbox
row, in one transaction (`Store.record_decision` calls `enqueue`), and carries the lease's id
and epoch; an undo first asks `forget`. A decision on a comparison held under a lease does the
same (`record_comparison_decision` calls `comparison_lease_of` and `enqueue_comparison`; its
undo asks `forget_comparison`). The sync engine's view of these tables is
`sync_ledger.SyncLedger`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from reviewdesk.domain import (
    Comparison,
    ComparisonDecision,
    ComparisonId,
    Decision,
    Generation,
    GenerationId,
    utc_now,
)
from reviewdesk.errors import StoreError
from reviewdesk.store import _codec as codec
from reviewdesk.store.connections import scalar

logger = logging.getLogger(__name__)

__all__ = [
    "DecisionAlreadySentError",
    "HeldComparison",
    "HeldItem",
    "LeasedComparisonEntry",
    "LeasedGeneration",
    "OutboxEntry",
    "OutboxKind",
    "OutboxState",
    "Settled",
    "SyncSettings",
]


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    REFUSED = "refused"


class OutboxKind(StrEnum):
    """What an outbox row's decision is on (`sync_outbox.kind`)."""

    ITEM = "item"
    COMPARISON = "comparison"


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
    decision: Decision | ComparisonDecision
    state: OutboxState
    server_status: str | None
    code: str | None
    last_error: str | None
    attempts: int

    @property
    def subject(self) -> str:
        """The id of the item or comparison the decision is on."""
        if isinstance(self.decision, ComparisonDecision):
            return self.decision.comparison_id
        return self.decision.generation_id

    @property
    def choice(self) -> str:
        """What the decision says, in a word: the verdict, or `prefers a` (`tie`, ...)."""
        if isinstance(self.decision, ComparisonDecision):
            preference = str(self.decision.preference)
            return f"prefers {preference}" if preference in ("a", "b") else preference
        return str(self.decision.verdict)


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
class HeldComparison:
    comparison_id: ComparisonId
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


@dataclass(frozen=True)
class LeasedComparisonEntry:
    comparison: Comparison
    slot: int
    epoch: int


# -- called by Store inside its write transactions ---------------------------------------------


def lease_of(connection: sqlite3.Connection, generation_id: str) -> tuple[str, int] | None:
    """The (lease id, epoch) the store holds `generation_id` under, or None."""
    row = connection.execute(
        "SELECT lease_id, epoch FROM sync_lease WHERE generation_id = ?", (generation_id,)
    ).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def comparison_lease_of(
    connection: sqlite3.Connection, comparison_id: str
) -> tuple[str, int] | None:
    """The (lease id, epoch) the store holds the comparison `comparison_id` under, or None."""
    row = connection.execute(
        "SELECT lease_id, epoch FROM sync_comparison_lease WHERE comparison_id = ?",
        (comparison_id,),
    ).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def enqueue(connection: sqlite3.Connection, decision: Decision) -> None:
    _enqueue(connection, decision.id, decision.generation_id, OutboxKind.ITEM)


def enqueue_comparison(connection: sqlite3.Connection, decision: ComparisonDecision) -> None:
    _enqueue(connection, decision.id, decision.comparison_id, OutboxKind.COMPARISON)


def _enqueue(
    connection: sqlite3.Connection, decision_id: str, subject: str, kind: OutboxKind
) -> None:
    connection.execute(
        "INSERT INTO sync_outbox (decision_id, generation_id, kind, state, attempts, queued_at) "
        "VALUES (?, ?, ?, 'pending', 0, ?)",
        (decision_id, subject, str(kind), codec.time_text(utc_now())),
    )


def forget(connection: sqlite3.Connection, decision: Decision) -> None:
    """Before an undo: drop the decision's outbox row, or refuse when it left the desk."""
    _forget(connection, decision.id, f"the decision on {decision.generation_id}", "item")


def forget_comparison(connection: sqlite3.Connection, decision: ComparisonDecision) -> None:
    """`forget`, for a decision on a comparison."""
    _forget(connection, decision.id, f"the decision on {decision.comparison_id}", "comparison")


def _forget(connection: sqlite3.Connection, decision_id: str, what: str, thing: str) -> None:
    state = scalar(
        connection.execute("SELECT state FROM sync_outbox WHERE decision_id = ?", (decision_id,))
    )
    if state is None:
        return
    if state != OutboxState.PENDING:
        raise DecisionAlreadySentError(
            f"{what} has already been sent to the server, "
            f"so it cannot be undone; decide the {thing} again to change it"
        )
    connection.execute("DELETE FROM sync_outbox WHERE decision_id = ?", (decision_id,))


def drop_leases(
    connection: sqlite3.Connection,
    ids: Iterable[str],
    lease_id: str | None,
    *,
    comparisons: bool,
) -> list[str]:
    """Forget the leases on these items (or comparisons) — only those of `lease_id` when it is
    given — and remove from the store the ones the checkout added that nobody decided here.

    Returns:
        The ids that left the store.
    """
    leases, column, table = (
        ("sync_comparison_lease", "comparison_id", "comparison")
        if comparisons
        else ("sync_lease", "generation_id", "generation")
    )
    removed: list[str] = []
    for entry_id in ids:
        row = connection.execute(
            f"SELECT l.inserted, t.pk, t.review_count FROM {leases} l "
            f"LEFT JOIN {table} t ON t.id = l.{column} "
            f"WHERE l.{column} = ? AND (? IS NULL OR l.lease_id = ?)",
            (entry_id, lease_id, lease_id),
        ).fetchone()
        if row is None:
            continue
        connection.execute(f"DELETE FROM {leases} WHERE {column} = ?", (entry_id,))
        inserted, pk, reviews = row
        if inserted and pk is not None and reviews == 0:
            connection.execute(f"DELETE FROM {table} WHERE pk = ?", (pk,))
            removed.append(entry_id)
    return removed
