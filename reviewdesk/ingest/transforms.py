"""What a mapping does to a row's values: value maps (the source's own values translated) and
computed fields (jinja2 expressions over the row, evaluated in jinja2's sandbox)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from reviewdesk.errors import UserError
from reviewdesk.ingest.records import RecordError

__all__ = [
    "ExpressionError",
    "check_expression",
    "evaluate",
    "row_context",
    "text_of",
    "translate",
]


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def translate(
    record: dict[str, Any],
    values: dict[str, dict[str, Any]],
    path: Path,
    line: int,
    errors: list[RecordError],
    fallback: dict[str, dict[str, Any]] | None = None,
) -> None:
    names = set(values) | set(fallback or {})
    for name in names:
        table = values.get(name) if name in values else (fallback or {}).get(name)
        if table is None or record.get(name) in (None, ""):
            continue
        value = record[name]
        items = value if isinstance(value, list) else [value]
        mapped: list[Any] = []
        for item in items:
            key = text_of(item).strip()
            if key not in table:
                known = ", ".join(repr(k) for k in list(table)[:8])
                more = ", ..." if len(table) > 8 else ""
                message = f"{key!r} is not in the value map ({known}{more})"
                errors.append(RecordError(path, line, name, message))
                return
            target = table[key]
            # a list value maps element by element; an element may map to several (reasons)
            if isinstance(value, list) and isinstance(target, list):
                mapped.extend(target)
            else:
                mapped.append(target)
        record[name] = mapped if isinstance(value, list) else mapped[0]


# -- computed fields ----------------------------------------------------------------------------


class ExpressionError(UserError):
    """A computed field's expression cannot be compiled or evaluated for a record."""


@lru_cache(maxsize=256)
def _compiled(expression: str) -> Callable[..., Any]:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    return environment.compile_expression(expression, undefined_to_none=False)


def check_expression(expression: str, where: str) -> None:
    from jinja2 import TemplateSyntaxError

    try:
        _compiled(expression)
    except TemplateSyntaxError as error:
        raise UserError(f"{where}: {expression!r} is not a valid expression: {error}") from error


def row_context(raw: dict[str, Any], path: Path, line: int) -> dict[str, Any]:
    stem = path.name
    for suffix in (".gz", ".csv", ".tsv", ".jsonl", ".json"):
        stem = stem.removesuffix(suffix)
    return {"row": raw, **raw, "_file": path.name, "_stem": stem, "_line": line}


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    from jinja2 import Undefined
    from jinja2.exceptions import SecurityError, UndefinedError

    try:
        value = _compiled(expression)(**context)
    except UndefinedError as error:
        raise ExpressionError(str(error)) from error
    except SecurityError as error:
        raise ExpressionError(f"not allowed: {error}") from error
    except Exception as error:  # an expression may fail in any way its operators can
        raise ExpressionError(f"{type(error).__name__}: {error}") from error
    return None if isinstance(value, Undefined) else value
