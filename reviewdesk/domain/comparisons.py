"""Pairwise review: one prompt, two candidate outputs, and which of them a reviewer preferred.

A `Comparison` holds its candidates in a list (`candidates[0]` is `a`, `candidates[1]` is `b`),
so that three or more can come later without a change to the record format; this release
stores and validates exactly two. A `ComparisonDecision` names the preferred candidate by its
position in the record (`a`, `b`), never by where the desk showed it; `shown_order` records
what the reviewer saw on the left (`ab`: `a` on the left).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, NewType, Self

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from reviewdesk.domain.models import (
    MAX_COUNT,
    Answer,
    Count,
    Flag,
    GenerationId,
    NonEmpty,
    Prompt,
    QuestionKey,
    ReasonCode,
    Severity,
    Usage,
    _Frozen,
    as_utc,
    check_spans_inside_output,
    top_severity,
)

ComparisonId = NewType("ComparisonId", str)
ComparisonDecisionId = NewType("ComparisonDecisionId", str)

CANDIDATES = 2
"""How many candidates a comparison has in this release (the format allows more later)."""

POSITIONS = "abcdefghijklmnopqrstuvwxyz"
"""A candidate's letter is its position in the record: `candidates[0]` is `a`."""


class Preference(StrEnum):
    """Which candidate a reviewer preferred, by its position in the record."""

    A = "a"
    B = "b"
    TIE = "tie"
    BOTH_BAD = "both_bad"

    @property
    def position(self) -> int | None:
        """The preferred candidate's index in `candidates`, or None for a tie or both bad."""
        return {Preference.A: 0, Preference.B: 1}.get(self)


class ShownOrder(StrEnum):
    """What the reviewer saw on the left first: `ab` puts candidate `a` on the left."""

    AB = "ab"
    BA = "ba"


class Candidate(_Frozen):
    """One output of a comparison: the fields of a generation but its prompt and queue."""

    id: GenerationId | None = Field(default=None, min_length=1, max_length=200)
    output: str
    model: NonEmpty
    prompt_template: NonEmpty | None = None
    prompt_version: NonEmpty | None = None
    route: NonEmpty | None = None
    flags: tuple[Flag, ...] = ()
    usage: Usage | None = None
    latency_ms: Count | None = None
    trace_id: NonEmpty | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keep_unknown_keys(cls, data: Any) -> Any:
        return _unknown_to_metadata(data, _CANDIDATE_FIELDS)

    @model_validator(mode="after")
    def _spans_inside_output(self) -> Self:
        check_spans_inside_output(type(self).__name__, self.output, self.flags)
        return self

    @property
    def top_severity(self) -> Severity | None:
        """The most severe flag's severity, or None when nothing is flagged."""
        return top_severity(self.flags)


class Comparison(_Frozen):
    """One prompt and its candidate outputs, to be compared by reviewers.

    Keys the record has beyond these fields are kept in `metadata`. Candidates without an id
    get `<id>/a`, `<id>/b`.
    """

    id: ComparisonId = Field(min_length=1, max_length=200)
    prompt: Prompt
    candidates: tuple[Candidate, ...]
    queue: NonEmpty | None = None
    risk: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    created_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keep_unknown_keys(cls, data: Any) -> Any:
        return _unknown_to_metadata(data, _COMPARISON_FIELDS)

    @field_validator("prompt")
    @classmethod
    def _prompt_has_turns(cls, prompt: Prompt) -> Prompt:
        if isinstance(prompt, tuple) and not prompt:
            raise ValueError("a chat prompt needs at least one message")
        return prompt

    @field_validator("candidates")
    @classmethod
    def _two_candidates(cls, candidates: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
        if len(candidates) != CANDIDATES:
            raise ValueError(
                f"a comparison has exactly {CANDIDATES} candidates in this release, "
                f"got {len(candidates)}"
            )
        return candidates

    @field_validator("created_at")
    @classmethod
    def _created_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @model_validator(mode="after")
    def _candidate_ids(self) -> Self:
        named = tuple(
            candidate
            if candidate.id is not None
            else candidate.model_copy(
                update={"id": GenerationId(f"{self.id}/{POSITIONS[position]}")}
            )
            for position, candidate in enumerate(self.candidates)
        )
        ids = [candidate.id for candidate in named]
        for position, candidate_id in enumerate(ids):
            if candidate_id in ids[:position]:
                raise _field_error(
                    ("candidates", position, "id"),
                    "candidate_id_twice",
                    f"{candidate_id!r} is the id of another candidate of this comparison",
                )
        object.__setattr__(self, "candidates", named)
        return self

    def candidate_id(self, position: int) -> GenerationId:
        """The id of the candidate at `position` (always set once validated)."""
        candidate_id = self.candidates[position].id
        assert candidate_id is not None
        return candidate_id

    def prompt_text(self) -> str:
        """The prompt as one plain text (chat turns labelled by role)."""
        if isinstance(self.prompt, str):
            return self.prompt
        return "\n\n".join(f"[{message.role}]\n{message.content}" for message in self.prompt)


_CANDIDATE_FIELDS = frozenset(Candidate.model_fields)
_COMPARISON_FIELDS = frozenset(Comparison.model_fields)


def _unknown_to_metadata(data: Any, fields: frozenset[str]) -> Any:
    if not isinstance(data, dict) or data.keys() <= fields:
        return data
    unknown = data.keys() - fields
    known = {key: value for key, value in data.items() if key in fields}
    metadata = known.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        return data  # let field validation say metadata must be an object
    clash = sorted(unknown & metadata.keys())
    if clash:
        raise PydanticCustomError(
            "metadata_clash",
            "key '{key}' is both a top-level key and a key of metadata",
            {"key": clash[0]},
        )
    known["metadata"] = {**metadata, **{key: data[key] for key in sorted(unknown)}}
    return known


class _ComparisonDecisionFields(_Frozen):
    reviewer: NonEmpty
    preference: Preference
    edited_output: str | None = None
    reasons: tuple[ReasonCode, ...] = ()
    comment: str | None = None
    duration_ms: Count | None = None
    decided_at: datetime
    shown_order: ShownOrder | None = None
    supersedes: ComparisonDecisionId | None = None
    session_id: str | None = None
    lease_id: str | None = None
    lease_epoch: Count | None = None
    device_id: str | None = None
    answers: dict[QuestionKey, Answer] = Field(default_factory=dict)
    form_version: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = None

    @field_validator("decided_at")
    @classmethod
    def _decided_in_utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @field_validator("reasons")
    @classmethod
    def _reasons_once(cls, reasons: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(reasons))

    @model_validator(mode="after")
    def _preference_rules(self) -> Self:
        if self.edited_output is not None and not self.edited_output.strip():
            raise _field_error(("edited_output",), "empty_edit", "an edited_output needs some text")
        if self.edited_output is not None and self.preference is Preference.TIE:
            raise _field_error(
                ("edited_output",),
                "edit_of_tie",
                "a tie has no better candidate to correct: prefer a or b (or both_bad) with "
                "an edited_output",
            )
        if self.preference is Preference.BOTH_BAD and not self.reasons:
            raise _field_error(("reasons",), "reason_needed", "both_bad needs at least one reason")
        return self


def _field_error(loc: tuple[str | int, ...], kind: str, message: str) -> ValidationError:
    return ValidationError.from_exception_data(
        "ComparisonDecision",
        [InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=None)],
    )


_IMPORT_NAMESPACE = uuid.UUID("a3f4c7d2-0e5b-4d8f-9c61-7b2e5a9d1c48")


class ComparisonDecisionDraft(_ComparisonDecisionFields):
    """A comparison decision as an import record carries it: no comparison id, id optional."""

    id: ComparisonDecisionId | None = Field(default=None, min_length=1, max_length=200)

    def to_decision(self, comparison_id: ComparisonId) -> ComparisonDecision:
        """The decision on `comparison_id`; a missing id is derived from its content, so the
        same label imported twice is recognised as a duplicate."""
        decision_id = self.id or ComparisonDecisionId(
            str(
                uuid.uuid5(
                    _IMPORT_NAMESPACE,
                    "\x1f".join(
                        (
                            comparison_id,
                            self.reviewer,
                            self.preference,
                            self.decided_at.isoformat(),
                        )
                    ),
                )
            )
        )
        fields = self.model_dump(exclude={"id", "answers"})
        return ComparisonDecision.model_construct(
            id=decision_id, comparison_id=comparison_id, answers=self.answers, **fields
        )


class ComparisonDecision(_ComparisonDecisionFields):
    """One reviewer's preference on one comparison. Append-only, like `Decision`."""

    id: ComparisonDecisionId = Field(min_length=1, max_length=200)
    comparison_id: ComparisonId = Field(min_length=1, max_length=200)

    @property
    def winner(self) -> int | None:
        """The index of the candidate this decision prefers, or None (tie, both bad)."""
        return self.preference.position


ComparisonRecord = tuple[Comparison, tuple[ComparisonDecisionDraft, ...]]
"""A comparison and the decisions an import record carried for it."""


def resolve_preference(
    labels: Sequence[tuple[str, Preference]], adjudicators: Collection[str] = ()
) -> Preference | None:
    """A comparison's resolved preference under the `resolved` policy items follow: the
    preference most of its reviewers gave (each reviewer's latest; one reviewer's stands
    alone); a tie between preferences goes to the latest decision of an adjudicator among its
    reviewers; None when no adjudicator settled a tie (or nobody decided).

    Args:
        labels: (reviewer, preference) of each reviewer's latest decision, oldest first.
        adjudicators: the reviewers whose decision settles a tie.
    """
    counts = Counter(preference for _, preference in labels)
    if not counts:
        return None
    top = max(counts.values())
    leaders = [preference for preference, count in counts.items() if count == top]
    if len(leaders) == 1:
        return leaders[0]
    for reviewer, preference in reversed(labels):
        if reviewer in adjudicators:
            return preference
    return None
