"""Reading a form question's answers for the statistics, and resolving them to one per item.

A question is named by its key; its kind, label and options come from the newest form of each
queue that asks it (the same key must be the same kind everywhere). Its answers are read from
the narrow `decision_answer` rows (index `ix_decision_answer_key`) joined to each reviewer's
latest decision and, when a grouping needs them, the item's columns (no text of the item is
read), in two passes:
- the items two or more reviewers answered come row by row (`load_labels`): they are what
  agreement compares and what resolution settles, usually the few sampled for agreement;
- the items one reviewer answered are counted in SQL by the grouping columns, verdict and value
  (`load_alone`), a few rows per group however many items there are.

An answer becomes one comparable value: choice the option value, rating the integer, multi the
set of values ticked, spans the set of (start, end, label), text "answered" (anything but blanks
written) or "blank".

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
    "ANSWERED",
    "BLANK",
    "QUESTION_KEYS",
    "AnswerLabel",
    "AskedQuestion",
    "Resolved",
    "answered_comparisons",
    "asked_keys",
    "asked_question",
    "load_alone",
    "load_labels",
    "resolve",
    "stat_value",
]

ANSWERED = "answered"
BLANK = "blank"
"""A text answer's value for the statistics: whether it says something."""

# What a question's answers can be grouped by (validator groups flags, not answers).
QUESTION_KEYS = tuple(key for key in GroupKey if key is not GroupKey.VALIDATOR)

# The items two or more reviewers answered (each reviewer's latest decision).
_SHARED = """
SELECT d2.generation_pk FROM decision_answer a2 JOIN decision d2 ON d2.pk = a2.decision_pk
WHERE a2.key = :key AND d2.current
GROUP BY d2.generation_pk HAVING count(DISTINCT d2.pk) >= 2
"""

_ROWS = f"""
SELECT d.generation_pk, d.pk, d.reviewer, d.verdict, substr(d.decided_at, 1, 10),
       g.prompt_template, g.prompt_version, g.model, g.route, g.queue,
       a.position, a.text_value, a.number_value, a.span_start, a.span_end, a.span_label
FROM decision_answer a
JOIN decision d ON d.pk = a.decision_pk
JOIN generation g ON g.pk = d.generation_pk
WHERE a.key = :key AND d.current AND d.generation_pk IN ({_SHARED})
ORDER BY d.generation_pk, d.pk, a.position
"""

# The items one reviewer answered, counted by the grouping columns asked for, verdict and the
# answer's value for the statistics (see `stat_value`): one pass, a few rows back per group.
_ALONE = """
SELECT {columns}d.verdict, v.value, count(*)
FROM (SELECT a.decision_pk, {value} AS value FROM decision_answer a
      WHERE a.key = :key GROUP BY a.decision_pk) v
JOIN decision d ON d.pk = v.decision_pk {generation}
WHERE d.current AND d.generation_pk NOT IN ({shared})
GROUP BY {columns}d.verdict, v.value
"""
_COLUMN_SQL = {
    "prompt_template": "g.prompt_template",
    "prompt_version": "g.prompt_version",
    "model": "g.model",
    "route": "g.route",
    "queue": "g.queue",
    "reviewer": "d.reviewer",
    "day": "substr(d.decided_at, 1, 10)",
}
# An answer's value in one SQL expression over its rows: a choice's option, a rating, whether a
# text says something, a multi answer's options and the labels of a spans answer (joined by
# the record separator, NULL for none).
_JOINED = {
    "sqlite": "group_concat({column}, char(30))",
    "postgresql": "string_agg({column}, chr(30))",
}
# A text less the blanks `_BLANKS` names, as each engine writes it.
_TRIMMED = {
    "sqlite": "trim(a.text_value, char(32, 9, 10, 13))",
    "postgresql": "btrim(a.text_value, chr(32) || chr(9) || chr(10) || chr(13))",
}
_BLANKS = " \t\n\r"
_VALUE = {
    QuestionKind.CHOICE: "max(a.text_value)",
    QuestionKind.RATING: "max(a.number_value)",
    QuestionKind.TEXT: "max(CASE WHEN {blank_trimmed} <> '' THEN 1 ELSE 0 END)",
    QuestionKind.MULTI: "a.text_value",
    QuestionKind.SPANS: "a.span_label",
}


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
    """One reviewer's latest answer on one item, with where it belongs; or, when `alone`, the
    answers on `weight` items no other reviewer answered, all with these columns, verdict and
    value."""

    item: int
    decision: int
    reviewer: str
    verdict: str
    columns: dict[str, Any]
    value: Hashable
    weight: int = 1
    alone: bool = False


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
            options.setdefault(ANSWERED, "answered")
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
    """Each reviewer's latest answer to `question` on the items two or more reviewers answered,
    by item (what agreement compares and what resolution has to settle)."""
    labels: list[AnswerLabel] = []
    current: tuple[Any, ...] | None = None
    parts: list[tuple[Any, ...]] = []
    for row in connection.execute(text(_ROWS), {"key": question.key}):
        if current is None or row[1] != current[1]:
            if current is not None:
                labels.append(_label(question.kind, current, parts))
            current, parts = tuple(row), []
        parts.append(tuple(row[10:]))
    if current is not None:
        labels.append(_label(question.kind, current, parts))
    return labels


def load_alone(
    connection: Connection, question: AskedQuestion, columns: Sequence[str] = ()
) -> list[AnswerLabel]:
    """The answers on the items one reviewer answered, counted in SQL by `columns` (the
    others are None in the labels' columns): `alone` labels with their count as `weight` and
    the value `stat_value` gives."""
    value = _VALUE[question.kind].format(blank_trimmed=_TRIMMED[connection.dialect.name])
    if question.kind in (QuestionKind.MULTI, QuestionKind.SPANS):
        value = _JOINED[connection.dialect.name].format(column=value)
    wanted = list(dict.fromkeys("day" if column == "week" else column for column in columns))
    selected = "".join(f"{_COLUMN_SQL[column]}, " for column in wanted)
    on_generation = any(_COLUMN_SQL[column].startswith("g.") for column in wanted)
    sql = _ALONE.format(
        columns=selected,
        value=value,
        generation="JOIN generation g ON g.pk = d.generation_pk" if on_generation else "",
        shared=_SHARED,
    )
    found = []
    for row in connection.execute(text(sql), {"key": question.key}):
        named = dict(zip(wanted, row[: len(wanted)], strict=True))
        verdict, raw, count = row[len(wanted) :]
        found.append(
            AnswerLabel(
                item=0,
                decision=0,
                reviewer=named.get("reviewer", ""),
                verdict=verdict,
                columns=_columns(*(named.get(name) for name in _COLUMN_SQL)),
                value=_alone_value(question.kind, raw),
                weight=int(count),
                alone=True,
            )
        )
    return found


def _alone_value(kind: QuestionKind, raw: Any) -> Hashable:
    if kind is QuestionKind.RATING:
        return int(raw)
    if kind is QuestionKind.TEXT:
        return ANSWERED if raw else BLANK
    if kind is QuestionKind.CHOICE:
        return str(raw)
    return frozenset(str(raw).split("\x1e")) if raw else frozenset()


def stat_value(kind: QuestionKind, value: Hashable) -> Hashable:
    """What the distribution counts of an answer: for spans, the set of labels it marked;
    otherwise the answer's value."""
    if kind is QuestionKind.SPANS:
        return frozenset(span[2] for span in value)  # type: ignore[attr-defined]
    return value


def _columns(
    template: Any, version: Any, model: Any, route: Any, queue: Any, reviewer: Any, day: Any
) -> dict[str, Any]:
    return {
        "prompt_template": template,
        "prompt_version": version,
        "model": model,
        "route": route,
        "queue": queue,
        "reviewer": reviewer,
        "day": day,
        "week": iso_week(day),
    }


def _label(kind: QuestionKind, row: tuple[Any, ...], parts: list[tuple[Any, ...]]) -> AnswerLabel:
    item, decision, reviewer, verdict, day, template, version, model, route, queue = row[:10]
    return AnswerLabel(
        item=item,
        decision=decision,
        reviewer=reviewer,
        verdict=verdict,
        columns=_columns(template, version, model, route, queue, reviewer, day),
        value=_value(kind, parts),
    )


def _value(kind: QuestionKind, parts: list[tuple[Any, ...]]) -> Hashable:
    """The comparable value of one answer from its narrow rows (position, text, number,
    span start, end, label)."""
    _, text_value, number, *_ = parts[0]
    if kind is QuestionKind.RATING:
        return int(number)
    if kind is QuestionKind.TEXT:
        return ANSWERED if text_value and text_value.strip(_BLANKS) else BLANK
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


def answered_comparisons(connection: Connection, key: str) -> int:
    """How many comparisons have an answer to question `key` in a reviewer's latest decision
    (each comparison once, however many reviewers answered it)."""
    (count,) = connection.execute(
        text(
            "SELECT count(DISTINCT d.comparison_pk) FROM comparison_decision_answer a "
            "JOIN comparison_decision d ON d.pk = a.decision_pk WHERE a.key = :key AND d.current"
        ),
        {"key": key},
    ).one()
    return int(count)
