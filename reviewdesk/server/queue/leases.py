"""Leasing review slots to reviewers: claim, extend, release.

An item needs `required_reviews` reviews; each is a slot. A claim gives a reviewer at most one
slot of each item, highest risk first, never of an item the reviewer holds (a live lease) or has
decided. A slot whose lease expired is reclaimed by the claim itself: it goes to the claimant, its
epoch grows, and the reviewer who had it is told through the changes feed. A decision made on
that expired lease is still kept (see `decisions`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Generation
from reviewdesk.domain.policy import Priority
from reviewdesk.errors import UserError
from reviewdesk.protocol.statuses import ChangeKind, LeaseMode
from reviewdesk.server.queue.comparison_leases import extend_comparisons, release_comparisons
from reviewdesk.server.queue.policy import PRIORITY_ORDER, load_policies
from reviewdesk.server.queue.slots import (
    Change,
    SlotState,
    add_changes,
    is_postgres,
    lock_items,
    refresh_items,
)
from reviewdesk.store import rows
from reviewdesk.store.driver_sql import DriverSql


class LeaseNotFoundError(UserError):
    """No lease of this reviewer has that id."""


class LeaseLostError(UserError):
    """None of the lease's slots is still held: they expired and went to others, or were
    decided or released."""


@dataclass(frozen=True)
class LeasedSlot:
    generation: Generation
    slot: int
    epoch: int
    required_reviews: int


@dataclass(frozen=True)
class Lease:
    id: str
    reviewer: str
    queue: str
    mode: LeaseMode
    expires_at_ms: int
    slots: tuple[LeasedSlot, ...]


@dataclass(frozen=True)
class LeaseState:
    """A lease after an extension: the items it still holds and those it lost."""

    id: str
    reviewer: str
    queue: str
    mode: LeaseMode
    expires_at_ms: int
    held: tuple[str, ...]
    lost: tuple[str, ...]


_CANDIDATES = """
SELECT i.generation_pk FROM server_item i
WHERE i.queue = :queue AND i.state = 'open' AND i.available_at_ms <= :now
AND NOT EXISTS (
    SELECT 1 FROM lease_slot s
    WHERE s.generation_pk = i.generation_pk AND s.reviewer = :reviewer
    AND s.state = 'leased' AND s.expires_at_ms > :now
)
AND NOT EXISTS (
    SELECT 1 FROM decision d WHERE d.generation_pk = i.generation_pk AND d.reviewer = :reviewer
)
ORDER BY {order}
LIMIT :limit
"""

_CANDIDATE_SQL = {
    (priority, postgres): DriverSql(
        _CANDIDATES.format(order=order) + (" FOR UPDATE OF i SKIP LOCKED" if postgres else "")
    )
    for priority, order in PRIORITY_ORDER.items()
    for postgres in (False, True)
}
"""The claim's candidates query for each lease order, on SQLite and on PostgreSQL."""

_AVAILABLE_SLOTS = DriverSql(
    """
SELECT s.generation_pk, s.slot, s.state, s.reviewer, s.lease_id, s.epoch, g.required_reviews
FROM lease_slot s JOIN generation g ON g.pk = s.generation_pk
WHERE s.generation_pk IN :pks
AND (s.state = 'free' OR (s.state = 'leased' AND s.expires_at_ms <= :now))
ORDER BY s.generation_pk, CASE WHEN s.state = 'free' THEN 0 ELSE 1 END, s.slot
"""
)


def new_lease_id() -> str:
    return "lea_" + secrets.token_hex(12)


_TAKE_SLOT = DriverSql(
    "UPDATE lease_slot SET state = 'leased', reviewer = :reviewer, lease_id = :lease_id, "
    "epoch = :epoch, expires_at_ms = :expires WHERE generation_pk = :pk AND slot = :slot"
)
_INSERT_LEASE = DriverSql(
    "INSERT INTO server_lease (id, reviewer, queue, mode, created_at_ms, expires_at_ms) "
    "VALUES (:lease_id, :reviewer, :queue, :mode, :now, :expires)"
)

# PostgreSQL: the rest of a claim in one statement, once the candidates' server_item rows are
# locked. Every writer of an item's slots holds that lock to its commit, so the statement's
# snapshot (taken after the locks) is the items' final state; its parts cannot see each
# other's writes, so the item's new earliest time is worked out from the snapshot's other
# slots and the new lease's expiry (`least` ignores the NULL of an item with no other slot).
_TAKE_POSTGRES = DriverSql(
    f"""
WITH open_slot AS (
    SELECT DISTINCT ON (s.generation_pk)
        s.generation_pk, s.slot, s.state, s.reviewer, s.lease_id, s.epoch
    FROM lease_slot s
    WHERE s.generation_pk = ANY(:pks)
    AND (s.state = 'free' OR (s.state = 'leased' AND s.expires_at_ms <= :now))
    ORDER BY s.generation_pk, CASE WHEN s.state = 'free' THEN 0 ELSE 1 END, s.slot
), taken AS (
    UPDATE lease_slot s SET state = 'leased', reviewer = :reviewer, lease_id = :lease_id,
        epoch = o.epoch + 1, expires_at_ms = :expires
    FROM open_slot o
    WHERE s.generation_pk = o.generation_pk AND s.slot = o.slot
    RETURNING s.generation_pk, s.slot, s.epoch, o.state AS was, o.reviewer AS holder,
        o.lease_id AS old_lease, o.epoch AS old_epoch
), lease AS (
    INSERT INTO server_lease (id, reviewer, queue, mode, created_at_ms, expires_at_ms)
    SELECT :lease_id, :reviewer, :queue, :mode, :now, :expires WHERE EXISTS (SELECT 1 FROM taken)
), refreshed AS (
    UPDATE server_item i SET available_at_ms = least(:expires, (
        SELECT min(CASE WHEN s.state = 'free' THEN 0 ELSE s.expires_at_ms END)
        FROM lease_slot s
        WHERE s.generation_pk = i.generation_pk AND s.state <> 'decided' AND s.slot <> t.slot
    ))
    FROM taken t WHERE i.generation_pk = t.generation_pk
)
SELECT t.generation_pk, t.slot, t.epoch, t.was, t.holder, t.old_lease, t.old_epoch,
    g.required_reviews, {rows.generation_select("g", "x")}, (
        SELECT json_agg(json_build_array({rows.flag_select("f")}) ORDER BY f.position)
        FROM flag f WHERE f.generation_pk = t.generation_pk
    )
FROM taken t JOIN generation g ON g.pk = t.generation_pk JOIN generation_text x ON x.pk = g.pk
"""
)


def claim(
    connection: Connection,
    *,
    reviewer: str,
    queue: str,
    max_items: int,
    mode: LeaseMode,
    ttl_ms: int,
    now_ms: int,
    priority: Priority | None = None,
) -> Lease:
    """Lease up to `max_items` slots of `queue` to `reviewer` (an empty lease: no work).

    Args:
        priority: the queue's lease order; None reads it from the queue's policy.
    """
    if priority is None:
        policy = load_policies(connection, {queue}).get(queue)
        priority = Priority.RISK if policy is None else policy.priority
    postgres = is_postgres(connection)
    params = {"queue": queue, "now": now_ms, "reviewer": reviewer, "limit": max_items}
    found = _CANDIDATE_SQL[(priority, postgres)].rows(connection, params)
    candidates = [pk for (pk,) in found]
    lease = Lease(new_lease_id(), reviewer, queue, mode, now_ms + ttl_ms, ())
    if not candidates:
        return lease
    take = _take_postgres if postgres else _take
    taken, changes = take(connection, lease, candidates, now_ms)
    add_changes(connection, changes, now_ms)
    return replace(lease, slots=taken)


def _take(
    connection: Connection, lease: Lease, candidates: list[int], now_ms: int
) -> tuple[tuple[LeasedSlot, ...], list[Change]]:
    """Lease one open slot of each candidate, statement by statement (SQLite: the write lock
    is already held); the slots in claim order and the feed's changes."""
    chosen: dict[int, tuple[int, str, str | None, str | None, int, int]] = {}
    for pk, slot, state, holder, old_lease, epoch, required in _AVAILABLE_SLOTS.rows(
        connection, {"pks": candidates, "now": now_ms}
    ):
        chosen.setdefault(pk, (slot, state, holder, old_lease, epoch, required))
    changes: list[Change] = []
    taken: list[tuple[int, int, int, int]] = []
    for pk in candidates:  # in claim order (the queue's priority)
        if pk not in chosen:
            continue  # its last free slot went a moment ago; refreshed below
        slot, state, holder, old_lease, epoch, required = chosen[pk]
        if state == SlotState.LEASED and holder is not None and holder != lease.reviewer:
            changes.append(Change(ChangeKind.LEASE_REVOKED, pk, holder, old_lease, epoch))
        taken.append((pk, slot, epoch + 1, required))
    values = _lease_values(lease, now_ms)
    if taken:
        _TAKE_SLOT.run_many(
            connection,
            [{**values, "epoch": epoch, "pk": pk, "slot": slot} for pk, slot, epoch, _ in taken],
        )
        _INSERT_LEASE.run(connection, values)
    refresh_items(connection, candidates)
    generations = rows.load_generations(connection, [pk for pk, *_ in taken])
    slots = tuple(
        LeasedSlot(generations[pk], slot, epoch, required) for pk, slot, epoch, required in taken
    )
    return slots, changes


def _take_postgres(
    connection: Connection, lease: Lease, candidates: list[int], now_ms: int
) -> tuple[tuple[LeasedSlot, ...], list[Change]]:
    """`_take` in one statement (see `_TAKE_POSTGRES`): a lease is a few round trips."""
    order = {pk: index for index, pk in enumerate(candidates)}
    found = sorted(  # in claim order (the queue's priority)
        _TAKE_POSTGRES.rows(connection, {**_lease_values(lease, now_ms), "pks": candidates}),
        key=lambda row: order[row[0]],
    )
    changes: list[Change] = []
    slots: list[LeasedSlot] = []
    for pk, slot, epoch, was, holder, old_lease, old_epoch, required, *generation, flags in found:
        if was == SlotState.LEASED and holder is not None and holder != lease.reviewer:
            changes.append(Change(ChangeKind.LEASE_REVOKED, pk, holder, old_lease, old_epoch))
        slots.append(
            LeasedSlot(rows.generation_from_row(generation, flags or ()), slot, epoch, required)
        )
    if len(found) < len(candidates):  # their last open slot went a moment ago
        refresh_items(connection, sorted(set(candidates) - {row[0] for row in found}))
    return tuple(slots), changes


def _lease_values(lease: Lease, now_ms: int) -> dict[str, object]:
    return {
        "reviewer": lease.reviewer,
        "lease_id": lease.id,
        "queue": lease.queue,
        "mode": str(lease.mode),
        "now": now_ms,
        "expires": lease.expires_at_ms,
    }


def _lease_row(
    connection: Connection, lease_id: str, reviewer: str | None
) -> tuple[str, str, str, int]:
    row = connection.execute(
        text("SELECT reviewer, queue, mode, expires_at_ms FROM server_lease WHERE id = :id"),
        {"id": lease_id},
    ).first()
    if row is None or (reviewer is not None and row.reviewer != reviewer):
        raise LeaseNotFoundError(f"there is no lease {lease_id}")
    return row.reviewer, row.queue, row.mode, row.expires_at_ms


def _slots_of(connection: Connection, lease_id: str, holder: str) -> list[int]:
    return [
        pk
        for (pk,) in connection.execute(
            text(
                "SELECT generation_pk FROM lease_slot WHERE lease_id = :id AND reviewer = :holder "
                "AND state = 'leased'"
            ),
            {"id": lease_id, "holder": holder},
        )
    ]


def extend(
    connection: Connection,
    *,
    lease_id: str,
    reviewer: str | None,
    ttl_ms: int | None,
    max_ttl_ms: dict[LeaseMode, int],
    now_ms: int,
) -> LeaseState:
    """Push a lease's expiry to now + TTL (a heartbeat). Slots that expired but were not yet
    leased to anyone else are held again.

    Args:
        reviewer: the lease's reviewer; None for an admin, who may extend any lease.

    Raises:
        LeaseNotFoundError: no such lease (of this reviewer).
        LeaseLostError: the lease holds no slot any more.
    """
    holder, queue, mode_text, _ = _lease_row(connection, lease_id, reviewer)
    mode = LeaseMode(mode_text)
    ttl = min(ttl_ms or max_ttl_ms[mode], max_ttl_ms[mode])
    expires = now_ms + ttl
    candidates = _slots_of(connection, lease_id, holder)
    lock_items(connection, candidates)
    held = _slots_of(connection, lease_id, holder)  # again, now that nobody can take them
    ids = _ids(connection, [*held, *_lost_slots(connection, lease_id)])
    comparisons = extend_comparisons(
        connection, lease_id=lease_id, holder=holder, expires_at_ms=expires
    )
    if not held and not comparisons:
        raise LeaseLostError(f"lease {lease_id} holds no item any more")
    connection.execute(
        text(
            "UPDATE lease_slot SET expires_at_ms = :expires WHERE lease_id = :id "
            "AND reviewer = :holder AND state = 'leased'"
        ),
        {"expires": expires, "id": lease_id, "holder": holder},
    )
    connection.execute(
        text("UPDATE server_lease SET expires_at_ms = :expires WHERE id = :id"),
        {"expires": expires, "id": lease_id},
    )
    refresh_items(connection, held)
    held_ids = tuple(sorted([*(ids[pk] for pk in held), *comparisons]))
    lost_ids = tuple(sorted(gid for pk, gid in ids.items() if pk not in set(held)))
    return LeaseState(lease_id, holder, queue, mode, expires, held_ids, lost_ids)


def _lost_slots(connection: Connection, lease_id: str) -> list[int]:
    # Items first leased under this lease that it no longer holds: the changes feed has the
    # details; here they are listed so that the heartbeat's answer is complete.
    return [
        pk
        for (pk,) in connection.execute(
            text(
                "SELECT generation_pk FROM server_change WHERE lease_id = :id "
                "AND generation_pk IS NOT NULL "
                "AND kind IN ('lease_revoked', 'slot_filled', 'item_withdrawn')"
            ),
            {"id": lease_id},
        )
    ]


def _ids(connection: Connection, pks: list[int]) -> dict[int, str]:
    if not pks:
        return {}
    rows = connection.execute(
        text("SELECT pk, id FROM generation WHERE pk IN :pks").bindparams(
            bindparam("pks", expanding=True)
        ),
        {"pks": sorted(set(pks))},
    )
    return {row[0]: row[1] for row in rows}


def release(
    connection: Connection, *, lease_id: str, reviewer: str | None, now_ms: int
) -> tuple[str, ...]:
    """Give back the slots of a lease that are not decided; the ids of their items.

    Raises:
        LeaseNotFoundError: no such lease (of this reviewer).
    """
    holder, *_ = _lease_row(connection, lease_id, reviewer)
    candidates = _slots_of(connection, lease_id, holder)
    lock_items(connection, candidates)
    held = _slots_of(connection, lease_id, holder)
    if held:
        connection.execute(
            text(
                "UPDATE lease_slot SET state = 'free', reviewer = NULL, lease_id = NULL, "
                "expires_at_ms = NULL WHERE lease_id = :id AND reviewer = :holder "
                "AND state = 'leased'"
            ),
            {"id": lease_id, "holder": holder},
        )
        refresh_items(connection, held)
    comparisons = release_comparisons(connection, lease_id=lease_id, holder=holder)
    connection.execute(
        text("UPDATE server_lease SET expires_at_ms = :now WHERE id = :id"),
        {"now": now_ms, "id": lease_id},
    )
    return tuple(sorted([*_ids(connection, held).values(), *comparisons]))


@dataclass(frozen=True)
class LeaseSummary:
    id: str
    reviewer: str
    queue: str
    mode: LeaseMode
    expires_at_ms: int
    held: int


def live_leases(connection: Connection, *, reviewer: str | None, now_ms: int) -> list[LeaseSummary]:
    """The leases that hold a live slot (of an item or a comparison): the reviewer's own, or
    everyone's for None (admin)."""
    found: dict[str, LeaseSummary] = {}
    for slots in ("lease_slot", "comparison_slot"):
        sql = (
            "SELECT l.id, l.reviewer, l.queue, l.mode, l.expires_at_ms, count(*) AS held "
            f"FROM server_lease l JOIN {slots} s ON s.lease_id = l.id AND s.reviewer = l.reviewer "
            "WHERE s.state = 'leased' AND s.expires_at_ms > :now"
        )
        params: dict[str, object] = {"now": now_ms}
        if reviewer is not None:
            sql += " AND l.reviewer = :reviewer"
            params["reviewer"] = reviewer
        sql += " GROUP BY l.id, l.reviewer, l.queue, l.mode, l.expires_at_ms"
        for row in connection.execute(text(sql), params):
            known = found.get(row.id)
            found[row.id] = LeaseSummary(
                row.id,
                row.reviewer,
                row.queue,
                LeaseMode(row.mode),
                row.expires_at_ms,
                row.held + (0 if known is None else known.held),
            )
    return sorted(found.values(), key=lambda lease: lease.expires_at_ms)
