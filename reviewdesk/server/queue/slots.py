"""SQL shared by the lease, decision and item code: locking items, keeping `server_item` up to
date with its slots, and the changes feed.

Every write that touches slots first locks the `server_item` rows involved (`lock_items`, in
primary-key order, so two writers never wait on each other in a circle); the claim query instead
skips rows that others hold (`FOR UPDATE SKIP LOCKED`). On SQLite the write transaction already
holds the database's write lock, and the row locks are left out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.engine import Connection

from reviewdesk.protocol.statuses import ChangeKind, ItemPhase
from reviewdesk.store.driver_sql import DriverSql


class SlotState(StrEnum):
    FREE = "free"
    LEASED = "leased"
    DECIDED = "decided"


class ItemState(StrEnum):
    """Where an item stands on the server (`server_item.state`); a producer sees its
    `ItemPhase`, worked out from this and the item's slots."""

    OPEN = "open"
    DONE = "done"
    WITHDRAWN = ItemPhase.WITHDRAWN.value
    AUTO_APPROVED = ItemPhase.AUTO_APPROVED.value
    """Its queue's review policy let it through unreviewed; it has no slots."""


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    generation_pk: int
    reviewer: str | None
    lease_id: str | None
    epoch: int | None


def is_postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


_LOCK_SQL = (
    "SELECT generation_pk, state FROM server_item WHERE generation_pk IN :pks "
    "ORDER BY generation_pk"
)
_LOCK = DriverSql(_LOCK_SQL)
_LOCK_POSTGRES = DriverSql(_LOCK_SQL + " FOR UPDATE")


def lock_items(connection: Connection, pks: Collection[int]) -> dict[int, str]:
    """Lock the items' server rows (PostgreSQL) and give each item's state."""
    if not pks:
        return {}
    statement = _LOCK_POSTGRES if is_postgres(connection) else _LOCK
    return {row[0]: row[1] for row in statement.rows(connection, {"pks": sorted(pks)})}


_REFRESH_SQL = """
UPDATE server_item SET
    available_at_ms = coalesce((
        SELECT min(CASE WHEN s.state = 'free' THEN 0 ELSE s.expires_at_ms END)
        FROM lease_slot s
        WHERE s.generation_pk = server_item.generation_pk AND s.state <> 'decided'
    ), 0),
    state = CASE
        WHEN state IN ('withdrawn', 'auto_approved') THEN state
        WHEN EXISTS (
            SELECT 1 FROM lease_slot s
            WHERE s.generation_pk = server_item.generation_pk AND s.state <> 'decided'
        ) THEN 'open'
        ELSE 'done'
    END
WHERE generation_pk IN :pks
"""
_REFRESH = DriverSql(_REFRESH_SQL)
_REFRESH_FINAL = DriverSql(
    _REFRESH_SQL + "RETURNING generation_pk, queue, state, EXISTS ("
    "SELECT 1 FROM server_verdict v WHERE v.generation_pk = server_item.generation_pk)"
)


def refresh_items(connection: Connection, pks: Collection[int]) -> None:
    """Recompute the items' state and the earliest time one of their slots can be leased."""
    if pks:
        _REFRESH.run(connection, {"pks": sorted(pks)})


@dataclass(frozen=True)
class FinalItem:
    """An item that is final (decided, or let through by its queue's policy)."""

    generation_pk: int
    queue: str
    state: str


def refresh_final(
    connection: Connection, pks: Collection[int]
) -> tuple[list[FinalItem], list[FinalItem]]:
    """`refresh_items`, in the same statement giving the items that are final: those not yet
    in the verdict feed, and those in it already (each in pk order)."""
    if not pks:
        return [], []
    final = (ItemState.DONE, ItemState.AUTO_APPROVED)
    found = sorted(
        (
            (FinalItem(pk, queue, state), bool(fed))
            for pk, queue, state, fed in _REFRESH_FINAL.rows(connection, {"pks": sorted(pks)})
            if state in final
        ),
        key=lambda pair: pair[0].generation_pk,
    )
    return [item for item, fed in found if not fed], [item for item, fed in found if fed]


_CHANGES_LOCK = 0x72646368
_INSERT_CHANGE = {
    column: DriverSql(
        f"INSERT INTO server_change (kind, {column}, reviewer, lease_id, epoch, created_at_ms) "
        "VALUES (:kind, :pk, :reviewer, :lease_id, :epoch, :now)"
    )
    for column in ("generation_pk", "comparison_pk")
}


def add_changes(
    connection: Connection,
    changes: Sequence[Change],
    now_ms: int,
    *,
    of_comparisons: bool = False,
) -> None:
    """Append to the changes feed. Call last in a transaction. With `of_comparisons`, each
    change's `generation_pk` is a comparison's pk (stored as `comparison_pk`).

    On PostgreSQL the feed's sequence numbers must become visible in order, or a reader could
    move its cursor past a change that commits a moment later; an advisory lock held to the end
    of the transaction makes writers of changes commit one after the other.
    """
    if not changes:
        return
    if is_postgres(connection):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_CHANGES_LOCK})")
    _INSERT_CHANGE["comparison_pk" if of_comparisons else "generation_pk"].run_many(
        connection,
        [
            {
                "kind": str(change.kind),
                "pk": change.generation_pk,
                "reviewer": change.reviewer,
                "lease_id": change.lease_id,
                "epoch": change.epoch,
                "now": now_ms,
            }
            for change in changes
        ],
    )


def lock_items_by_id(
    connection: Connection, ids: Collection[str]
) -> dict[str, tuple[int, str, str]]:
    """`lock_items` for producer ids, in one statement: each known item's pk, state and queue
    (ids of unknown items are left out)."""
    if not ids:
        return {}
    statement = _LOCK_BY_ID_POSTGRES if is_postgres(connection) else _LOCK_BY_ID
    rows = statement.rows(connection, {"ids": sorted(ids)})
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


_LOCK_BY_ID_SQL = (
    "SELECT g.id, i.generation_pk, i.state, i.queue FROM server_item i "
    "JOIN generation g ON g.pk = i.generation_pk WHERE g.id IN :ids ORDER BY i.generation_pk"
)
_LOCK_BY_ID = DriverSql(_LOCK_BY_ID_SQL)
_LOCK_BY_ID_POSTGRES = DriverSql(_LOCK_BY_ID_SQL + " FOR UPDATE OF i")
