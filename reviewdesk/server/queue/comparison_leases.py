"""Leasing comparisons' review slots, as `leases` does items' (see `store.server_comparison_tables`
for why comparisons have slot tables of their own).

A claim gives a reviewer at most one slot of each comparison, never of one the reviewer holds on
a live lease or has decided, in the queue's priority order; an expired slot is reclaimed by the
claim itself with a grown epoch, and a decision made on the expired lease is still kept
(`comparison_decisions`). Comparisons share the lease (`server_lease`) with the items taken in
the same call, so a heartbeat or a release covers both.

A reviewer whose expired comparison slot is leased to another is told through the changes
feed (`lease_revoked`, a change with the comparison's pk), as for items; that reviewer's
decision is still kept (late or extra).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Comparison
from reviewdesk.domain.policy import Priority
from reviewdesk.protocol.statuses import ChangeKind
from reviewdesk.server.queue.policy import PRIORITY_ORDER
from reviewdesk.server.queue.slots import Change, SlotState, add_changes, is_postgres
from reviewdesk.store.comparisons import (
    candidates_json,
    comparison_from_row,
    comparison_select,
    load_comparisons,
)


@dataclass(frozen=True)
class LeasedComparisonSlot:
    comparison: Comparison
    slot: int
    epoch: int
    required_reviews: int


_CANDIDATES = """
SELECT i.comparison_pk FROM server_comparison i
WHERE i.queue = :queue AND i.state = 'open' AND i.available_at_ms <= :now
AND NOT EXISTS (
    SELECT 1 FROM comparison_slot s
    WHERE s.comparison_pk = i.comparison_pk AND s.reviewer = :reviewer
    AND s.state = 'leased' AND s.expires_at_ms > :now
)
AND NOT EXISTS (
    SELECT 1 FROM comparison_decision d
    WHERE d.comparison_pk = i.comparison_pk AND d.reviewer = :reviewer
)
ORDER BY {order}
LIMIT :limit
"""

_AVAILABLE_SLOTS = text(
    """
SELECT s.comparison_pk, s.slot, s.epoch, c.required_reviews, c.id, s.state, s.reviewer,
s.lease_id
FROM comparison_slot s JOIN comparison c ON c.pk = s.comparison_pk
WHERE s.comparison_pk IN :pks
AND (s.state = 'free' OR (s.state = 'leased' AND s.expires_at_ms <= :now))
ORDER BY s.comparison_pk, CASE WHEN s.state = 'free' THEN 0 ELSE 1 END, s.slot
"""
).bindparams(bindparam("pks", expanding=True))

# PostgreSQL: the rest of a claim in one statement, once the candidates' server_comparison
# rows are locked, as `leases` does for items. Every writer of a comparison's slots holds that
# lock to its commit, so the statement's snapshot (taken after the locks) is the comparisons'
# final state; its parts cannot see each other's writes, so the new earliest time is worked out
# from the snapshot's other slots and the new lease's expiry (`least` ignores the NULL of a
# comparison with no other open slot). The lease's row is written unless items were taken
# under it in the same transaction (`insert_lease`).
_TAKE_POSTGRES = text(
    f"""
WITH open_slot AS (
    SELECT DISTINCT ON (s.comparison_pk)
        s.comparison_pk, s.slot, s.state, s.reviewer, s.lease_id, s.epoch
    FROM comparison_slot s
    WHERE s.comparison_pk = ANY(:pks)
    AND (s.state = 'free' OR (s.state = 'leased' AND s.expires_at_ms <= :now))
    ORDER BY s.comparison_pk, CASE WHEN s.state = 'free' THEN 0 ELSE 1 END, s.slot
), taken AS (
    UPDATE comparison_slot s SET state = 'leased', reviewer = :reviewer, lease_id = :lease_id,
        epoch = o.epoch + 1, expires_at_ms = :expires
    FROM open_slot o
    WHERE s.comparison_pk = o.comparison_pk AND s.slot = o.slot
    RETURNING s.comparison_pk, s.slot, s.epoch, o.state AS was, o.reviewer AS holder,
        o.lease_id AS old_lease, o.epoch AS old_epoch
), lease AS (
    INSERT INTO server_lease (id, reviewer, queue, mode, created_at_ms, expires_at_ms)
    SELECT :lease_id, :reviewer, :queue, :mode, :now, :expires
    WHERE :insert_lease AND EXISTS (SELECT 1 FROM taken)
), refreshed AS (
    UPDATE server_comparison i SET available_at_ms = least(:expires, (
        SELECT min(CASE WHEN s.state = 'free' THEN 0 ELSE s.expires_at_ms END)
        FROM comparison_slot s
        WHERE s.comparison_pk = i.comparison_pk AND s.state <> 'decided' AND s.slot <> t.slot
    ))
    FROM taken t WHERE i.comparison_pk = t.comparison_pk
)
SELECT t.comparison_pk, t.slot, t.epoch, t.was, t.holder, t.old_lease, t.old_epoch,
    x.required_reviews, {comparison_select("x", "xt")}, {candidates_json("x.pk")}
FROM taken t JOIN comparison x ON x.pk = t.comparison_pk JOIN comparison_text xt ON xt.pk = x.pk
"""
)

_TAKE_SLOT = text(
    "UPDATE comparison_slot SET state = 'leased', reviewer = :reviewer, lease_id = :lease_id, "
    "epoch = :epoch, expires_at_ms = :expires WHERE comparison_pk = :pk AND slot = :slot"
)
_INSERT_LEASE = text(
    "INSERT INTO server_lease (id, reviewer, queue, mode, created_at_ms, expires_at_ms) "
    "VALUES (:lease_id, :reviewer, :queue, :mode, :now, :expires)"
)

_REFRESH = text(
    """
UPDATE server_comparison SET
    available_at_ms = coalesce((
        SELECT min(CASE WHEN s.state = 'free' THEN 0 ELSE s.expires_at_ms END)
        FROM comparison_slot s
        WHERE s.comparison_pk = server_comparison.comparison_pk AND s.state <> 'decided'
    ), 0),
    state = CASE
        WHEN state IN ('withdrawn', 'auto_approved') THEN state
        WHEN EXISTS (
            SELECT 1 FROM comparison_slot s
            WHERE s.comparison_pk = server_comparison.comparison_pk AND s.state <> 'decided'
        ) THEN 'open'
        ELSE 'done'
    END
WHERE comparison_pk IN :pks
"""
).bindparams(bindparam("pks", expanding=True))


def refresh_comparisons(connection: Connection, pks: Collection[int]) -> None:
    """Recompute the comparisons' state and the earliest time one of their slots is free."""
    if pks:
        connection.execute(_REFRESH, {"pks": sorted(pks)})


def lock_comparisons(connection: Connection, pks: Collection[int]) -> dict[int, tuple[str, str]]:
    """Lock the comparisons' server rows (PostgreSQL, in pk order); each one's state and
    queue."""
    if not pks:
        return {}
    sql = (
        "SELECT comparison_pk, state, queue FROM server_comparison WHERE comparison_pk IN :pks "
        "ORDER BY comparison_pk"
    )
    if is_postgres(connection):
        sql += " FOR UPDATE"
    found = connection.execute(
        text(sql).bindparams(bindparam("pks", expanding=True)), {"pks": sorted(pks)}
    )
    return {row[0]: (row[1], row[2]) for row in found}


def claim_comparisons(
    connection: Connection,
    *,
    lease_id: str,
    reviewer: str,
    queue: str,
    max_items: int,
    mode: str,
    expires_at_ms: int,
    now_ms: int,
    priority: Priority | None,
    lease_stored: bool,
) -> list[LeasedComparisonSlot]:
    """Lease up to `max_items` comparison slots of `queue` to `reviewer` under `lease_id`.

    Args:
        lease_stored: the lease's `server_lease` row is written already (items were taken
            under it in the same transaction).
    """
    postgres = is_postgres(connection)
    order = PRIORITY_ORDER[priority or Priority.RISK].replace("generation_pk", "comparison_pk")
    sql = _CANDIDATES.format(order=order) + (" FOR UPDATE OF i SKIP LOCKED" if postgres else "")
    params = {"queue": queue, "now": now_ms, "reviewer": reviewer, "limit": max_items}
    candidates = [pk for (pk,) in connection.execute(text(sql), params)]
    if not candidates:
        return []
    values: dict[str, object] = {
        "reviewer": reviewer,
        "lease_id": lease_id,
        "queue": queue,
        "mode": mode,
        "now": now_ms,
        "expires": expires_at_ms,
    }
    take = _take_postgres if postgres else _take
    taken, revoked = take(connection, candidates, values, lease_stored=lease_stored)
    add_changes(connection, revoked, now_ms, of_comparisons=True)
    return taken


def _take(
    connection: Connection,
    candidates: list[int],
    values: dict[str, object],
    *,
    lease_stored: bool,
) -> tuple[list[LeasedComparisonSlot], list[Change]]:
    """Lease one open slot of each candidate, statement by statement (SQLite: the write lock
    is already held); the slots in claim order and the feed's changes."""
    chosen: dict[int, tuple[int, int, int, str]] = {}
    revoked: dict[int, Change] = {}
    for pk, slot, epoch, required, cid, state, holder, old_lease in connection.execute(
        _AVAILABLE_SLOTS, {"pks": candidates, "now": values["now"]}
    ):
        if pk in chosen:
            continue
        chosen[pk] = (slot, epoch + 1, required, cid)
        if state == SlotState.LEASED and holder is not None and holder != values["reviewer"]:
            revoked[pk] = Change(ChangeKind.LEASE_REVOKED, pk, holder, old_lease, epoch)
    taken = [(pk, *chosen[pk]) for pk in candidates if pk in chosen]
    if taken:
        connection.execute(
            _TAKE_SLOT,
            [{**values, "epoch": epoch, "pk": pk, "slot": slot} for pk, slot, epoch, _, _ in taken],
        )
        if not lease_stored:
            connection.execute(_INSERT_LEASE, values)
    refresh_comparisons(connection, candidates)
    comparisons = load_comparisons(connection, [cid for *_, cid in taken])
    slots = [
        LeasedComparisonSlot(comparisons[cid], slot, epoch, required)
        for _, slot, epoch, required, cid in taken
    ]
    return slots, list(revoked.values())


def _take_postgres(
    connection: Connection,
    candidates: list[int],
    values: dict[str, object],
    *,
    lease_stored: bool,
) -> tuple[list[LeasedComparisonSlot], list[Change]]:
    """`_take` in one statement (see `_TAKE_POSTGRES`): a lease is a few round trips."""
    order = {pk: index for index, pk in enumerate(candidates)}
    found = sorted(  # in claim order (the queue's priority)
        connection.execute(
            _TAKE_POSTGRES, {**values, "pks": candidates, "insert_lease": not lease_stored}
        ),
        key=lambda row: order[row[0]],
    )
    revoked: list[Change] = []
    slots: list[LeasedComparisonSlot] = []
    for pk, slot, epoch, was, holder, old_lease, old_epoch, required, *row, kept in found:
        if was == SlotState.LEASED and holder is not None and holder != values["reviewer"]:
            revoked.append(Change(ChangeKind.LEASE_REVOKED, pk, holder, old_lease, old_epoch))
        slots.append(LeasedComparisonSlot(comparison_from_row(row, kept), slot, epoch, required))
    if len(found) < len(candidates):  # their last open slot went a moment ago
        refresh_comparisons(connection, set(candidates) - {row[0] for row in found})
    return slots, revoked


def _held(connection: Connection, lease_id: str, holder: str) -> list[tuple[int, str]]:
    return [
        (row[0], row[1])
        for row in connection.execute(
            text(
                "SELECT s.comparison_pk, c.id FROM comparison_slot s "
                "JOIN comparison c ON c.pk = s.comparison_pk "
                "WHERE s.lease_id = :id AND s.reviewer = :holder AND s.state = 'leased'"
            ),
            {"id": lease_id, "holder": holder},
        )
    ]


def extend_comparisons(
    connection: Connection, *, lease_id: str, holder: str, expires_at_ms: int
) -> tuple[str, ...]:
    """Push the expiry of the lease's comparison slots that are still its own (those that
    expired but went to nobody else are held again); their comparisons' ids."""
    lock_comparisons(connection, [pk for pk, _ in _held(connection, lease_id, holder)])
    held = _held(connection, lease_id, holder)  # again, now that nobody can take them
    if held:
        connection.execute(
            text(
                "UPDATE comparison_slot SET expires_at_ms = :expires WHERE lease_id = :id "
                "AND reviewer = :holder AND state = :leased"
            ),
            {
                "expires": expires_at_ms,
                "id": lease_id,
                "holder": holder,
                "leased": str(SlotState.LEASED),
            },
        )
        refresh_comparisons(connection, [pk for pk, _ in held])
    return tuple(sorted(cid for _, cid in held))


def release_comparisons(connection: Connection, *, lease_id: str, holder: str) -> tuple[str, ...]:
    """Give back the lease's undecided comparison slots; their comparisons' ids."""
    lock_comparisons(connection, [pk for pk, _ in _held(connection, lease_id, holder)])
    held = _held(connection, lease_id, holder)
    if held:
        connection.execute(
            text(
                "UPDATE comparison_slot SET state = 'free', reviewer = NULL, lease_id = NULL, "
                "expires_at_ms = NULL WHERE lease_id = :id AND reviewer = :holder "
                "AND state = 'leased'"
            ),
            {"id": lease_id, "holder": holder},
        )
        refresh_comparisons(connection, [pk for pk, _ in held])
    return tuple(sorted(cid for _, cid in held))
