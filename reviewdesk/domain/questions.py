"""A review form's questions, and the answers each kind of question takes.

A `Question` has a kind: `choice` (one of its options), `multi` (any of them), `rating` (a whole
number min..max, with labels for the ends), `text` (free text) or `spans` (ranges of the output,
each with one of its options as label). `typed_answer` checks a value against a question and
returns it typed (`reviewdesk.domain.forms.Form.validate_answers` does so for a whole decision).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, field_validator, model_validator

from reviewdesk.domain.models import (
    MAX_COUNT,
    Answer,
    QuestionKey,
    SpanAnswer,
    Verdict,
    _Frozen,
)

DESK_KEYS = frozenset("AERCSJKMUZDTBGP?/[]")
"""Keys the desk takes for itself (verdicts, navigation, flags, the prompt, the guidelines, the
keys overlay): an option's key may not be one of them (compared without case). Digits are free."""

_DIGITS = "123456789"


class QuestionKind(StrEnum):
    """What kind of answer a question takes."""

    CHOICE = "choice"
    MULTI = "multi"
    RATING = "rating"
    TEXT = "text"
    SPANS = "spans"


_WITH_OPTIONS = frozenset({QuestionKind.CHOICE, QuestionKind.MULTI, QuestionKind.SPANS})


class Option(_Frozen):
    """One option of a choice, multi or spans question; `key` is the key that picks it in the
    desk (by default the digits 1..9 in order)."""

    value: Annotated[str, Field(min_length=1, max_length=200)]
    label: str = ""
    key: Annotated[str, Field(min_length=1, max_length=1)] | None = None

    @property
    def shown(self) -> str:
        """The label, or the value when the option has none."""
        return self.label or self.value


class Question(_Frozen):
    """One question of a form.

    `required` is true (always), false (never), a verdict or a list of verdicts (only when the
    decision's verdict is one of them).
    """

    key: QuestionKey
    label: str = ""
    kind: QuestionKind
    options: tuple[Option, ...] = ()
    min: Annotated[int, Field(ge=-MAX_COUNT, le=MAX_COUNT)] | None = None
    max: Annotated[int, Field(ge=-MAX_COUNT, le=MAX_COUNT)] | None = None
    labels: dict[int, str] = Field(default_factory=dict)
    required: bool | Verdict | tuple[Verdict, ...] = False
    help: str = ""

    @field_validator("label", "help")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _rules(self) -> Self:
        problems: list[str] = []
        if self.kind in _WITH_OPTIONS:
            if not self.options:
                problems.append(f"a {self.kind} question needs options")
            problems.extend(_option_problems(self.options))
        elif self.options:
            problems.append(f"a {self.kind} question takes no options")
        if self.kind is QuestionKind.RATING:
            if self.min is None or self.max is None:
                problems.append("a rating needs min and max")
            elif self.min >= self.max:
                problems.append("min must be below max")
            else:
                problems.extend(
                    f"labels: {end} is not an end of the rating ({self.min} or {self.max})"
                    for end in self.labels
                    if end not in (self.min, self.max)
                )
        else:
            for name in ("min", "max", "labels"):
                if getattr(self, name):
                    problems.append(f"{name} is only for a rating question")
        if problems:
            raise ValueError("; ".join(problems))
        if any(option.key is None for option in self.options):
            # Frozen: the defaults are filled in once, here, while the model is being made.
            object.__setattr__(self, "options", _with_default_keys(self.options))
        return self

    @property
    def required_verdicts(self) -> frozenset[Verdict]:
        """The verdicts for which this question must be answered."""
        if self.required is True:
            return frozenset(Verdict)
        if self.required is False:
            return frozenset()
        if isinstance(self.required, Verdict):
            return frozenset({self.required})
        return frozenset(self.required)

    @property
    def values(self) -> tuple[str, ...]:
        """The option values, in order."""
        return tuple(option.value for option in self.options)

    @property
    def shown(self) -> str:
        """The label, or the key when the question has none."""
        return self.label or self.key


def _option_problems(options: Sequence[Option]) -> list[str]:
    """Duplicate values, and keys that are a desk key or another option's (counted from 1)."""
    problems: list[str] = []
    values: dict[str, int] = {}
    keys: dict[str, int] = {}
    for number, option in enumerate(options, start=1):
        where = f"options[{number}] {option.value!r}"
        if option.value in values:
            problems.append(f"{where}: the value is options[{values[option.value]}]'s too")
        values.setdefault(option.value, number)
        if option.key is None:
            continue
        if option.key.upper() in DESK_KEYS:
            problems.append(
                f"{where}: the key {option.key!r} is a desk key "
                f"(the desk uses {' '.join(sorted(DESK_KEYS))})"
            )
        elif option.key.isspace():
            problems.append(f"{where}: a key cannot be blank")
        elif option.key.lower() in keys:
            problems.append(
                f"{where}: the key {option.key!r} is options[{keys[option.key.lower()]}]'s too"
            )
        keys.setdefault(option.key.lower(), number)
    return problems


def _with_default_keys(options: tuple[Option, ...]) -> tuple[Option, ...]:
    """The options with the digits not taken by an explicit key given, in order, to those
    without one (past the ninth, an option keeps no key)."""
    taken = {option.key for option in options if option.key is not None}
    free = iter(digit for digit in _DIGITS if digit not in taken)
    return tuple(
        option if option.key is not None else option.model_copy(update={"key": next(free, None)})
        for option in options
    )


def typed_answer(question: Question, value: Any, output: str) -> Answer:
    """`value` as an answer to `question`, typed by its kind; spans are `[start, end)` code
    points of `output`.

    Raises:
        ValueError: the value does not fit the question (the message says why).
    """
    kind = question.kind
    if kind is QuestionKind.CHOICE:
        return _option(question, value)
    if kind is QuestionKind.MULTI:
        if not isinstance(value, list | tuple):
            raise ValueError(f"expected a list of options, got {described(value)}")
        return tuple(dict.fromkeys(_option(question, item) for item in value))
    if kind is QuestionKind.RATING:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {described(value)}")
        low, high = question.min, question.max
        if low is None or high is None or not low <= value <= high:
            raise ValueError(f"{value} is outside the rating {question.min}..{question.max}")
        return value
    if kind is QuestionKind.TEXT:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {described(value)}")
        return value
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list of spans, got {described(value)}")
    return tuple(_span(question, index, item, len(output)) for index, item in enumerate(value))


def _option(question: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an option, got {described(value)}")
    if value not in question.values:
        raise ValueError(f"{value!r} is not an option (options: {', '.join(question.values)})")
    return value


def _span(question: Question, index: int, item: Any, length: int) -> SpanAnswer:
    where = f"[{index}]"
    if isinstance(item, SpanAnswer):
        item = item.model_dump()
    if not isinstance(item, Mapping) or set(item) != {"start", "end", "label"}:
        raise ValueError(f"{where}: expected a span {{start, end, label}}, got {described(item)}")
    start, end, label = item["start"], item["end"], item["label"]
    for name, number in (("start", start), ("end", end)):
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError(f"{where}.{name}: expected a whole number, got {described(number)}")
    if not 0 <= start < end <= length:
        raise ValueError(
            f"{where}: [{start}, {end}] is not a range inside the output "
            f"(0 <= start < end <= {length})"
        )
    if label not in question.values:
        raise ValueError(
            f"{where}.label: {label!r} is not a label (labels: {', '.join(question.values)})"
        )
    return SpanAnswer(start=start, end=end, label=label)


def described(value: Any) -> str:
    """What a JSON value is, for a message ("the text 'x'", "a list")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value if len(value) <= 40 else value[:37] + '...'!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
