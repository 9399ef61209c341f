"""A queue's review policy: which items a person must review, and by how many people.

An admin sets one per queue (`PUT /v1/queues/{queue}/policy`, `reviewdesk queue set`). A queue
without one reviews every item, as before policies existed. With one, an item pushed to the
queue is reviewed when

- its risk is at least `risk_threshold`, or it carries no risk at all (unknown is not low), or
- a flag is at least as severe as `min_severity`, or
- it is drawn for audit: a fixed share (`audit_rate`) of the items the rules above let through,
  chosen by a hash of the item id, so the same id is always drawn or never (a retried push
  cannot change the outcome) and the team learns how good unreviewed traffic is.

Every other item is recorded as `auto_approved`: stored with its text (the audit trail), never
leasable, and reported as a final verdict like any other. `required_reviews` rises with risk:
the highest band whose `above` the item's risk exceeds sets it (the producer's own
`required_reviews` is kept when it asks for more). `priority` is the order reviewers are handed
the queue's items in: highest risk first (the default), oldest first, or newest first.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Severity


class Priority(StrEnum):
    """The order a queue's items are leased in."""

    RISK = "risk"
    OLDEST = "oldest"
    NEWEST = "newest"


# The claim query's ORDER BY for each priority (ties: the item pushed last goes first).
PRIORITY_ORDER = {
    Priority.RISK: "i.risk DESC, i.generation_pk DESC",
    Priority.OLDEST: "i.generation_pk ASC",
    Priority.NEWEST: "i.generation_pk DESC",
}


class Routing(StrEnum):
    """Why an item was or was not sent to review."""

    REVIEW = "review"
    AUDIT = "audit"
    AUTO_APPROVED = "auto_approved"


class RiskBand(BaseModel):
    """Items with risk above `above` need `reviews` reviewers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    above: Annotated[float, Field(ge=0.0, lt=1.0)]
    reviews: Annotated[int, Field(ge=1, le=10)]


class ReviewPolicy(BaseModel):
    """A queue's review policy (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    risk_threshold: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    min_severity: Severity | None = None
    audit_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    required_reviews: tuple[RiskBand, ...] = ()
    priority: Priority = Priority.RISK

    @model_validator(mode="after")
    def _bands_are_distinct(self) -> ReviewPolicy:
        aboves = [band.above for band in self.required_reviews]
        if len(set(aboves)) != len(aboves):
            raise ValueError("two required_reviews bands have the same `above`")
        return self

    @property
    def selects_all(self) -> bool:
        """No rule lets an item through unreviewed."""
        return self.risk_threshold is None and self.min_severity is None

    def route(self, item_id: str, risk: float | None, severity_rank: int) -> Routing:
        """Whether an item with this id, risk and top flag severity (rank, 0: none) is reviewed."""
        if self.selects_all or risk is None:
            return Routing.REVIEW
        if self.risk_threshold is not None and risk >= self.risk_threshold:
            return Routing.REVIEW
        if self.min_severity is not None and severity_rank >= self.min_severity.rank:
            return Routing.REVIEW
        if audit_draw(item_id) < self.audit_rate:
            return Routing.AUDIT
        return Routing.AUTO_APPROVED

    def reviews_for(self, risk: float | None, asked: int) -> int:
        """How many reviewers an item of this risk gets (at least what the producer asked)."""
        bands = [b.reviews for b in self.required_reviews if risk is not None and risk > b.above]
        return max([asked, *bands[-1:]]) if bands else asked


def audit_draw(item_id: str) -> float:
    """A number in [0, 1) fixed by the item id (the first 8 bytes of its SHA-256)."""
    digest = hashlib.sha256(item_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _sorted(policy: ReviewPolicy) -> ReviewPolicy:
    bands = tuple(sorted(policy.required_reviews, key=lambda band: band.above))
    return policy.model_copy(update={"required_reviews": bands})


def load_policies(connection: Connection, queues: set[str]) -> dict[str, ReviewPolicy]:
    """The policies of these queues (queues without one are left out)."""
    policies: dict[str, ReviewPolicy] = {}
    for queue in sorted(queues):
        stored = connection.execute(
            text("SELECT policy FROM queue_policy WHERE queue = :queue"), {"queue": queue}
        ).scalar()
        if stored is not None:
            policies[queue] = _sorted(ReviewPolicy.model_validate_json(stored))
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
    values = {"queue": queue, "policy": _sorted(policy).model_dump_json(), "now": now_ms}
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
