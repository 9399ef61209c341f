"""What an export is asked for: the format, the filters, the split, and the knobs.

Everything here is plain data, validated once (by the command line, the desk's Export dialog or
the server's query string) and then read by the query and the writers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reviewdesk.domain import Verdict
from reviewdesk.errors import UserError
from reviewdesk.store import Resolution

__all__ = [
    "AnswerCondition",
    "ExportError",
    "ExportFormat",
    "ExportInTheWayError",
    "ExportOptions",
    "Filters",
    "NothingToExportError",
    "Split",
    "Style",
    "parse_split",
    "parse_time_bound",
    "parse_where",
]


class ExportError(UserError):
    """The export was asked for something it cannot do (a bad filter value, a destination that
    cannot be written); the message says what."""


class ExportInTheWayError(ExportError):
    """The destination folder holds an earlier export (or files of the same name) and the
    export was not asked to replace it; the message names them."""


class NothingToExportError(ExportError):
    """The export would hold no records and was not asked to write an empty one.

    Attributes:
        why: what the filters and the format's rules left, in words (no command-line hint).
    """

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why


class ExportFormat(StrEnum):
    """The dataset formats (see the package docstring for their shapes)."""

    RAW = "raw"
    SFT = "sft"
    SFT_TEXT = "sft-text"
    DPO = "dpo"
    KTO = "kto"
    OPENAI = "openai"
    CSV = "csv"

    @property
    def uses_labels_only(self) -> bool:
        """Training formats read the resolved labels; raw and csv may also read the whole log."""
        return self not in (ExportFormat.RAW, ExportFormat.CSV)


class Style(StrEnum):
    """How prompts and completions are written in dpo and kto rows."""

    CHAT = "chat"
    TEXT = "text"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AnswerCondition(_Frozen):
    """A condition on a label's answer to one question (`--where helpfulness>=4`).

    `=` holds when the answer is the value (for a multi or spans answer: when one of its values
    or labels is); `!=` when the question was answered and `=` does not hold; `<`, `<=`, `>`,
    `>=` compare a rating with a whole number.
    """

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    op: str = Field(pattern=r"^(=|!=|<|<=|>|>=)$")
    value: str

    def __str__(self) -> str:
        return f"{self.key}{self.op}{self.value}"


_WHERE = re.compile(r"\s*([a-z][a-z0-9_]{0,63})\s*(>=|<=|!=|=|>|<)\s*(\S(?:.*\S)?)\s*")
COMPARISONS = ("<", "<=", ">", ">=")


def parse_where(spec: str) -> AnswerCondition:
    """`helpfulness>=4` or `behaviour=full_refusal` as a condition on answers.

    Raises:
        ExportError: the text is not KEY OP VALUE, or compares with something that is not a
            whole number.
    """
    match = _WHERE.fullmatch(spec)
    if match is None:
        raise ExportError(
            f"--where {spec!r}: write QUESTION OP VALUE with OP one of = != < <= > >=, "
            "e.g. helpfulness>=4 or behaviour=full_refusal"
        )
    key, op, value = match.groups()
    if op in COMPARISONS and re.fullmatch(r"[+-]?\d+", value) is None:
        raise ExportError(f"--where {spec!r}: {op} compares a rating with a whole number")
    return AnswerCondition(key=key, op=op, value=value)


class Filters(_Frozen):
    """Which labels go in. Empty tuples mean "any"; values within one filter are alternatives.

    Times are bounds on the decision time: `since` inclusive, `until` exclusive.
    """

    since: datetime | None = None
    until: datetime | None = None
    queues: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    reviewers: tuple[str, ...] = ()
    min_agreement: float | None = Field(default=None, ge=0.0, le=1.0)
    answers: tuple[AnswerCondition, ...] = ()
    """Conditions on the label's answers to the form's questions, all of which must hold."""

    def described(self) -> dict[str, str]:
        """The filters that are set, as readable text (for the dataset card and summaries)."""
        shown: dict[str, str] = {}
        if self.since is not None:
            shown["decided since"] = self.since.isoformat()
        if self.until is not None:
            shown["decided before"] = self.until.isoformat()
        for name, values in (
            ("queue", self.queues),
            ("model", self.models),
            ("prompt template", self.templates),
            ("prompt version", self.versions),
            ("route", self.routes),
            ("verdict", tuple(str(v) for v in self.verdicts)),
            ("reviewer", self.reviewers),
        ):
            if values:
                shown[name] = ", ".join(values)
        if self.min_agreement is not None:
            shown["minimum agreement"] = f"{self.min_agreement:g}"
        if self.answers:
            shown["answers"] = ", ".join(str(condition) for condition in self.answers)
        return shown


class Split(_Frozen):
    """A named share of the prompts (`test=0.1`)."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
    share: float = Field(gt=0.0, lt=1.0)


class ExportOptions(_Frozen):
    """One export: what to write and from which labels.

    Attributes:
        format: the dataset format.
        filters: which labels go in.
        policy: how several decisions on one item resolve into labels. None (the default):
            `resolved` for the training formats (one row an item, its resolved label) and
            `latest` for raw and csv (each reviewer's latest decision). `latest` with a
            training format is `--per-reviewer`: a row for every reviewer's label.
        adjudicators: the reviewers whose word settles a disagreement (`adjudicated`).
        all_decisions: raw and csv only: every decision, superseded ones too, instead of labels.
        style: dpo and kto only: chat messages or plain text.
        splits: held-out shares by prompt hash; the rest is `train`. None: one file.
        redact: replace flagged spans of `redact_validators` with `[REDACTED:<code>]`.
        limit: at most this many records in all.
    """

    format: ExportFormat
    filters: Filters = Filters()
    policy: Resolution | None = None
    adjudicators: tuple[str, ...] = ()
    all_decisions: bool = False
    style: Style = Style.CHAT
    splits: tuple[Split, ...] = ()
    redact: bool = False
    redact_validators: tuple[str, ...] = ("pii",)
    limit: int | None = Field(default=None, ge=0)

    @property
    def resolution(self) -> Resolution:
        """The policy in effect (see `policy`)."""
        if self.policy is not None:
            return self.policy
        return Resolution.RESOLVED if self.format.uses_labels_only else Resolution.LATEST

    @property
    def per_item(self) -> bool:
        """Whether the export holds at most one label an item."""
        if self.all_decisions and not self.format.uses_labels_only:
            return False
        return self.resolution.one_label_an_item

    def split_names(self) -> tuple[str, ...]:
        """The splits records go to: `train` and the held-out ones, or `("",)` for no split."""
        if not self.splits:
            return ("",)
        return ("train", *(split.name for split in self.splits))


def parse_split(spec: str) -> tuple[Split, ...]:
    """`test=0.1` or `validation=0.05,test=0.1` as splits; the rest of the prompts is `train`.

    Raises:
        ExportError: the text is not of that form, names `train` or a split twice, or the
            shares do not leave something for train.
    """
    splits: list[Split] = []
    for part in (piece.strip() for piece in spec.split(",")):
        match = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]{0,31})=([0-9]*\.?[0-9]+)", part)
        if match is None:
            raise ExportError(f"--split {spec!r}: write NAME=SHARE, e.g. test=0.1")
        name, share = match.group(1), float(match.group(2))
        if name == "train":
            raise ExportError("--split: train is what is left over; name the held-out splits")
        if any(split.name == name for split in splits):
            raise ExportError(f"--split: {name} is named twice")
        if not 0.0 < share < 1.0:
            raise ExportError(f"--split {part}: the share must be between 0 and 1")
        splits.append(Split(name=name, share=share))
    if sum(split.share for split in splits) >= 1.0:
        raise ExportError(f"--split {spec!r}: the shares leave nothing for train")
    return tuple(splits)


def parse_time_bound(value: str, option: str) -> datetime:
    """An ISO date (`2026-11-20`, midnight UTC) or date-time (naive = UTC) as an aware time.

    Raises:
        ExportError: the text is neither.
    """
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ExportError(
            f"{option} {value!r}: write a date (2026-11-20) or a date and time "
            "(2026-11-20T09:30:00Z)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
