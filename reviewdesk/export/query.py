"""The SQL of an export: the labels a policy gives, filtered, joined with their texts, streamed.

Written in SQL that SQLite and PostgreSQL both run (text() with named parameters, no
dialect functions), so the server's `GET /v1/export` runs the same code on PostgreSQL.
Rows are streamed (`stream_results`, `yield_per`): memory does not grow with the row count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Answer, Form, Question, QuestionKind
from reviewdesk.export.options import (
    COMPARISONS,
    AnswerCondition,
    ExportError,
    ExportFormat,
    ExportOptions,
    Filters,
)
from reviewdesk.store import Resolution, labels_sql
from reviewdesk.store.rows import answers_by_pk, current_forms

__all__ = [
    "FlagSpan",
    "LabelRow",
    "answer_keys",
    "answers_of",
    "check_conditions",
    "count_labels",
    "count_unresolved_filtered",
    "flags_of",
    "stream_labels",
]

CHUNK = 1000

_EVERY_DECISION = "SELECT generation_pk, pk AS decision_pk, verdict FROM decision"


class LabelRow(NamedTuple):
    """One label (a decision under the policy) with its generation, in the SELECT's order."""

    decision_pk: int
    decision_id: str
    reviewer: str
    verdict: str
    reasons: str
    duration_ms: int | None
    decided_at: str
    supersedes: str | None
    session_id: str | None
    lease_id: str | None
    lease_epoch: int | None
    device_id: str | None
    current: bool
    form_version: int | None
    edited_output: str | None
    comment: str | None
    generation_pk: int
    generation_id: str
    queue: str | None
    model: str
    prompt_template: str | None
    prompt_version: str | None
    route: str | None
    risk: float
    top_severity: int
    flag_count: int
    latency_ms: int | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    created_at: str | None
    prompt: str
    output: str
    usage: str | None
    trace_id: str | None
    extra: str | None


class FlagSpan(NamedTuple):
    """A validator flag of a generation, as stored."""

    validator: str
    code: str
    severity: int
    message: str
    score: float | None
    span_start: int | None
    span_end: int | None


_COLUMNS = (
    "d.pk, d.id, d.reviewer, l.verdict, d.reasons, d.duration_ms, d.decided_at, d.supersedes, "
    "d.session_id, d.lease_id, d.lease_epoch, d.device_id, d.current, d.form_version, "
    "dt.edited_output, dt.comment, "
    "g.pk, g.id, g.queue, g.model, g.prompt_template, g.prompt_version, g.route, g.risk, "
    "g.top_severity, g.flag_count, g.latency_ms, g.input_tokens, g.output_tokens, g.cost_usd, "
    "g.created_at, t.prompt, t.output, t.usage, t.trace_id, t.extra"
)

_GENERATION_FILTERS = (
    ("queues", "g.queue"),
    ("models", "g.model"),
    ("templates", "g.prompt_template"),
    ("versions", "g.prompt_version"),
    ("routes", "g.route"),
)


def _labels(options: ExportOptions) -> tuple[str, dict[str, Any]]:
    if options.all_decisions and not options.format.uses_labels_only:
        return _EVERY_DECISION, {}
    return labels_sql(options.resolution, options.adjudicators)


def _in(column: str, name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
    keys = [f"{name}_{index}" for index in range(len(values))]
    params.update(zip(keys, values, strict=True))
    return f"{column} IN ({', '.join(':' + key for key in keys)})"


def _generation_where(filters: Filters, params: dict[str, Any]) -> list[str]:
    return [
        _in(column, name, getattr(filters, name), params)
        for name, column in _GENERATION_FILTERS
        if getattr(filters, name)
    ]


def _where(filters: Filters, params: dict[str, Any]) -> str:
    from reviewdesk.store.rows import time_text

    clauses = _generation_where(filters, params)
    if filters.since is not None:
        clauses.append("d.decided_at >= :since")
        params["since"] = time_text(filters.since)
    if filters.until is not None:
        clauses.append("d.decided_at < :until")
        params["until"] = time_text(filters.until)
    if filters.verdicts:
        clauses.append(_in("l.verdict", "verdicts", [str(v) for v in filters.verdicts], params))
    if filters.reviewers:
        clauses.append(_in("d.reviewer", "reviewers", filters.reviewers, params))
    if filters.min_agreement is not None:
        # The share of the item's reviewers (their latest decisions) who gave the label's verdict.
        clauses.append(
            "(SELECT count(*) FROM decision a WHERE a.generation_pk = l.generation_pk "
            "AND a.current AND a.verdict = l.verdict) >= :min_agreement * "
            "(SELECT count(*) FROM decision a WHERE a.generation_pk = l.generation_pk "
            "AND a.current)"
        )
        params["min_agreement"] = filters.min_agreement
    for index, condition in enumerate(filters.answers):
        clauses.append(_answer_clause(condition, f"w{index}", params))
    return f"WHERE {' AND '.join(clauses)}" if clauses else ""


def _answer_clause(condition: AnswerCondition, name: str, params: dict[str, Any]) -> str:
    """SQL that holds when the label's decision (`d`) has an answer meeting `condition`."""
    answered = f"SELECT 1 FROM decision_answer a WHERE a.decision_pk = d.pk AND a.key = :{name}k"
    params[f"{name}k"] = condition.key
    if condition.op in COMPARISONS:
        params[f"{name}n"] = int(condition.value)
        return f"EXISTS ({answered} AND a.number_value {condition.op} :{name}n)"
    params[f"{name}v"] = condition.value
    equal = f"(a.text_value = :{name}v OR a.span_label = :{name}v"
    try:
        params[f"{name}n"] = int(condition.value)
        equal += f" OR a.number_value = :{name}n)"
    except ValueError:
        equal += ")"
    if condition.op == "=":
        return f"EXISTS ({answered} AND {equal})"
    return f"(EXISTS ({answered}) AND NOT EXISTS ({answered} AND {equal}))"


def check_conditions(connection: Connection, filters: Filters) -> None:
    """Refuse conditions on answers that no question of the store's forms could meet.

    Raises:
        ExportError: an unknown question, a comparison with a question that is not a rating,
            or a value that is not one of a choice, multi or spans question's options.
    """
    if not filters.answers:
        return
    questions: dict[str, Question] = {}
    for form in current_forms(connection).values():
        for each in form.questions:
            questions.setdefault(each.key, each)
    for condition in filters.answers:
        question = questions.get(condition.key)
        where = f"--where {condition}"
        if question is None:
            known = ", ".join(sorted(questions)) or "none: no queue has a form"
            raise ExportError(f"{where}: no form has a question {condition.key!r} ({known})")
        if condition.op in COMPARISONS and question.kind is not QuestionKind.RATING:
            raise ExportError(
                f"{where}: {condition.op} compares ratings; {condition.key} is a {question.kind}"
            )
        if question.values and condition.value not in question.values:
            raise ExportError(
                f"{where}: {condition.value!r} is not an option of {condition.key} "
                f"({', '.join(question.values)})"
            )


def answer_keys(connection: Connection, options: ExportOptions) -> tuple[str, ...]:
    """The questions an export's csv has a column for: those of the forms of the exported
    queues (every queue when no queue is chosen), in form order, then any other key answered
    (on an item or a comparison)."""
    forms: dict[str, Form] = current_forms(connection)
    chosen = options.filters.queues
    keys: dict[str, None] = {}
    for queue, form in sorted(forms.items()):
        if not chosen or queue in chosen:
            keys.update(dict.fromkeys(form.keys))
    if not chosen:
        answered = text(
            "SELECT key FROM decision_answer UNION SELECT key FROM comparison_decision_answer "
            "ORDER BY key"
        )
        keys.update(dict.fromkeys(row[0] for row in connection.execute(answered)))
    return tuple(keys)


def answers_of(connection: Connection, rows: Sequence[LabelRow]) -> dict[int, dict[str, Answer]]:
    """The answers of a chunk's decisions, by decision pk."""
    return answers_by_pk(connection, [row.decision_pk for row in rows])


def _order(options: ExportOptions) -> str:
    if options.format is ExportFormat.DPO:
        # Outputs of the same prompt (template, version, rendered prompt) come together to pair.
        return "ORDER BY g.prompt_template, g.prompt_version, t.prompt, d.pk"
    if options.format is ExportFormat.KTO:
        # A prompt's completions come together, so one labelled both ways is seen as such.
        return "ORDER BY t.prompt, d.pk"
    return "ORDER BY d.pk"


def count_labels(connection: Connection, options: ExportOptions) -> int:
    """How many labels the filters select (the progress total)."""
    labels, params = _labels(options)
    where = _where(options.filters, params)
    sql = (
        f"WITH labels AS ({labels}) SELECT count(*) FROM labels l "
        f"JOIN decision d ON d.pk = l.decision_pk JOIN generation g ON g.pk = l.generation_pk "
        f"{where}"
    )
    return int(connection.execute(text(sql), params).scalar_one())


def count_unresolved_filtered(connection: Connection, options: ExportOptions) -> int:
    """Decided items within the item filters (and with a decision in the time window, when one
    is given) that the policy leaves without a label."""
    from reviewdesk.store.rows import time_text

    if options.resolution is Resolution.LATEST or (
        options.all_decisions and not options.format.uses_labels_only
    ):
        return 0
    labels, params = _labels(options)
    clauses = _generation_where(options.filters, params)
    window = []
    if options.filters.since is not None:
        window.append("w.decided_at >= :since")
        params["since"] = time_text(options.filters.since)
    if options.filters.until is not None:
        window.append("w.decided_at < :until")
        params["until"] = time_text(options.filters.until)
    if window:
        clauses.append(
            "EXISTS (SELECT 1 FROM decision w WHERE w.generation_pk = g.pk AND "
            f"{' AND '.join(window)})"
        )
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = (
        f"WITH labels AS ({labels}) SELECT "
        f"(SELECT count(DISTINCT d.generation_pk) FROM decision d "
        f"JOIN generation g ON g.pk = d.generation_pk {where}) - "
        f"(SELECT count(DISTINCT l.generation_pk) FROM labels l "
        f"JOIN generation g ON g.pk = l.generation_pk {where})"
    )
    return int(connection.execute(text(sql), params).scalar_one())


def stream_labels(
    connection: Connection, options: ExportOptions, *, chunk: int = CHUNK
) -> Iterator[list[LabelRow]]:
    """The selected labels with their generations, in chunks of at most `chunk` rows."""
    labels, params = _labels(options)
    where = _where(options.filters, params)
    sql = (
        f"WITH labels AS ({labels}) SELECT {_COLUMNS} FROM labels l "
        f"JOIN decision d ON d.pk = l.decision_pk "
        f"JOIN generation g ON g.pk = l.generation_pk "
        f"JOIN generation_text t ON t.pk = g.pk "
        f"LEFT JOIN decision_text dt ON dt.pk = d.pk "
        f"{where} {_order(options)}"
    )
    streaming = connection.execution_options(stream_results=True, yield_per=chunk)
    result = streaming.execute(text(sql), params)
    try:
        for partition in result.partitions(chunk):
            yield [LabelRow._make(row) for row in partition]
    finally:
        result.close()


_FLAG_KEYS = [f"pk_{index}" for index in range(CHUNK)]
# Built once, with a fixed number of slots (a short list repeats its first key): parsing and
# binding a fresh IN list of a thousand keys for every chunk costs more than the query.
_FLAGS = text(
    "SELECT generation_pk, validator, code, severity, message, score, span_start, span_end "
    f"FROM flag WHERE generation_pk IN ({', '.join(':' + key for key in _FLAG_KEYS)}) "
    "ORDER BY generation_pk, position"
)


def flags_of(
    connection: Connection, generation_pks: Sequence[int], validators: Sequence[str] = ()
) -> dict[int, list[FlagSpan]]:
    """The flags of these generations in their stored order; only `validators`' when given."""
    found: dict[int, list[FlagSpan]] = {}
    keys = sorted(set(generation_pks))
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        part += [part[0]] * (CHUNK - len(part))
        for pk, *rest in connection.execute(_FLAGS, dict(zip(_FLAG_KEYS, part, strict=True))):
            if not validators or rest[0] in validators:
                found.setdefault(pk, []).append(FlagSpan(*rest))
    return found
