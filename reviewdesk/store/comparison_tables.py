"""The tables of pairwise review (SQLModel, migration 0018).

A comparison has its own tables rather than being a `generation` row of a new kind. Every item
query (statistics, exports, the desk's queue and next item, agreement, routing, the server's
verdict feed and its tally triggers) reads `generation` and `decision`: a comparison stored
there would be counted as an item wherever a query lacks a kind filter, which is the inflation
issue 16 reports, and a comparison decision has no verdict for `decision.verdict` (NOT NULL,
counted by the tally triggers). So the item tables stay exactly as they are, and the comparison
tables mirror what makes an item leasable and decidable:

- `comparison` carries the queue keys of `generation` (queue, risk with -1 for none,
  required_reviews, review_count, created_at, imported_at) and the same partial index over the
  pending ones, so that the queue server's claim query runs over it with the same shape;
- `comparison_decision` carries what `decision` carries for the lease protocol and sync
  (client-made `id`, `supersedes`, `session_id`, `lease_id`, `lease_epoch`, `device_id`,
  `current`: the reviewer's latest), plus `preference` and `shown_order`.

Narrow rows for the statistics: `comparison_candidate` holds each candidate's grouping keys
(model, route, template, version, top severity, usage), and `comparison_decision` the
preference; the text (prompt, outputs, edits, comments) is in the `*_text` tables, read only
for the comparison on screen or an export; a decision's answers to its queue's form are narrow
rows in `comparison_decision_answer` (migration 0021), as items' are in `decision_answer`.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text, true
from sqlmodel import Field, SQLModel

from reviewdesk.store.keys import NO_RISK, PENDING


class ComparisonRow(SQLModel, table=True):
    __tablename__ = "comparison"
    __table_args__ = (
        Index(
            "ix_comparison_queue_pending",
            "queue",
            "risk",
            "pk",
            sqlite_where=text(PENDING),
            postgresql_where=text(PENDING),
        ),
    )

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column_kwargs={"unique": True})
    queue: str | None = None
    risk: float = NO_RISK
    candidate_count: int = 2
    required_reviews: int = 1
    review_count: int = 0
    created_at: str | None = None
    imported_at: str


class ComparisonTextRow(SQLModel, table=True):
    __tablename__ = "comparison_text"

    pk: int = Field(
        sa_column=Column(Integer, ForeignKey("comparison.pk", ondelete="CASCADE"), primary_key=True)
    )
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    extra: str | None = None


class ComparisonCandidateRow(SQLModel, table=True):
    __tablename__ = "comparison_candidate"
    __table_args__ = (
        UniqueConstraint("comparison_pk", "position"),
        Index("ix_comparison_candidate_model", "model", "comparison_pk", "position"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    comparison_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("comparison.pk", ondelete="CASCADE"), nullable=False)
    )
    position: int
    id: str
    model: str
    prompt_template: str | None = None
    prompt_version: str | None = None
    route: str | None = None
    top_severity: int = 0
    flag_count: int = 0
    latency_ms: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None


class ComparisonCandidateTextRow(SQLModel, table=True):
    __tablename__ = "comparison_candidate_text"

    pk: int = Field(
        sa_column=Column(
            Integer, ForeignKey("comparison_candidate.pk", ondelete="CASCADE"), primary_key=True
        )
    )
    output: str = Field(sa_column=Column(Text, nullable=False))
    flags: str | None = None
    usage: str | None = None
    trace_id: str | None = None
    extra: str | None = None


class ComparisonDecisionRow(SQLModel, table=True):
    __tablename__ = "comparison_decision"
    __table_args__ = (
        Index("ix_comparison_decision_item", "comparison_pk", "reviewer", "pk"),
        Index(
            "ix_comparison_decision_current",
            "comparison_pk",
            "preference",
            "reviewer",
            "shown_order",
            "pk",
            "current",
            sqlite_where=text("current"),
            postgresql_where=text("current"),
        ),
    )

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column_kwargs={"unique": True})
    comparison_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("comparison.pk", ondelete="CASCADE"), nullable=False)
    )
    reviewer: str
    preference: str
    shown_order: str | None = None
    edited: bool = False
    reasons: str = "[]"
    duration_ms: int | None = None
    decided_at: str
    supersedes: str | None = None
    session_id: str | None = None
    lease_id: str | None = None
    lease_epoch: int | None = None
    device_id: str | None = None
    current: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    form_version: int | None = None


class ComparisonDecisionTextRow(SQLModel, table=True):
    __tablename__ = "comparison_decision_text"

    pk: int = Field(
        sa_column=Column(
            Integer, ForeignKey("comparison_decision.pk", ondelete="CASCADE"), primary_key=True
        )
    )
    edited_output: str | None = None
    comment: str | None = None


class ComparisonDecisionAnswerRow(SQLModel, table=True):
    """A comparison decision's answers to its queue's form, narrow (migration 0021): the
    shape of `decision_answer` (one row per choice, rating or text answer, per value of a multi
    answer; an empty multi answer is one row with `position` -1), keyed on the comparison
    decision. Spans are not asked on comparisons, so the span columns stay empty; they are
    kept so that both tables read with one codec."""

    __tablename__ = "comparison_decision_answer"
    __table_args__ = (
        Index("ix_comparison_decision_answer_decision", "decision_pk", "key", "position"),
        Index("ix_comparison_decision_answer_key", "key", "decision_pk"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    decision_pk: int = Field(
        sa_column=Column(
            Integer, ForeignKey("comparison_decision.pk", ondelete="CASCADE"), nullable=False
        )
    )
    key: str
    position: int | None = None
    text_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    number_value: int | None = None
    span_start: int | None = None
    span_end: int | None = None
    span_label: str | None = None


__all__ = [
    "ComparisonCandidateRow",
    "ComparisonCandidateTextRow",
    "ComparisonDecisionAnswerRow",
    "ComparisonDecisionRow",
    "ComparisonDecisionTextRow",
    "ComparisonRow",
    "ComparisonTextRow",
]
