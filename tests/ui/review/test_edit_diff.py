"""Editing an output shows a word-level, coloured diff: one changed word is that word out and
its replacement in, with a few words around it, never the whole paragraph twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewdesk.store import Store
from reviewdesk.ui.review.word_diff import MAX_TOKENS, Piece, PieceKind, summary, word_diff
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.style import Theme, apply_theme, diff_colors
from tests.review.builders import generation
from tests.ui.test_desk import press

OpenDesk = Callable[..., DeskWindow]

PARAGRAPH = (
    "Refunds are paid within 30 days of the return. Write to help@shop.example with the order "
    "number, and keep the receipt until the money is back. 😀 Gift cards are not refunded."
)


def test_one_changed_word_is_one_word_out_and_one_in() -> None:
    old, new = "within 30 days", "within 45 days"
    pieces = word_diff(old, new)
    assert pieces == [
        Piece(PieceKind.SAME, "within "),
        Piece(PieceKind.GONE, "30"),
        Piece(PieceKind.NEW, "45"),
        Piece(PieceKind.SAME, " days"),
    ]
    assert summary(pieces) == "1 word removed, 1 added"
    assert summary(word_diff("a, b", "a b")) == "Spaces or punctuation changed"


def test_long_unchanged_runs_are_cut_to_a_few_words_of_context() -> None:
    before = " ".join(f"w{n}" for n in range(200)) + " "
    pieces = word_diff("cat", "dog", before=before, after=" and more" * 100)
    kinds = [piece.kind for piece in pieces]
    assert kinds == [
        PieceKind.ELIDED,
        PieceKind.SAME,
        PieceKind.GONE,
        PieceKind.NEW,
        PieceKind.SAME,
        PieceKind.ELIDED,
    ]
    assert pieces[1].text.endswith("w199 ") and "w150" not in pieces[1].text


def test_a_change_too_big_to_compare_word_by_word_is_one_block_out_one_in() -> None:
    old = "x " * (MAX_TOKENS + 10)
    pieces = word_diff(old, "short")
    assert [piece.kind for piece in pieces] == [PieceKind.GONE, PieceKind.NEW]
    assert "…" in pieces[0].text and len(pieces[0].text) < 5_000


def paragraph_store(path: Path) -> Path:
    with Store.open(path) as store, store.bulk_writer() as writer:
        writer.add([(generation(1, output=f"Intro line.\r\n{PARAGRAPH}\n" * 3), ())])
    return path


def replace_word(qtbot: QtBot, window: DeskWindow, word: str, by: str, occurrence: int) -> None:
    editor = window.review.output.text
    text = editor.toPlainText()
    at = -1
    for _ in range(occurrence):
        at = text.index(word, at + 1)
    cursor = editor.textCursor()
    # Qt positions count UTF-16 units: the emoji before counts twice.
    at += sum(1 for char in text[:at] if ord(char) > 0xFFFF)
    cursor.setPosition(at)
    cursor.setPosition(at + len(word), QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)
    qtbot.keyClicks(editor, by)


def test_the_edit_pane_shows_only_the_changed_words_coloured_in_both_themes(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(paragraph_store(tmp_path / "edit.sqlite"))
    output = window.review.output
    press(qtbot, window, Qt.Key.Key_E)
    assert output.diff_summary.text() == "No change yet."

    replace_word(qtbot, window, "30", "45", occurrence=2)  # the middle paragraph's
    qtbot.waitUntil(lambda: output.diff_summary.text() == "1 word removed, 1 added")
    shown = output.diff.toPlainText()
    assert "30" in shown and "45" in shown
    assert shown.count("Refunds") <= 1 and len(shown) < 120  # not the paragraph twice
    assert output.diff_text() == "…Refunds are paid within [-30-]{+45+} days of the return…"

    inserted, removed = diff_colors(dark=False)
    assert fragment_format(output.diff, "45") == (inserted.name(), True, False)
    assert fragment_format(output.diff, "30") == (removed.name(), False, True)

    # A second change after the emoji, further on: both are in the diff, and the unchanged
    # text between them is cut.
    replace_word(qtbot, window, "Gift", "Store", occurrence=2)
    qtbot.waitUntil(lambda: output.diff_summary.text() == "2 words removed, 2 added")
    assert "[-Gift-]{+Store+}" in output.diff_text()
    assert "[-30-]{+45+}" in output.diff_text()

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, Theme.DARK)
    try:
        output.show_diff()
        dark_inserted, _dark_removed = diff_colors(dark=True)
        assert fragment_format(output.diff, "45") == (dark_inserted.name(), True, False)
    finally:
        apply_theme(app, Theme.LIGHT)

    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with Store.open(tmp_path / "edit.sqlite", create=False) as store:
        [decision] = store.decisions_of("gen-0001")
    assert decision.edited_output is not None
    assert decision.edited_output.count("within 45 days") == 1
    assert decision.edited_output.count("Store cards") == 1


def fragment_format(view: object, text: str) -> tuple[str, bool, bool]:
    """The background, underline and strike-out of the diff's fragment reading `text`."""
    from PySide6.QtWidgets import QPlainTextEdit

    assert isinstance(view, QPlainTextEdit)
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.text() == text:
                char_format = fragment.charFormat()
                return (
                    char_format.background().color().name(),
                    char_format.fontUnderline(),
                    char_format.fontStrikeOut(),
                )
            it += 1
        block = block.next()
    raise AssertionError(f"no fragment {text!r} in the diff")


def test_the_context_stays_on_the_changed_line() -> None:
    pieces = word_diff("thirty", "forty", before="late.\nThe refund takes ", after=" days;\nnext")
    assert [(p.kind, p.text) for p in pieces] == [
        (PieceKind.ELIDED, "…"),
        (PieceKind.SAME, "The refund takes "),
        (PieceKind.GONE, "thirty"),
        (PieceKind.NEW, "forty"),
        (PieceKind.SAME, " days;"),
        (PieceKind.ELIDED, "…"),
    ]
