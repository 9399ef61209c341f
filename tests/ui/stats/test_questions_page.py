"""The Statistics tab's Questions page: a review form question's answers in the desk, the same
numbers `reviewdesk stats --question` gives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewdesk.store import Store
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.stats.questions import QuestionsPage
from tests.helpers.answers import AnswerStore, answered

OpenDesk = Callable[..., DeskWindow]


def _cells(page: QuestionsPage) -> list[list[str]]:
    table = page.table
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]  # type: ignore[union-attr]
        for row in range(table.rowCount())
    ]


def _store(tmp_path: Path) -> Path:
    path = tmp_path / "answers.sqlite"
    with Store.open(path) as store:
        answers = AnswerStore(store, tmp_path)
        answers.add(
            ([answered("ann", {"behaviour": "full_refusal"}, verdict="reject")], {}),
            ([answered("ann", {"behaviour": "full_refusal", "helpfulness": 4})], {}),
            ([answered("ann", {"behaviour": "full_compliance", "helpfulness": 2})], {}),
            (
                [
                    answered("ann", {"behaviour": "partial_refusal"}),
                    answered("bob", {"behaviour": "full_refusal"}, minute=1),
                ],
                {},
            ),
        )
    return path


def test_the_questions_page_shows_a_picked_questions_answers(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(_store(tmp_path), wait_for="queue_finished")
    with qtbot.waitSignal(window.stats.overview_shown):
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    page = window.stats.questions
    window.stats.tables.setCurrentWidget(page)
    picker = page.picker
    assert [picker.itemData(index) for index in range(picker.count())] == [
        "behaviour",
        "helpfulness",
        "topics",
        "note",
        "hallucination",
    ]
    assert picker.currentText() == "What did the model do? (behaviour, choice)"
    # Three items resolve (ann and bob tie on the fourth: left out, and said so).
    assert _cells(page) == [
        ["Full compliance", "1", "33.3%", "6.1–79.2%", "100.0%", "0.0%", "0.0%"],
        ["Full refusal", "2", "66.7%", "20.8–93.9%", "50.0%", "0.0%", "50.0%"],
        ["Partial refusal", "0", "0.0%", "0.0–56.1%", "–", "–", "–"],
    ]
    note = page.note.text()
    assert "3 answers on 3 items, each item's resolved answer" in note
    assert "1 left out (ties no adjudicator settled)" in note
    assert "Agreement on 1 items with two or more answers: 0.0% agree" in note
    # Picking by keyboard: the rating, its mean and distribution.
    picker.setFocus()
    qtbot.keyClick(picker, Qt.Key.Key_Down)
    assert picker.currentData() == "helpfulness"
    assert "mean 3.00" in page.note.text()
    assert [row[:2] for row in _cells(page)] == [
        ["useless", "0"],
        ["2", "1"],
        ["3", "0"],
        ["4", "1"],
        ["perfect", "0"],
    ]
    assert all(row[4:] == ["", "", ""] for row in _cells(page))  # no verdicts for a rating


def test_a_store_without_forms_says_so(qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path) -> None:
    path = tmp_path / "plain.sqlite"
    Store.open(path).close()
    window = open_desk(path, wait_for="store_empty")
    with qtbot.waitSignal(window.stats.overview_shown):
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    page = window.stats.questions
    assert page.picker.count() == 0 and not page.picker.isEnabled()
    assert page.note.text() == "No queue has a review form with questions yet."
