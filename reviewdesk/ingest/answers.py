"""Checking imported decisions' answers against their queue's review form.

A decision that carries answers must fit the form of its item's queue (`Form.validate_answers`):
an answer that does not fit makes the record invalid, with an error naming
`decisions[N].answers.KEY`. A decision without answers is a plain verdict (labels made before
the queue had a form) and is taken as it is. Decisions with answers take the form's version
when they name none.

Decisions on comparisons are checked the same way (`checked_comparison_answers`), their
preference read as a verdict and spans questions not asked (`check_comparison_answers`).

Text cells (CSV, TSV) hold every answer as text: there a rating's digits become a number, a
multi answer is a JSON list or values split on `;`, `,` or `|`, and spans are a JSON list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from reviewdesk.domain import (
    ComparisonDecisionDraft,
    ComparisonRecord,
    DecisionDraft,
    Form,
    ImportRecord,
    QuestionKind,
    check_comparison_answers,
)
from reviewdesk.errors import AnswerError
from reviewdesk.ingest.records import RecordError

FormOf = Callable[[str | None], Form | None]
"""The current form of a queue (None: the queue has none)."""

_WHOLE = re.compile(r"[+-]?\d+")


def checked_answers(
    record: ImportRecord, path: Path, line: int, form_of: FormOf, *, text_cells: bool
) -> ImportRecord | list[RecordError]:
    """The record with its decisions' answers typed by the form, or every error found."""
    generation, drafts = record
    checked = _checked_drafts(
        drafts,
        generation.queue,
        path,
        line,
        form_of,
        text_cells=text_cells,
        check=lambda form, answers, draft: form.validate_answers(
            answers, draft.verdict, generation.output
        ),
    )
    return checked if isinstance(checked, list) else (generation, checked)


def checked_comparison_answers(
    record: ComparisonRecord, path: Path, line: int, form_of: FormOf, *, text_cells: bool
) -> ComparisonRecord | list[RecordError]:
    """`checked_answers` for a comparison and its decisions."""
    comparison, drafts = record
    checked = _checked_drafts(
        drafts,
        comparison.queue,
        path,
        line,
        form_of,
        text_cells=text_cells,
        check=lambda form, answers, draft: check_comparison_answers(
            form, answers, draft.preference, edited=draft.edited_output is not None
        ),
    )
    return checked if isinstance(checked, list) else (comparison, checked)


_Draft = TypeVar("_Draft", DecisionDraft, ComparisonDecisionDraft)


def _checked_drafts(
    drafts: tuple[_Draft, ...],
    queue: str | None,
    path: Path,
    line: int,
    form_of: FormOf,
    *,
    text_cells: bool,
    check: Callable[[Form, dict[str, Any], _Draft], dict[str, Any]],
) -> tuple[_Draft, ...] | list[RecordError]:
    """Each draft with its answers typed by `check` against the queue's form (drafts without
    answers as they are), or every error found."""
    if not any(draft.answers for draft in drafts):
        return drafts
    form = form_of(queue)
    errors: list[RecordError] = []
    checked: list[_Draft] = []
    for index, draft in enumerate(drafts):
        if not draft.answers:
            checked.append(draft)
            continue
        where = f"decisions[{index}].answers"
        if form is None:
            errors.append(RecordError(path, line, where, _no_form(queue)))
            continue
        answers = dict(draft.answers)
        if text_cells:
            answers = {key: _from_text(form, key, value) for key, value in answers.items()}
        try:
            typed = check(form, answers, draft)
        except AnswerError as error:
            errors.extend(
                RecordError(path, line, f"{where}.{key}" if key else where, why)
                for key, why in error.problems
            )
            continue
        checked.append(
            draft.model_copy(
                update={"answers": typed, "form_version": draft.form_version or form.version}
            )
        )
    return errors if errors else tuple(checked)


def _no_form(queue: str | None) -> str:
    named = "no queue" if queue is None else f"queue {queue!r}"
    return (
        f"{named} has no review form to answer (reviewdesk form set QUEUE FILE, "
        "or import --form FILE --queue QUEUE)"
    )


def _from_text(form: Form, key: str, value: Any) -> Any:
    question = form.question(key)
    if question is None or not isinstance(value, str):
        return value
    text = value.strip()
    if question.kind is QuestionKind.RATING:
        return int(text) if _WHOLE.fullmatch(text) else value
    if question.kind is QuestionKind.MULTI:
        if text.startswith("["):
            return _json(text, value)
        return [part.strip() for part in re.split(r"[;,|]", text) if part.strip()]
    if question.kind is QuestionKind.SPANS:
        return _json(text, value)
    return value


def _json(text: str, value: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return value  # validation then says what it expected
