"""What the queue list shows and how it is filtered and sorted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from reviewdesk.domain.models import GenerationId, Severity


class ItemStatus(StrEnum):
    """Where an item stands in review."""

    PENDING = "pending"
    DECIDED = "decided"
    DISAGREEMENT = "disagreement"
    """Two or more reviewers' current decisions differ and no adjudicator has decided it."""


class QueueSort(StrEnum):
    """Orders of the queue list; each is descending (highest risk, newest, most severe first;
    text columns from Z to A, decided before pending), and the list can turn any round."""

    RISK = "risk"
    TIME = "time"
    SEVERITY = "severity"
    ID = "id"
    MODEL = "model"
    TEMPLATE = "template"
    ROUTE = "route"
    STATUS = "status"


class QueueEntry(BaseModel):
    """One row of the queue list: the narrow columns of a generation, no text."""

    model_config = ConfigDict(frozen=True)

    pk: int
    id: GenerationId
    queue: str | None
    model: str
    prompt_template: str | None
    prompt_version: str | None
    route: str | None
    risk: float | None
    top_severity: Severity | None
    flag_count: int
    created_at: datetime | None
    review_count: int
    required_reviews: int

    @property
    def status(self) -> ItemStatus:
        if self.review_count >= self.required_reviews:
            return ItemStatus.DECIDED
        return ItemStatus.PENDING

    @property
    def template_version(self) -> str:
        if self.prompt_template is None:
            return self.prompt_version or ""
        return f"{self.prompt_template}@{self.prompt_version or '?'}"


class QueueFilter(BaseModel):
    """Which items the queue list shows; None means "any"."""

    model_config = ConfigDict(frozen=True)

    queue: str | None = None
    model: str | None = None
    prompt_template: str | None = None
    prompt_version: str | None = None
    route: str | None = None
    min_severity: Severity | None = None
    status: ItemStatus | None = None
    text: str | None = None
    adjudicators: tuple[str, ...] = ()
    """Reviewers whose decision settles a disagreement (for `ItemStatus.DISAGREEMENT`)."""


class StoreCounts(BaseModel):
    """What a store holds."""

    model_config = ConfigDict(frozen=True)

    generations: int
    pending: int
    decided: int
    decisions: int
    reviewers: int
