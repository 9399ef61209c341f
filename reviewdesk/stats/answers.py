"""Reading a form question's answers for the statistics, and resolving them to one per item.

A question is named by its key; its kind, label and options come from the newest form of each
queue that asks it (the same key must be the same kind everywhere). Its answers are read in one
pass over the narrow `decision_answer` rows (index `ix_decision_answer_key`), joined to each
decision (each reviewer's latest decision on an item) and the item's grouping columns; no text
of the item is read.

An answer becomes one comparable value: choice the option value, rating the integer, multi the
set of values ticked, spans the set of (start, end, label), text whether anything was written.

One answer an item (`--unit items`), under the policy the verdict statistics use, applied to
the question's answers instead of the verdicts:
- `resolved` (default): the answer most of the item's reviewers gave; a tie goes to the latest
  answer of an adjudicator among them; a tie no adjudicator settled is left out;
- `majority`: ties are left out; `adjudicated`: the answer when all agree, else the
  adjudicator's, else left out;
- `latest` (`--unit labels`): each reviewer's latest answer counts.
The resolved answer carries its decision (the latest of those giving it), whose reviewer, day
and verdict are the ones `--by reviewer`, `--by day` and the calibration use.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Form, Question, QuestionKind
from reviewdesk.stats.cube import iso_week
from reviewdesk.stats.errors import StatsInputError
from reviewdesk.stats.models import GroupKey
from reviewdesk.store import Resolution
from reviewdesk.store.rows import load_form

__all__ = [
    "QUESTION_KEYS",
    "AnswerLabel",
    "AskedQuestion",
    "Resolved",
    "asked_keys",
    "asked_question",
    "load_labels",
    "resolve",
]

# What a question's answers can be grouped by (validator groups flags, not answers).
QUESTION_KEYS = tuple(key for key in GroupKey if key is not GroupKey.VALIDATOR)

_SQL = """
SELECT d.generation_pk, d.pk, d.reviewer, d.verdict, substr(d.decided_at, 1, 10),
       g.prompt_template, g.prompt_version, g.model, g.route, g.queue,
       a.position, a.text_value, a.number_value, a.span_start, a.span_end, a.span_label
FROM decision_answer a
JOIN decision d ON d.pk = a.decision_pk
JOIN generation g ON g.pk = d.generation_pk
WHERE a.key = :key AND d.current
ORDER BY d.generation_pk, d.pk, a.position
"""


@dataclass(frozen=True)
class AskedQuestion:
    """A question as the forms ask it: `options` are the option values in the form's order
    (for a rating, min..max; for text, only "answered"), `shown` their labels."""

    key: str
    kind: QuestionKind
    label: str
    options: tuple[Hashable, ...]
    shown: dict[Hashable, str]
    queues: tuple[str, ...]


@dataclass(frozen=True)
class AnswerLabel:
    """One reviewer's latest answer on one item, with where it belongs."""

    item: int
    decision: int
    reviewer: str
    verdict: str
    columns: dict[str, Any]
    value: Hashable


@dataclass
class Resolved:
    """The labels counted (one an item, or each reviewer's) and the items left out."""

    labels: list[AnswerLabel]
    left_out: int = 0
    reason: str = ""
    items: dict[int, list[AnswerLabel]] = field(default_factory=dict)


def _forms(connection: Connection) -> list[tuple[str, Form]]:
    """The newest form of each queue that has one, by queue."""
    found = []
    for (queue,) in connection.execute(text("SELECT DISTINCT queue FROM form ORDER BY 1")):
        stored = load_form(connection, queue)
        if stored is not None:
            found.append((queue, stored[0]))
    return found


def asked_keys(connection: Connection) -> tuple[str, ...]:
    """Every question key the queues' newest forms ask (by queue, then in the form's order)."""
    return tuple(dict.fromkeys(key for _, form in _forms(connection) for key in form.keys))


def asked_question(connection: Connection, key: str) -> AskedQuestion:
    """The question `key` as the newest form of each queue asks it.

    Raises:
        StatsInputError: no form asks it (the message lists the keys that are asked), or two
            queues ask it as different kinds.
    """
    found: list[tuple[str, Question]] = []
    known: set[str] = set()
    for queue, form in _forms(connection):
        known.update(form.keys)
        question = form.question(key)
        if question is not None:
            found.append((queue, question))
    if not found:
        asked = ", ".join(sorted(known)) or "none: no queue has a review form"
        raise StatsInputError(f"no review form has a question {key!r} (the questions: {asked})")
    kinds = {question.kind for _, question in found}
    if len(kinds) > 1:
        where = ", ".join(f"{question.kind} in queue {queue!r}" for queue, question in found)
        raise StatsInputError(f"question {key!r} is asked as different kinds: {where}")
    kind = kinds.pop()
    options: dict[Hashable, str] = {}
    for _, question in found:
        if kind is QuestionKind.RATING:
            low, high = question.min or 0, question.max or 0  # a rating has both
            for value in range(low, high + 1):
                options.setdefault(value, question.labels.get(value, str(value)))
        elif kind is QuestionKind.TEXT:
            options.setdefault(True, "answered")
        else:
            for option in question.options:
                options.setdefault(option.value, option.shown)
    return AskedQuestion(
        key=key,
        kind=kind,
        label=found[0][1].shown,
        options=tuple(options),
        shown=options,
        queues=tuple(queue for queue, _ in found),
    )


def load_labels(connection: Connection, question: AskedQuestion) -> list[AnswerLabel]:
    """Each reviewer's latest answer to `question` on each item, by item."""
    labels: list[AnswerLabel] = []
    current: tuple[Any, ...] | None = None
    parts: list[tuple[Any, ...]] = []
    for row in connection.execute(text(_SQL), {"key": question.key}):
        if current is None or row[1] != current[1]:
            if current is not None:
                labels.append(_label(question.kind, current, parts))
            current, parts = tuple(row), []
        parts.append(tuple(row[10:]))
    if current is not None:
        labels.append(_label(question.kind, current, parts))
    return labels


def _label(kind: QuestionKind, row: tuple[Any, ...], parts: list[tuple[Any, ...]]) -> AnswerLabel:
    item, decision, reviewer, verdict, day, template, version, model, route, queue = row[:10]
    return AnswerLabel(
        item=item,
        decision=decision,
        reviewer=reviewer,
        verdict=verdict,
        columns={
            "prompt_template": template,
            "prompt_version": version,
            "model": model,
            "route": route,
            "queue": queue,
            "reviewer": reviewer,
            "day": day,
            "week": iso_week(day),
        },
        value=_value(kind, parts),
    )


def _value(kind: QuestionKind, parts: list[tuple[Any, ...]]) -> Hashable:
    """The comparable value of one answer from its narrow rows (position, text, number,
    span start, end, label)."""
    _, text_value, number, *_ = parts[0]
    if kind is QuestionKind.RATING:
        return int(number)
    if kind is QuestionKind.TEXT:
        return bool(text_value and text_value.strip())
    if kind is QuestionKind.CHOICE:
        return str(text_value)
    kept = [part for part in parts if part[0] is not None and part[0] >= 0]
    if kind is QuestionKind.MULTI:
        return frozenset(str(part[1]) for part in kept)
    return frozenset((int(part[3]), int(part[4]), str(part[5])) for part in kept)


def resolve(
    labels: Sequence[AnswerLabel], policy: Resolution, adjudicators: Sequence[str] = ()
) -> Resolved:
    """The labels `policy` counts (see the module docstring), with how many items it leaves
    out and why; `items` keeps every item's labels (for the items with two or more)."""
    by_item: dict[int, list[AnswerLabel]] = defaultdict(list)
    for label in labels:
        by_item[label.item].append(label)
    if policy is Resolution.LATEST:
        return Resolved(list(labels), items=by_item)
    judges = set(adjudicators)
    kept: list[AnswerLabel] = []
    left_out = 0
    for answers in by_item.values():
        chosen = _resolved(answers, policy, judges)
        if chosen is None:
            left_out += 1
        else:
            kept.append(chosen)
    return Resolved(kept, left_out, policy.leaves_out if left_out else "", by_item)


def _resolved(
    answers: list[AnswerLabel], policy: Resolution, judges: set[str]
) -> AnswerLabel | None:
    if len(answers) == 1:
        return answers[0]
    counts = Counter(label.value for label in answers)
    ranked = counts.most_common()
    agreed = len(ranked) == 1
    unique_top = agreed or ranked[0][1] > ranked[1][1]
    settled = agreed if policy is Resolution.ADJUDICATED else unique_top
    if settled:
        winner = ranked[0][0]
        return max((label for label in answers if label.value == winner), key=_order)
    if policy is Resolution.MAJORITY:
        return None
    judged = [label for label in answers if label.reviewer in judges]
    return max(judged, key=_order) if judged else None


def _order(label: AnswerLabel) -> int:
    return label.decision
