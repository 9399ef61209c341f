"""Running tallies of the labels (SQLModel): the statistics' counts, kept at write time.

The statistics count labels by a handful of keys. Counting a million decisions again on every
refresh takes seconds; counting them once, as they are written, leaves a few thousand rows to
read. On SQLite, triggers (written in migration 0013,
`reviewdesk/store/migrations/versions/0013_tallies.py`) keep these tables in the
transaction that writes a decision, an item or a flag, whichever code path writes it (the desk,
a bulk import, a sync, the embedded server), so they can never disagree with the rows they count.

On PostgreSQL the tables exist (one schema for both engines) but stay empty and the statistics
count the decisions themselves: there, many server processes write decisions at once, and a
counter row every decision touches would make them wait for each other.

Key columns are never NULL (a NULL would make every upsert a new row): text keys hold '' for
"none" (real values are never empty, see `reviewdesk.domain`) and numeric keys -1. The labels
are those of the `latest` policy: each reviewer's current decision on an item.

- `tally_label`: labels by the item's template, version, model, route, queue, flagged (0/1),
  verdict and reject reasons (the JSON text; '' unless a reject);
- `tally_flag_label`: labels by validator, code and the code's highest severity on the item
  (an item without flags counts once under '', '', -1);
- `tally_flagged`: items flagged per validator, code and severity (-1: any severity);
- `tally_pace`: every decision (changes of mind included) by reviewer and day: how many, how
  many timed and their total ms, the labels among them by verdict, and `seconds`, the timed
  ones' histogram as a JSON object {"whole seconds on screen (capped at an hour)": decisions}
  (one row a reviewer-day, however many different durations it holds);
- `tally_reject_reasons`: the rejects among the labels citing each reason, by reviewer and day
  (with `tally_pace`'s label counts: the labels by reviewer and day and their reason mix);
- `tally_pace_reviewer`, `tally_pace_day`: the timed decisions by reviewer (by day) and whole
  seconds, for the medians of a reviewer's (a day's) pace without reading every reviewer-day;
- `tally_item_labels`: the items two or more reviewers label: their labels as one text
  ("reviewer<US>verdict" joined by <RS>, by reviewer), the latest label's pk and whether the
  verdicts differ; `tally_agreement`: how many items have each such text (agreement statistics
  read the few thousand texts, and the disagreement list the disputed items, newest first);
- `tally_usage`: every item by route, model and latency in tens of ms (-1: not measured), with
  token and cost sums and how many have a decision.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, text
from sqlalchemy import Column as _Column
from sqlmodel import Field, SQLModel

_ROWID = {"sqlite_with_rowid": False}


def _count() -> Any:
    """A counter column: BIGINT NOT NULL DEFAULT 0."""
    return Field(default=0, sa_column=_Column(BigInteger, nullable=False, server_default="0"))


class TallyLabelRow(SQLModel, table=True):
    __tablename__ = "tally_label"
    __table_args__ = _ROWID

    prompt_template: str = Field(primary_key=True)
    prompt_version: str = Field(primary_key=True)
    model: str = Field(primary_key=True)
    route: str = Field(primary_key=True)
    queue: str = Field(primary_key=True)
    flagged: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    verdict: str = Field(primary_key=True)
    reasons: str = Field(primary_key=True)
    n: int = _count()


class TallyFlagLabelRow(SQLModel, table=True):
    __tablename__ = "tally_flag_label"
    __table_args__ = _ROWID

    validator: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    severity: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    verdict: str = Field(primary_key=True)
    reasons: str = Field(primary_key=True)
    n: int = _count()


class TallyFlaggedRow(SQLModel, table=True):
    __tablename__ = "tally_flagged"
    __table_args__ = _ROWID

    validator: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    severity: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    items: int = _count()


class TallyPaceRow(SQLModel, table=True):
    __tablename__ = "tally_pace"
    __table_args__ = _ROWID

    reviewer: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    decisions: int = _count()
    timed: int = _count()
    total_ms: int = _count()
    approve: int = _count()
    edit: int = _count()
    reject: int = _count()
    seconds: str = Field(default="{}", sa_column_kwargs={"server_default": "{}"})


class TallyRejectReasonsRow(SQLModel, table=True):
    __tablename__ = "tally_reject_reasons"
    __table_args__ = _ROWID

    reviewer: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    reason: str = Field(primary_key=True)
    n: int = _count()


class TallyPaceReviewerRow(SQLModel, table=True):
    __tablename__ = "tally_pace_reviewer"
    __table_args__ = _ROWID

    reviewer: str = Field(primary_key=True)
    seconds: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    decisions: int = _count()


class TallyPaceDayRow(SQLModel, table=True):
    __tablename__ = "tally_pace_day"
    __table_args__ = _ROWID

    day: str = Field(primary_key=True)
    seconds: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    decisions: int = _count()


class TallyItemLabelsRow(SQLModel, table=True):
    __tablename__ = "tally_item_labels"
    __table_args__ = (
        Index(
            "ix_tally_item_labels_disputed",
            "latest_pk",
            "labels",
            sqlite_where=text("disputed = 1"),
            postgresql_where=text("disputed = 1"),
        ),
    )

    generation_pk: int | None = Field(default=None, primary_key=True)
    labels: str
    latest_pk: int
    disputed: int


class TallyAgreementRow(SQLModel, table=True):
    __tablename__ = "tally_agreement"
    __table_args__ = _ROWID

    labels: str = Field(primary_key=True)
    items: int = _count()


class TallyUsageRow(SQLModel, table=True):
    __tablename__ = "tally_usage"
    __table_args__ = _ROWID

    route: str = Field(primary_key=True)
    model: str = Field(primary_key=True)
    tens: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    items: int = _count()
    with_tokens: int = _count()
    input_tokens: int = _count()
    output_tokens: int = _count()
    with_cost: int = _count()
    cost_usd: float = 0.0
    decided: int = _count()
