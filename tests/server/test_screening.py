"""The screening's quick check (`_all_fit`) says "fit" exactly when the walk that names every
unfit value finds none: for any JSON-shaped value, subclasses of its types included."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.protocol.screening import (
    INT64_MAX,
    INT64_MIN,
    MAX_DEPTH,
    _all_fit,
    unfit_values,
    unfit_walk,
)


class _Level(IntEnum):
    LOW = 1


class _Text(str):
    pass


_TEXT = st.text(alphabet=st.sampled_from(["a", "é", "\x00", "\ud800", "\udfff", "😀", " "]))
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=INT64_MIN - 3, max_value=INT64_MIN + 3),
    st.integers(min_value=INT64_MAX - 3, max_value=INT64_MAX + 3),
    st.integers(min_value=-1000, max_value=1000),
    st.floats(allow_nan=True, allow_infinity=True),
    _TEXT,
    _TEXT.map(_Text),
    st.just(_Level.LOW),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(_TEXT, _TEXT.map(_Text)), children, max_size=4),
    ),
    max_leaves=30,
)


def _nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@settings(max_examples=800, deadline=None)
@given(_VALUES)
def test_the_quick_check_agrees_with_the_walk(value: Any) -> None:
    assert _all_fit(value, 0) == (unfit_walk(value) == [])
    assert (unfit_values(value) == []) == (unfit_walk(value) == [])


@given(st.integers(min_value=MAX_DEPTH - 2, max_value=MAX_DEPTH + 2), _LEAVES)
def test_nesting_at_the_limit_agrees_with_the_walk(depth: int, leaf: Any) -> None:
    value = _nested(depth, leaf)
    assert _all_fit(value, 0) == (unfit_walk(value) == [])
