"""The smaller panes of the review view: the item header, the prompt and the flags."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Flag, Prompt, Role
from reviewdesk.review import ReviewItem
from reviewdesk.ui.style import severity_icon, severity_tint
from reviewdesk.ui.text_map import display_text

__all__ = ["FlagsPanel", "ItemHeader", "PromptView"]

_ROLE_COLORS = {
    Role.SYSTEM: "#8a63d2",
    Role.USER: "#2f80ed",
    Role.ASSISTANT: "#1f9d55",
    Role.TOOL: "#c27c0e",
}


def _plain_label(parent: QWidget, text: str = "") -> QLabel:
    """A label that shows its text as is: data never becomes markup."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


class ItemHeader(QWidget):
    """One compact line about the item: id, model, template@version, route, risk, tokens,
    latency, trace id, and whether it is decided.

    The line never asks for width: an unwrapped label's minimum width is its whole text, so a
    long line would widen the review view, move the splitter and re-lay out the queue list and
    every pane on each new item. A line too long for the view is cut (its tooltip has it all).
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title = _plain_label(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.details = _plain_label(self)
        self.details.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status = _plain_label(self)
        self.comment = _plain_label(self)
        self.comment.setVisible(False)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(12)
        line.addWidget(self.title)
        line.addWidget(self.details, 1)
        line.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(line)
        layout.addWidget(self.comment)

    def show_item(self, item: ReviewItem, reviewer: str) -> None:
        generation = item.generation
        parts = [generation.model]
        if generation.template_version:
            parts.append(generation.template_version)
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
        details = "  ·  ".join(parts)
        self.details.setText(details)
        self.details.setToolTip(details)
        mine = item.latest_by(reviewer)
        if mine is not None:
            self.status.setText(f"you: {mine.verdict}")
        elif item.decisions:
            self.status.setText(f"{len(item.decisions)} decision(s) by others")
        else:
            self.status.setText("pending")
        self.set_comment(None)

    def set_comment(self, comment: str | None) -> None:
        self.comment.setVisible(bool(comment))
        self.comment.setText(f"Comment for the decision: {comment}" if comment else "")


class PromptView(QPlainTextEdit):
    """The prompt, with chat turns labelled by role."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)

    def show_prompt(self, prompt: Prompt) -> None:
        self.clear()
        if isinstance(prompt, str):
            self.setPlainText(display_text(prompt).text)
            return
        cursor = QTextCursor(self.document())
        plain = QTextCharFormat()
        for number, message in enumerate(prompt):
            label = QTextCharFormat()
            label.setFontWeight(QFont.Weight.Bold)
            label.setForeground(QColor(_ROLE_COLORS[message.role]))
            if number:
                cursor.insertText("\n\n", plain)
            cursor.insertText(message.role.value.upper(), label)
            cursor.insertText("\n", plain)
            cursor.insertText(display_text(message.content).text, plain)
        self.moveCursor(QTextCursor.MoveOperation.Start)


class FlagsPanel(QWidget):
    """The validator flags of an item, most severe first; picking one shows its span.

    Each row carries its severity's icon and the same tint as its span in the output.

    Signals:
        flag_picked(object): the reviewer selected a flag (the `Flag`).
    """

    flag_picked = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.title = QLabel("Flags", self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(False)
        self.list.setSpacing(2)
        self.list.setIconSize(QSize(20, 20))
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.detail = _plain_label(self)
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.detail)
        self._flags: list[Flag] = []
        self.list.currentRowChanged.connect(self._on_list_currentRowChanged)

    @property
    def flags(self) -> list[Flag]:
        """The flags in the order shown."""
        return list(self._flags)

    def show_flags(self, flags: tuple[Flag, ...]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        self._flags = sorted(
            flags, key=lambda flag: (-flag.severity.rank, flag.span[0] if flag.span else -1)
        )
        for flag in self._flags:
            score = "" if flag.score is None else f"  ·  {flag.score:.2f}"
            span = "" if flag.span is not None else "  ·  no span"
            lines = [f"{flag.severity.value.upper()}  {flag.validator} / {flag.code}{score}{span}"]
            if flag.message:
                lines.append(flag.message)
            row = QListWidgetItem(severity_icon(flag.severity), "\n".join(lines), self.list)
            row.setBackground(severity_tint(flag.severity))
            row.setToolTip("\n".join(lines))
        self.list.blockSignals(False)
        count = len(self._flags)
        self.title.setText("No flags" if count == 0 else f"Flags ({count})")
        self.detail.setText("" if count == 0 else "Select a flag to show its span in the output.")

    def pick(self, row: int) -> None:
        """Select the flag shown in `row` (as a click would)."""
        self.list.setCurrentRow(row)

    def _on_list_currentRowChanged(self, row: int) -> None:
        if not 0 <= row < len(self._flags):
            return
        flag = self._flags[row]
        if flag.span is None:
            self.detail.setText("This flag has no span in the output.")
        else:
            self.detail.setText(f"Characters {flag.span[0]}–{flag.span[1]} of the output.")
        self.flag_picked.emit(flag)
