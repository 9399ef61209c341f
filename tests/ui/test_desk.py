"""The desk driven by the keyboard, checked against what the store holds afterwards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QWidget
from pytestqt.qtbot import QtBot

from reviewdesk.domain import Decision, Flag, Severity, Verdict
from reviewdesk.errors import StoreError
from reviewdesk.store import Store
from reviewdesk.ui.dialogs.decision import CommentDialog, ReasonDialog
from reviewdesk.ui.shell.window import DeskWindow
from tests.review.builders import generation, make_store

OpenDesk = Callable[..., DeskWindow]


def press(
    qtbot: QtBot,
    window: DeskWindow,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """A key press where the reviewer's focus is."""
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def act(
    qtbot: QtBot,
    window: DeskWindow,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press a key that moves the desk and wait until the worker answered."""
    with qtbot.waitSignal(window.runner.busy_changed, check_params_cb=lambda busy: not busy):
        press(qtbot, window, key, modifier)


def shown_id(window: DeskWindow) -> str | None:
    item = window.current_item
    return None if item is None else item.generation.id


def tinted(window: DeskWindow) -> list[tuple[str, str]]:
    """The output's tinted runs as laid out: (their text, the tint's colour)."""
    document = window.review.output.text.document()
    found: list[tuple[str, str]] = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        text = block.text()
        for run in layout.formats():
            if run.format.background().style() != Qt.BrushStyle.NoBrush:
                shown = text.encode("utf-16-le")[2 * run.start : 2 * (run.start + run.length)]
                found.append((shown.decode("utf-16-le"), run.format.background().color().name()))
        block = block.next()
    return found


def decisions(path: Path) -> dict[str, list[Decision]]:
    with Store.open(path, create=False) as store:
        return {f"gen-{n:04d}": store.decisions_of(f"gen-{n:04d}") for n in range(1, 7)}


def test_the_whole_keyboard_loop(qtbot: QtBot, open_desk: OpenDesk, desk_store: Path) -> None:
    window = open_desk(desk_store)
    assert shown_id(window) == "gen-0001"

    # A approves and moves on.
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    assert shown_id(window) == "gen-0002"
    assert window.saved_label.text().startswith("Saved")

    # E edits in place; the diff shows before saving; Ctrl+Enter saves.
    assert window.current_item is not None
    original = window.current_item.generation.output
    press(qtbot, window, Qt.Key.Key_E)
    editor = window.review.output.text
    assert window.review.output.editing and not editor.isReadOnly()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " Checked.")
    qtbot.waitUntil(lambda: "Checked." in window.review.output.diff.toPlainText())
    assert window.review.output.diff_text().endswith("{+ Checked.+}")
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert shown_id(window) == "gen-0003"
    assert not window.review.output.editing

    # R opens the reason picker: 1-9 toggle, Enter confirms.
    press(qtbot, window, Qt.Key.Key_R)
    dialog = window.dialog
    assert isinstance(dialog, ReasonDialog)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # no reason yet: nothing happens
    assert dialog.isVisible()
    for key in (Qt.Key.Key_3, Qt.Key.Key_7, Qt.Key.Key_7, Qt.Key.Key_1):
        qtbot.keyClick(dialog, key)
    assert dialog.chosen() == ["factual_error", "pii_leak"]
    with qtbot.waitSignal(window.decision_saved):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert shown_id(window) == "gen-0004"

    # C adds a comment to the next decision.
    press(qtbot, window, Qt.Key.Key_C)
    comment = window.dialog
    assert isinstance(comment, CommentDialog)
    qtbot.keyClicks(comment.editor, "tone is borderline")
    qtbot.keyClick(comment.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.review.header.comment.text().endswith("tone is borderline")
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)

    # S skips, K goes back, J forward.
    act(qtbot, window, Qt.Key.Key_S)
    assert shown_id(window) == "gen-0006"
    act(qtbot, window, Qt.Key.Key_K)
    assert shown_id(window) == "gen-0005"
    act(qtbot, window, Qt.Key.Key_J)
    assert shown_id(window) == "gen-0006"

    stored = decisions(desk_store)
    assert [d.verdict for d in stored["gen-0001"]] == [Verdict.APPROVE]
    assert stored["gen-0002"][0].verdict == Verdict.EDIT
    assert stored["gen-0002"][0].edited_output == original + " Checked."
    assert stored["gen-0003"][0].reasons == ("factual_error", "pii_leak")
    assert stored["gen-0004"][0].comment == "tone is borderline"
    assert stored["gen-0005"] == [] and stored["gen-0006"] == []
    assert all(d[0].duration_ms is not None for d in stored.values() if d)
    assert "4 decided this session" in window.progress_label.text()
    assert "1 skipped" in window.progress_label.text()

    # Ctrl+Z three times undoes the latest three decisions, newest first.
    undone = []
    for _ in range(3):
        with qtbot.waitSignal(window.decision_undone) as blocker:
            press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        undone.append(blocker.args[0].generation_id)
    assert undone == ["gen-0004", "gen-0003", "gen-0002"]
    assert shown_id(window) == "gen-0002"
    stored = decisions(desk_store)
    assert [len(stored[f"gen-{n:04d}"]) for n in range(1, 7)] == [1, 0, 0, 0, 0, 0]
    assert "1 decided this session" in window.progress_label.text()


def test_keys_do_nothing_while_typing(qtbot: QtBot, open_desk: OpenDesk, desk_store: Path) -> None:
    window = open_desk(desk_store)
    press(qtbot, window, Qt.Key.Key_E)
    editor = window.review.output.text
    assert editor.hasFocus() or QApplication.focusWidget() is editor
    before = editor.toPlainText()
    for key in (
        Qt.Key.Key_A,
        Qt.Key.Key_R,
        Qt.Key.Key_S,
        Qt.Key.Key_J,
        Qt.Key.Key_K,
        Qt.Key.Key_C,
        Qt.Key.Key_Slash,
    ):
        qtbot.keyClick(editor, key)
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.toPlainText() != before
    assert window.dialog is None and not window.in_flight
    assert shown_id(window) == "gen-0001"
    # Esc cancels the edit and gives back the original.
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not window.review.output.editing
    assert editor.toPlainText() == before

    # In the search box, letters are text.
    press(qtbot, window, Qt.Key.Key_Slash)
    search = window.queue_panel.search
    assert QApplication.focusWidget() is search
    qtbot.keyClicks(search, "asr")
    assert search.text() == "asr"
    assert window.dialog is None and not window.in_flight
    qtbot.keyClick(search, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is window.review.output.text
    assert all(not d for d in decisions(desk_store).values())


def test_selecting_a_flag_selects_its_characters(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    output = "🙂🙂 Über: write to anna@example.org\r\nor call +1 555 0100 😀 now"
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
        Flag(validator="judge", code="tone", severity=Severity.CRITICAL, message="no span here"),
    )
    path = tmp_path / "flags.sqlite"
    with Store.open(path) as store, store.bulk_writer() as writer:
        writer.add([(generation(1, output=output, flags=flags), ())])
    window = open_desk(path)
    panel = window.review.flags
    assert [flag.code for flag in panel.flags] == ["tone", "email", "phone"]
    assert panel.model.rowCount() == 3  # the flag without a span is listed too
    assert tinted(window) == [(email, "#e5484d"), (phone, "#e8a200")]  # every span at once
    panel.pick(1)
    assert window.review.output.selected_text() == email
    panel.pick(2)
    assert window.review.output.selected_text() == phone
    panel.pick(0)
    assert "no span" in panel.detail.text()


class FailingStore(Store):
    """A store whose disk refuses every decision."""

    def record_decision(self, decision: Decision) -> Decision:
        raise StoreError(f"cannot write the store {self.path}: database or disk is full")


def test_a_failed_write_keeps_the_item_with_a_message(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(lambda: FailingStore.open(desk_store))
    with qtbot.waitSignal(window.decision_failed) as failed:
        press(qtbot, window, Qt.Key.Key_A)
    assert "disk is full" in failed.args[0]
    assert shown_id(window) == "gen-0001"
    assert window.review.banner.isVisible()
    assert "Not saved" in window.review.banner.text()
    assert window.saved_label.text().startswith("Not saved")
    # An edit that fails stays in the editor with the reviewer's text.
    press(qtbot, window, Qt.Key.Key_E)
    qtbot.keyClicks(window.review.output.text, "!")
    with qtbot.waitSignal(window.decision_failed):
        press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.review.output.editing
    assert window.review.output.edited_text().startswith("!Answer 1")


def test_an_empty_store_offers_import_and_demo(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(tmp_path / "empty.sqlite", wait_for="store_empty")
    assert window.pages.currentWidget() is window.empty
    labels = [
        button.text()
        for button in window.empty.findChildren(QWidget)
        if hasattr(button, "text") and callable(button.text)
    ]
    assert "Import a file…" in labels and "Open the demo" in labels


def test_a_finished_queue_shows_the_session_counts(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(make_store(tmp_path / "two.sqlite", count=2))
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    with qtbot.waitSignal(window.queue_finished):
        press(qtbot, window, Qt.Key.Key_S)
    assert window.pages.currentWidget() is window.finished
    assert (
        "1 approved" in window.finished.text.text() and "1 skipped" in window.finished.text.text()
    )
    act(qtbot, window, Qt.Key.Key_K)
    assert shown_id(window) == "gen-0002"


def test_every_action_has_a_menu_entry_and_its_key_in_the_tooltip(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    menu_actions = {
        action
        for menu in window.menuBar().actions()
        if isinstance(submenu := menu.menu(), QMenu)
        for action in submenu.actions()
    }
    for action in (
        window.acts.approve,
        window.acts.edit,
        window.acts.reject,
        window.acts.comment,
        window.acts.skip,
        window.acts.undo,
        window.acts.next,
        window.acts.previous,
        window.acts.search,
    ):
        assert action in menu_actions
        key = action.shortcut().toString()
        assert key and f"({key})" in action.toolTip()


def test_the_queue_list_opens_an_item(qtbot: QtBot, open_desk: OpenDesk, desk_store: Path) -> None:
    window = open_desk(desk_store)
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() == 6)
    table = window.queue_panel.table
    index = model.index(3, 0)
    with qtbot.waitSignal(window.item_shown):
        table.clicked.emit(index)
    assert shown_id(window) == "gen-0004"
    assert model.data(model.index(3, 0), Qt.ItemDataRole.FontRole).bold()


@pytest.mark.parametrize(("status", "rows"), [("pending", 5), ("decided", 1)])
def test_filters_narrow_the_list(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, status: str, rows: int
) -> None:
    window = open_desk(desk_store)
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    panel = window.queue_panel
    with qtbot.waitSignal(window.model.rows_loaded) as loaded:
        panel.status.setCurrentIndex(panel.status.findData(status))
    assert loaded.args == [rows]
