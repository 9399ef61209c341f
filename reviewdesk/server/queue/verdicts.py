"""Final verdicts: when an item becomes final, what its resolved verdict is, and the feed.

An item is final when every one of its `required_reviews` slots is decided (or its queue's
policy auto-approved it). Its resolved verdict is the majority of its reviewers' latest
decisions; a tie is `needs_adjudication`. The moment an item becomes final, `finalize` appends
it to `server_verdict` (the cursor feed of `/v1/verdicts`) and queues one webhook delivery per
active webhook of its queue, in the same transaction as the decision: a verdict is never
announced without being stored, nor stored without being announced.

The feed is written once per item. A later change of mind (or an adjudicator's decision on a
tied item) shows in `GET /v1/items/{id}`, which always resolves the current decisions.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from reviewdesk.protocol.statuses import ItemPhase
from reviewdesk.protocol.v1 import ItemStateOut, VerdictOut
from reviewdesk.server.queue.slots import FinalItem, ItemState, is_postgres
from reviewdesk.store import rows
from reviewdesk.store.rows import CurrentDecision

NEEDS_ADJUDICATION = ItemPhase.NEEDS_ADJUDICATION.value
"""The resolved verdict of a tie (its item's phase has the same name)."""
AUTO_APPROVED = ItemPhase.AUTO_APPROVED.value
"""The verdict of an item its queue's policy let through (its phase has the same name)."""
# The changes feed's lock (slots.add_changes): verdict sequence numbers too must become visible
# in order, or a reader could move its cursor past a verdict committed a moment later.
_FEED_LOCK = 0x72646368


@dataclass(frozen=True)
class Resolved:
    """An item's resolved verdict and what came with it."""

    verdict: str
    edited_output: str | None
    reasons: tuple[str, ...]
    reviewers: tuple[str, ...]
    decided_at: str | None


@dataclass(frozen=True)
class ItemView:
    id: str
    queue: str
    state: ItemPhase
    required_reviews: int
    reviews: int
    verdict: Resolved | None
    seq: int | None = None


def _resolve(connection: Connection, pk: int) -> Resolved | None:
    return _resolve_many(connection, [pk]).get(pk)


def _resolve_many(connection: Connection, pks: Collection[int]) -> dict[int, Resolved]:
    """The resolved verdicts of the items among `pks` that have a current decision."""
    current = rows.current_decisions(connection, pks)
    return {pk: _resolved(found) for pk, found in current.items()}


def _resolved(current: Sequence[CurrentDecision]) -> Resolved:
    """The majority of an item's current decisions (rows oldest first)."""
    votes = Counter(row.verdict for row in current).most_common()
    reviewers = tuple(sorted({row.reviewer for row in current}))
    decided_at = max(row.decided_at for row in current)
    if len(votes) > 1 and votes[0][1] == votes[1][1]:
        return Resolved(NEEDS_ADJUDICATION, None, (), reviewers, decided_at)
    verdict = votes[0][0]
    winners = [row for row in current if row.verdict == verdict]
    reasons = sorted({reason for row in winners for reason in row.reasons})
    edited = next((row.edited_output for row in reversed(winners) if row.edited_output), None)
    return Resolved(verdict, edited, tuple(reasons), reviewers, decided_at)


_BECAME_FINAL = text(
    "SELECT i.generation_pk, i.queue, i.state FROM server_item i "
    "WHERE i.generation_pk IN :pks AND i.state IN ('done', 'auto_approved') "
    "AND NOT EXISTS (SELECT 1 FROM server_verdict v WHERE v.generation_pk = i.generation_pk) "
    "ORDER BY i.generation_pk"
).bindparams(bindparam("pks", expanding=True))
_HOOKS = text("SELECT queue, pk FROM webhook WHERE queue IN :queues AND active").bindparams(
    bindparam("queues", expanding=True)
)
_INSERT_VERDICT = text(
    "INSERT INTO server_verdict (generation_pk, queue, verdict, decided_at_ms) "
    "VALUES (:pk, :queue, :verdict, :now)"
)
_SEQS = text(
    "SELECT generation_pk, seq FROM server_verdict WHERE generation_pk IN :pks"
).bindparams(bindparam("pks", expanding=True))
# PostgreSQL: the feed's lock, the verdicts and their deliveries in one statement. The lock is
# taken before the first verdict's sequence number (writers of the feed then commit in the
# order of their numbers, see `slots.add_changes`); the verdicts go in in the order given.
_FEED_POSTGRES = text(
    """
WITH feed_lock AS MATERIALIZED (
    SELECT pg_advisory_xact_lock(:lock)
), fed AS (
    INSERT INTO server_verdict (generation_pk, queue, verdict, decided_at_ms)
    SELECT v.pk, v.queue, v.verdict, :now
    FROM feed_lock, unnest(CAST(:pks AS integer[]), CAST(:queues AS varchar[]),
        CAST(:verdicts AS varchar[])) WITH ORDINALITY AS v(pk, queue, verdict, n)
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
_INSERT_DELIVERY = text(
    "INSERT INTO webhook_delivery (id, webhook_pk, verdict_seq, state, attempts, "
    "next_attempt_ms, created_at_ms) VALUES (:id, :hook, :seq, 'pending', 0, :now, :now)"
)


@dataclass(frozen=True)
class Finalized:
    """What `finalize` recorded: verdicts appended to the feed, webhook deliveries queued."""

    verdicts: int = 0
    deliveries: int = 0


def finalize(connection: Connection, pks: Collection[int], *, now_ms: int) -> Finalized:
    """Record the items among `pks` that became final and are not in the feed yet; their
    webhook deliveries are queued. Call after `refresh_items`."""
    if not pks:
        return Finalized()
    rows = connection.execute(_BECAME_FINAL, {"pks": sorted(pks)})
    return feed_final(connection, [FinalItem(*row) for row in rows], now_ms=now_ms)


def feed_final(connection: Connection, items: Sequence[FinalItem], *, now_ms: int) -> Finalized:
    """Append these final items (in pk order, none in the feed yet) to the verdict feed with
    their verdicts, and queue their webhook deliveries."""
    if not items:
        return Finalized()
    resolved = _resolve_many(
        connection, [item.generation_pk for item in items if item.state != ItemState.AUTO_APPROVED]
    )
    verdicts = []
    for item in items:  # in pk order: the feed's order within one transaction
        if item.state == ItemState.AUTO_APPROVED:
            verdict = AUTO_APPROVED
        else:
            found = resolved.get(item.generation_pk)
            verdict = NEEDS_ADJUDICATION if found is None else found.verdict
        verdicts.append(
            {"pk": item.generation_pk, "queue": item.queue, "verdict": verdict, "now": now_ms}
        )
    if is_postgres(connection):
        queued = connection.execute(
            _FEED_POSTGRES,
            {
                "lock": _FEED_LOCK,
                "pks": [row["pk"] for row in verdicts],
                "queues": [row["queue"] for row in verdicts],
                "verdicts": [row["verdict"] for row in verdicts],
                "now": now_ms,
            },
        ).scalar_one()
        return Finalized(len(items), queued)
    hooks: dict[str, list[int]] = {}
    queues = sorted({item.queue for item in items})
    for queue, hook in connection.execute(_HOOKS, {"queues": queues}):
        hooks.setdefault(queue, []).append(hook)
    connection.execute(_INSERT_VERDICT, verdicts)
    hooked = [item for item in items if item.queue in hooks]
    queued = sum(len(hooks[item.queue]) for item in hooked)
    if hooked:
        seqs: dict[int, int] = {
            row.generation_pk: row.seq
            for row in connection.execute(_SEQS, {"pks": [item.generation_pk for item in hooked]})
        }
        connection.execute(
            _INSERT_DELIVERY,
            [
                {
                    "id": f"dlv_{secrets.token_hex(12)}",
                    "hook": hook,
                    "seq": seqs[item.generation_pk],
                    "now": now_ms,
                }
                for item in hooked
                for hook in hooks[item.queue]
            ],
        )
    return Finalized(len(items), queued)


_ITEM = text(
    "SELECT g.pk, g.id, i.queue, i.state, g.required_reviews, "
    "(SELECT count(*) FROM lease_slot s WHERE s.generation_pk = g.pk AND s.state = 'decided'), "
    "(SELECT count(*) FROM lease_slot s WHERE s.generation_pk = g.pk AND s.state = 'leased' "
    "AND s.expires_at_ms > :now), "
    "v.seq, v.verdict, v.decided_at_ms "
    "FROM generation g JOIN server_item i ON i.generation_pk = g.pk "
    "LEFT JOIN server_verdict v ON v.generation_pk = g.pk"
)


def _view(connection: Connection, row: Sequence[object]) -> ItemView:
    pk, item_id, queue, state, required, decided, leased, seq, fed, fed_ms = row
    assert isinstance(pk, int)
    resolved: Resolved | None = None
    if state == ItemState.WITHDRAWN:
        phase = ItemPhase.WITHDRAWN
    elif state == ItemState.AUTO_APPROVED:
        phase = ItemPhase.AUTO_APPROVED
        at = rows.time_text(_as_time(fed_ms)) if isinstance(fed_ms, int) else None
        resolved = Resolved(AUTO_APPROVED, None, (), (), at)
    elif state == ItemState.DONE:
        resolved = _resolve(connection, pk)
        if resolved is None:
            resolved = Resolved(str(fed or NEEDS_ADJUDICATION), None, (), (), None)
        adjudicate = resolved.verdict == NEEDS_ADJUDICATION
        phase = ItemPhase.NEEDS_ADJUDICATION if adjudicate else ItemPhase.DECIDED
    else:
        phase = ItemPhase.LEASED if leased else ItemPhase.QUEUED
    return ItemView(
        id=str(item_id),
        queue=str(queue),
        state=phase,
        required_reviews=int(str(required)),
        reviews=int(str(decided)),
        verdict=resolved,
        seq=seq if isinstance(seq, int) else None,
    )


def _as_time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def item_view(connection: Connection, item_id: str, *, now_ms: int) -> ItemView | None:
    """An item's state and, once final, its resolved verdict (None: no such item)."""
    first = connection.execute(
        text(_ITEM.text + " WHERE g.id = :id"), {"id": item_id, "now": now_ms}
    ).first()
    return None if first is None else _view(connection, tuple(first))


def verdicts_since(
    connection: Connection, since: int, *, queue: str | None, limit: int, now_ms: int
) -> list[ItemView]:
    """Final verdicts after the cursor `since`, oldest first (of one queue, or of all)."""
    sql = _ITEM.text + " WHERE v.seq > :since"
    params: dict[str, object] = {"since": since, "limit": limit, "now": now_ms}
    if queue is not None:
        sql += " AND v.queue = :queue"
        params["queue"] = queue
    rows = connection.execute(text(sql + " ORDER BY v.seq LIMIT :limit"), params).all()
    return [_view(connection, tuple(row)) for row in rows]


def verdict_at(connection: Connection, seq: int, *, now_ms: int) -> ItemView | None:
    """The feed's entry `seq` (for a webhook delivery)."""
    row = connection.execute(
        text(_ITEM.text + " WHERE v.seq = :seq"), {"seq": seq, "now": now_ms}
    ).first()
    return None if row is None else _view(connection, tuple(row))


def feed_head(connection: Connection) -> int:
    """The newest entry of the verdict feed (0: none yet)."""
    return int(
        connection.execute(text("SELECT coalesce(max(seq), 0) FROM server_verdict")).scalar_one()
    )


def item_out(view: ItemView) -> ItemStateOut:
    """An item's state as `GET /v1/items/{id}` answers it."""
    return ItemStateOut.model_validate(_fields(view))


def verdict_out(view: ItemView) -> VerdictOut:
    """A verdict feed entry as `/v1/verdicts` and the webhooks carry it."""
    return VerdictOut.model_validate({**_fields(view), "seq": view.seq})


def _fields(view: ItemView) -> dict[str, object]:
    resolved = view.verdict
    return {
        "id": view.id,
        "queue": view.queue,
        "state": view.state,
        "required_reviews": view.required_reviews,
        "reviews": view.reviews,
        "verdict": None
        if resolved is None
        else {
            "verdict": resolved.verdict,
            "edited_output": resolved.edited_output,
            "reasons": list(resolved.reasons),
            "reviewers": list(resolved.reviewers),
            "decided_at": None
            if resolved.decided_at is None
            else rows.parse_time(resolved.decided_at),
        },
    }
