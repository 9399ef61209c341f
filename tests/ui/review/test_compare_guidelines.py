"""The queue's guidelines on the Comparisons tab, from the keyboard only, against a real store
file and the real window: beside the comparison (G hides and shows them), in a window
(Shift+G, or the keys window's button), inert, and never in the way of typing an answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from reviewdesk.domain import Form, Preference
from reviewdesk.store import Store
from reviewdesk.ui.review.guidelines import GuidelinesDialog, KeysDialog
from reviewdesk.ui.review.questions import TextBox
from reviewdesk.ui.shell.window import DeskWindow
from tests.helpers.comparison_forms import comparison_form
from tests.helpers.inert import (
    CountingServer,
    assert_inert,
    has_red,
    hostile_guidelines,
    red_png,
)
from tests.review.comparison_builders import comparison, fill_comparisons
from tests.ui.review.test_compare_desk import act, open_comparisons, press, stored

OpenDesk = Callable[..., DeskWindow]

SHIFT = Qt.KeyboardModifier.ShiftModifier


def _store(path: Path, form: Form) -> Path:
    """Two comparisons of queue "prefs" (with `form`), then one of a queue with no form."""
    with Store.open(path) as store:
        fill_comparisons(store, [comparison(1), comparison(2), comparison(3, queue="plain")])
        store.set_form("prefs", form)
    return path


def _modal() -> QDialog | None:
    found = QApplication.activeModalWidget()
    return found if isinstance(found, QDialog) else None


def _close(qtbot: QtBot, dialog: QDialog) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: _modal() is None)


def test_guidelines_show_beside_the_comparison_and_in_a_window_and_load_nothing(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path, loopback_server: CountingServer
) -> None:
    guidelines = hostile_guidelines(loopback_server.url, red_png(tmp_path / "red.png"))
    # A form of guidelines alone: nothing to answer, but the guidelines are the queue's.
    path = _store(tmp_path / "cmp.sqlite", Form(guidelines=guidelines))
    window = open_comparisons(qtbot, open_desk, path)
    window.resize(1440, 900)
    view = window.compare.view
    panel = view.guidelines
    qtbot.waitUntil(panel.isVisible)
    assert not view.form.isVisible()
    assert_inert(panel.view.document())
    assert not has_red(panel.grab().toImage())
    # beside the outputs, and the outputs keep most of the width
    assert panel.x() > view.side_box(1).x()
    assert panel.width() < view.side_box(0).width()

    press(qtbot, window, Qt.Key.Key_G, SHIFT)
    qtbot.waitUntil(lambda: isinstance(_modal(), GuidelinesDialog))
    dialog = _modal()
    assert isinstance(dialog, GuidelinesDialog)
    assert dialog.windowTitle() == "Guidelines — prefs"
    assert_inert(dialog.view.document())
    assert not has_red(dialog.grab().toImage())
    _close(qtbot, dialog)

    press(qtbot, window, Qt.Key.Key_G)  # hides them
    assert not panel.isVisible()
    assert not window.compare.guidelines.isChecked()
    press(qtbot, window, Qt.Key.Key_G)
    assert panel.isVisible()

    # The keys window lists G and Shift+G with the tab's keys, and opens the guidelines.
    press(qtbot, window, Qt.Key.Key_Question)
    qtbot.waitUntil(lambda: isinstance(_modal(), KeysDialog))
    keys = _modal()
    assert isinstance(keys, KeysDialog)
    rows = keys.rows()
    desk = rows.index(("The desk", ""))
    assert ("G", "Guidelines") in rows[:desk]
    assert ("Shift+G", "Guidelines window") in rows[:desk]
    # The desk's section lists the keys that work here: not the Review tab's item keys.
    keys_listed = [key for key, _ in rows]
    assert keys_listed.count("G") == 1 and keys_listed.count("Shift+G") == 1
    assert ("A", "Approve") not in rows
    assert ("Ctrl+3", "Comparisons tab") in rows[desk:]
    assert keys.guidelines_button is not None
    # Offscreen, no window manager activates a new window: do what one would.
    keys.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is keys)
    qtbot.keyClick(keys, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)  # its mnemonic
    qtbot.waitUntil(lambda: isinstance(_modal(), GuidelinesDialog))
    opened = _modal()
    assert opened is not None
    _close(qtbot, opened)
    window.activateWindow()  # the window manager's part again: the window has the keys back
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    # The keys decide again where the reviewer left off; the next comparison of the queue
    # keeps the guidelines, one of a queue without them hides the panel.
    first = window.compare.current_item
    assert first is not None and first.id == "cmp-0001"
    act(qtbot, window, Qt.Key.Key_T)
    assert [d.preference for d in stored(path, "cmp-0001")] == [Preference.TIE]
    second = window.compare.current_item
    assert second is not None and second.id == "cmp-0002"
    assert panel.isVisible()
    act(qtbot, window, Qt.Key.Key_S)
    third = window.compare.current_item
    assert third is not None and third.id == "cmp-0003"
    assert not panel.isVisible()
    press(qtbot, window, Qt.Key.Key_G, SHIFT)
    assert _modal() is None
    assert window.statusBar().currentMessage() == "This comparison's queue has no guidelines."
    assert loopback_server.requests == []


def test_g_types_in_a_text_answer_and_a_form_without_guidelines_shows_no_panel(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    form = comparison_form().model_copy(update={"guidelines": "Prefer the *shorter* answer."})
    path = _store(tmp_path / "cmp.sqlite", form)
    window = open_comparisons(qtbot, open_desk, path)
    view = window.compare.view
    qtbot.waitUntil(view.guidelines.isVisible)
    assert "Prefer the shorter answer." in view.guidelines.view.document().toPlainText()

    press(qtbot, window, Qt.Key.Key_Tab)  # into the questions: quality
    press(qtbot, window, Qt.Key.Key_Tab)  # confidence
    press(qtbot, window, Qt.Key.Key_Tab)  # the text question
    box = view.form.box("why_bad")
    assert isinstance(box, TextBox) and box.is_current
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box.editor)
    qtbot.keyClicks(box.editor, "big")
    qtbot.keyClick(box.editor, "G", SHIFT)  # Shift+G: a capital, not the window
    assert box.value() == "bigG"
    assert view.guidelines.isVisible() and _modal() is None
    press(qtbot, window, Qt.Key.Key_Escape)  # out of the text box
    press(qtbot, window, Qt.Key.Key_Escape)  # out of the form
    press(qtbot, window, Qt.Key.Key_G)
    assert not view.guidelines.isVisible()
    window.close()

    plain = tmp_path / "plain.sqlite"
    with Store.open(plain) as store:
        fill_comparisons(store, [comparison(1)])
        store.set_form("prefs", comparison_form())  # questions, no guidelines
    window = open_comparisons(qtbot, open_desk, plain)
    assert window.compare.view.form.isVisible()
    assert not window.compare.view.guidelines.isVisible()
    press(qtbot, window, Qt.Key.Key_G)
    assert window.statusBar().currentMessage() == "This comparison's queue has no guidelines."
