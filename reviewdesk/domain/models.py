"""The items reviewers look at and the labels they give them.

A `Generation` is one model output sent for review; a `Decision` is one reviewer's label on it.
Both are frozen: a change of mind is a new decision that supersedes the old one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, NewType, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

GenerationId = NewType("GenerationId", str)
DecisionId = NewType("DecisionId", str)

NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_decision_id() -> DecisionId:
    """A fresh client-made decision id (a UUID4 string)."""
    return DecisionId(str(uuid.uuid4()))


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest time a generation or a decision may carry (stores count ms from here)."""

MAX_COUNT = 2**31 - 1
"""The largest count or duration a field takes (a 32-bit column: ~24.8 days in ms)."""

Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


def as_utc(value: datetime) -> datetime:
    # Naive times are taken as UTC: producers log in UTC far more often than in local time.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value.isoformat()} is past the year 9999 in UTC") from None
    if value < EARLIEST:
        raise ValueError(f"{value.isoformat()} is before 1970: expected a time from 1970 on")
    return value


class Severity(StrEnum):
    """How bad a validator flag is; ordered info < warning < error < critical."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """1 for info up to 4 for critical (0 is kept for "no flag" in the store)."""
        return _SEVERITY_RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> Severity | None:
        """The severity of a rank, or None for 0 (no flag)."""
        return None if rank == 0 else _SEVERITY_BY_RANK[rank]


_SEVERITY_RANK = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3, Severity.CRITICAL: 4}
_SEVERITY_BY_RANK = {rank: severity for severity, rank in _SEVERITY_RANK.items()}


class Verdict(StrEnum):
    """What a reviewer decided."""

    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"


class Role(StrEnum):
    """The author of a chat message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Message(_Frozen):
    """One turn of a chat prompt."""

    role: Role
    content: str


Prompt = str | tuple[Message, ...]


class Flag(_Frozen):
    """A validator's finding on an output; `span` is `[start, end)` in code points of the output."""

    validator: NonEmpty
    code: NonEmpty
    severity: Severity
    message: str = ""
    score: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    span: tuple[int, int] | None = None

    @field_validator("span")
    @classmethod
    def _span_is_ordered(cls, span: tuple[int, int] | None) -> tuple[int, int] | None:
        if span is not None and not 0 <= span[0] <= span[1]:
            raise ValueError(
                f"[{span[0]}, {span[1]}] is not a range [start, end) with 0 <= start <= end"
            )
        return span


class Usage(BaseModel):
    """Tokens and cost of the generation, as the producer recorded them; extra keys are kept."""

    model_config = ConfigDict(frozen=True, extra="allow", allow_inf_nan=False)

    input_tokens: Count | None = None
    output_tokens: Count | None = None
    cost_usd: Annotated[float, Field(ge=0.0)] | None = None


def check_spans_inside_output(model: str, output: str, flags: Sequence[Flag]) -> None:
    """Raise a ValidationError (of `model`) naming each flag whose span ends past `output`."""
    length = len(output)
    errors = [
        InitErrorDetails(
            type=PydanticCustomError(
                "span_outside_output",
                "[{start}, {end}] is outside the output (length {length})",
                {"start": flag.span[0], "end": flag.span[1], "length": length},
            ),
            loc=("flags", index, "span"),
            input=list(flag.span),
        )
        for index, flag in enumerate(flags)
        if flag.span is not None and flag.span[1] > length
    ]
    if errors:
        raise ValidationError.from_exception_data(model, errors)


def top_severity(flags: Sequence[Flag]) -> Severity | None:
    """The most severe flag's severity, or None when nothing is flagged."""
    if not flags:
        return None
    return max((flag.severity for flag in flags), key=lambda severity: severity.rank)


class Generation(_Frozen):
    """One model output to review, as the producer sent it.

    Keys the record has beyond these fields are kept in `metadata`.
    """

    id: GenerationId = Field(min_length=1, max_length=200)
    prompt: Prompt
    output: str
    model: NonEmpty
    prompt_template: NonEmpty | None = None
    prompt_version: NonEmpty | None = None
    route: NonEmpty | None = None
    risk: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    flags: tuple[Flag, ...] = ()
    usage: Usage | None = None
    latency_ms: Count | None = None
    trace_id: NonEmpty | None = None
    queue: NonEmpty | None = None
    created_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keep_unknown_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.keys() <= _GENERATION_FIELDS:
            return data
        unknown = data.keys() - _GENERATION_FIELDS
        known = {key: value for key, value in data.items() if key in _GENERATION_FIELDS}
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

    @field_validator("prompt")
    @classmethod
    def _prompt_has_turns(cls, prompt: Prompt) -> Prompt:
        if isinstance(prompt, tuple) and not prompt:
            raise ValueError("a chat prompt needs at least one message")
        return prompt

    @field_validator("created_at")
    @classmethod
    def _created_in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @model_validator(mode="after")
    def _spans_inside_output(self) -> Self:
        check_spans_inside_output(type(self).__name__, self.output, self.flags)
        return self

    @property
    def top_severity(self) -> Severity | None:
        """The most severe flag's severity, or None when nothing is flagged."""
        return top_severity(self.flags)

    @property
    def template_version(self) -> str:
        """`template@version` for display, with what is known of the two."""
        if self.prompt_template is None:
            return self.prompt_version or ""
        return f"{self.prompt_template}@{self.prompt_version or '?'}"

    def prompt_text(self) -> str:
        """The prompt as one plain text (chat turns labelled by role)."""
        if isinstance(self.prompt, str):
            return self.prompt
        return "\n\n".join(f"[{message.role}]\n{message.content}" for message in self.prompt)


# Read once: the class attribute is rebuilt on every access, and imports call this per record.
_GENERATION_FIELDS = frozenset(Generation.model_fields)


QuestionKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
"""The key of a review form's question (and of its answer in a decision)."""


class SpanAnswer(_Frozen):
    """A range of the output a reviewer marked: `[start, end)` in code points, with a label
    (one of the spans question's option values)."""

    start: Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
    end: Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
    label: NonEmpty

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.start < self.end:
            raise ValueError(f"[{self.start}, {self.end}] is not a range with start < end")
        return self


Answer = (
    Annotated[StrictInt, Field(ge=-MAX_COUNT, le=MAX_COUNT)]
    | StrictStr
    | tuple[StrictStr, ...]
    | tuple[SpanAnswer, ...]
)
"""One answer, typed by its question's kind: choice a value, text a string, rating an integer,
multi a list of values, spans a list of `SpanAnswer` (`reviewdesk.domain.forms` checks an
answer against its question)."""


class _DecisionFields(_Frozen):
    reviewer: NonEmpty
    verdict: Verdict
    edited_output: str | None = None
    reasons: tuple[ReasonCode, ...] = ()
    comment: str | None = None
    duration_ms: Count | None = None
    decided_at: datetime
    supersedes: DecisionId | None = None
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

    @field_validator("answers", mode="before")
    @classmethod
    def _null_is_no_answer(cls, answers: Any) -> Any:
        if isinstance(answers, dict) and None in answers.values():
            return {key: value for key, value in answers.items() if value is not None}
        return answers

    @field_validator("reasons")
    @classmethod
    def _reasons_once(cls, reasons: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(reasons))

    @model_validator(mode="after")
    def _verdict_rules(self) -> Self:
        if self.verdict is Verdict.EDIT and self.edited_output is None:
            raise _field_error("edited_output", "missing_edit", "an edit needs edited_output")
        if self.verdict is Verdict.EDIT and not (self.edited_output or "").strip():
            raise _field_error(
                "edited_output", "empty_edit", "an edit needs an edited_output with some text"
            )
        if self.verdict is not Verdict.EDIT and self.edited_output is not None:
            raise _field_error(
                "edited_output",
                "edit_only",
                f"edited_output is only allowed for edit, not {self.verdict}",
            )
        if self.verdict is Verdict.REJECT and not self.reasons:
            raise _field_error("reasons", "reason_needed", "a reject needs at least one reason")
        return self


def _field_error(field: str, kind: str, message: str) -> ValidationError:
    return ValidationError.from_exception_data(
        "Decision",
        [InitErrorDetails(type=PydanticCustomError(kind, message), loc=(field,), input=None)],
    )


class DecisionDraft(_DecisionFields):
    """A decision as an import record carries it: no generation id, the id optional."""

    id: DecisionId | None = Field(default=None, min_length=1, max_length=200)

    def to_decision(self, generation_id: GenerationId) -> Decision:
        """The decision on `generation_id`; a missing id is derived from its content, so the
        same label imported twice is recognised as a duplicate."""
        decision_id = self.id or DecisionId(
            str(
                uuid.uuid5(
                    _IMPORT_NAMESPACE,
                    "\x1f".join(
                        (generation_id, self.reviewer, self.verdict, self.decided_at.isoformat())
                    ),
                )
            )
        )
        fields = self.model_dump(exclude={"id", "answers"})
        return Decision.model_construct(
            id=decision_id, generation_id=generation_id, answers=self.answers, **fields
        )


_IMPORT_NAMESPACE = uuid.UUID("6f1c0b52-3c1e-4f57-9a59-4b7c1f3d2a10")


class Decision(_DecisionFields):
    """One reviewer's label on one generation. Append-only."""

    id: DecisionId = Field(min_length=1, max_length=200)
    generation_id: GenerationId = Field(min_length=1, max_length=200)


class Reason(_Frozen):
    """One entry of the reason taxonomy."""

    code: ReasonCode
    label: str


DEFAULT_REASONS: tuple[Reason, ...] = (
    Reason(code="factual_error", label="Factual error"),
    Reason(code="unsafe", label="Unsafe"),
    Reason(code="pii_leak", label="PII leak"),
    Reason(code="policy_violation", label="Policy violation"),
    Reason(code="off_topic", label="Off topic"),
    Reason(code="format_error", label="Format error"),
    Reason(code="tone", label="Tone"),
    Reason(code="incomplete", label="Incomplete"),
    Reason(code="other", label="Other"),
)


ImportRecord = tuple[Generation, tuple[DecisionDraft, ...]]
"""A generation and the decisions an import record carried for it."""


def reason_label(code: str) -> str:
    """A readable label for a reason code that is not in the taxonomy."""
    return re.sub(r"_+", " ", code).capitalize()
