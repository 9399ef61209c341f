"""The store's tables (SQLModel).

Rows that statistics and the queue list scan are narrow (`generation`, `decision`, `flag`): they
hold the grouping keys. The large text lives in `generation_text` and `decision_text`, read only
for the item on screen or for an export. `generation.risk` is -1 when the producer gave none,
so that keyset paging never meets a NULL.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlmodel import Field, SQLModel

from reviewdesk.store.keys import NO_RISK, PENDING


class GenerationRow(SQLModel, table=True):
    __tablename__ = "generation"
    __table_args__ = (
        Index(
            "ix_generation_pending",
            "risk",
            "pk",
            sqlite_where=text(PENDING),
            postgresql_where=text(PENDING),
        ),
        Index(
            "ix_generation_queue_pending",
            "queue",
            "risk",
            "pk",
            sqlite_where=text(PENDING),
            postgresql_where=text(PENDING),
        ),
        Index("ix_generation_risk", "risk", "pk"),
        Index("ix_generation_severity", "top_severity", "risk", "pk"),
        # Statistics (migration 0004): the items agreement reads.
        Index(
            "ix_generation_multi_review",
            "pk",
            sqlite_where=text("review_count >= 2"),
            postgresql_where=text("review_count >= 2"),
        ),
    )

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column_kwargs={"unique": True})
    queue: str | None = None
    model: str
    prompt_template: str | None = None
    prompt_version: str | None = None
    route: str | None = None
    risk: float = NO_RISK
    top_severity: int = 0
    flag_count: int = 0
    latency_ms: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    required_reviews: int = 1
    review_count: int = 0
    created_at: str | None = None
    imported_at: str


_generation = GenerationRow.__table__  # type: ignore[attr-defined]
Index("ix_generation_created", func.coalesce(_generation.c.created_at, ""), _generation.c.pk)


class GenerationTextRow(SQLModel, table=True):
    __tablename__ = "generation_text"

    pk: int = Field(
        sa_column=Column(Integer, ForeignKey("generation.pk", ondelete="CASCADE"), primary_key=True)
    )
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    output: str = Field(sa_column=Column(Text, nullable=False))
    usage: str | None = None
    trace_id: str | None = None
    extra: str | None = None


class FlagRow(SQLModel, table=True):
    __tablename__ = "flag"
    __table_args__ = (
        Index("ix_flag_generation", "generation_pk", "position"),
        Index("ix_flag_validator", "validator", "code", "severity", "generation_pk"),
        # Statistics (migration 0004): flags once per item and code, in item order.
        Index("ix_flag_item_code", "generation_pk", "validator", "code", "severity"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    generation_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("generation.pk", ondelete="CASCADE"), nullable=False)
    )
    position: int
    validator: str
    code: str
    severity: int
    message: str = ""
    score: float | None = None
    span_start: int | None = None
    span_end: int | None = None


class DecisionRow(SQLModel, table=True):
    __tablename__ = "decision"
    __table_args__ = (
        Index("ix_decision_generation", "generation_pk", "reviewer", "pk"),
        Index("ix_decision_reviewer", "reviewer", "decided_at"),
        Index("ix_decision_time", "decided_at"),
        Index("ix_decision_session", "session_id", "pk"),
        # Statistics (migration 0004): the throughput pass reads this index alone.
        Index("ix_decision_pace", "reviewer", "decided_at", "duration_ms", "current", "verdict"),
        # `current` as a column too (migration 0013): SQLite reads a partial index alone only
        # when it holds every column the query names, the filter's included.
        Index(
            "ix_decision_current",
            "generation_pk",
            "verdict",
            "reviewer",
            "pk",
            "current",
            sqlite_where=text("current"),
            postgresql_where=text("current"),
        ),
        # Statistics (migration 0013): the current edits, for the edit-severity sample.
        Index(
            "ix_decision_edit",
            "generation_pk",
            "current",
            "verdict",
            sqlite_where=text("current AND verdict = 'edit'"),
            postgresql_where=text("current AND verdict = 'edit'"),
        ),
    )

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column_kwargs={"unique": True})
    generation_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("generation.pk", ondelete="CASCADE"), nullable=False)
    )
    reviewer: str
    verdict: str
    reasons: str = "[]"
    duration_ms: int | None = None
    decided_at: str
    supersedes: str | None = None
    session_id: str | None = None
    lease_id: str | None = None
    lease_epoch: int | None = None
    device_id: str | None = None
    # The reviewer's latest decision on the item (kept at write time; see migration 0003).
    current: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # The version of the queue's review form the answers were made with (migration 0016).
    form_version: int | None = None


class DecisionTextRow(SQLModel, table=True):
    __tablename__ = "decision_text"

    pk: int = Field(
        sa_column=Column(Integer, ForeignKey("decision.pk", ondelete="CASCADE"), primary_key=True)
    )
    edited_output: str | None = None
    comment: str | None = None


class DecisionAnswerRow(SQLModel, table=True):
    """A decision's answers to its queue's form questions, narrow (migration 0016): one row
    per choice, rating or text answer (`position` NULL), per value of a multi answer and per
    span of a spans answer (`position` 0, 1, ... in the answer's order). An empty multi or
    spans answer is one row with `position` -1 and no value, so "none" stays an answer.

    Choice, multi and text answers hold `text_value`; ratings `number_value`; spans
    `span_start`, `span_end` and `span_label`. Statistics group by `key` and the value."""

    __tablename__ = "decision_answer"
    __table_args__ = (
        Index("ix_decision_answer_decision", "decision_pk", "key", "position"),
        Index("ix_decision_answer_key", "key", "decision_pk"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    decision_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("decision.pk", ondelete="CASCADE"), nullable=False)
    )
    key: str
    position: int | None = None
    text_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    number_value: int | None = None
    span_start: int | None = None
    span_end: int | None = None
    span_label: str | None = None


class FormRow(SQLModel, table=True):
    """Every version of every queue's review form (migration 0016); the queue's form is its
    highest version. `definition` is the questions as JSON (`{"questions": [...]}`)."""

    __tablename__ = "form"
    __table_args__ = (UniqueConstraint("queue", "version"),)

    pk: int | None = Field(default=None, primary_key=True)
    queue: str
    version: int
    definition: str = Field(sa_column=Column(Text, nullable=False))
    guidelines: str = Field(sa_column=Column(Text, nullable=False))
    created_at: str


class ReasonRow(SQLModel, table=True):
    __tablename__ = "reason"

    code: str = Field(primary_key=True)
    label: str
    position: int


# The queue server's tables share this metadata, and so the migrations, with the core tables.
# So do the desk's sync tables (outbox, lease cache, sync state).
from reviewdesk.store import comparison_tables as _comparison_tables  # noqa: E402, F401
from reviewdesk.store import server_feedback_tables as _server_feedback_tables  # noqa: E402, F401
from reviewdesk.store import server_tables as _server_tables  # noqa: E402, F401
from reviewdesk.store import sync_tables as _sync_tables  # noqa: E402, F401
from reviewdesk.store import tally_tables as _tally_tables  # noqa: E402, F401
from reviewdesk.store import template_tables as _template_tables  # noqa: E402, F401
