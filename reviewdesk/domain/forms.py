"""Review forms: what a reviewer answers about an item besides the verdict.

A queue's `Form` holds guidelines (Markdown, shown inert) and questions. Each `Question` has a
kind: `choice` (one of its options), `multi` (any of them), `rating` (an integer min..max),
`text` (free text) or `spans` (ranges of the output, each with one of its options as label).

`Form.from_toml` reads a form file; every problem names the file and the question, e.g.
`form.toml: questions[2] 'helpfulness': min must be below max` (questions and options counted
from 1, as the `[[questions]]` blocks read). `Form.validate_answers` checks a decision's answers
against the form and returns them typed; each problem names the question's key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from reviewdesk.domain.models import (
    MAX_COUNT,
    Answer,
    QuestionKey,
    SpanAnswer,
    Verdict,
    _Frozen,
)
from reviewdesk.errors import AnswerError, FormError

DESK_KEYS = frozenset("AERCSJKMUZDTB?/[]")
"""Keys the desk takes for itself (verdicts, navigation, the help overlay, moving between
questions): an option's key may not be one of them (compared without case). Digits are free."""

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
    min: int | None = None
    max: int | None = None
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


class Form(_Frozen):
    """A queue's review form: guidelines and questions, in the order the desk shows them.

    `version` is None in a file that leaves it out: storing the form then gives it the next
    version.
    """

    version: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = None
    guidelines: str = ""
    questions: tuple[Question, ...] = ()

    @model_validator(mode="after")
    def _keys_once(self) -> Self:
        first: dict[str, int] = {}
        for index, question in enumerate(self.questions):
            if question.key in first:
                raise ValueError(
                    f"questions[{index + 1}] {question.key!r}: the key {question.key!r} is "
                    f"questions[{first[question.key] + 1}]'s too"
                )
            first[question.key] = index
        return self

    @classmethod
    def from_toml(cls, text: str, *, source: str = "form.toml") -> Form:
        """The form a TOML file describes.

        Raises:
            FormError: the file is not TOML or breaks a rule; every problem names `source`
                and the question.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise FormError([f"{source}: not a valid TOML file: {error}"]) from None
        return cls.from_data(data, source=source)

    @classmethod
    def from_data(cls, data: Any, *, source: str = "form") -> Form:
        """The form of a mapping (a parsed TOML file, a JSON body, a stored definition).

        Raises:
            FormError: it breaks a rule; every problem names `source` and the question.
        """
        if not isinstance(data, Mapping):
            raise FormError([f"{source}: a form is a table of keys, not {type(data).__name__}"])
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            lines = [f"{source}: {_where(data, detail)}{_why(detail)}" for detail in error.errors()]
            raise FormError(list(dict.fromkeys(lines))) from None

    def question(self, key: str) -> Question | None:
        """The question with this key, or None."""
        for question in self.questions:
            if question.key == key:
                return question
        return None

    @property
    def keys(self) -> tuple[str, ...]:
        """The question keys, in order."""
        return tuple(question.key for question in self.questions)

    def definition(self) -> dict[str, Any]:
        """The form as plain data (JSON-ready), as it is stored and sent."""
        return self.model_dump(mode="json", exclude_defaults=True)

    def to_toml(self) -> str:
        """The form as a TOML form file (`from_toml` reads it back to an equal form)."""
        lines: list[str] = []
        if self.version is not None:
            lines.append(f"version = {self.version}")
        if self.guidelines:
            lines.append(f"guidelines = {_toml_text(self.guidelines)}")
        for question in self.questions:
            lines += ["", "[[questions]]", f"key = {_toml_str(question.key)}"]
            if question.label:
                lines.append(f"label = {_toml_str(question.label)}")
            lines.append(f"kind = {_toml_str(question.kind)}")
            if question.required is True or question.required is False:
                lines.append(f"required = {str(question.required).lower()}")
            elif isinstance(question.required, Verdict):
                lines.append(f"required = {_toml_str(question.required)}")
            else:
                verdicts = ", ".join(_toml_str(verdict) for verdict in question.required)
                lines.append(f"required = [{verdicts}]")
            if question.options:
                lines.append("options = [")
                lines.extend(f"  {_toml_option(option)}," for option in question.options)
                lines.append("]")
            if question.min is not None:
                lines.append(f"min = {question.min}")
            if question.max is not None:
                lines.append(f"max = {question.max}")
            if question.labels:
                ends = ", ".join(
                    f'"{end}" = {_toml_str(text)}' for end, text in sorted(question.labels.items())
                )
                lines.append(f"labels = {{{ends}}}")
            if question.help:
                lines.append(f"help = {_toml_text(question.help)}")
        return "\n".join(lines) + "\n"

    def validate_answers(
        self, answers: Mapping[str, Any], verdict: Verdict, output: str
    ) -> dict[str, Answer]:
        """The answers typed by their questions' kinds, in the form's question order.

        A `None` answer counts as no answer. Spans are `[start, end)` code points of `output`.

        Raises:
            AnswerError: an unknown question, an answer that does not fit its question, or a
                question required for `verdict` left unanswered; each problem names the key.
        """
        if not isinstance(answers, Mapping):
            raise AnswerError([("", "expected an object of answers by question key")])
        problems: dict[str, str] = {}
        typed: dict[str, Answer] = {}
        for key, value in answers.items():
            question = self.question(key)
            if question is None:
                known = ", ".join(self.keys) or "none"
                problems[key] = f"is not a question of this form (its questions: {known})"
                continue
            if value is None:
                continue
            try:
                answer = _typed(question, value, output)
            except ValueError as error:
                problems[key] = str(error)
                continue
            if answer != "":
                typed[key] = answer
        for question in self.questions:
            if question.key in typed or question.key in problems:
                continue
            needed = question.required_verdicts
            if verdict in needed:
                when = "" if needed == frozenset(Verdict) else f" for {verdict}"
                problems[question.key] = f"is required{when} but missing"
        if problems:
            order = {key: index for index, key in enumerate(self.keys)}
            raise AnswerError(
                sorted(problems.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
            )
        return {key: typed[key] for key in self.keys if key in typed}


def _toml_str(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, bar `\\/`, which json never writes)."""
    import json

    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_text(text: str) -> str:
    """A multi-line TOML string for text with line breaks (readable), else a basic string."""
    if "\n" not in text:
        return _toml_str(text)
    body: list[str] = []
    for index, ch in enumerate(text):
        if ch == "\\":
            body.append("\\\\")
        elif ch == '"' and text[index + 1 : index + 2] in ('"', ""):
            # no run of quotes may close the string early, nor one merge with the delimiter
            body.append('\\"')
        elif ch in "\n\t" or (ord(ch) >= 0x20 and ch != "\x7f"):
            body.append(ch)
        else:
            body.append(f"\\u{ord(ch):04x}")
    return '"""\n' + "".join(body) + '"""'


def _toml_option(option: Option) -> str:
    parts = [f"value = {_toml_str(option.value)}"]
    if option.label:
        parts.append(f"label = {_toml_str(option.label)}")
    if option.key is not None:
        parts.append(f"key = {_toml_str(option.key)}")
    return "{" + ", ".join(parts) + "}"


def _typed(question: Question, value: Any, output: str) -> Answer:
    kind = question.kind
    if kind is QuestionKind.CHOICE:
        return _option(question, value)
    if kind is QuestionKind.MULTI:
        if not isinstance(value, list | tuple):
            raise ValueError(f"expected a list of options, got {_kind_of(value)}")
        return tuple(dict.fromkeys(_option(question, item) for item in value))
    if kind is QuestionKind.RATING:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {_kind_of(value)}")
        low, high = question.min, question.max
        if low is None or high is None or not low <= value <= high:
            raise ValueError(f"{value} is outside the rating {question.min}..{question.max}")
        return value
    if kind is QuestionKind.TEXT:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {_kind_of(value)}")
        return value
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list of spans, got {_kind_of(value)}")
    return tuple(_span(question, index, item, len(output)) for index, item in enumerate(value))


def _option(question: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an option, got {_kind_of(value)}")
    if value not in question.values:
        raise ValueError(f"{value!r} is not an option (options: {', '.join(question.values)})")
    return value


def _span(question: Question, index: int, item: Any, length: int) -> SpanAnswer:
    where = f"[{index}]"
    if isinstance(item, SpanAnswer):
        item = item.model_dump()
    if not isinstance(item, Mapping) or set(item) != {"start", "end", "label"}:
        raise ValueError(f"{where}: expected a span {{start, end, label}}, got {_kind_of(item)}")
    start, end, label = item["start"], item["end"], item["label"]
    for name, number in (("start", start), ("end", end)):
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError(f"{where}.{name}: expected a whole number, got {_kind_of(number)}")
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


def _kind_of(value: Any) -> str:
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


def _where(data: Mapping[str, Any], detail: ErrorDetails) -> str:
    """`questions[2] 'helpfulness': options[0].key: ` for an error's location."""
    loc = list(detail["loc"])
    if "required" in loc:  # one problem, not one per branch of its union
        loc = loc[: loc.index("required") + 1]
    if not loc:
        return ""
    if loc[0] == "questions" and len(loc) >= 2 and isinstance(loc[1], int):
        index = loc[1]
        raw = data.get("questions")
        key = None
        if isinstance(raw, list) and index < len(raw) and isinstance(raw[index], Mapping):
            key = raw[index].get("key")
        head = f"questions[{index + 1}]" + (f" {key!r}" if isinstance(key, str) else "")
        rest = _path(loc[2:])
        return f"{head}: {rest}: " if rest else f"{head}: "
    return f"{_path(loc)}: "


def _path(loc: Sequence[int | str]) -> str:
    """`options[2].key` for a location (list positions counted from 1, as in the file)."""
    text = ""
    for part in loc:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "dict_type": "a table",
    "model_type": "a table",
    "tuple_type": "a list",
    "list_type": "a list",
}


def _why(detail: ErrorDetails) -> str:
    kind = detail["type"]
    loc = detail["loc"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a key of a form here"
    if kind == "enum" and loc and loc[-1] == "kind":
        return (
            f"unknown kind {detail['input']!r}: expected one of "
            f"{', '.join(kind.value for kind in QuestionKind)}"
        )
    if loc and "required" in loc:
        return "expected true, false, a verdict (approve, edit, reject) or a list of verdicts"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "key":
        return (
            f"{detail['input']!r} is not a key: lower-case letters, digits and _, "
            "starting with a letter"
        )
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_kind_of(detail['input'])}"
    message = detail["msg"]
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
