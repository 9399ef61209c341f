"""The queue's review form on the Comparisons tab, from the keyboard only, against a real store
file and the real window: Tab goes into the questions, their keys come before 1 and 2, Esc
comes back out; a required answer missing saves nothing and names the question."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewdesk.domain import Preference
from reviewdesk.review.comparisons import LEFT
from reviewdesk.store import Store
from reviewdesk.ui.dialogs.decision import ReasonDialog
from reviewdesk.ui.review.guidelines import KeysDialog
from reviewdesk.ui.review.questions import TextBox
from reviewdesk.ui.shell.window import DeskWindow
from tests.helpers.comparison_forms import comparison_form
from tests.review.comparison_builders import make_comparison_store
from tests.ui.review.test_compare_desk import act, open_comparisons, press, stored

OpenDesk = Callable[..., DeskWindow]


def _store(path: Path, count: int = 3) -> Path:
    make_comparison_store(path, count=count)
    with Store.open(path) as store:
        store.set_form("prefs", comparison_form())
    return path


def _message(window: DeskWindow) -> str:
    return window.statusBar().currentMessage()


def test_the_form_is_answered_by_keys_ahead_of_1_and_2_and_saved_with_the_preference(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = _store(tmp_path / "cmp.sqlite")
    window = open_comparisons(qtbot, open_desk, path)
    panel = window.compare.view.form
    assert panel.isVisible()
    # The spans question is not asked on a comparison.
    assert [box.question.key for box in panel.boxes] == [
        "quality",
        "confidence",
        "why_bad",
        "topics",
    ]
    # "required for reject" in the form reads as what it means on a comparison
    assert panel.box("why_bad").title.text() == "What is wrong with both? * (for both bad)"
    assert panel.box("quality").title.text() == "How good is the better answer? *"
    first = window.compare.current_item
    assert first is not None

    # 1 with the required question unanswered: nothing is saved, the question is pointed out.
    press(qtbot, window, Qt.Key.Key_1)
    assert not window.compare.in_flight
    assert stored(path, first.id) == []
    assert _message(window).startswith(
        "Not saved: “How good is the better answer?” is required but missing"
    )
    assert panel.engaged and panel.box("quality").is_current
    assert panel.box("quality").note_text == "is required but missing"

    # Gone into the form, 2 picks the question's second option instead of deciding.
    press(qtbot, window, Qt.Key.Key_2)
    assert stored(path, first.id) == []
    assert panel.box("quality").value() == "fine"
    press(qtbot, window, Qt.Key.Key_Tab)
    press(qtbot, window, Qt.Key.Key_3)
    assert panel.box("confidence").value() == 3
    press(qtbot, window, Qt.Key.Key_Tab)  # the text question, left unanswered
    press(qtbot, window, Qt.Key.Key_Tab)
    press(qtbot, window, Qt.Key.Key_X)
    assert panel.box("topics").value() == ["billing"]
    press(qtbot, window, Qt.Key.Key_Escape)
    assert not panel.engaged

    # Back out, 1 decides: the left answer is better, with the answers.
    act(qtbot, window, Qt.Key.Key_1)
    [decision] = stored(path, first.id)
    assert decision.preference is first.preference_for(LEFT)
    assert decision.answers == {"quality": "fine", "confidence": 3, "topics": ("billing",)}
    assert decision.form_version == 4

    # The next comparison starts with an empty form, its keys back to the page's.
    second = window.compare.current_item
    assert second is not None and second.id != first.id
    assert all(box.value() is None for box in panel.boxes)
    assert not panel.engaged


def test_both_bad_asks_its_own_question_and_undo_brings_the_answers_back(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = _store(tmp_path / "cmp.sqlite")
    window = open_comparisons(qtbot, open_desk, path)
    panel = window.compare.view.form
    first = window.compare.current_item
    assert first is not None
    press(qtbot, window, Qt.Key.Key_Tab)
    press(qtbot, window, Qt.Key.Key_3)  # quality: poor
    press(qtbot, window, Qt.Key.Key_Escape)

    # B: the text asked only when both are bad is missing, so no reason picker, nothing saved.
    press(qtbot, window, Qt.Key.Key_B)
    assert not isinstance(QApplication.activeModalWidget(), ReasonDialog)
    assert _message(window).startswith(
        "Not saved: “What is wrong with both?” is required for reject (here: both_bad) but missing"
    )
    box = panel.box("why_bad")
    assert isinstance(box, TextBox) and box.is_current
    assert QApplication.focusWidget() is box.editor
    qtbot.keyClicks(box.editor, "both 12 curt")  # digits type in a text answer
    assert stored(path, first.id) == []
    press(qtbot, window, Qt.Key.Key_Escape)  # out of the text box
    press(qtbot, window, Qt.Key.Key_Escape)  # out of the form
    assert not panel.engaged

    press(qtbot, window, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ReasonDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ReasonDialog)
    qtbot.keyClick(dialog, Qt.Key.Key_1)
    with qtbot.waitSignal(window.compare.decision_saved):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.runner.busy)
    [bad] = stored(path, first.id)
    assert bad.preference is Preference.BOTH_BAD
    assert bad.answers == {"quality": "poor", "why_bad": "both 12 curt"}

    # Z takes it back: the comparison shows again with its answers on screen.
    act(qtbot, window, Qt.Key.Key_Z)
    assert stored(path, first.id) == []
    current = window.compare.current_item
    assert current is not None and current.id == first.id
    assert panel.box("quality").value() == "poor"
    assert panel.box("why_bad").value() == "both 12 curt"
    # ...and T saves them again as a tie (the text is not required then, but kept).
    act(qtbot, window, Qt.Key.Key_T)
    [tie] = stored(path, first.id)
    assert tie.preference is Preference.TIE
    assert tie.answers == {"quality": "poor", "why_bad": "both 12 curt"}


def test_a_queue_without_a_form_shows_no_panel_and_the_keys_dialog_lists_the_forms(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    plain = make_comparison_store(tmp_path / "plain.sqlite", count=1)
    window = open_comparisons(qtbot, open_desk, plain)
    assert not window.compare.view.form.isVisible()
    window.close()

    path = _store(tmp_path / "cmp.sqlite", count=1)
    window = open_comparisons(qtbot, open_desk, path)
    qtbot.keyClick(QApplication.focusWidget() or window, "?")
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), KeysDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, KeysDialog)
    rows = dialog.rows()
    for row in [
        ("The review form", ""),
        ("Tab", "go to the questions (their keys then come first)"),
        ("Esc", "leave the questions (1 and 2 choose the better answer again)"),
        ("x", "topics: tick or untick billing"),
    ]:
        assert row in rows, row
    assert not any("Unsupported claim" in what for _, what in rows)  # spans: not asked
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)


def test_the_comparisons_tab_says_its_own_keys_and_how_to_reach_the_questions(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_comparisons(qtbot, open_desk, _store(tmp_path / "cmp.sqlite"))
    # The first-run panel (no reviewer name confirmed yet) names the keys of the tab shown.
    welcome = window.first_run
    assert welcome is not None and welcome.isVisible()
    assert "1 The left is better" in welcome.keys.text()
    assert "T Tie" in welcome.keys.text()
    assert "A Approve" not in welcome.keys.text()
    window.tabs.setCurrentWidget(window.splitter)
    assert "A Approve" in welcome.keys.text()
    window.tabs.setCurrentWidget(window.compare)
    assert "1 The left is better" in welcome.keys.text()

    # The form's keys wait for Tab: the panel says so, and says how to come back.
    hint = window.compare.view.form.hint
    assert hint.isVisible() and hint.text().startswith("Tab: answer the questions")
    press(qtbot, window, Qt.Key.Key_Tab)
    assert hint.text().startswith("Answering:") and "Esc" in hint.text()
    press(qtbot, window, Qt.Key.Key_Escape)
    assert hint.text().startswith("Tab: answer the questions")
