"""Reading the changes feed and the queue's figures (for `/v1/changes` and `/metrics`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class FeedEntry:
    seq: int
    kind: str
    item_id: str
    reviewer: str | None
    lease_id: str | None
    epoch: int | None
    at_ms: int
    entry: str = "item"
    """What `item_id` names: an item, or a comparison."""


def changes_since(
    connection: Connection,
    since: int,
    *,
    reviewer: str | None,
    limit: int,
    comparisons: bool = False,
) -> list[FeedEntry]:
    """Changes after `since`, oldest first: those addressed to `reviewer`, or all for None.
    Changes to comparisons only with `comparisons` (a client that never leases them is not
    sent their ids, which it would take for items' ids)."""
    if comparisons:
        sql = (
            "SELECT c.seq, c.kind, coalesce(g.id, m.id), c.reviewer, c.lease_id, c.epoch, "
            "c.created_at_ms, CASE WHEN c.comparison_pk IS NULL THEN 'item' "
            "ELSE 'comparison' END FROM server_change c "
            "LEFT JOIN generation g ON g.pk = c.generation_pk "
            "LEFT JOIN comparison m ON m.pk = c.comparison_pk WHERE c.seq > :since"
        )
    else:
        sql = (
            "SELECT c.seq, c.kind, g.id, c.reviewer, c.lease_id, c.epoch, c.created_at_ms "
            "FROM server_change c JOIN generation g ON g.pk = c.generation_pk "
            "WHERE c.seq > :since"
        )
    params: dict[str, object] = {"since": since, "limit": limit}
    if reviewer is not None:
        sql += " AND c.reviewer = :reviewer"
        params["reviewer"] = reviewer
    sql += " ORDER BY c.seq LIMIT :limit"
    return [FeedEntry(*row) for row in connection.execute(text(sql), params)]


@dataclass(frozen=True)
class QueueFigures:
    queue: str
    open_items: int
    open_slots: int
    live_leased_slots: int


def queue_figures(connection: Connection, now_ms: int) -> list[QueueFigures]:
    """Per queue: items still open, slots not decided, slots held on a live lease."""
    rows = connection.execute(
        text(
            "SELECT i.queue, count(DISTINCT i.generation_pk), count(s.slot), "
            "count(s.slot) FILTER (WHERE s.state = 'leased' AND s.expires_at_ms > :now) "
            "FROM server_item i JOIN lease_slot s ON s.generation_pk = i.generation_pk "
            "AND s.state <> 'decided' WHERE i.state = 'open' GROUP BY i.queue ORDER BY i.queue"
        ),
        {"now": now_ms},
    )
    return [QueueFigures(*row) for row in rows]
