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
`freeze` keeps each verdict as it first became final (no later revision).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reviewdesk.domain.models import Severity

__all__ = ["Priority", "ReviewPolicy", "RiskBand", "Routing", "audit_draw", "sorted_bands"]


class Priority(StrEnum):
    """The order a queue's items are leased in."""

    RISK = "risk"
    OLDEST = "oldest"
    NEWEST = "newest"


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
    freeze: bool = False
    """Once an item's verdict is final it never changes: later decisions (late, extra, an
    adjudicator's) are stored and counted, and the verdict keeps revision 1."""

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


def sorted_bands(policy: ReviewPolicy) -> ReviewPolicy:
    """The policy with its risk bands in ascending order (`reviews_for` reads the last match)."""
    bands = tuple(sorted(policy.required_reviews, key=lambda band: band.above))
    return policy.model_copy(update={"required_reviews": bands})
