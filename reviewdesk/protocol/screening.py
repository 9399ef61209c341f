"""What API v1 takes in any JSON value, beyond each field's own type.

Every string (a value or an object's key) is text a database stores: no NUL character
(PostgreSQL refuses it) and no lone surrogate (no encoding holds it). Every whole number fits a
signed 64-bit column, every number is finite, and nothing nests deeper than `MAX_DEPTH`. The
server screens each request with `unfit_values` before anything else reads it, so such input is
answered 422 naming the field instead of failing deep inside a database driver.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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


def _all_fit(value: Any, depth: int) -> bool:
    """Whether the whole value is fit, `depth` levels below the top (`unfit_values`' check
    without its locations: almost every request is fit, and building a location for every
    value of a 500-item body was most of the screening's time)."""
    if isinstance(value, str):
        return "\x00" not in value and (value.isascii() or text_problem(value) is None)
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
                if not (_all_fit(key, depth) and _all_fit(child, depth + 1)):
                    return False
            return True
        return all(_all_fit(child, depth + 1) for child in value)
    return True


def unfit_values(value: Any, loc: tuple[str | int, ...] = ()) -> list[Unfit]:
    """Every place in a parsed JSON value that API v1 does not take (at most 20), in document
    order; an empty list when the whole value is fit."""
    if _all_fit(value, 0):
        return []
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
