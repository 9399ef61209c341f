"""Agreement on one question of a review form, over the items two or more reviewers answered
(each reviewer's latest answer).

Krippendorff's alpha with the metric that fits the kind (reviewdesk/stats/reliability.py):
- choice: nominal; text: nominal on "wrote something or not";
- rating: ordinal (the figure shown), and interval beside it;
- multi: the MASI distance between the sets ticked (1 - MASI), and per option a nominal alpha
  of "ticked or not";
- spans: no alpha; the reviewer pairs' span F1 (reviewdesk/stats/spans.py), character level and
  exact, micro-averaged over a pair's items and, overall, over every pair's.

Per reviewer pair: the items both answered, the share on which their answers are equal and
Cohen's kappa of the two answers as categories (for two reviewers on a choice question this is
the Cohen's kappa of their labels).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from itertools import combinations
from typing import Any

from sqlalchemy.engine import Engine

from reviewdesk.domain import QuestionKind
from reviewdesk.stats.answers import AnswerLabel, AskedQuestion, asked_question, load_labels
from reviewdesk.stats.question_models import OptionAgreement, QuestionAgreement, QuestionPair
from reviewdesk.stats.reliability import (
    cohen_kappa,
    krippendorff_alpha,
    masi_distance,
    pairwise_agreement,
    percent_agreement,
)
from reviewdesk.stats.spans import SpanOverlap, character_overlap, exact_overlap

__all__ = ["agreement_of", "question_agreement"]

_METRIC = {
    QuestionKind.CHOICE: "nominal",
    QuestionKind.TEXT: "nominal",
    QuestionKind.RATING: "ordinal",
    QuestionKind.MULTI: "masi",
    QuestionKind.SPANS: "span_f1",
}
_NONE = SpanOverlap(0, 0, 0)


def question_agreement(engine: Engine, key: str) -> QuestionAgreement:
    """Agreement on question `key` (see the module docstring).

    Raises:
        StatsInputError: no review form asks `key`.
    """
    with engine.connect() as connection:
        question = asked_question(connection, key)
        labels = load_labels(connection, question)
    return agreement_of(question, labels)


def agreement_of(question: AskedQuestion, labels: Sequence[AnswerLabel]) -> QuestionAgreement:
    """Agreement on `question` from each reviewer's latest answers (`load_labels`)."""
    by_item: dict[int, list[AnswerLabel]] = defaultdict(list)
    for label in labels:
        by_item[label.item].append(label)
    items = [sorted(answers, key=lambda label: label.reviewer) for answers in by_item.values()]
    items = [answers for answers in items if len(answers) >= 2]
    units = [[label.value for label in answers] for answers in items]
    kind = question.kind
    alpha = interval = None
    if kind is QuestionKind.MULTI:
        alpha = krippendorff_alpha(units, masi_distance)
    elif kind is QuestionKind.RATING:
        alpha = krippendorff_alpha(units, "ordinal")
        interval = krippendorff_alpha(units, "interval")
    elif kind is not QuestionKind.SPANS:
        alpha = krippendorff_alpha(units, "nominal")
    pairs, char_total, exact_total = _pairs(kind, items)
    return QuestionAgreement(
        question=question.key,
        label=question.label,
        kind=kind,
        items=len(items),
        reviewers=len({label.reviewer for answers in items for label in answers}),
        metric=_METRIC[kind],
        alpha=alpha,
        alpha_interval=interval,
        all_agree=percent_agreement(units),
        pairwise=pairwise_agreement(units),
        char_f1=char_total.f1 if kind is QuestionKind.SPANS else None,
        exact_f1=exact_total.f1 if kind is QuestionKind.SPANS else None,
        pairs=tuple(pairs),
        options=tuple(_per_option(question, units)) if kind is QuestionKind.MULTI else (),
    )


def _pairs(
    kind: QuestionKind, items: Sequence[Sequence[AnswerLabel]]
) -> tuple[list[QuestionPair], SpanOverlap, SpanOverlap]:
    answers: dict[tuple[str, str], list[tuple[Hashable, Hashable]]] = defaultdict(list)
    for labels in items:
        for one, other in combinations(labels, 2):
            answers[(one.reviewer, other.reviewer)].append((one.value, other.value))
    pairs = []
    char_total = exact_total = _NONE
    for (first, second), values in sorted(answers.items()):
        spans: dict[str, Any] = {}
        if kind is QuestionKind.SPANS:
            chars = exact = _NONE
            empty = 0
            for a, b in values:
                chars += character_overlap(a, b)  # type: ignore[arg-type]
                exact += exact_overlap(a, b)  # type: ignore[arg-type]
                empty += not a and not b
            char_total += chars
            exact_total += exact
            spans = {"char_f1": chars.f1, "exact_f1": exact.f1, "both_empty": empty}
        pairs.append(
            QuestionPair(
                first=first,
                second=second,
                items=len(values),
                agreement=sum(1 for a, b in values if a == b) / len(values),
                kappa=cohen_kappa(values),
                **spans,
            )
        )
    return pairs, char_total, exact_total


def _per_option(question: AskedQuestion, units: Sequence[Sequence[Any]]) -> list[OptionAgreement]:
    found = []
    for option in question.options:
        ticks = [[option in value for value in unit] for unit in units]
        found.append(
            OptionAgreement(
                value=str(option),
                label=question.shown.get(option, str(option)),
                ticked=sum(sum(unit) for unit in ticks),
                alpha=krippendorff_alpha(ticks, "nominal"),
            )
        )
    return found
