"""Help on the desk: the Help menu, F1 and ? for the keys (with the guidelines one button away),
"What's this?" on the panes, and the first-run panel that asks the reviewer's name."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWhatsThis
from pytestqt.qtbot import QtBot

from reviewdesk.store import Store
from reviewdesk.ui.review.guidelines import GuidelinesDialog, KeysDialog
from reviewdesk.ui.shell.window import DeskWindow
from tests.ui.review.test_form import form_store
from tests.ui.test_desk import press
from tests.ui.test_keyboard import menus

OpenDesk = Callable[..., DeskWindow]


def settings_file() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "reviewdesk", "desk")


def test_f1_and_question_mark_open_the_keys_and_the_keys_open_the_guidelines(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(form_store(tmp_path / "forms.sqlite"))
    help_menu = [action.text() for action in menus(window)["Help"]]
    assert help_menu == ["&Keys…", "&What's this?", "&Guidelines window…"]

    for key in (Qt.Key.Key_F1, Qt.Key.Key_Question):
        press(qtbot, window, key)
        qtbot.waitUntil(lambda: isinstance(window.dialog, KeysDialog))
        dialog = window.dialog
        assert isinstance(dialog, KeysDialog)
        assert ("?  or  F1", "Keys") in dialog.rows()
        assert ("Shift+G", "Guidelines window") in dialog.rows()
        qtbot.keyClick(dialog, Qt.Key.Key_F1)  # F1 again closes it
        qtbot.waitUntil(lambda: window.dialog is None)

    press(qtbot, window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: isinstance(window.dialog, KeysDialog))
    keys = window.dialog
    assert isinstance(keys, KeysDialog) and keys.guidelines_button is not None
    keys.guidelines_button.click()
    qtbot.waitUntil(lambda: isinstance(window.dialog, GuidelinesDialog))
    guidelines = window.dialog
    assert isinstance(guidelines, GuidelinesDialog)
    assert "refund policy" in guidelines.view.toPlainText()
    guidelines.reject()
    qtbot.waitUntil(lambda: window.dialog is None)


def test_the_keys_of_a_queue_without_guidelines_have_no_guidelines_button(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    press(qtbot, window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: isinstance(window.dialog, KeysDialog))
    dialog = window.dialog
    assert isinstance(dialog, KeysDialog) and dialog.guidelines_button is None
    dialog.reject()
    qtbot.waitUntil(lambda: window.dialog is None)


def test_every_pane_says_what_it_is_and_shift_f1_asks(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    review = window.review
    for pane, words in [
        (window.queue_panel, "queue list"),
        (review.prompt, "last user turn"),
        (review.output.text, "Ctrl+Enter"),
        (review.flags, "[ and ]"),
        (review.header, "template@version"),
    ]:
        assert words in pane.whatsThis(), pane
    press(qtbot, window, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    try:
        assert QWhatsThis.inWhatsThisMode()
    finally:
        QWhatsThis.leaveWhatsThisMode()


def test_the_first_run_asks_the_name_once_and_decisions_carry_it(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    panel = window.first_run
    assert panel is not None and panel.isVisible()
    assert panel.name.text() == getpass.getuser()  # offered, not yet kept
    assert not settings_file().value("review/reviewer")
    loop = panel.keys.text()
    for key in ("A Approve", "E Edit", "R Reject", "S Skip", "Ctrl+Z Undo decision"):
        assert key in loop
    # The keys stay with the item while the panel is up.
    assert QApplication.focusWidget() is window.review.output.text

    qtbot.keyClick(window.review.output.text, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is panel.name
    panel.name.clear()
    qtbot.keyClick(panel.name, Qt.Key.Key_Return)  # empty: refused, nothing kept
    assert panel.problem.isVisible() and "cannot be empty" in panel.problem.text()
    assert not settings_file().value("review/reviewer")

    qtbot.keyClicks(panel.name, "  Ada Lovelace ")
    with qtbot.waitSignal(window.item_shown):  # a new session under the name
        qtbot.keyClick(panel.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert window.first_run is None
    assert settings_file().value("review/reviewer") == "Ada Lovelace"
    assert window.reviewer == "Ada Lovelace"
    item = window.current_item
    assert item is not None
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: not window.runner.busy)
    with Store.open(desk_store, create=False) as store:
        assert [d.reviewer for d in store.decisions_of(item.generation.id)] == ["Ada Lovelace"]

    again = open_desk(desk_store)
    assert again.first_run is None and again.reviewer == "Ada Lovelace"


def test_a_name_set_in_the_settings_dialog_closes_the_first_run_panel(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    assert window.first_run is not None
    window.settings.reviewer = "grace"
    window.apply_appearance()  # as the settings dialog does once it stored its values
    assert window.first_run is None
