"""What API v1 takes in any JSON value, beyond each field's own type.

Every string (a value or an object's key) is text a database stores: no NUL character
(PostgreSQL refuses it) and no lone surrogate (no encoding holds it). Every whole number fits a
signed 64-bit column, every number is finite, and nothing nests deeper than `MAX_DEPTH`. The
server screens each request with `unfit_values` before anything else reads it, so such input is
answered 422 naming the field instead of failing deep inside a database driver.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "UNADDRESSABLE_IDS",
    "Unfit",
    "field_path",
    "id_problem",
    "text_problem",
    "unfit_values",
]

MAX_DEPTH = 32
"""The deepest a request body nests (objects and lists); an item's metadata lives 3 levels in."""
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_MAX_REPORTED = 20


@dataclass(frozen=True)
class Unfit:
    """One value API v1 does not take: where it is (`loc`, keys and indexes) and why."""

    loc: tuple[str | int, ...]
    message: str


def text_problem(value: str) -> str | None:
    """Why `value` is not text API v1 takes, or None when it is."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which no text field takes"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate (\\ud800-\\udfff without its pair): not valid text"
    return None


UNADDRESSABLE_IDS = frozenset({".", ".."})
"""Ids no URL can carry as a path segment: clients and proxies resolve them as "here" and
"up" (RFC 3986 dot segments) before the request leaves."""


def id_problem(value: str) -> str | None:
    """Why `value` cannot be an id or a queue name the API addresses (`/v1/items/{id}`), or
    None when it can. Control characters are refused too: no log line or path should hold one."""
    if value in UNADDRESSABLE_IDS:
        return f"{value!r} cannot be addressed in a URL (it is a dot segment): use another one"
    problem = text_problem(value)
    if (
        problem is None
        and not value.isprintable()
        and any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        return "contains a control character (a line break, a tab, ...): not allowed in an id"
    return problem


def shown_key(key: str) -> str:
    """An object key as an error may quote it (NUL and lone surrogates escaped)."""
    if text_problem(key) is None:
        return key
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def _fit_text(value: str) -> bool:
    return "\x00" not in value and (value.isascii() or text_problem(value) is None)


def _all_fit(value: Any, depth: int) -> bool:
    """Whether the whole value is fit, `depth` levels below the top (`unfit_values`' check
    without its locations: almost every request is fit, and building a location for every
    value of a 500-item body was most of the screening's time).

    Parsed JSON holds exact types (`str`, `dict`, `list`, `int`, ...): they are told by `type`
    and the leaves of a container checked in its own loop, a function call per container
    instead of per value (a push's screening in half the time). Any other type (a
    subclass, a value a caller built) takes `_fit_any`'s `isinstance` checks.
    """
    kind = type(value)
    if kind is str:
        return _fit_text(value)
    children: Iterable[Any]
    if kind is dict:
        for key in value:
            if type(key) is str:
                if "\x00" in key or not (key.isascii() or text_problem(key) is None):
                    return False
            elif not _fit_any(key, depth):
                return False
        children = value.values()
    elif kind is list:
        children = value
    else:
        return _fit_any(value, depth)
    if depth >= MAX_DEPTH:
        return False
    below = depth + 1
    for child in children:
        kind = type(child)
        if kind is str:
            if "\x00" in child or not (child.isascii() or text_problem(child) is None):
                return False
        elif kind is dict or kind is list:
            if not _all_fit(child, below):
                return False
        elif kind is int:
            if not INT64_MIN <= child <= INT64_MAX:
                return False
        elif kind is float:
            if not math.isfinite(child):
                return False
        elif child is not None and kind is not bool and not _fit_any(child, below):
            return False
    return True


def _fit_any(value: Any, depth: int) -> bool:
    """`_all_fit` for a value of any type (subclasses of the JSON types included)."""
    if isinstance(value, str):
        return _fit_text(value)
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return INT64_MIN <= value <= INT64_MAX
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            return False
        if isinstance(value, dict):
            for key, child in value.items():
                if not (_fit_any(key, depth) and _all_fit(child, depth + 1)):
                    return False
            return True
        return all(_all_fit(child, depth + 1) for child in value)
    return True


def unfit_values(value: Any, loc: tuple[str | int, ...] = ()) -> list[Unfit]:
    """Every place in a parsed JSON value that API v1 does not take (at most 20), in document
    order; an empty list when the whole value is fit."""
    if _all_fit(value, 0):
        return []
    return unfit_walk(value, loc)


def unfit_walk(value: Any, loc: tuple[str | int, ...] = ()) -> list[Unfit]:
    """`unfit_values` without its quick check first: every value visited with its location
    (what the quick check must agree with)."""
    found: list[Unfit] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, loc)]
    while stack and len(found) < _MAX_REPORTED:
        current, where = stack.pop()
        if isinstance(current, str):
            problem = text_problem(current)
            if problem is not None:
                found.append(Unfit(where, problem))
        elif isinstance(current, bool) or current is None:
            continue
        elif isinstance(current, int):
            if not INT64_MIN <= current <= INT64_MAX:
                found.append(Unfit(where, "is a whole number outside the 64-bit range"))
        elif isinstance(current, float):
            if not math.isfinite(current):
                found.append(Unfit(where, "is not a finite number"))
        elif isinstance(current, dict | list):
            if len(where) - len(loc) >= MAX_DEPTH:
                found.append(Unfit(where, f"nests deeper than {MAX_DEPTH} levels"))
                continue
            children: list[tuple[Any, tuple[str | int, ...]]] = []
            if isinstance(current, dict):
                for key, child in current.items():
                    problem = text_problem(key)
                    if problem is not None:
                        found.append(Unfit((*where, shown_key(key)), f"the key {problem}"))
                        continue
                    children.append((child, (*where, key)))
            else:
                children = [(child, (*where, index)) for index, child in enumerate(current)]
            stack.extend(reversed(children))
    return found[:_MAX_REPORTED]


def field_path(loc: Sequence[str | int]) -> str:
    """A location as the import errors write it: `items[3].flags[0].span`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path
