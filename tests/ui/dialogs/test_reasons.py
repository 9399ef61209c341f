"""The reject's reason picker: typing finds any reason (past the ninth too), and "Other" needs
words, which the decision keeps in its comment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewdesk.domain import DEFAULT_REASONS, Decision, Reason
from reviewdesk.store import Store
from reviewdesk.ui.dialogs.decision import CommentDialog, ReasonDialog
from reviewdesk.ui.shell.window import DeskWindow
from tests.review.builders import make_store
from tests.ui.test_desk import press

OpenDesk = Callable[..., DeskWindow]

EXTRA = [
    Reason(code="toxicity", label="Toxicity"),
    Reason(code="jailbreak", label="Jailbreak followed"),
    Reason(code="wrong_language", label="Wrong language"),
    Reason(code="stale_data", label="Stale data"),
    Reason(code="bad_citation", label="Bad citation"),
]


def many_reasons(path: Path) -> Path:
    make_store(path, count=4)
    with Store.open(path, create=False) as store:
        store.set_reasons([*DEFAULT_REASONS, *EXTRA])
    return path


def saved(path: Path, generation_id: str) -> list[Decision]:
    with Store.open(path, create=False) as store:
        return store.decisions_of(generation_id)


def open_picker(qtbot: QtBot, window: DeskWindow) -> ReasonDialog:
    press(qtbot, window, Qt.Key.Key_R)
    dialog = window.dialog
    assert isinstance(dialog, ReasonDialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.filter)
    return dialog


def test_typing_finds_a_reason_past_the_ninth_and_enter_picks_it(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = many_reasons(tmp_path / "reasons.sqlite")
    window = open_desk(path)
    first = window.current_item
    assert first is not None
    dialog = open_picker(qtbot, window)
    assert len(dialog.shown()) == 14

    qtbot.keyClicks(dialog.filter, "lang")
    assert dialog.shown() == ["wrong_language"]
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)  # picks the one left, the box empties
    assert dialog.chosen() == ["wrong_language"] and dialog.filter.text() == ""
    assert len(dialog.shown()) == 14

    qtbot.keyClicks(dialog.filter, "error")
    assert dialog.shown() == ["factual_error", "format_error"]
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)  # not one: nothing picked, still open
    assert dialog.chosen() == ["wrong_language"] and dialog.isVisible()
    dialog.filter.clear()
    qtbot.keyClicks(dialog.filter, "citation wrong")  # every word must match
    assert dialog.shown() == [] and dialog.no_match.isVisible()
    dialog.filter.clear()

    qtbot.keyClick(dialog.filter, Qt.Key.Key_2)  # the box is empty: a digit toggles
    assert dialog.chosen() == ["unsafe", "wrong_language"]
    with qtbot.waitSignal(window.decision_saved):
        qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    [decision] = saved(path, first.generation.id)
    assert decision.reasons == ("unsafe", "wrong_language") and decision.comment is None


def test_other_needs_words_which_go_first_into_the_comment(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = many_reasons(tmp_path / "reasons.sqlite")
    window = open_desk(path)
    first = window.current_item
    assert first is not None
    press(qtbot, window, Qt.Key.Key_C)
    comment = window.dialog
    assert isinstance(comment, CommentDialog)
    qtbot.keyClicks(comment.editor, "seen twice today")
    qtbot.keyClick(comment.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.dialog is None)

    dialog = open_picker(qtbot, window)
    assert not dialog.other.isVisible()
    qtbot.keyClicks(dialog.filter, "othe")
    qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    assert dialog.chosen() == ["other"]
    assert dialog.other.isVisible() and QApplication.focusWidget() is dialog.other
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.other, Qt.Key.Key_Return)  # no words: refused
    assert dialog.isVisible() and saved(path, first.generation.id) == []
    qtbot.keyClicks(dialog.other, "   ")
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.other, "invented a store policy")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(window.decision_saved):
        qtbot.keyClick(dialog.other, Qt.Key.Key_Return)
    [decision] = saved(path, first.generation.id)
    assert decision.reasons == ("other",)
    assert decision.comment == "Other: invented a store policy\n\nseen twice today"

    # Unticking Other drops its words: a plain reason alone saves no comment of its own.
    second = window.current_item
    assert second is not None
    dialog = open_picker(qtbot, window)
    qtbot.keyClick(dialog.filter, Qt.Key.Key_9)  # Other, the ninth
    qtbot.keyClicks(dialog.other, "left over")
    dialog.filter.setFocus()
    qtbot.keyClick(dialog.filter, Qt.Key.Key_9)
    qtbot.keyClick(dialog.filter, Qt.Key.Key_7)
    assert dialog.chosen() == ["tone"] and not dialog.other.isVisible()
    with qtbot.waitSignal(window.decision_saved):
        qtbot.keyClick(dialog.filter, Qt.Key.Key_Return)
    [decision] = saved(path, second.generation.id)
    assert decision.reasons == ("tone",) and decision.comment is None
