"""The smaller panes of the review view: the item header and the prompt (the flags have a
module of their own, `flags`)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from reviewdesk.domain import Prompt, Role
from reviewdesk.review import ReviewItem
from reviewdesk.ui.review.decisions import current_decisions
from reviewdesk.ui.review.text_map import display_text
from reviewdesk.ui.style import accent_text

__all__ = ["ItemHeader", "PromptView"]


def _plain_label(parent: QWidget, text: str = "") -> QLabel:
    """A label that shows its text as is: data never becomes markup."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


TEMPLATE_KEY = "Ctrl+Shift+T"
"""Opens the item's prompt template text (the header's template@version button)."""


_TEMPLATE_LINK_STYLE = (
    "QPushButton#templateLink { border: none; padding: 0 2px; color: palette(link);"
    " text-decoration: underline; }"
    "QPushButton#templateLink:focus { background: palette(highlight);"
    " color: palette(highlighted-text); }"
)


class ItemHeader(QWidget):
    """One compact line about the item: id, template@version (a button that opens the
    template's text; the window's View menu has it with Ctrl+Shift+T), model, route, risk,
    tokens, latency, trace id, and whether it is decided; under it, the comment for the
    decision.

    The header places its labels itself, with no layout. A label's new text asks its parent's
    layout to run again, and a layout that ran asks its parent's, up to the window: in a layout,
    each new item would re-lay out the whole window. Here a new text only moves the labels
    inside the header, whose own size changes only when the comment line comes or goes (or the
    font changes). The line never asks for width either: a line too long for the view ends in
    an ellipsis (the details' tooltip has it all).

    Signals:
        template_requested(str, str): the template@version button was pressed (the template's
            name and version).
    """

    template_requested = Signal(str, str)

    _SPACING = 12
    _LINE_GAP = 2

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        # Opaque: a new text repaints the header alone, not every widget underneath it.
        self.setAutoFillBackground(True)
        self.title = _plain_label(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.details = _plain_label(self)
        self.status = _plain_label(self)
        self.comment = _plain_label(self)
        self.comment.setVisible(False)
        self.template = QPushButton(self)
        self.template.setObjectName("templateLink")
        self.template.setFlat(True)
        self.template.setCursor(Qt.CursorShape.PointingHandCursor)
        self.template.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.template.setStyleSheet(_TEMPLATE_LINK_STYLE)
        self.template.setVisible(False)
        self.template.clicked.connect(self._on_template_clicked)
        self._template_key: tuple[str, str] | None = None
        self._details = ""  # the whole line, of which the label shows what fits
        self._hint = self._height_hint()

    def sizeHint(self) -> QSize:
        return QSize(0, self._hint)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._hint)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a label's text, font or visibility
            self._place()
        elif event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            # A style sheet resolves palette(link) when it is set: set again for a new theme.
            self.template.setStyleSheet("")
            self.template.setStyleSheet(_TEMPLATE_LINK_STYLE)
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def _line_height(self) -> int:
        return max(self.title.sizeHint().height(), self.details.sizeHint().height())

    def _height_hint(self) -> int:
        height = self._line_height()
        if not self.comment.isHidden():
            height += self._LINE_GAP + self.comment.sizeHint().height()
        return height

    def _place(self) -> None:
        hint = self._height_hint()
        if hint != self._hint:
            self._hint = hint
            self.updateGeometry()
        width, line = self.width(), self._line_height()
        title = min(self.title.sizeHint().width(), width)
        status = self.status.sizeHint().width()
        self.title.setGeometry(0, 0, title, line)
        self.status.setGeometry(max(title, width - status), 0, status, line)
        left = title + self._SPACING
        if not self.template.isHidden():
            link = min(self.template.sizeHint().width(), max(0, width - status - left))
            self.template.setGeometry(left, 0, link, line)
            left += link + self._SPACING
        room = max(0, width - status - self._SPACING - left)
        self.details.setGeometry(left, 0, room, line)
        shown = self.details.fontMetrics().elidedText(
            self._details, Qt.TextElideMode.ElideRight, room
        )
        if shown != self.details.text():
            self.details.setText(shown)
        if not self.comment.isHidden():
            top = line + self._LINE_GAP
            self.comment.setGeometry(0, top, width, self.comment.sizeHint().height())

    def show_item(self, item: ReviewItem, reviewer: str) -> None:
        generation = item.generation
        parts = [generation.model]
        if generation.prompt_template and generation.prompt_version:
            self._template_key = (generation.prompt_template, generation.prompt_version)
            self.template.setText(generation.template_version)
            self.template.setToolTip(
                f"The text of the prompt template {generation.template_version} ({TEMPLATE_KEY})"
            )
        else:
            self._template_key = None
            if generation.template_version:
                parts.append(generation.template_version)
        if self.template.isHidden() != (self._template_key is None):
            self.template.setVisible(self._template_key is not None)
        if generation.route:
            parts.append(generation.route)
        parts.append("risk –" if generation.risk is None else f"risk {generation.risk:.2f}")
        usage = generation.usage
        if usage is not None and (
            usage.input_tokens is not None or usage.output_tokens is not None
        ):
            tokens_in = "?" if usage.input_tokens is None else f"{usage.input_tokens:,}"
            tokens_out = "?" if usage.output_tokens is None else f"{usage.output_tokens:,}"
            parts.append(f"{tokens_in}→{tokens_out} tokens")
        if generation.latency_ms is not None:
            parts.append(f"{generation.latency_ms:,} ms")
        if generation.trace_id:
            parts.append(f"trace {generation.trace_id}")
        self.title.setText(generation.id)
        self.title.setToolTip(generation.id)
        details = "  ·  ".join(parts)
        self._details = details
        self.details.setToolTip(details)
        mine = item.latest_by(reviewer)
        if mine is not None:
            self.status.setText(f"you: {mine.verdict}")
        elif item.decisions:
            current = current_decisions(item.decisions)
            verdicts = {decision.verdict for decision in current}
            if len(current) == 1:
                self.status.setText(f"{current[0].reviewer}: {current[0].verdict}")
            else:
                agree = "agree" if len(verdicts) == 1 else "disagree"
                self.status.setText(f"{len(current)} reviewers {agree}")
        else:
            self.status.setText("pending")
        self.set_comment(None)
        # Now, not on the next layout request: the details' text is set once, already cut to
        # the room there is, so the item paints in one pass.
        self._place()

    @property
    def template_key(self) -> tuple[str, str] | None:
        """The item's template and version (None: it names no template and version)."""
        return self._template_key

    def request_template(self) -> None:
        """Ask for the item's template text (`template_requested`), when it names one."""
        if self._template_key is not None:
            self.template_requested.emit(*self._template_key)

    def _on_template_clicked(self) -> None:
        self.request_template()

    def set_comment(self, comment: str | None) -> None:
        self.comment.setText(f"Comment for the decision: {comment}" if comment else "")
        if self.comment.isHidden() == bool(comment):
            self.comment.setVisible(bool(comment))
            self._place()


class PromptView(QPlainTextEdit):
    """The prompt, with chat turns labelled by role."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self._user_turns: list[int] = []  # where each USER label starts

    def show_last_user_turn(self) -> None:
        """Scroll the last user turn to the top (a plain prompt: its start)."""
        position = self._user_turns[-1] if self._user_turns else 0
        cursor = self.textCursor()
        cursor.setPosition(position)
        self.setTextCursor(cursor)
        # The scroll bar counts blocks: the turn's block first, as far as the end allows.
        bar = self.verticalScrollBar()
        bar.setValue(min(bar.maximum(), cursor.block().blockNumber()))
        self.ensureCursorVisible()

    def show_prompt(self, prompt: Prompt) -> None:
        # Not setPlainText for a plain prompt: it writes with the format the cursor holds, the
        # last role label's (bold, coloured) once a chat prompt has been shown.
        self.clear()
        self._user_turns = []
        cursor = QTextCursor(self.document())
        plain = QTextCharFormat()
        cursor.setBlockCharFormat(plain)
        self.setCurrentCharFormat(plain)
        if isinstance(prompt, str):
            cursor.insertText(display_text(prompt).text, plain)
            self.moveCursor(QTextCursor.MoveOperation.Start)
            return
        for number, message in enumerate(prompt):
            label = QTextCharFormat()
            label.setFontWeight(QFont.Weight.Bold)
            label.setForeground(accent_text(message.role.value))
            if number:
                cursor.insertText("\n\n", plain)
            if message.role is Role.USER:
                self._user_turns.append(cursor.position())
            cursor.insertText(message.role.value.upper(), label)
            cursor.insertText("\n", plain)
            cursor.insertText(display_text(message.content).text, plain)
        self.moveCursor(QTextCursor.MoveOperation.Start)
