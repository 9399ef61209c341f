"""The word diff between the two outputs of a comparison."""

from __future__ import annotations

import random

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from reviewdesk.ui.review.compare_diff import DIFF_CAP, Change, DiffPane, DiffPart, word_diff


def test_a_changed_word_is_one_word_out_and_one_in() -> None:
    assert word_diff("Mail us today.", "Call us today.") == [
        DiffPart(Change.DELETED, "Mail "),
        DiffPart(Change.INSERTED, "Call "),
        DiffPart(Change.SAME, "us today."),
    ]


def test_the_parts_give_back_each_output_whole() -> None:
    rng = random.Random(7)
    words = ["the", "refund", "order", ",", "within", "30", "days", ".", "\n", "ship"]
    for _ in range(50):
        left = " ".join(rng.choices(words, k=rng.randint(0, 400)))
        right = " ".join(rng.choices(words, k=rng.randint(0, 400)))
        parts = word_diff(left, right)
        assert "".join(p.text for p in parts if p.change is not Change.INSERTED) == left
        assert "".join(p.text for p in parts if p.change is not Change.DELETED) == right


def test_outputs_over_the_cap_are_not_diffed(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    pane = DiffPane(owner)
    pane.show_diff("a " * DIFF_CAP, "b")
    assert pane.parts == []
    assert "too long for a word diff" in pane.toPlainText()
