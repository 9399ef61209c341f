"""Final verdicts as producers read them: an item's state and resolved verdict, and the feed.

An item is final when every one of its `required_reviews` slots is decided (or its queue's
policy auto-approved it). Its resolved verdict is the majority of its reviewers' latest
decisions; a tie is `needs_adjudication`. Each entry of the feed (`server_verdict`, the cursor
feed of `/v1/verdicts`) is one revision of an item's verdict, kept as it was then; how entries
are written (revision 1 when the item becomes final, n+1 when a later decision changes it,
never in a queue that freezes verdicts) is `feed`'s job. `GET /v1/items/{id}` shows the latest
revision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.protocol.statuses import ItemPhase
from reviewdesk.protocol.v1 import ItemStateOut, VerdictOut
from reviewdesk.server.queue.slots import ItemState
from reviewdesk.store import rows
from reviewdesk.store.driver_sql import DriverSql
from reviewdesk.store.rows import CurrentDecision

NEEDS_ADJUDICATION = ItemPhase.NEEDS_ADJUDICATION.value
"""The resolved verdict of a tie (its item's phase has the same name)."""
AUTO_APPROVED = ItemPhase.AUTO_APPROVED.value
"""The verdict of an item its queue's policy let through (its phase has the same name)."""


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
    return resolve_many(connection, [pk]).get(pk)


def resolve_many(connection: Connection, pks: Collection[int]) -> dict[int, Resolved]:
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


_FEED_HEAD = DriverSql("SELECT coalesce(max(seq), 0) FROM server_verdict")


def feed_head(connection: Connection) -> int:
    """The newest entry of the verdict feed (0: none yet)."""
    ((head,),) = _FEED_HEAD.rows(connection)
    return int(head)


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
