"""Final verdicts: when an item becomes final, what its resolved verdict is, and the feed.

An item is final when every one of its `required_reviews` slots is decided (or its queue's
policy auto-approved it). Its resolved verdict is the majority of its reviewers' latest
decisions; a tie is `needs_adjudication`. The moment an item becomes final, `finalize` appends
it to `server_verdict` (the cursor feed of `/v1/verdicts`) and queues one webhook delivery per
active webhook of its queue, in the same transaction as the decision: a verdict is never
announced without being stored, nor stored without being announced.

Each feed entry is one revision of an item's verdict, with the resolved verdict as it was then.
Revision 1 is written when the item becomes final; a later decision that changes the resolved
verdict (a late or extra decision, an adjudicator's, a change of mind) appends revision n+1
with the verdict it replaced (`revise`), and its webhook deliveries. A queue whose policy
freezes verdicts keeps revision 1: later decisions are stored and counted, nothing else.
`GET /v1/items/{id}` shows the latest revision.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from reviewdesk.domain.policy import ReviewPolicy
from reviewdesk.protocol.statuses import ItemPhase
from reviewdesk.protocol.v1 import ItemStateOut, VerdictOut
from reviewdesk.server.queue.policy import load_policies
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

    def snapshot(self) -> str:
        """As `server_verdict.resolved` keeps it (JSON)."""
        return orjson.dumps(
            {
                "verdict": self.verdict,
                "edited_output": self.edited_output,
                "reasons": list(self.reasons),
                "reviewers": list(self.reviewers),
                "decided_at": self.decided_at,
            }
        ).decode()

    @classmethod
    def from_snapshot(cls, stored: str) -> Resolved:
        found = orjson.loads(stored)
        return cls(
            found["verdict"],
            found["edited_output"],
            tuple(found["reasons"]),
            tuple(found["reviewers"]),
            found["decided_at"],
        )

    def changed_from(self, other: Resolved) -> bool:
        """Whether a producer sees another verdict (the word, or the corrected output)."""
        return (self.verdict, self.edited_output) != (other.verdict, other.edited_output)


@dataclass(frozen=True)
class ItemView:
    id: str
    queue: str
    state: ItemPhase
    required_reviews: int
    reviews: int
    verdict: Resolved | None
    seq: int | None = None
    revision: int | None = None
    previous: str | None = None


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
    "INSERT INTO server_verdict (generation_pk, queue, verdict, decided_at_ms, revision, "
    "previous, resolved) VALUES (:pk, :queue, :verdict, :now, :revision, :previous, :resolved)"
)
_SEQS = text(
    "SELECT generation_pk, seq FROM server_verdict WHERE generation_pk IN :pks AND seq > :after"
).bindparams(bindparam("pks", expanding=True))
# PostgreSQL: the feed's lock, the verdicts and their deliveries in one statement. The lock is
# taken before the first verdict's sequence number (writers of the feed then commit in the
# order of their numbers, see `slots.add_changes`); the verdicts go in in the order given.
_FEED_POSTGRES = text(
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
_INSERT_DELIVERY = text(
    "INSERT INTO webhook_delivery (id, webhook_pk, verdict_seq, state, attempts, "
    "next_attempt_ms, created_at_ms) VALUES (:id, :hook, :seq, 'pending', 0, :now, :now)"
)
_LATEST_REVISIONS = text(
    "SELECT v.generation_pk, v.revision, v.verdict, v.resolved FROM server_verdict v "
    "WHERE v.generation_pk IN :pks AND v.revision = "
    "(SELECT max(r.revision) FROM server_verdict r WHERE r.generation_pk = v.generation_pk)"
).bindparams(bindparam("pks", expanding=True))


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
    rows = connection.execute(_BECAME_FINAL, {"pks": sorted(pks)})
    return feed_final(connection, [FinalItem(*row) for row in rows], now_ms=now_ms)


def feed_final(connection: Connection, items: Sequence[FinalItem], *, now_ms: int) -> Finalized:
    """Append these final items (in pk order, none in the feed yet) to the verdict feed with
    their verdicts (revision 1), and queue their webhook deliveries."""
    if not items:
        return Finalized()
    resolved = _resolve_many(
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
        row.generation_pk: (row.revision, row.verdict, row.resolved)
        for row in connection.execute(_LATEST_REVISIONS, {"pks": pks})
    }
    current = _resolve_many(connection, pks)
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
        queued = connection.execute(
            _FEED_POSTGRES,
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
        ).scalar_one()
        return Finalized(len(entries), queued)
    hooks: dict[str, list[int]] = {}
    queues = sorted({entry.queue for entry in entries})
    for queue, hook in connection.execute(_HOOKS, {"queues": queues}):
        hooks.setdefault(queue, []).append(hook)
    head = feed_head(connection)
    connection.execute(_INSERT_VERDICT, rows_in)
    hooked = [entry for entry in entries if entry.queue in hooks]
    queued = sum(len(hooks[entry.queue]) for entry in hooked)
    if hooked:
        seqs: dict[int, int] = {
            row.generation_pk: row.seq
            for row in connection.execute(
                _SEQS, {"pks": [entry.pk for entry in hooked], "after": head}
            )
        }
        connection.execute(
            _INSERT_DELIVERY,
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


_COLUMNS = (
    "SELECT g.pk, g.id, i.queue, i.state, g.required_reviews, "
    "(SELECT count(*) FROM lease_slot s WHERE s.generation_pk = g.pk AND s.state = 'decided'), "
    "(SELECT count(*) FROM lease_slot s WHERE s.generation_pk = g.pk AND s.state = 'leased' "
    "AND s.expires_at_ms > :now), "
    "v.seq, v.verdict, v.decided_at_ms, v.revision, v.previous, v.resolved "
)
# An item with its latest revision (none before it is final).
_ITEM = text(
    _COLUMNS + "FROM generation g JOIN server_item i ON i.generation_pk = g.pk "
    "LEFT JOIN server_verdict v ON v.generation_pk = g.pk AND v.revision = "
    "(SELECT max(r.revision) FROM server_verdict r WHERE r.generation_pk = g.pk)"
)
# Each feed entry (one revision of one item's verdict) with its item.
_FEED = text(
    _COLUMNS + "FROM server_verdict v JOIN generation g ON g.pk = v.generation_pk "
    "JOIN server_item i ON i.generation_pk = g.pk"
)


def _view(connection: Connection, row: Sequence[object]) -> ItemView:
    (pk, item_id, queue, state, required, decided, leased, seq, fed, fed_ms, revision, previous,
     stored) = row  # fmt: skip
    assert isinstance(pk, int)
    resolved: Resolved | None = None
    if state == ItemState.WITHDRAWN:
        phase = ItemPhase.WITHDRAWN
    elif state == ItemState.AUTO_APPROVED:
        phase = ItemPhase.AUTO_APPROVED
        at = rows.time_text(_as_time(fed_ms)) if isinstance(fed_ms, int) else None
        resolved = Resolved(AUTO_APPROVED, None, (), (), at)
    elif state == ItemState.DONE:
        if isinstance(stored, str):
            resolved = Resolved.from_snapshot(stored)
        else:  # a verdict fed before revisions were kept: resolved from the decisions now
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
        revision=revision if isinstance(revision, int) and seq is not None else None,
        previous=previous if isinstance(previous, str) else None,
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
    connection: Connection,
    since: int,
    *,
    queue: str | None,
    limit: int,
    now_ms: int,
    item_id: str | None = None,
) -> list[ItemView]:
    """Feed entries after the cursor `since`, oldest first (of one queue or item, or of all):
    each item's first final verdict and every later revision of it."""
    sql = _FEED.text + " WHERE v.seq > :since"
    params: dict[str, object] = {"since": since, "limit": limit, "now": now_ms}
    if queue is not None:
        sql += " AND v.queue = :queue"
        params["queue"] = queue
    if item_id is not None:
        sql += " AND g.id = :item"
        params["item"] = item_id
    rows = connection.execute(text(sql + " ORDER BY v.seq LIMIT :limit"), params).all()
    return [_view(connection, tuple(row)) for row in rows]


def verdict_at(connection: Connection, seq: int, *, now_ms: int) -> ItemView | None:
    """The feed's entry `seq` (for a webhook delivery)."""
    row = connection.execute(
        text(_FEED.text + " WHERE v.seq = :seq"), {"seq": seq, "now": now_ms}
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
    return VerdictOut.model_validate({**_fields(view), "seq": view.seq, "previous": view.previous})


def _fields(view: ItemView) -> dict[str, object]:
    resolved = view.verdict
    return {
        "id": view.id,
        "queue": view.queue,
        "state": view.state,
        "required_reviews": view.required_reviews,
        "reviews": view.reviews,
        "revision": view.revision,
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
