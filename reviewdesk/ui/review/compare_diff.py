"""A word-level diff between the two outputs of a comparison, and the pane that shows it.

Words (what lies between spaces, with the spaces after them) are the units, so a changed word
shows as one word struck out and one added, not as scattered letters. The colours come from
`ui.style` and follow the theme; the pane paints again when the palette changes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QEvent
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from reviewdesk.ui.style import diff_delete_tint, diff_insert_tint

__all__ = ["DIFF_CAP", "Change", "DiffPane", "DiffPart", "word_diff"]

DIFF_CAP = 20_000
"""Longer outputs are not diffed: the diff runs on the GUI thread, and two outputs of this
length take up to about 40 ms (a word diff is quadratic at worst)."""

# A word (what lies between spaces, punctuation included, as `git diff --word-diff` splits) with
# the spaces after it: spaces as tokens of their own would be the commonest token by far and
# make the matcher quadratic (14 s for two 20,000-character outputs instead of 0.01 s), and a
# lone "." would pair up full stops of unrelated sentences.
_TOKENS = re.compile(r"\S+\s*|\s+")


class Change(StrEnum):
    SAME = "same"
    DELETED = "deleted"
    INSERTED = "inserted"


@dataclass(frozen=True)
class DiffPart:
    """A run of text that both outputs share, or that only the left (deleted) or only the
    right (inserted) has."""

    change: Change
    text: str


def word_diff(left: str, right: str) -> list[DiffPart]:
    """The parts that turn `left` into `right`, word by word (deletions before insertions)."""
    old, new = _TOKENS.findall(left), _TOKENS.findall(right)
    # autojunk: in a long output, the commonest words ("the ") do not anchor matches; this
    # keeps Zipf-like text fast (37 ms instead of 134 ms at the cap) and changes nothing below
    # 200 words.
    matcher = difflib.SequenceMatcher(None, old, new)
    parts: list[DiffPart] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(DiffPart(Change.SAME, "".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(DiffPart(Change.DELETED, "".join(old[i1:i2])))
        if j2 > j1:
            parts.append(DiffPart(Change.INSERTED, "".join(new[j1:j2])))
    return parts


class DiffPane(QPlainTextEdit):
    """The left output turned into the right one: removed words struck out on a red tint,
    added words on a green tint."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self._texts: tuple[str, str] | None = None
        self._parts: list[DiffPart] = []

    @property
    def parts(self) -> list[DiffPart]:
        """What the pane shows (empty when the outputs were too long to diff)."""
        return self._parts

    def show_diff(self, left: str, right: str) -> None:
        if self._texts == (left, right):
            return
        self._texts = (left, right)
        if len(left) > DIFF_CAP or len(right) > DIFF_CAP:
            self._parts = []
            self.setPlainText(
                f"The outputs are too long for a word diff (over {DIFF_CAP:,} characters)."
            )
            return
        self._parts = word_diff(left, right)
        self._paint()

    def clear_diff(self) -> None:
        self._texts = None
        self._parts = []
        self.clear()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._parts:
            self._paint()  # the tints of the new theme

    def _paint(self) -> None:
        self.clear()
        plain = QTextCharFormat()
        deleted = QTextCharFormat()
        deleted.setBackground(diff_delete_tint())
        deleted.setFontStrikeOut(True)
        deleted.setToolTip("only in the left answer")
        inserted = QTextCharFormat()
        inserted.setBackground(diff_insert_tint())
        inserted.setToolTip("only in the right answer")
        formats = {Change.SAME: plain, Change.DELETED: deleted, Change.INSERTED: inserted}
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        for part in self._parts:
            cursor.insertText(part.text, formats[part.change])
        cursor.endEditBlock()
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def tint_at(self, position: int) -> Change:
        """The kind of text at `position` of the pane, read from its formats (for tests and
        accessibility: what a reader of the colours would see)."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(position + 1)
        char_format = cursor.charFormat()
        if char_format.fontStrikeOut():
            return Change.DELETED
        if char_format.background().color() == diff_insert_tint():
            return Change.INSERTED
        return Change.SAME
