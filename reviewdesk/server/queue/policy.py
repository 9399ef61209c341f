"""Queue review policies in the server's database, and each queue's lease order (cached).

The policy itself (which items are reviewed, by how many people, in what order) is a domain
rule: `reviewdesk.domain.policy`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain.policy import Priority, ReviewPolicy, sorted_bands
from reviewdesk.store.driver_sql import DriverSql

# The claim query's ORDER BY for each priority (ties: the item pushed last goes first).
PRIORITY_ORDER = {
    Priority.RISK: "i.risk DESC, i.generation_pk DESC",
    Priority.OLDEST: "i.generation_pk ASC",
    Priority.NEWEST: "i.generation_pk DESC",
}


_POLICY = DriverSql("SELECT policy FROM queue_policy WHERE queue = :queue")


def load_policies(connection: Connection, queues: set[str]) -> dict[str, ReviewPolicy]:
    """The policies of these queues (queues without one are left out)."""
    policies: dict[str, ReviewPolicy] = {}
    for queue in sorted(queues):
        found = _POLICY.rows(connection, {"queue": queue})
        if found and found[0][0] is not None:
            policies[queue] = sorted_bands(ReviewPolicy.model_validate_json(found[0][0]))
    return policies


class PriorityCache:
    """Each queue's lease order, read at most once every `ttl_s` seconds per queue.

    A lease needs only its queue's `priority`, and reading the policy on every lease is one
    more round trip to the database on the busiest endpoint. A policy changed through this
    process is seen by its next lease (`forget`); one changed through another server process or
    `reviewdesk queue set` is seen within `ttl_s`. Which items are reviewed at all is decided
    at push time from the stored policy, never from this cache.
    """

    def __init__(self, ttl_s: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._known: dict[str, tuple[float, Priority]] = {}

    def get(self, queue: str, load: Callable[[], ReviewPolicy | None]) -> Priority:
        """The queue's priority; `load` reads its policy when the cached one is too old."""
        now = self._clock()
        known = self._known.get(queue)
        if known is not None and now - known[0] < self._ttl_s:
            return known[1]
        policy = load()
        priority = Priority.RISK if policy is None else policy.priority
        self._known[queue] = (now, priority)
        return priority

    def forget(self, queue: str) -> None:
        self._known.pop(queue, None)


def save_policy(connection: Connection, queue: str, policy: ReviewPolicy, *, now_ms: int) -> None:
    """Set (or replace) a queue's policy; it applies to items pushed from now on."""
    values = {"queue": queue, "policy": sorted_bands(policy).model_dump_json(), "now": now_ms}
    updated = connection.execute(
        text("UPDATE queue_policy SET policy = :policy, updated_at_ms = :now WHERE queue = :queue"),
        values,
    ).rowcount
    if not updated:
        connection.execute(
            text(
                "INSERT INTO queue_policy (queue, policy, updated_at_ms) "
                "VALUES (:queue, :policy, :now)"
            ),
            values,
        )


def unreviewed_counts(connection: Connection) -> dict[str, int]:
    """Per queue, the items its policy auto-approved (unreviewed traffic)."""
    rows = connection.execute(
        text(
            "SELECT queue, count(*) FROM server_item WHERE state = 'auto_approved' "
            "GROUP BY queue ORDER BY queue"
        )
    )
    return {row[0]: int(row[1]) for row in rows}
