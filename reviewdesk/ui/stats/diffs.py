"""The Statistics tab's template diffs: beside each version comparison's verdict ("v7 beats
v6: +29.0 points"), the lines of the template text that changed from the older version to the
newer, added lines green with `+`, removed ones red with `-`.

The text goes in as plain text with character formats, never as HTML: a template's text is data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QFont, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from reviewdesk.domain.templates import LineKind, TemplateDiff

if TYPE_CHECKING:
    from reviewdesk.stats import Comparison

__all__ = ["VersionDiffs"]

_COLORS: dict[LineKind, tuple[str, str | None]] = {
    LineKind.ADDED: ("#0a6b2a", "#e6f6ea"),
    LineKind.REMOVED: ("#a61b1b", "#fbe9e9"),
    LineKind.HUNK: ("#667085", None),
}


def _format(kind: LineKind | None, mono: QFont) -> QTextCharFormat:
    shown = QTextCharFormat()
    if kind is None:  # a comparison's verdict line
        shown.setFontWeight(QFont.Weight.Bold)
        return shown
    shown.setFont(mono)
    if kind is LineKind.HEADER:
        shown.setFontWeight(QFont.Weight.Bold)
    ink, paper = _COLORS.get(kind, (None, None))
    if ink is not None:
        shown.setForeground(QColor(ink))
    if paper is not None:
        shown.setBackground(QColor(paper))
    return shown


class VersionDiffs(QPlainTextEdit):
    """Each version comparison's verdict with the template diff of its two versions (read-only).

    `lines` keeps what is shown, one (kind, text) per line (kind None: a verdict, "note": a
    line about a missing text), for a reader that is not a person."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        # The template's lines in the desk's fixed-width font, at the size of the rest.
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._mono.setPointSizeF(self.font().pointSizeF())
        self.setAccessibleName("Template changes between the compared versions")
        self.lines: list[tuple[LineKind | str | None, str]] = []

    def show_diffs(
        self,
        comparisons: Sequence[Comparison],
        diffs: Mapping[tuple[str, str, str], TemplateDiff],
    ) -> None:
        self.clear()
        self.lines = []
        for comparison in comparisons:
            self._add(None, f"{comparison.template}: {comparison.sentence}")
            diff = diffs.get((comparison.template, comparison.a, comparison.b))
            if diff is None:
                continue
            if diff.missing:
                self._add(
                    "note",
                    f"  No template text for {' and '.join(diff.missing)} in the store "
                    f"(reviewdesk template add {diff.name} VERSION FILE, or a sync brings "
                    "the server's).",
                )
            elif diff.same:
                self._add("note", f"  {diff.summary()}.")
            else:
                for line in diff.lines:
                    self._add(line.kind, line.text)
            self._add("note", "")
        self.setVisible(bool(comparisons))
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def _add(self, kind: LineKind | str | None, text: str) -> None:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if self.lines:
            cursor.insertBlock()
        shown = (
            _format(kind, self._mono)
            if kind is None or isinstance(kind, LineKind)
            else QTextCharFormat()
        )
        cursor.insertText(text, shown)
        self.lines.append((kind, text))
