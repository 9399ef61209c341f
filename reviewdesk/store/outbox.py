"""The desk's outbox in the store: its states and records, and what `Store` does to it inside
its own write transactions.

A decision on an item the store holds under a server lease is written together with its outbox
row, in one transaction (`Store.record_decision` calls `enqueue`), and carries the lease's id
and epoch; an undo first asks `forget`. The sync engine's view of these tables is
`sync_ledger.SyncLedger`.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from reviewdesk.domain import Decision, Generation, GenerationId, utc_now
from reviewdesk.errors import StoreError
from reviewdesk.store import _codec as codec
from reviewdesk.store.connections import scalar

logger = logging.getLogger(__name__)

__all__ = [
    "DecisionAlreadySentError",
    "HeldItem",
    "LeasedGeneration",
    "OutboxEntry",
    "OutboxState",
    "Settled",
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
