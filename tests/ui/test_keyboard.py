"""Every pane and every command of the desk is reachable from the keyboard."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from reviewdesk.domain import Flag, Message, Role, Severity
from reviewdesk.store import Store
from reviewdesk.ui.dialogs.decision import CommentDialog
from reviewdesk.ui.shell.window import DeskWindow
from tests.review.builders import generation
from tests.ui.test_desk import act, decisions, press, shown_id

OpenDesk = Callable[..., DeskWindow]


def menus(window: DeskWindow) -> dict[str, list[QAction]]:
    """Each menu of the menu bar (by its title, without the &) and its entries."""
    found: dict[str, list[QAction]] = {}
    for entry in window.menuBar().actions():
        menu = entry.menu()
        assert isinstance(menu, QMenu)
        found[entry.text().replace("&", "")] = [a for a in menu.actions() if not a.isSeparator()]
    return found


def mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text)
    return None if found is None else found[1].lower()


def test_every_menu_has_unique_mnemonics_and_every_action_a_way_in(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    in_menus: set[QAction] = set()
    bar = [mnemonic(entry.text()) for entry in window.menuBar().actions()]
    assert None not in bar and len(set(bar)) == len(bar), bar
    for title, actions in menus(window).items():
        keys = [mnemonic(action.text()) for action in actions]
        assert None not in keys, (title, [a.text() for a in actions])
        assert len(set(keys)) == len(keys), (title, [a.text() for a in actions])
        in_menus.update(actions)
    for action in window.findChildren(QAction):
        if action.text() and not action.isSeparator() and action.parent() is window:
            assert action in in_menus or not action.shortcut().isEmpty(), action.text()


def flagged_chat(path: Path) -> Path:
    output = "Mail anna@example.org or call +1 555 0100 today."
    email, phone = "anna@example.org", "+1 555 0100"
    flags = (
        Flag(
            validator="pii",
            code="email",
            severity=Severity.ERROR,
            span=(output.index(email), output.index(email) + len(email)),
        ),
        Flag(
            validator="pii",
            code="phone",
            severity=Severity.WARNING,
            span=(output.index(phone), output.index(phone) + len(phone)),
        ),
    )
    long_system = "\n".join(f"Rule {n}: be exact." for n in range(200))
    prompt = (
        Message(role=Role.SYSTEM, content=long_system),
        Message(role=Role.USER, content="First question?"),
        Message(role=Role.ASSISTANT, content="First answer."),
        Message(role=Role.USER, content="And the refund?"),
    )
    with Store.open(path) as store, store.bulk_writer() as writer:
        writer.add([(generation(1, output=output, flags=flags, prompt=prompt), ())])
    return path


def test_brackets_step_through_the_flags_and_select_their_spans(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(flagged_chat(tmp_path / "flags.sqlite"))
    output = window.review.output
    assert output.selected_text() == ""
    press(qtbot, window, Qt.Key.Key_BracketRight)
    assert output.selected_text() == "anna@example.org"
    press(qtbot, window, Qt.Key.Key_BracketRight)
    assert output.selected_text() == "+1 555 0100"
    press(qtbot, window, Qt.Key.Key_BracketRight)  # round to the first again
    assert output.selected_text() == "anna@example.org"
    press(qtbot, window, Qt.Key.Key_BracketLeft)
    assert output.selected_text() == "+1 555 0100"
    assert window.review.flags.current_row() == 1


def test_p_shows_the_last_user_turn_of_a_long_prompt(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(flagged_chat(tmp_path / "flags.sqlite"))
    prompt = window.review.prompt
    assert prompt.verticalScrollBar().value() == 0
    press(qtbot, window, Qt.Key.Key_P)
    assert QApplication.focusWidget() is prompt
    shown = prompt.textCursor()
    assert prompt.toPlainText()[shown.position() :] == "USER\nAnd the refund?"  # the last turn
    assert prompt.viewport().rect().contains(prompt.cursorRect(shown))  # on screen
    assert prompt.verticalScrollBar().value() > 0
    # The keys of the loop still work from there.
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)


def test_f6_goes_round_the_panes_and_their_titles_show_which_has_the_keys(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    review = window.review
    table = window.queue_panel.table
    titles = review.pane_titles
    assert QApplication.focusWidget() is review.output.text
    assert titles[review.output.text].autoFillBackground()  # the output has the keys at start
    order: list[QWidget | None] = []
    for _ in range(4):
        press(qtbot, window, Qt.Key.Key_F6)
        order.append(QApplication.focusWidget())
    assert order == [review.flags.list, table, review.prompt, review.output.text]
    press(qtbot, window, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is review.prompt
    assert titles[review.prompt].autoFillBackground()
    assert not titles[review.output.text].autoFillBackground()

    # Tab leaves the queue list at once instead of walking its cells.
    table.setFocus()
    qtbot.waitUntil(lambda: table.hasFocus())
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not table


def test_a_comment_stays_with_its_item_through_a_skip(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    press(qtbot, window, Qt.Key.Key_C)
    dialog = window.dialog
    assert isinstance(dialog, CommentDialog)
    qtbot.keyClicks(dialog.editor, "check the refund amount")
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.review.header.comment.text().endswith("check the refund amount")

    act(qtbot, window, Qt.Key.Key_S)  # skipped, not decided: the comment is not sent
    assert shown_id(window) == "gen-0002"
    assert not window.review.header.comment.isVisible()
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    assert decisions(desk_store)["gen-0002"][0].comment is None

    # Back to the skipped item: its comment is there, and goes with its decision.
    act(qtbot, window, Qt.Key.Key_K)
    act(qtbot, window, Qt.Key.Key_K)
    assert shown_id(window) == "gen-0001"
    assert window.review.header.comment.text().endswith("check the refund amount")
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    assert decisions(desk_store)["gen-0001"][0].comment == "check the refund amount"
    assert not window.review.header.comment.isVisible()
