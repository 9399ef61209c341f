"""Per question of a review form: the distribution of its answers and its calibration against
the verdict.

Counting follows the verdict statistics: by default each item once, with its resolved answer
(see reviewdesk/stats/answers.py), Wilson 95% intervals; with the labels unit each reviewer's
latest answer, intervals clustered by item (the Wilson interval at the effective sample size of
the cluster-robust variance, as `GroupStats` does).

What a group shows, by kind:
- choice: each option's count and share of the answers;
- multi: each option's share of the answers that ticked it (shares add up to more than 1);
- rating: each value's count and share, and the mean with a 95% t interval (labels: the
  cluster-robust standard error with items - 1 degrees of freedom);
- text: how many answered (wrote something);
- spans: each label's share of the answers that marked a span with it.

Calibration (choice and multi): for each option, the verdicts given with the answers that chose
it (the verdict of the resolved answer's decision, or of each reviewer's), shares with intervals.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Engine

from reviewdesk.domain import QuestionKind
from reviewdesk.stats.answers import (
    QUESTION_KEYS,
    AnswerLabel,
    AskedQuestion,
    Resolved,
    answered_comparisons,
    asked_keys,
    asked_question,
    load_alone,
    load_labels,
    resolve,
    stat_value,
)
from reviewdesk.stats.cube import key_columns
from reviewdesk.stats.errors import StatsInputError
from reviewdesk.stats.feedback import natural_key
from reviewdesk.stats.inference import student_t_quantile, t_interval, wilson, wilson_clustered
from reviewdesk.stats.models import GroupKey, LeftOut, Unit
from reviewdesk.stats.question_agreement import agreement_of
from reviewdesk.stats.question_models import (
    OptionShare,
    OptionVerdicts,
    QuestionCalibration,
    QuestionGroup,
    QuestionReport,
    QuestionStats,
)
from reviewdesk.store import Resolution

__all__ = ["question_calibration", "question_report", "question_reports", "question_stats"]


def _check(by: Sequence[GroupKey], policy: Resolution, unit: Unit) -> None:
    wrong = [str(key) for key in by if key not in QUESTION_KEYS]
    if wrong:
        known = ", ".join(str(key) for key in QUESTION_KEYS)
        raise StatsInputError(
            f"a question's answers group by {known}: not by {', '.join(wrong)} "
            "(flags are not answers)"
        )
    if unit is Unit.LABELS and policy is not Resolution.LATEST:
        raise StatsInputError(
            f"the labels unit counts each reviewer's latest answer: it takes no {policy} policy"
        )


def _load(
    engine: Engine,
    key: str,
    policy: Resolution,
    adjudicators: Sequence[str],
    by: Sequence[GroupKey] = (),
) -> tuple[AskedQuestion, Resolved]:
    with engine.connect() as connection:
        question = asked_question(connection, key)
        shared = load_labels(connection, question)
        alone = load_alone(connection, question, key_columns(by))
    return question, _counted(question, shared, alone, policy, adjudicators)


def _counted(
    question: AskedQuestion,
    shared: Sequence[AnswerLabel],
    alone: Sequence[AnswerLabel],
    policy: Resolution,
    adjudicators: Sequence[str],
) -> Resolved:
    """The labels counted: the shared items' answers as `policy` resolves them, as the
    distribution sees them (`stat_value`), and the items one reviewer answered."""
    resolved = resolve(shared, policy, adjudicators)
    kind = question.kind
    if kind is QuestionKind.SPANS:
        resolved.labels = [
            replace(label, value=stat_value(kind, label.value)) for label in resolved.labels
        ]
    resolved.labels.extend(alone)
    return resolved


def _chose(kind: QuestionKind, value: Hashable, option: Hashable) -> bool:
    """Whether an answer counts for an option (see the module docstring); a spans answer's
    value here is the set of labels it marked."""
    if kind in (QuestionKind.MULTI, QuestionKind.SPANS):
        return option in value  # type: ignore[operator]
    return value == option


def _options(question: AskedQuestion, labels: Sequence[AnswerLabel]) -> list[Hashable]:
    """The form's options, then any value answered that the newest forms no longer offer."""
    options = list(question.options)
    seen = set(options)
    extra: set[Hashable] = set()
    for label in labels:
        if question.kind in (QuestionKind.MULTI, QuestionKind.SPANS):
            extra.update(label.value)  # type: ignore[arg-type]
        elif question.kind is not QuestionKind.TEXT:
            extra.add(label.value)
    options.extend(sorted(extra - seen, key=natural_key))
    return options


def _size(labels: Sequence[AnswerLabel]) -> tuple[int, int]:
    """(answers, items) of `labels`."""
    n = sum(label.weight for label in labels)
    items = sum(label.weight for label in labels if label.alone)
    items += len({label.item for label in labels if not label.alone})
    return n, items


def _share(
    labels: Sequence[AnswerLabel], matches: Sequence[bool], unit: Unit
) -> tuple[int, float | None, float | None, float | None]:
    """(count, share, low, high) of the answers that match."""
    count = sum(label.weight for label, hit in zip(labels, matches, strict=True) if hit)
    n, items = _size(labels)
    if not n:
        return count, None, None, None
    if unit is Unit.ITEMS:
        low, high = wilson(count, n)
        return count, count / n, low, high
    # Clustered by item: an item one reviewer answered is a cluster of one (y = hit, m = 1).
    alone_hits = sum(
        label.weight for label, hit in zip(labels, matches, strict=True) if hit and label.alone
    )
    alone = sum(label.weight for label in labels if label.alone)
    per_item: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for label, hit in zip(labels, matches, strict=True):
        if not label.alone:
            sizes = per_item[label.item]
            sizes[0] += hit
            sizes[1] += 1
    low, high = wilson_clustered(
        count,
        n,
        items,
        alone_hits + sum(y * y for y, _ in per_item.values()),
        alone_hits + sum(y * m for y, m in per_item.values()),
        alone + sum(m * m for _, m in per_item.values()),
    )
    return count, count / n, low, high


def _mean(
    labels: Sequence[AnswerLabel], unit: Unit
) -> tuple[float | None, float | None, float | None]:
    n, items = _size(labels)
    if not n:
        return None, None, None
    total = math.fsum(label.weight * float(label.value) for label in labels)  # type: ignore[arg-type]
    mean = total / n
    if unit is Unit.ITEMS:
        squares = math.fsum(label.weight * float(label.value) ** 2 for label in labels)  # type: ignore[arg-type]
        found = t_interval(n, total, squares)
        return (mean, None, None) if found is None else (mean, *found)
    # Cluster-robust: sum over items of (y_i - mean m_i)^2, an item one reviewer answered
    # adding (value - mean)^2.
    spread = math.fsum(
        label.weight * (float(label.value) - mean) ** 2  # type: ignore[arg-type]
        for label in labels
        if label.alone
    )
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for label in labels:
        if not label.alone:
            sums[label.item][0] += float(label.value)  # type: ignore[arg-type]
            sums[label.item][1] += 1
    spread += math.fsum((y - mean * m) ** 2 for y, m in sums.values())
    if items < 2:
        return mean, None, None
    half = student_t_quantile(0.975, items - 1) * math.sqrt(spread / (n * n))
    return mean, mean - half, mean + half


def _group(
    group: dict[str, Any],
    question: AskedQuestion,
    options: Sequence[Hashable],
    labels: Sequence[AnswerLabel],
    unit: Unit,
) -> QuestionGroup:
    shares = []
    for option in options:
        matches = [_chose(question.kind, label.value, option) for label in labels]
        count, share, low, high = _share(labels, matches, unit)
        shares.append(
            OptionShare(
                value=option,
                label=question.shown.get(option, str(option)),
                count=count,
                share=share,
                low=low,
                high=high,
            )
        )
    mean = low = high = None
    if question.kind is QuestionKind.RATING:
        mean, low, high = _mean(labels, unit)
    n, items = _size(labels)
    return QuestionGroup(
        group=group,
        n=n,
        items=items,
        options=tuple(shares),
        mean=mean,
        mean_low=low,
        mean_high=high,
    )


def question_stats(
    engine: Engine,
    key: str,
    by: Sequence[GroupKey] = (),
    policy: Resolution = Resolution.RESOLVED,
    adjudicators: Sequence[str] = (),
    *,
    unit: Unit = Unit.ITEMS,
) -> QuestionStats:
    """The distribution of question `key`'s answers, overall and per group of `by`.

    Raises:
        StatsInputError: no form asks `key`, a key of `by` is not one answers group by
            (validator), or the labels unit with another policy than `latest`.
    """
    _check(by, policy, unit)
    question, resolved = _load(engine, key, policy, adjudicators, by)
    with engine.connect() as connection:
        comparisons = answered_comparisons(connection, key)
    return _stats_of(question, resolved, by, policy, unit, comparisons)


def _stats_of(
    question: AskedQuestion,
    resolved: Resolved,
    by: Sequence[GroupKey],
    policy: Resolution,
    unit: Unit,
    comparisons: int = 0,
) -> QuestionStats:
    options = _options(question, resolved.labels)
    columns = key_columns(by)
    groups: dict[tuple[Any, ...], list[AnswerLabel]] = defaultdict(list)
    for label in resolved.labels:
        groups[tuple(label.columns[column] for column in columns)].append(label)
    ordered = sorted(groups.items(), key=lambda entry: tuple(natural_key(v) for v in entry[0]))
    return QuestionStats(
        question=question.key,
        label=question.label,
        kind=question.kind,
        unit=unit,
        by=columns,
        overall=_group({}, question, options, resolved.labels, unit),
        groups=tuple(
            _group(dict(zip(columns, values, strict=True)), question, options, members, unit)
            for values, members in ordered
        )
        if columns
        else (),
        left_out=LeftOut(policy=policy, items=resolved.left_out, reason=resolved.reason),
        comparisons=comparisons,
    )


def question_calibration(
    engine: Engine,
    key: str,
    policy: Resolution = Resolution.RESOLVED,
    adjudicators: Sequence[str] = (),
    *,
    unit: Unit = Unit.ITEMS,
) -> QuestionCalibration:
    """For each option of choice (or multi) question `key`, the verdicts given with the
    answers that chose it.

    Raises:
        StatsInputError: no form asks `key`, it is not a choice or multi question, or the
            labels unit with another policy than `latest`.
    """
    _check((), policy, unit)
    question, resolved = _load(engine, key, policy, adjudicators)
    if question.kind not in (QuestionKind.CHOICE, QuestionKind.MULTI):
        raise StatsInputError(
            f"question {key!r} is a {question.kind} question: calibration against the verdict "
            "is for choice and multi questions"
        )
    return _calibration_of(question, resolved, policy, unit)


def _calibration_of(
    question: AskedQuestion, resolved: Resolved, policy: Resolution, unit: Unit
) -> QuestionCalibration:
    rows = []
    for option in _options(question, resolved.labels):
        chose = [label for label in resolved.labels if _chose(question.kind, label.value, option)]
        fields: dict[str, Any] = {}
        for verdict in ("approve", "edit", "reject"):
            matches = [label.verdict == verdict for label in chose]
            count, share, low, high = _share(chose, matches, unit)
            fields |= {
                verdict: count,
                f"{verdict}_share": share,
                f"{verdict}_low": low,
                f"{verdict}_high": high,
            }
        rows.append(
            OptionVerdicts(
                value=option,
                label=question.shown.get(option, str(option)),
                n=_size(chose)[0],
                **fields,
            )
        )
    return QuestionCalibration(
        question=question.key,
        unit=unit,
        options=tuple(rows),
        left_out=LeftOut(policy=policy, items=resolved.left_out, reason=resolved.reason),
    )


def question_report(
    engine: Engine,
    key: str,
    by: Sequence[GroupKey] = (),
    policy: Resolution = Resolution.RESOLVED,
    adjudicators: Sequence[str] = (),
    *,
    unit: Unit = Unit.ITEMS,
) -> QuestionReport:
    """Question `key`'s distribution, calibration (choice and multi; else None) and agreement,
    from one read of its answers.

    Raises:
        StatsInputError: as `question_stats`.
    """
    _check(by, policy, unit)
    with engine.connect() as connection:
        question = asked_question(connection, key)
        shared = load_labels(connection, question)
        alone = load_alone(connection, question, key_columns(by))
        comparisons = answered_comparisons(connection, key)
    return _report(question, shared, alone, by, policy, adjudicators, unit, comparisons)


def _report(
    question: AskedQuestion,
    shared: Sequence[AnswerLabel],
    alone: Sequence[AnswerLabel],
    by: Sequence[GroupKey],
    policy: Resolution,
    adjudicators: Sequence[str],
    unit: Unit,
    comparisons: int = 0,
) -> QuestionReport:
    resolved = _counted(question, shared, alone, policy, adjudicators)
    calibration = None
    if question.kind in (QuestionKind.CHOICE, QuestionKind.MULTI):
        calibration = _calibration_of(question, resolved, policy, unit)
    return QuestionReport(
        stats=_stats_of(question, resolved, by, policy, unit, comparisons),
        calibration=calibration,
        agreement=agreement_of(question, shared),
    )


def question_reports(
    engine: Engine, policy: Resolution = Resolution.RESOLVED, adjudicators: Sequence[str] = ()
) -> list[QuestionReport]:
    """Every question the queues' forms ask, as `question_report` gives it (not grouped; each
    reviewer's answer under the `latest` policy), from one read."""
    unit = Unit.LABELS if policy is Resolution.LATEST else Unit.ITEMS
    reports = []
    with engine.connect() as connection:
        for key in asked_keys(connection):
            question = asked_question(connection, key)
            shared = load_labels(connection, question)
            alone = load_alone(connection, question)
            comparisons = answered_comparisons(connection, key)
            reports.append(
                _report(question, shared, alone, (), policy, adjudicators, unit, comparisons)
            )
    return reports
