"""The exception tree drawn in `reviewdesk.errors` is the tree the code raises."""

from __future__ import annotations

import importlib
import pkgutil
import re

import reviewdesk
from reviewdesk import errors
from reviewdesk.errors import ReviewdeskError

_DRAWN = re.compile(r"^(?P<lead>[ │├└─]*)(?P<name>[A-Z]\w+)\b")


def _drawing() -> dict[str, str | None]:
    """Each class named in the docstring's tree, with the class drawn as its parent."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = _DRAWN.match(line)
        if not match or not (match["lead"] or match["name"] == "ReviewdeskError"):
            continue
        column = len(match["lead"])
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[match["name"]] = stack[-1][1] if stack else None
        stack.append((column, match["name"]))
    return parents


def _defined_exceptions() -> list[type[BaseException]]:
    """Every exception class defined in a reviewdesk module (imports every module)."""
    found: list[type[BaseException]] = []
    for module_info in pkgutil.walk_packages(reviewdesk.__path__, "reviewdesk."):
        if ".migrations" in module_info.name or module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        found.extend(
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, BaseException)
            and value.__module__ == module.__name__
        )
    return found


def _raised_classes() -> dict[str, type[BaseException]]:
    return {cls.__name__: cls for cls in _defined_exceptions()}


def test_the_drawing_is_one_tree_under_the_root() -> None:
    drawing = _drawing()
    assert drawing["ReviewdeskError"] is None
    assert len(drawing) > 20
    assert [name for name, parent in drawing.items() if parent is None] == ["ReviewdeskError"]


def test_every_exception_reviewdesk_defines_is_under_the_root() -> None:
    outside = [
        f"{cls.__module__}.{name}"
        for name, cls in _raised_classes().items()
        if not issubclass(cls, ReviewdeskError)
    ]
    assert outside == []


def test_every_public_exception_is_drawn_under_its_real_parent() -> None:
    drawing = _drawing()
    classes = _raised_classes()
    public = {name: cls for name, cls in classes.items() if not name.startswith("_")}
    assert sorted(set(public) - set(drawing)) == []  # defined but not drawn
    assert sorted(set(drawing) - set(public)) == []  # drawn but not defined
    wrong = {
        name: (drawing[name], cls.__bases__[0].__name__)
        for name, cls in public.items()
        if name != "ReviewdeskError" and drawing[name] != cls.__bases__[0].__name__
    }
    assert wrong == {}


def test_no_two_exception_classes_share_a_name() -> None:
    seen: dict[str, list[str]] = {}
    for cls in _defined_exceptions():
        seen.setdefault(cls.__name__, []).append(cls.__module__)
    assert {name: where for name, where in seen.items() if len(where) > 1} == {}
