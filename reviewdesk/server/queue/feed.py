"""Writing the verdict feed: revision 1 of an item's verdict when it becomes final, revision
n+1 when a later decision changes it, each with its webhook deliveries.

The moment an item becomes final, `finalize` (or `feed_final`) appends it to `server_verdict`
and queues one webhook delivery per active webhook of its queue, in the same transaction as the
decision: a verdict is never announced without being stored, nor stored without being
announced. A later decision that changes the resolved verdict (a late or extra decision, an
adjudicator's, a change of mind) appends the next revision with the verdict it replaced
(`revise`), and its deliveries; a queue whose policy freezes verdicts keeps revision 1 (the
decisions are stored and counted, nothing else).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from reviewdesk.domain.policy import ReviewPolicy
from reviewdesk.server.queue.policy import load_policies
from reviewdesk.server.queue.slots import FinalItem, ItemState, is_postgres
from reviewdesk.server.queue.verdicts import (
    AUTO_APPROVED,
    NEEDS_ADJUDICATION,
    Resolved,
    feed_head,
    resolve_many,
)
from reviewdesk.store.driver_sql import DriverSql

# The changes feed's lock (slots.add_changes): verdict sequence numbers too must become visible
# in order, or a reader could move its cursor past a verdict committed a moment later.
_FEED_LOCK = 0x72646368

_BECAME_FINAL = DriverSql(
    "SELECT i.generation_pk, i.queue, i.state FROM server_item i "
    "WHERE i.generation_pk IN :pks AND i.state IN ('done', 'auto_approved') "
    "AND NOT EXISTS (SELECT 1 FROM server_verdict v WHERE v.generation_pk = i.generation_pk) "
    "ORDER BY i.generation_pk"
)
_HOOKS = DriverSql("SELECT queue, pk FROM webhook WHERE queue IN :queues AND active")
_INSERT_VERDICT = DriverSql(
    "INSERT INTO server_verdict (generation_pk, queue, verdict, decided_at_ms, revision, "
    "previous, resolved) VALUES (:pk, :queue, :verdict, :now, :revision, :previous, :resolved)"
)
_SEQS = DriverSql(
    "SELECT generation_pk, seq FROM server_verdict WHERE generation_pk IN :pks AND seq > :after"
)
# PostgreSQL: the feed's lock, the verdicts and their deliveries in one statement. The lock is
# taken before the first verdict's sequence number (writers of the feed then commit in the
# order of their numbers, see `slots.add_changes`); the verdicts go in in the order given.
_FEED_POSTGRES = DriverSql(
    """
WITH feed_lock AS MATERIALIZED (
    SELECT pg_advisory_xact_lock(:lock)
), fed AS (
    INSERT INTO server_verdict (generation_pk, queue, verdict, decided_at_ms, revision,
        previous, resolved)
    SELECT v.pk, v.queue, v.verdict, :now, v.revision, v.previous, v.resolved
    FROM feed_lock, unnest(CAST(:pks AS integer[]), CAST(:queues AS varchar[]),
        CAST(:verdicts AS varchar[]), CAST(:revisions AS integer[]),
        CAST(:previous AS varchar[]), CAST(:resolved AS text[]))
        WITH ORDINALITY AS v(pk, queue, verdict, revision, previous, resolved, n)
    ORDER BY v.n
    RETURNING seq, queue
), queued AS (
    INSERT INTO webhook_delivery (id, webhook_pk, verdict_seq, state, attempts,
        next_attempt_ms, created_at_ms)
    SELECT 'dlv_' || left(replace(CAST(gen_random_uuid() AS text), '-', ''), 24), w.pk, f.seq,
        'pending', 0, :now, :now
    FROM fed f JOIN webhook w ON w.queue = f.queue AND w.active
    RETURNING 1
)
SELECT count(*) FROM queued
"""
)
_INSERT_DELIVERY = DriverSql(
    "INSERT INTO webhook_delivery (id, webhook_pk, verdict_seq, state, attempts, "
    "next_attempt_ms, created_at_ms) VALUES (:id, :hook, :seq, 'pending', 0, :now, :now)"
)
_LATEST_REVISIONS = DriverSql(
    "SELECT v.generation_pk, v.revision, v.verdict, v.resolved FROM server_verdict v "
    "WHERE v.generation_pk IN :pks AND v.revision = "
    "(SELECT max(r.revision) FROM server_verdict r WHERE r.generation_pk = v.generation_pk)"
)


@dataclass(frozen=True)
class Finalized:
    """What `finalize` recorded: verdicts appended to the feed, webhook deliveries queued."""

    verdicts: int = 0
    deliveries: int = 0


@dataclass(frozen=True)
class _Entry:
    """A feed entry to append: one revision of one item's verdict."""

    pk: int
    queue: str
    verdict: str
    revision: int
    previous: str | None
    resolved: Resolved | None


def finalize(connection: Connection, pks: Collection[int], *, now_ms: int) -> Finalized:
    """Record the items among `pks` that became final and are not in the feed yet; their
    webhook deliveries are queued. Call after `refresh_items`."""
    if not pks:
        return Finalized()
    rows = _BECAME_FINAL.rows(connection, {"pks": sorted(pks)})
    return feed_final(connection, [FinalItem(*row) for row in rows], now_ms=now_ms)


def feed_final(connection: Connection, items: Sequence[FinalItem], *, now_ms: int) -> Finalized:
    """Append these final items (in pk order, none in the feed yet) to the verdict feed with
    their verdicts (revision 1), and queue their webhook deliveries."""
    if not items:
        return Finalized()
    resolved = resolve_many(
        connection, [item.generation_pk for item in items if item.state != ItemState.AUTO_APPROVED]
    )
    entries = []
    for item in items:  # in pk order: the feed's order within one transaction
        found = resolved.get(item.generation_pk)
        if item.state == ItemState.AUTO_APPROVED:
            verdict, found = AUTO_APPROVED, None
        else:
            verdict = NEEDS_ADJUDICATION if found is None else found.verdict
        entries.append(_Entry(item.generation_pk, item.queue, verdict, 1, None, found))
    return _append(connection, entries, now_ms=now_ms)


def revise(connection: Connection, items: Sequence[FinalItem], *, now_ms: int) -> Finalized:
    """Append a revision for each of these items (in the feed already, in pk order) whose
    resolved verdict changed since its latest revision, unless its queue freezes verdicts; the
    revisions' webhook deliveries are queued."""
    decided = [item for item in items if item.state == ItemState.DONE]
    if not decided:
        return Finalized()
    policies = load_policies(connection, {item.queue for item in decided})
    open_items = [item for item in decided if not _frozen(policies.get(item.queue))]
    if not open_items:
        return Finalized()
    pks = [item.generation_pk for item in open_items]
    latest = {
        pk: (revision, verdict, resolved)
        for pk, revision, verdict, resolved in _LATEST_REVISIONS.rows(connection, {"pks": pks})
    }
    current = resolve_many(connection, pks)
    entries = []
    for item in open_items:
        if item.generation_pk not in latest or item.generation_pk not in current:
            continue
        revision, verdict, stored = latest[item.generation_pk]
        now = current[item.generation_pk]
        before = (
            Resolved.from_snapshot(stored)
            if stored is not None
            else Resolved(verdict, now.edited_output, (), (), None)
        )
        if now.changed_from(before):
            entries.append(
                _Entry(item.generation_pk, item.queue, now.verdict, revision + 1, verdict, now)
            )
    return _append(connection, entries, now_ms=now_ms)


def _frozen(policy: ReviewPolicy | None) -> bool:
    return policy is not None and policy.freeze


def _append(connection: Connection, entries: Sequence[_Entry], *, now_ms: int) -> Finalized:
    """Append feed entries in the order given, with one webhook delivery per active webhook of
    each entry's queue."""
    if not entries:
        return Finalized()
    rows_in = [
        {
            "pk": entry.pk,
            "queue": entry.queue,
            "verdict": entry.verdict,
            "now": now_ms,
            "revision": entry.revision,
            "previous": entry.previous,
            "resolved": None if entry.resolved is None else entry.resolved.snapshot(),
        }
        for entry in entries
    ]
    if is_postgres(connection):
        ((queued,),) = _FEED_POSTGRES.rows(
            connection,
            {
                "lock": _FEED_LOCK,
                "pks": [row["pk"] for row in rows_in],
                "queues": [row["queue"] for row in rows_in],
                "verdicts": [row["verdict"] for row in rows_in],
                "revisions": [row["revision"] for row in rows_in],
                "previous": [row["previous"] for row in rows_in],
                "resolved": [row["resolved"] for row in rows_in],
                "now": now_ms,
            },
        )
        return Finalized(len(entries), queued)
    hooks: dict[str, list[int]] = {}
    queues = sorted({entry.queue for entry in entries})
    for queue, hook in _HOOKS.rows(connection, {"queues": queues}):
        hooks.setdefault(queue, []).append(hook)
    head = feed_head(connection)
    _INSERT_VERDICT.run_many(connection, rows_in)
    hooked = [entry for entry in entries if entry.queue in hooks]
    queued = sum(len(hooks[entry.queue]) for entry in hooked)
    if hooked:
        found = _SEQS.rows(connection, {"pks": [entry.pk for entry in hooked], "after": head})
        seqs: dict[int, int] = dict(found)
        _INSERT_DELIVERY.run_many(
            connection,
            [
                {
                    "id": f"dlv_{secrets.token_hex(12)}",
                    "hook": hook,
                    "seq": seqs[entry.pk],
                    "now": now_ms,
                }
                for entry in hooked
                for hook in hooks[entry.queue]
            ],
        )
    return Finalized(len(entries), queued)
