"""The results of the per-question statistics (review forms): frozen pydantic models.

As in reviewdesk/stats/models.py, `model_dump(mode="json")` is what `reviewdesk stats
--question`, `reviewdesk agreement --question` and `GET /v1/stats?question=KEY` print. Shares
are 0..1 with Wilson 95% intervals (clustered by item when each reviewer's answer counts).
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain import QuestionKind
from reviewdesk.stats.models import LeftOut, Unit, _Frozen

__all__ = [
    "OptionAgreement",
    "OptionShare",
    "OptionVerdicts",
    "QuestionAgreement",
    "QuestionCalibration",
    "QuestionGroup",
    "QuestionPair",
    "QuestionReport",
    "QuestionStats",
]


class OptionShare(_Frozen):
    """How many of a group's answers chose an option (a multi: ticked it; a rating: gave that
    number; text: wrote something), and the share with its interval."""

    value: Any
    label: str
    count: int
    share: float | None
    low: float | None
    high: float | None


class QuestionGroup(_Frozen):
    """One group's answers: `n` answers counted (items, or reviewers' answers with the labels
    unit), on `items` items; a rating's mean with its 95% t interval."""

    group: dict[str, Any]
    n: int
    items: int
    options: tuple[OptionShare, ...]
    mean: float | None = None
    mean_low: float | None = None
    mean_high: float | None = None


class QuestionStats(_Frozen):
    """The distribution of one question's answers, overall and by `by`."""

    question: str
    label: str
    kind: QuestionKind
    unit: Unit
    by: tuple[str, ...]
    overall: QuestionGroup
    groups: tuple[QuestionGroup, ...]
    left_out: LeftOut
    comparisons: int = 0
    """Comparisons whose reviewers answered the question (each reviewer's latest decision):
    not counted in these figures, which count items (a comparison has two candidates, so it
    has no one model, route or template to group by); their answers are in the raw and csv
    exports."""


class OptionVerdicts(_Frozen):
    """The verdicts given with the answers that chose one option (shares with intervals)."""

    value: Any
    label: str
    n: int
    approve: int
    edit: int
    reject: int
    approve_share: float | None
    approve_low: float | None
    approve_high: float | None
    edit_share: float | None
    edit_low: float | None
    edit_high: float | None
    reject_share: float | None
    reject_low: float | None
    reject_high: float | None


class QuestionCalibration(_Frozen):
    """A choice (or multi) question against the verdict: per option, what was decided."""

    question: str
    unit: Unit
    options: tuple[OptionVerdicts, ...]
    left_out: LeftOut


class QuestionPair(_Frozen):
    """Two reviewers on the items both answered: agreement and Cohen's kappa on the answers
    (choice, rating, multi as whole sets, text answered or not); for spans, F1 of the characters
    both marked with the same label and of the exactly equal spans (micro-averaged over the
    items either marked something in; `both_empty` items neither marked anything in)."""

    first: str
    second: str
    items: int
    agreement: float | None
    kappa: float | None
    char_f1: float | None = None
    exact_f1: float | None = None
    both_empty: int | None = None


class OptionAgreement(_Frozen):
    """A multi question's one option, ticked or not: Krippendorff's alpha (nominal)."""

    value: str
    label: str
    ticked: int
    alpha: float | None


class QuestionAgreement(_Frozen):
    """Agreement on one question over the items two or more reviewers answered.

    `metric` names the distance `alpha` uses: nominal (choice, text answered or not), ordinal
    (rating; `alpha_interval` too), masi (multi; `options` per option), none for spans (their
    agreement is the pairs' span F1, overall `char_f1` / `exact_f1`).
    """

    question: str
    label: str
    kind: QuestionKind
    items: int
    reviewers: int
    metric: str
    alpha: float | None
    alpha_interval: float | None = None
    all_agree: float | None
    pairwise: float | None
    char_f1: float | None = None
    exact_f1: float | None = None
    pairs: tuple[QuestionPair, ...]
    options: tuple[OptionAgreement, ...] = ()


class QuestionReport(_Frozen):
    """Everything the report shows of one question."""

    stats: QuestionStats
    calibration: QuestionCalibration | None
    agreement: QuestionAgreement
