"""The form's help: its guidelines beside the item and in a dialog (Shift+G), and the keys
overlay (? or F1), which opens the guidelines too.

Guidelines are Markdown written by whoever set the form (a team lead, a server admin): they are
shown inert. The Markdown is rendered with raw HTML off into a view that loads no resource
(`SafeMarkdownView`), and then every link becomes plain text and every image the words
"[image]" before the view lays anything out, so no guideline can make the desk fetch a URL,
read a file or run script, and there is nothing to click.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeyEvent, QTextCharFormat, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.ui.review.output import SafeMarkdownView

_PANEL_WIDTH = 210

__all__ = ["GuidelinesDialog", "GuidelinesPanel", "GuidelinesView", "KeysDialog", "make_inert"]

_FEATURES = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)


def make_inert(document: QTextDocument, markdown: str) -> None:
    """Render `markdown` into `document` with no HTML, then turn links into plain text and
    images into "[image]"."""
    document.setMarkdown(markdown, _FEATURES)
    images: list[tuple[int, int]] = []
    anchors: list[tuple[int, int, QTextCharFormat]] = []
    headings: list[tuple[int, int, int]] = []
    block = document.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level:
            headings.append((block.position(), block.length() - 1, level))
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            char_format = fragment.charFormat()
            if char_format.isImageFormat():
                images.append((fragment.position(), fragment.length()))
            elif char_format.isAnchor() or char_format.anchorHref():
                anchors.append((fragment.position(), fragment.length(), char_format))
            fragments += 1
        block = block.next()
    cursor = QTextCursor(document)
    for position, length, level in headings:
        # A panel beside the item is narrow: headings a little larger than the text, no more.
        smaller = QTextCharFormat()
        smaller.setProperty(QTextFormat.Property.FontSizeAdjustment, 1 if level == 1 else 0)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(smaller)
    for position, length, char_format in anchors:
        plain = QTextCharFormat(char_format)
        plain.setAnchor(False)
        plain.setAnchorHref("")
        plain.setAnchorNames([])
        plain.clearForeground()
        plain.setFontUnderline(False)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.setCharFormat(plain)
    for position, length in reversed(images):  # from the end: earlier positions stay put
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText("[image]", QTextCharFormat())


class GuidelinesView(SafeMarkdownView):
    """Guidelines, inert (see the module)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._shown: str | None = None

    def show_guidelines(self, markdown: str) -> None:
        if markdown != self._shown:
            self._shown = markdown
            make_inert(self.document(), markdown)


class GuidelinesPanel(QWidget):
    """The guidelines beside the item or the comparison (G shows and hides them)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("guidelines-panel")
        title = QLabel("Guidelines  (G hides · Shift+G opens)", self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.view = GuidelinesView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)

    def present(self, markdown: str, *, on: bool) -> None:
        """Show `markdown` when there is some and the reviewer has them on (G), else hide."""
        shown = bool(markdown) and on
        if shown:
            self.view.show_guidelines(markdown)
        if self.isHidden() == shown:
            self.setVisible(shown)

    def sizeHint(self) -> QSize:
        # Narrow beside the item at first (the splitter gives a newly shown panel its hint).
        return QSize(_PANEL_WIDTH, super().sizeHint().height())


class GuidelinesDialog(QDialog):
    """The guidelines in a window of their own, larger (Shift+G)."""

    def __init__(self, markdown: str, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.view = GuidelinesView(self)
        self.view.show_guidelines(markdown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(640, 560)


class KeysDialog(QDialog):
    """Every key at hand: the current form's, then the desk's (Esc, ? or F1 again closes it).

    Args:
        sections: a title and its (key, what it does) rows, in order.
        parent: the window.
        on_guidelines: opens the queue's guidelines (a button, when given): called after this
            dialog closed.
    """

    def __init__(
        self,
        sections: Sequence[tuple[str, Sequence[tuple[str, str]]]],
        parent: QWidget,
        on_guidelines: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keys")
        self._on_guidelines = on_guidelines
        self.table = QTableWidget(self)
        self.table.setColumnCount(2)
        self.table.setHorizontalHeaderLabels(["Key", "What it does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        rows = 0
        for title, keys in sections:
            self.table.setRowCount(rows + 1 + len(keys))
            heading = QTableWidgetItem(title)
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            self.table.setItem(rows, 0, heading)
            self.table.setSpan(rows, 0, 1, 2)
            rows += 1
            for key, what in keys:
                self.table.setItem(rows, 0, QTableWidgetItem(key))
                self.table.setItem(rows, 1, QTableWidgetItem(what))
                rows += 1
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Keys")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.guidelines_button: QPushButton | None = None
        if on_guidelines is not None:
            self.guidelines_button = buttons.addButton(
                "The queue's &guidelines…", QDialogButtonBox.ButtonRole.ActionRole
            )
            self.guidelines_button.clicked.connect(self._on_guidelines_button_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(620, 600)

    def _on_guidelines_button_clicked(self) -> None:
        self.reject()
        if self._on_guidelines is not None:
            self._on_guidelines()

    def rows(self) -> list[tuple[str, str]]:
        """The table as (key, what) rows (a section title has an empty second column)."""
        found = []
        for row in range(self.table.rowCount()):
            key = self.table.item(row, 0)
            what = self.table.item(row, 1)
            found.append(("" if key is None else key.text(), "" if what is None else what.text()))
        return found

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text() == "?" or event.key() == Qt.Key.Key_F1:
            self.reject()
            return
        super().keyPressEvent(event)
