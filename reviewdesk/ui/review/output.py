"""The output pane: plain text with every flag span tinted, inert Markdown, and editing with a
word-level diff.

Plain text is the default. The Markdown view renders with no HTML, and its `loadResource` returns
nothing for any URL, so an output cannot make the desk fetch an image, run script or open a file.
Huge outputs are cut (see `text_map`) with a "Show all" button.
"""

from __future__ import annotations

import functools
import logging
from bisect import bisect_left, bisect_right
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QPaintEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Flag, Severity
from reviewdesk.ui.review.text_map import TOTAL_CAP, DisplayText, display_text
from reviewdesk.ui.review.word_diff import Piece, PieceKind, summary, word_diff
from reviewdesk.ui.style import diff_colors, severity_color, severity_tint

logger = logging.getLogger(__name__)

__all__ = ["MARKDOWN_CAP", "OutputPane", "OutputText", "SafeMarkdownView"]

MARKDOWN_CAP = TOTAL_CAP  # Markdown layout is slow (0.4 s for 200 KB): off for bigger outputs
_DIFF_DELAY_MS = 120

# Read-only, but selectable with Shift+arrows too: a span of a review form is marked by
# selecting it, and the desk is meant to be used without a mouse.
_READ_ONLY = (
    Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
)

_MARKDOWN_FEATURES = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)


@functools.cache
def _span_format(severity: Severity, validator: str, code: str) -> QTextCharFormat:
    """How a flag's span looks (made once per kind of flag: an item shows several)."""
    char_format = QTextCharFormat()
    char_format.setBackground(severity_tint(severity))
    char_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
    char_format.setUnderlineColor(severity_color(severity))
    char_format.setToolTip(f"{severity}: {validator}/{code}")
    return char_format


@functools.cache
def _mark_format() -> QTextCharFormat:
    """How a span the reviewer marked looks: a thick underline in the highlight colour."""
    char_format = QTextCharFormat()
    char_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
    char_format.setUnderlineColor(QColor("#2f6fd6"))
    char_format.setBackground(QColor(47, 111, 214, 50))
    char_format.setToolTip("marked by you")
    return char_format


class _SpanTints(QSyntaxHighlighter):
    """The flags' tints, put on each block of the output view as Qt lays it out."""

    def __init__(self, pane: OutputPane) -> None:
        super().__init__(pane.text.document())
        self._tints: list[tuple[int, int, int, QTextCharFormat]] = []
        self._starts: list[int] = []
        self._longest = 0

    def set_tints(self, tints: list[tuple[int, int, int, QTextCharFormat]]) -> None:
        """(start, end, rank, format) of each span in view positions; used from the next
        time the text is laid out."""
        self._tints = sorted(tints, key=lambda tint: tint[0])
        self._starts = [tint[0] for tint in self._tints]
        self._longest = max((end - start for start, end, _, _ in tints), default=0)

    def highlightBlock(self, _text: str) -> None:
        if not self._tints:
            return
        block = self.currentBlock()
        start = block.position()
        end = start + block.length() - 1  # UTF-16 units, as the positions (not len(text))
        first = bisect_left(self._starts, start - self._longest)
        last = bisect_right(self._starts, end)
        # The least severe first, so the worst is on top where spans overlap.
        shown = sorted(
            (tint for tint in self._tints[first:last] if tint[1] > start), key=lambda t: t[2]
        )
        for tint_start, tint_end, _rank, char_format in shown:
            begin = max(tint_start, start)
            self.setFormat(begin - start, min(tint_end, end) - begin, char_format)


class OutputText(QPlainTextEdit):
    """The plain-text output view (read-only unless editing).

    Signals:
        painted(): the view painted after `announce_next_paint()` was called.
    """

    painted = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(_READ_ONLY)
        self.setUndoRedoEnabled(False)
        self._announce = False

    def announce_next_paint(self) -> None:
        self._announce = True

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._announce:
            self._announce = False
            self.painted.emit()


def _blank_image() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    return image


class SafeMarkdownView(QTextBrowser):
    """A Markdown view that never loads anything: no images, no links followed, no HTML."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])
        self._blank = _blank_image()

    def loadResource(self, type_: int, _name: QUrl | str) -> Any:
        # Never None and never a null image: on either, Qt falls back to reading a local file
        # itself (QTextDocument and its image handler both do), so `![x](file:///...)` loads.
        if type_ == QTextDocument.ResourceType.ImageResource.value:
            return self._blank
        return QByteArray()

    def show_markdown(self, text: str) -> None:
        self.document().setMarkdown(text, _MARKDOWN_FEATURES)


class OutputPane(QWidget):
    """Shows one output: plain (tinted spans) or Markdown; editable in place with a live diff.

    Signals:
        show_all_requested(): the reviewer asked for the whole of a cut output.
    """

    show_all_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._source = ""
        self._flags: tuple[Flag, ...] = ()
        self._marks: tuple[tuple[int, int], ...] = ()
        self._display: DisplayText = display_text("")
        self._markdown = False
        self._editing = False

        self.mode_label = QLabel(self)
        self.cut_label = QLabel(self)
        self.show_all_button = QPushButton("Show all", self)
        self.show_all_button.setToolTip("Load the whole output (may take a moment)")
        self.show_all_button.clicked.connect(self._on_show_all_button_clicked)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.mode_label)
        bar.addStretch(1)
        bar.addWidget(self.cut_label)
        bar.addWidget(self.show_all_button)

        self.text = OutputText(self)
        self.markdown_view = SafeMarkdownView(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.text)
        self.stack.addWidget(self.markdown_view)

        self.diff = QPlainTextEdit(self)
        self.diff.setReadOnly(True)
        self.diff.setPlaceholderText("No change yet.")
        self.diff.setAccessibleName("Changes against the original")
        self.edit_label = QLabel("Editing — Ctrl+Enter saves · Esc cancels", self)
        self.diff_summary = QLabel(self)
        self.diff_summary.setTextFormat(Qt.TextFormat.PlainText)
        diff_box = QWidget(self)
        diff_layout = QVBoxLayout(diff_box)
        diff_layout.setContentsMargins(0, 0, 0, 0)
        diff_layout.addWidget(self.edit_label)
        diff_layout.addWidget(self.diff_summary)
        diff_layout.addWidget(self.diff)
        self.diff_box = diff_box

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(diff_box)
        diff_box.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

        self._diff_timer = QTimer(self)
        self._diff_timer.setSingleShot(True)
        self._diff_timer.setInterval(_DIFF_DELAY_MS)
        self._diff_timer.timeout.connect(self._on_diff_timer_timeout)
        # Where the edits are: (first position changed, length at the end never touched), in
        # the document's UTF-16 positions; the diff compares only what lies between.
        self._changed: tuple[int, int] | None = None
        self._original = b""  # the text being edited as it started, in UTF-16
        self._pieces: list[Piece] = []
        self.text.document().contentsChange.connect(self._on_document_contentsChange)
        self._tints = _SpanTints(self)
        self._update_bar()

    # -- showing ------------------------------------------------------------------------------

    @property
    def display(self) -> DisplayText:
        return self._display

    @property
    def markdown(self) -> bool:
        return self._markdown

    @property
    def editing(self) -> bool:
        return self._editing

    def show_output(self, output: str, flags: tuple[Flag, ...], *, show_all: bool = False) -> None:
        """Show a new output (leaving edit mode) with every flag span tinted."""
        self._editing = False
        self._source = output
        self._flags = flags
        self._display = display_text(output, show_all=show_all)
        self.diff_box.hide()
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(_READ_ONLY)
        self.text.announce_next_paint()
        self._tint_spans()
        self.text.setPlainText(self._display.text)  # tinted as it is laid out
        if self._tints.document() is None:  # after an edit
            self._tints.setDocument(self.text.document())
        self._render_mode()

    def show_all(self) -> None:
        self.show_output(self._source, self._flags, show_all=True)

    def set_markdown(self, on: bool) -> None:
        if on == self._markdown:
            return
        self._markdown = on
        if not self._editing:
            self._render_mode()

    def select_flag(self, flag: Flag) -> bool:
        """Select and scroll to the flag's characters in the plain view; False if not shown."""
        if flag.span is None or self._editing:
            return False
        positions = self._display.span(*flag.span)
        if positions is None:
            return False
        if self.stack.currentWidget() is not self.text:
            self.stack.setCurrentWidget(self.text)
            self._update_bar()
        start, end = positions
        cursor = self.text.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)
        self.text.centerCursor()
        return True

    def set_marks(self, marks: tuple[tuple[int, int], ...]) -> None:
        """Underline the spans a reviewer marked (`[start, end)` of the output) besides the
        flags' tints."""
        if marks != self._marks:
            self._marks = marks
            if not self._editing:
                self._mark_spans()

    def selected_text(self) -> str:
        """The selected characters of the plain view, with line breaks as "\\n"."""
        return self.text.textCursor().selectedText().replace("\u2029", "\n")

    # -- editing ------------------------------------------------------------------------------

    def begin_edit(self) -> None:
        """Make the whole output editable in place and show the diff against the original."""
        self.stack.setCurrentWidget(self.text)
        self._tints.set_tints([])
        self._tints.setDocument(None)  # no highlighting pass per keystroke
        self.text.setExtraSelections([])
        self.text.setPlainText(self._source)
        # As the document holds it ("\r\n" is one break there): what the edits are against.
        self._original = self.text.document().toPlainText().encode("utf-16-le")
        self._changed = None
        self._pieces = []
        self._editing = True
        self.text.setReadOnly(False)
        self.diff.clear()
        self.diff_summary.setText("No change yet.")
        self.diff_box.show()
        self._update_bar()
        self.text.setFocus()

    def cancel_edit(self) -> None:
        self.show_output(self._source, self._flags, show_all=not self._display.truncated)

    def edited_text(self) -> str:
        return self.text.toPlainText()

    def diff_text(self) -> str:
        """The word-level diff as text: removed words as [-…-], added ones as {+…+}."""
        marks = {
            PieceKind.SAME: "{}",
            PieceKind.ELIDED: "{}",
            PieceKind.GONE: "[-{}-]",
            PieceKind.NEW: "{{+{}+}}",
        }
        return "".join(marks[piece.kind].format(piece.text) for piece in self._pieces)

    def show_diff(self) -> None:
        """Compare the edited part with the original now (as typing stops, it happens anyway)."""
        self._diff_timer.stop()
        if not self._editing:
            return
        self._pieces = self._compare()
        self.diff_summary.setText(summary(self._pieces))
        self.diff.clear()
        if not any(piece.kind in (PieceKind.GONE, PieceKind.NEW) for piece in self._pieces):
            return
        inserted, removed = diff_colors()
        formats = {kind: QTextCharFormat() for kind in PieceKind}
        formats[PieceKind.NEW].setBackground(inserted)
        formats[PieceKind.NEW].setFontUnderline(True)
        formats[PieceKind.GONE].setBackground(removed)
        formats[PieceKind.GONE].setFontStrikeOut(True)
        formats[PieceKind.ELIDED].setForeground(
            self.palette().color(self.palette().ColorRole.PlaceholderText)
        )
        cursor = QTextCursor(self.diff.document())
        for piece in self._pieces:
            cursor.insertText(piece.text, formats[piece.kind])

    def _compare(self) -> list[Piece]:
        changed = self._changed
        if changed is None:
            return []
        lo, tail = changed
        document = self.text.document()
        length = document.characterCount() - 1
        total = len(self._original) // 2
        old_end, new_end = max(lo, total - tail), max(lo, length - tail)
        cursor = QTextCursor(document)
        cursor.setPosition(lo)
        cursor.setPosition(new_end, QTextCursor.MoveMode.KeepAnchor)
        new = cursor.selectedText().replace("\u2029", "\n")
        old = self._utf16(lo, old_end)
        if old == new:
            return []
        return word_diff(
            old,
            new,
            before=self._utf16(max(0, lo - 400), lo),
            after=self._utf16(old_end, old_end + 400),
        )

    def _utf16(self, start: int, end: int) -> str:
        # Surrogate pairs cut at the ends of a context slice are dropped.
        return self._original[2 * start : 2 * end].decode("utf-16-le", errors="ignore")

    # -- internals ----------------------------------------------------------------------------

    def _tint_spans(self) -> None:
        """Tint every flag's span (a highlighter formats each block as Qt lays it out, so
        thousands of flags cost one pass, and nothing is stored in the document) and underline
        the marked spans (extra selections: a few)."""
        tints: list[tuple[int, int, int, QTextCharFormat]] = []
        for flag in self._flags:
            if flag.span is None:
                continue
            positions = self._display.span(*flag.span)
            if positions is None or positions[0] == positions[1]:
                continue
            char_format = _span_format(flag.severity, flag.validator, flag.code)
            tints.append((positions[0], positions[1], flag.severity.rank, char_format))
        self._tints.set_tints(tints)
        self._mark_spans()

    def _mark_spans(self) -> None:
        selections: list[QTextEdit.ExtraSelection] = []
        for start, end in self._marks:
            positions = self._display.span(start, end)
            if positions is None or positions[0] == positions[1]:
                continue
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text.document())
            cursor.setPosition(positions[0])
            cursor.setPosition(positions[1], QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selection.format = _mark_format()
            selections.append(selection)
        self.text.setExtraSelections(selections)

    def _render_mode(self) -> None:
        markdown = self._markdown and len(self._source) <= MARKDOWN_CAP
        if markdown:
            self.markdown_view.show_markdown(self._source)
            self.stack.setCurrentWidget(self.markdown_view)
        else:
            if not self.markdown_view.document().isEmpty():
                self.markdown_view.clear()
            self.stack.setCurrentWidget(self.text)
        self._update_bar()

    def _update_bar(self) -> None:
        if self._editing:
            self.mode_label.setText("Editing")
        elif self.stack.currentWidget() is self.markdown_view:
            self.mode_label.setText("Markdown (inert: no links, images or HTML)")
        elif self._markdown:
            self.mode_label.setText("Plain text (too long for Markdown)")
        else:
            self.mode_label.setText("Plain text")
        truncated = self._display.truncated and not self._editing
        self.cut_label.setVisible(truncated)
        self.show_all_button.setVisible(truncated)
        if truncated:
            self.cut_label.setText(
                f"Showing {self._display.shown_end:,} of {len(self._source):,} characters"
            )

    def _on_show_all_button_clicked(self) -> None:
        self.show_all_requested.emit()
        self.show_all()

    def _on_document_contentsChange(self, position: int, _removed: int, added: int) -> None:
        # Per keystroke: two numbers kept, and the diff left for when typing pauses.
        if not self._editing:
            return
        tail = self.text.document().characterCount() - 1 - (position + added)
        if self._changed is not None:
            position, tail = min(position, self._changed[0]), min(tail, self._changed[1])
        self._changed = (position, max(0, tail))
        self._diff_timer.start()

    def _on_diff_timer_timeout(self) -> None:
        self.show_diff()
