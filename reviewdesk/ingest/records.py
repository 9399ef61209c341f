"""Turning one raw record (a dict from any source) into a generation and its decisions.

Every problem is reported as a `RecordError` naming the file, the line, the field and why, e.g.
`data.jsonl:1832: flags[0].span: [90, 140] is outside the output (length 120)`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from reviewdesk.domain import DecisionDraft, Generation, ImportRecord
from reviewdesk.protocol.screening import field_path

_DRAFTS = TypeAdapter(tuple[DecisionDraft, ...])


@dataclass(frozen=True)
class RecordError:
    """One thing wrong with one input record."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path.name}:{self.line}" if self.line else self.path.name
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "tuple_type": "a list",
    "list_type": "a list",
    "datetime_type": "a time like 2026-11-20T10:00:00Z",
    "datetime_parsing": "a time like 2026-11-20T10:00:00Z",
    "datetime_from_date_parsing": "a time like 2026-11-20T10:00:00Z",
}


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known key here"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {json_kind(error['input'])}"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return message[:1].lower() + message[1:]


_ANSWER_KINDS = (
    "expected an answer: text, a whole number, a list of option values or a list of spans "
    "{start, end, label}"
)


def _answer_errors(
    path: Path, line: int, details: list[ErrorDetails], prefix: tuple[int | str, ...]
) -> list[RecordError]:
    """One error per answer that fits no kind of answer (pydantic reports one per kind)."""
    by_answer: dict[tuple[int | str, ...], list[ErrorDetails]] = {}
    for detail in details:
        loc = detail["loc"]
        at = loc.index("answers")
        by_answer.setdefault(tuple(loc[: at + 2]), []).append(detail)
    found: list[RecordError] = []
    for answer, group in by_answer.items():
        depth = len(answer)
        # A list of objects was meant as spans: say what is wrong with the span.
        spans = [
            detail
            for detail in group
            if len(detail["loc"]) > depth + 1 and "SpanAnswer" in str(detail["loc"][depth])
        ]
        keys = [detail for detail in group if detail["loc"][depth:] == ("[key]",)]
        if keys:
            found.append(
                RecordError(
                    path,
                    line,
                    field_path(prefix + answer),
                    f"{answer[-1]!r} is not a question key: lower-case letters, digits and _, "
                    "starting with a letter",
                )
            )
            continue
        if spans:
            inner = (*answer, *spans[0]["loc"][depth + 1 :])
            found.append(RecordError(path, line, field_path(prefix + inner), _message(spans[0])))
            continue
        bounded = [
            detail
            for detail in group
            if detail["type"] in ("less_than_equal", "greater_than_equal")
            and len(detail["loc"]) == depth + 1
        ]
        if bounded:
            found.append(RecordError(path, line, field_path(prefix + answer), _message(bounded[0])))
            continue
        whole = [detail for detail in group if len(detail["loc"]) == depth + 1]
        got = f", got {json_kind(whole[0]['input'])}" if whole else ""
        found.append(RecordError(path, line, field_path(prefix + answer), _ANSWER_KINDS + got))
    return found


def _errors(
    path: Path, line: int, error: ValidationError, prefix: tuple[int | str, ...] = ()
) -> list[RecordError]:
    details = error.errors(include_url=False)
    answers = [
        detail
        for detail in details
        if "answers" in detail["loc"] and len(detail["loc"]) > detail["loc"].index("answers") + 1
    ]
    details = [detail for detail in details if detail not in answers]
    plain = [detail for detail in details if detail["loc"][:1] != ("prompt",)]
    found = [
        RecordError(path, line, field_path(prefix + tuple(detail["loc"])), _message(detail))
        for detail in plain
    ]
    found.extend(_answer_errors(path, line, answers, prefix))
    prompt = [detail for detail in details if detail["loc"][:1] == ("prompt",)]
    # `prompt` is text or a list of messages: report the branch the input was meant for.
    inside_list = [detail for detail in prompt if len(detail["loc"]) > 2]
    own = [detail for detail in prompt if len(detail["loc"]) == 1]
    for detail in inside_list or own:
        loc = ("prompt", *detail["loc"][2:])
        found.append(RecordError(path, line, field_path(prefix + loc), _message(detail)))
    if prompt and not inside_list and not own:
        found.append(
            RecordError(
                path,
                line,
                field_path((*prefix, "prompt")),
                'expected text or a list of chat messages ({"role": ..., "content": ...}), '
                f"got {json_kind(prompt[0]['input'])}",
            )
        )
    return found


def to_import_record(path: Path, line: int, raw: Any) -> ImportRecord | list[RecordError]:
    """Validate one raw record; the record, or every error found in it."""
    if not isinstance(raw, dict):
        return [RecordError(path, line, "", f"expected a JSON object, got {json_kind(raw)}")]
    if is_comparison(raw):
        return [RecordError(path, line, "candidates", COMPARISONS_NOT_HERE)]
    decisions = raw.pop("decisions", None)
    errors: list[RecordError] = []
    generation: Generation | None = None
    try:
        generation = Generation.model_validate(raw)
    except ValidationError as error:
        errors.extend(_errors(path, line, error))
    drafts: tuple[DecisionDraft, ...] = ()
    if decisions is not None:
        try:
            drafts = _DRAFTS.validate_python(decisions)
        except ValidationError as error:
            errors.extend(_errors(path, line, error, ("decisions",)))
    if errors or generation is None:
        return errors
    return generation, drafts


COMPARISONS_NOT_HERE = (
    "a comparison (a record with candidates) cannot be imported yet this way: the queue "
    "server takes comparisons in a later release; `reviewdesk import` stores them locally"
)

_UNDATED = uuid.UUID("0b8f5e8e-52f4-4c57-8d5e-3a1f3f61c1a4")


def is_comparison(raw: dict[str, Any]) -> bool:
    """A record with `candidates` is a comparison (pairwise review), not an item."""
    return "candidates" in raw


def prepare(path: Path, line: int, raw: dict[str, Any], imported_at: str) -> int | RecordError:
    """Bring a file's record to what validation expects, in place: an integer id becomes text,
    and a decision without `decided_at` gets `imported_at` (with an id that does not depend on
    the time, so importing the file again finds it a duplicate). The number of decisions given
    the import time, or the error that rules the record out."""
    gid = raw.get("id")
    if isinstance(gid, int) and not isinstance(gid, bool):
        raw["id"] = gid = str(gid)
    # An item's label is its verdict; a comparison's, its preference.
    label = "preference" if is_comparison(raw) else "verdict"
    decisions = raw.get("decisions")
    undated = 0
    if isinstance(decisions, list):
        for decision in decisions:
            if not isinstance(decision, dict) or decision.get("decided_at") not in (None, ""):
                continue
            decision["decided_at"] = imported_at
            undated += 1
            reviewer, value = decision.get("reviewer"), decision.get(label)
            if "id" not in decision and all(isinstance(v, str) for v in (gid, reviewer, value)):
                key = f"{gid}\x1f{reviewer}\x1f{value}"
                if label == "preference":
                    key = f"comparison\x1f{key}"
                decision["id"] = str(uuid.uuid5(_UNDATED, key))
    return undated
