"""Turning domain objects into row values and back (private: other layers use `rows`).

Times are stored as fixed-width UTC text (`2026-11-20T10:00:00.000000Z`), so text order is time
order and `substr(decided_at, 1, 10)` is the day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel

from reviewdesk.domain import (
    Answer,
    ComparisonDecision,
    Decision,
    DecisionId,
    Flag,
    Generation,
    GenerationId,
    Message,
    Role,
    Severity,
    SpanAnswer,
    Usage,
    Verdict,
)
from reviewdesk.store.keys import NO_RISK


def time_text(value: datetime) -> str:
    """Fixed-width UTC text for a timezone-aware time."""
    # isoformat is several times faster than strftime, and imports call this per record.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    """The aware UTC time of a stored time text (fixed-width ISO 8601 with a Z).

    `fromisoformat` reads that form some 50 times faster than `strptime`, which matters when a
    lease or a page of the queue parses hundreds of them.
    """
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def prompt_json(generation: Generation) -> str:
    prompt: Any = generation.prompt
    if not isinstance(prompt, str):
        prompt = [{"role": str(message.role), "content": message.content} for message in prompt]
    return orjson.dumps(prompt).decode()


def generation_values(
    generation: Generation, pk: int, imported_at: str, required_reviews: int = 1
) -> tuple[Any, ...]:
    """Values for `generation`, in the column order of `GENERATION_COLUMNS` (less
    `review_count`, which starts at 0)."""
    top = generation.top_severity
    usage = generation.usage
    return (
        pk,
        generation.id,
        generation.queue,
        generation.model,
        generation.prompt_template,
        generation.prompt_version,
        generation.route,
        NO_RISK if generation.risk is None else generation.risk,
        0 if top is None else top.rank,
        len(generation.flags),
        generation.latency_ms,
        None if usage is None else usage.input_tokens,
        None if usage is None else usage.output_tokens,
        None if usage is None else usage.cost_usd,
        None if generation.created_at is None else time_text(generation.created_at),
        imported_at,
        required_reviews,
    )


GENERATION_COLUMNS = (
    "pk, id, queue, model, prompt_template, prompt_version, route, risk, top_severity, "
    "flag_count, latency_ms, input_tokens, output_tokens, cost_usd, created_at, imported_at, "
    "required_reviews, review_count"
)
GENERATION_INSERT = (
    f"INSERT INTO generation ({GENERATION_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
)
TEXT_INSERT = (
    "INSERT INTO generation_text (pk, prompt, output, usage, trace_id, extra) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
FLAG_INSERT = (
    "INSERT INTO flag (generation_pk, position, validator, code, severity, message, score, "
    "span_start, span_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
DECISION_INSERT = (
    "INSERT INTO decision (pk, id, generation_pk, reviewer, verdict, reasons, duration_ms, "
    "decided_at, supersedes, session_id, lease_id, lease_epoch, device_id, form_version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
DECISION_TEXT_INSERT = "INSERT INTO decision_text (pk, edited_output, comment) VALUES (?, ?, ?)"


def text_values(generation: Generation, pk: int) -> tuple[Any, ...]:
    usage = generation.usage
    return (
        pk,
        prompt_json(generation),
        generation.output,
        None if usage is None else orjson.dumps(usage.model_dump(exclude_none=True)).decode(),
        generation.trace_id,
        orjson.dumps(generation.metadata).decode() if generation.metadata else None,
    )


def flag_values(generation: Generation, pk: int) -> list[tuple[Any, ...]]:
    return [
        (
            pk,
            position,
            flag.validator,
            flag.code,
            flag.severity.rank,
            flag.message,
            flag.score,
            None if flag.span is None else flag.span[0],
            None if flag.span is None else flag.span[1],
        )
        for position, flag in enumerate(generation.flags)
    ]


def decision_values(decision: Decision, pk: int, generation_pk: int) -> tuple[Any, ...]:
    return (
        pk,
        decision.id,
        generation_pk,
        decision.reviewer,
        str(decision.verdict),
        orjson.dumps(list(decision.reasons)).decode(),
        decision.duration_ms,
        time_text(decision.decided_at),
        decision.supersedes,
        decision.session_id,
        decision.lease_id,
        decision.lease_epoch,
        decision.device_id,
        decision.form_version,
    )


ANSWER_COLUMNS = (
    "decision_pk", "key", "position", "text_value", "number_value", "span_start", "span_end",
    "span_label",
)  # fmt: skip
ANSWER_INSERT = (
    f"INSERT INTO decision_answer ({', '.join(ANSWER_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
ANSWER_SELECT = (
    "SELECT d.id, a.key, a.position, a.text_value, a.number_value, a.span_start, a.span_end, "
    "a.span_label FROM decision_answer a JOIN decision d ON d.pk = a.decision_pk"
)
"""Answers by decision id; the caller adds the WHERE and orders by `a.pk` (the written order)."""


def answer_values(decision: Decision | ComparisonDecision, pk: int) -> list[tuple[Any, ...]]:
    """The `decision_answer` rows of a decision's answers, in `ANSWER_COLUMNS` order (the
    same rows go to `comparison_decision_answer` for a decision on a comparison)."""
    rows: list[tuple[Any, ...]] = []
    for key, answer in decision.answers.items():
        if isinstance(answer, bool):  # never stored: a rating is a whole number
            raise TypeError(f"answers.{key}: a boolean is not an answer")
        if isinstance(answer, int):
            rows.append((pk, key, None, None, answer, None, None, None))
        elif isinstance(answer, str):
            rows.append((pk, key, None, answer, None, None, None, None))
        elif not answer:
            rows.append((pk, key, -1, None, None, None, None, None))
        else:
            for position, item in enumerate(answer):
                if isinstance(item, SpanAnswer):
                    rows.append((pk, key, position, None, None, item.start, item.end, item.label))
                else:
                    rows.append((pk, key, position, item, None, None, None, None))
    return rows


def answers_from_rows(rows: Iterable[Sequence[Any]]) -> dict[Any, dict[str, Answer]]:
    """The answers of each decision (by the rows' first column: its id, or its pk), from
    `ANSWER_SELECT`-shaped rows in written order."""
    found: dict[Any, dict[str, Any]] = {}
    for did, key, position, text, number, start, end, label in rows:
        answers = found.setdefault(did, {})
        if position is None:
            answers[key] = number if text is None else text
        elif position < 0:
            answers[key] = ()
        elif start is not None:
            span = SpanAnswer.model_construct(start=start, end=end, label=label)
            answers[key] = (*answers.get(key, ()), span)
        else:
            answers[key] = (*answers.get(key, ()), text)
    return found


def decision_text_values(decision: Decision, pk: int) -> tuple[Any, ...] | None:
    if decision.edited_output is None and decision.comment is None:
        return None
    return (pk, decision.edited_output, decision.comment)


# Reading back. Values were validated on the way in, so rows become models without a second
# validation: reading the item on screen must stay well under a millisecond, and a lease of
# ten items on a busy server reads forty models.

_M = TypeVar("_M", bound=BaseModel)
_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def _rebuilt(kind: type[_M], /, **values: Any) -> _M:
    """`kind.model_construct(**values)` for values that name every field of the model (as
    read from a row): the same instance, without `model_construct`'s look at each field's
    default and alias (some 5 µs a model, most of a lease's reading).

    Raises:
        TypeError: `values` does not name exactly the model's fields.
    """
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = frozenset(kind.model_fields)
    if values.keys() != fields:
        raise TypeError(f"{kind.__name__} takes the fields {sorted(fields)}, not {sorted(values)}")
    instance = kind.__new__(kind)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


GENERATION_SELECT = (
    "SELECT g.id, g.queue, g.model, g.prompt_template, g.prompt_version, g.route, g.risk, "
    "g.latency_ms, g.created_at, t.prompt, t.output, t.usage, t.trace_id, t.extra "
    "FROM generation g JOIN generation_text t ON t.pk = g.pk"
)
FLAG_SELECT = (
    "SELECT validator, code, severity, message, score, span_start, span_end "
    "FROM flag WHERE generation_pk = ? ORDER BY position"
)


def generation_from_row(row: Sequence[Any], flag_rows: Sequence[Sequence[Any]]) -> Generation:
    (gid, queue, model, template, version, route, risk, latency, created, prompt, output, usage,
     trace_id, extra) = row  # fmt: skip
    raw_prompt = orjson.loads(prompt)
    parsed_prompt: str | tuple[Message, ...] = (
        raw_prompt
        if isinstance(raw_prompt, str)
        else tuple(
            _rebuilt(Message, role=Role(turn["role"]), content=turn["content"])
            for turn in raw_prompt
        )
    )
    return _rebuilt(
        Generation,
        id=GenerationId(gid),
        prompt=parsed_prompt,
        output=output,
        model=model,
        prompt_template=template,
        prompt_version=version,
        route=route,
        risk=None if risk == NO_RISK else risk,
        flags=tuple(flag_from_row(flag) for flag in flag_rows),
        usage=None if usage is None else Usage.model_validate(orjson.loads(usage)),
        latency_ms=latency,
        trace_id=trace_id,
        queue=queue,
        created_at=None if created is None else parse_time(created),
        metadata={} if extra is None else orjson.loads(extra),
    )


def flag_from_row(row: Sequence[Any]) -> Flag:
    validator, code, severity, message, score, start, end = row
    return _rebuilt(
        Flag,
        validator=validator,
        code=code,
        severity=Severity.from_rank(severity) or Severity.INFO,
        message=message,
        score=score,
        span=None if start is None else (start, end),
    )


DECISION_SELECT = (
    "SELECT d.id, g.id, d.reviewer, d.verdict, dt.edited_output, d.reasons, dt.comment, "
    "d.duration_ms, d.decided_at, d.supersedes, d.session_id, d.lease_id, d.lease_epoch, "
    "d.device_id, d.form_version FROM decision d JOIN generation g ON g.pk = d.generation_pk "
    "LEFT JOIN decision_text dt ON dt.pk = d.pk"
)


def decision_from_row(row: Sequence[Any], answers: dict[str, Answer] | None = None) -> Decision:
    """A decision of a `DECISION_SELECT` row, with its answers (read apart, `answers_from_rows`)."""
    (did, gid, reviewer, verdict, edited, reasons, comment, duration, decided_at, supersedes,
     session_id, lease_id, lease_epoch, device_id, form_version) = row  # fmt: skip
    return _rebuilt(
        Decision,
        id=DecisionId(did),
        generation_id=GenerationId(gid),
        reviewer=reviewer,
        verdict=Verdict(verdict),
        edited_output=edited,
        reasons=tuple(orjson.loads(reasons)),
        comment=comment,
        duration_ms=duration,
        decided_at=parse_time(decided_at),
        supersedes=None if supersedes is None else DecisionId(supersedes),
        session_id=session_id,
        lease_id=lease_id,
        lease_epoch=lease_epoch,
        device_id=device_id,
        answers={} if answers is None else answers,
        form_version=form_version,
    )
