"""Review-form answers on comparisons, through the session into a real store file: checked
before anything is written, stored in narrow rows, read back equal, taken back by undo."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewdesk.domain import Preference
from reviewdesk.errors import AnswerError
from reviewdesk.review.comparisons import LEFT, RIGHT, ComparisonSession
from reviewdesk.store import Store
from reviewdesk.store.comparisons import iter_comparisons, load_comparison_decisions
from tests.helpers.comparison_forms import comparison_form
from tests.review.comparison_builders import comparison, fill_comparisons


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "cmp.sqlite")
    opened.set_form("prefs", comparison_form())
    fill_comparisons(opened, [comparison(number) for number in range(1, 4)])
    yield opened
    opened.close()


def _answer_rows(store: Store) -> int:
    with sqlite3.connect(store.path) as connection:
        (count,) = connection.execute("SELECT count(*) FROM comparison_decision_answer").fetchone()
    return int(count)


def test_the_comparison_shows_the_questions_its_queue_asks_without_spans(store: Store) -> None:
    item = ComparisonSession(store, "ann").start().item
    assert item is not None and item.form is not None
    assert item.form.keys == ("quality", "confidence", "why_bad", "topics")
    assert item.form.version == 4


def test_a_required_answer_missing_stores_nothing_and_names_the_question(store: Store) -> None:
    session = ComparisonSession(store, "ann")
    first = session.start().item
    assert first is not None
    with pytest.raises(AnswerError, match=r"answers\.quality: is required but missing"):
        session.decide_side(LEFT, duration_ms=5, answers={"confidence": 2})
    with pytest.raises(AnswerError, match=r"answers\.why_bad: is required for reject"):
        session.decide(
            Preference.BOTH_BAD, duration_ms=5, reasons=["tone"], answers={"quality": "poor"}
        )
    assert session.current is first
    with store.engine.connect() as connection:
        assert load_comparison_decisions(connection, first.id) == []
    assert _answer_rows(store) == 0


def test_answers_are_stored_with_the_form_version_and_read_back_equal(store: Store) -> None:
    session = ComparisonSession(store, "ann")
    first = session.start().item
    assert first is not None
    saved = session.decide_side(
        RIGHT,
        duration_ms=5,
        answers={"topics": ["shipping", "billing"], "quality": "great", "confidence": 3},
    ).saved
    assert saved is not None
    assert saved.form_version == 4
    assert saved.answers == {
        "quality": "great",
        "confidence": 3,
        "topics": ("shipping", "billing"),
    }
    bad = session.decide(
        Preference.BOTH_BAD,
        duration_ms=5,
        reasons=["factual_error"],
        answers={"quality": "poor", "why_bad": "both invent a deadline", "topics": []},
    ).saved
    assert bad is not None
    with store.engine.connect() as connection:
        [again] = load_comparison_decisions(connection, first.id)
        everything = {c.id: d for c, d in iter_comparisons(connection)}
    assert again == saved
    assert everything[bad.comparison_id] == [bad]
    assert bad.answers["topics"] == ()
    # One narrow row per answer and per value of a multi answer (an empty one is one row).
    assert _answer_rows(store) == 4 + 3


def test_undo_takes_the_answers_back_with_the_decision(store: Store) -> None:
    session = ComparisonSession(store, "ann")
    session.start()
    session.decide(Preference.TIE, duration_ms=5, answers={"quality": "fine", "confidence": 1})
    assert _answer_rows(store) == 2
    step = session.undo()
    assert step.undone is not None and step.undone.answers == {"quality": "fine", "confidence": 1}
    assert _answer_rows(store) == 0


def test_answers_on_a_comparison_whose_queue_has_no_form_are_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "plain.sqlite") as store:
        fill_comparisons(store, [comparison(1)])
        session = ComparisonSession(store, "ann")
        item = session.start().item
        assert item is not None and item.form is None
        with pytest.raises(AnswerError, match=r"answers\.quality: the comparison's queue has no"):
            session.decide(Preference.A, duration_ms=5, answers={"quality": "great"})
        saved = session.decide(Preference.A, duration_ms=5).saved
        assert saved is not None and saved.answers == {} and saved.form_version is None
