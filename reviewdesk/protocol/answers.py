"""Decisions' `answers` as API v1 reads them: one plain line per question when an answer is not
even of an answer's shape.

pydantic tries each shape an answer may have (a whole number, text, a list of values, a list of
spans) and reports every one that failed; a reviewer's client is better served by one line that
names the question, says what an answer is and what came instead. Answers of the right shape
are checked against the queue's form afterwards, on the server (`reviewdesk.domain.forms`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["ANSWER_SHAPES", "error_lines"]

ANSWER_SHAPES = (
    "an option's value, a list of option values, a whole number, text, "
    "or a list of spans {start, end, label}"
)


def error_lines(errors: Sequence[Mapping[str, Any]], prefix: Sequence[str] = ()) -> list[str]:
    """pydantic's errors of a decision as lines `field.path: why`, those of one answer folded
    into one line naming the question (`answers.KEY: ...`).

    Args:
        errors: `ValidationError.errors()` of a decision model.
        prefix: the leading part of each location to look past (FastAPI's `("body",)`).
    """
    lines: list[str] = []
    folded: dict[str, list[Mapping[str, Any]]] = {}
    for error in errors:
        loc = tuple(error.get("loc", ()))
        rest = loc[len(prefix) :] if loc[: len(prefix)] == tuple(prefix) else loc
        if len(rest) >= 2 and rest[0] == "answers" and isinstance(rest[1], str):
            folded.setdefault(rest[1], []).append({**error, "loc": rest})
            continue
        lines.append(f"{'.'.join(str(part) for part in rest) or 'decision'}: {error.get('msg')}")
    for key, found in folded.items():
        lines.append(_answer_line(key, found))
    return lines


def _answer_line(key: str, errors: Sequence[Mapping[str, Any]]) -> str:
    if any(len(error["loc"]) >= 3 and error["loc"][2] == "[key]" for error in errors):
        return (
            f"answers: {key!r} is not a question key (lower-case letters, digits and _, "
            "starting with a letter)"
        )
    for error in errors:  # a span of the right shape that breaks a span's rule
        loc = error["loc"]
        message = str(error.get("msg", ""))
        if message.startswith("Value error, ") and len(loc) >= 4 and "SpanAnswer" in str(loc[2]):
            where = "".join(f"[{part}]" for part in loc[3:])
            return f"answers.{key}: {where}: {message.removeprefix('Value error, ')}"
    value = next((error["input"] for error in errors if len(error["loc"]) == 3), None)
    return f"answers.{key}: expected {ANSWER_SHAPES}, got {_shown(value)}"


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list | tuple):
        return "a list of something else"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
