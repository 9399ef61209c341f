"""The desk's help: the first-run panel (the reviewer's name and the keys of the loop) and the
"What's this?" texts of the panes (Shift+F1, then a click on a pane).

The keys cheat sheet itself is `KeysDialog` (`?` or F1), with the guidelines one button away.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

__all__ = ["MAX_REVIEWER_NAME", "PANE_HELP", "FirstRunPanel", "loop_keys_text", "set_whats_this"]

MAX_REVIEWER_NAME = 200
"""A reviewer name's longest (as a decision's `reviewer`)."""


def loop_keys_text(actions: Sequence[QAction]) -> str:
    """ "A Approve · E Edit · …": each action's first key and its name, as the menus say them."""
    parts = []
    for action in actions:
        keys = action.shortcuts()
        if keys:
            key = keys[0].toString(QKeySequence.SequenceFormat.NativeText)
            parts.append(f"{key} {action.text().replace('&', '').rstrip('…')}")
    return "  ·  ".join(parts)


class FirstRunPanel(QFrame):
    """Shown above the desk until a reviewer name is confirmed: the name the decisions are
    recorded under (pre-filled with the OS user's), and the keys of the review loop.

    The panel never takes the focus by itself (the keys stay with the item); Alt+N reaches the
    name, Enter in it confirms.

    Args:
        name: the name to offer.
        keys: the keys of the loop, as `loop_keys_text` writes them.
        parent: the window.

    Signals:
        confirmed(str): the reviewer confirmed this name (stripped, never empty).
    """

    confirmed = Signal(str)

    def __init__(self, name: str, keys: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("first-run-panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("First run")
        label = QLabel("Welcome. Your reviewer &name:", self)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        why = (
            "Your decisions, statistics and agreement are recorded under your reviewer name: "
            "confirm it once (Preferences change it later)."
        )
        self.setToolTip(why)
        self.setWhatsThis(why)
        self.name = QLineEdit(name, self)
        self.name.setMaxLength(MAX_REVIEWER_NAME)
        self.name.setMinimumWidth(120)
        self.name.setAccessibleName("Reviewer name")
        self.name.setToolTip(why)
        label.setBuddy(self.name)
        self.confirm = QPushButton("C&onfirm the name", self)
        self.confirm.setAccessibleName("Confirm the reviewer name")
        self.problem = QLabel(self)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.hide()
        self.keys = QLabel(f"{keys}  ·  F1 every key", self)
        self.keys.setTextFormat(Qt.TextFormat.PlainText)
        self.keys.setAccessibleName("The keys of the review loop")
        self.keys.setMinimumWidth(0)
        self.keys.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(6)
        layout.addWidget(label)
        layout.addWidget(self.name)
        layout.addWidget(self.confirm)
        layout.addWidget(self.problem)
        layout.addSpacing(12)
        layout.addWidget(self.keys, 1)
        self.name.returnPressed.connect(self._on_confirm_clicked)
        self.confirm.clicked.connect(self._on_confirm_clicked)

    def set_keys(self, keys: str) -> None:
        """Show the keys of the loop on screen (the Review and Comparisons tabs differ)."""
        self.keys.setText(f"{keys}  ·  F1 every key")

    def _on_confirm_clicked(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.problem.setText("The reviewer name cannot be empty.")
            self.problem.show()
            self.name.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.problem.hide()
        self.confirmed.emit(name)


def set_whats_this(texts: dict[QWidget, str]) -> None:
    """Give each widget its "What's this?" text (Shift+F1, then a click on it)."""
    for widget, text in texts.items():
        widget.setWhatsThis(text)


PANE_HELP = {
    "queue": (
        "<b>The queue list</b><br>The items of the review queue. The filters and the search "
        "above it define the queue: A, E, R, S and J/K stay inside it. Enter opens an item; "
        "Tab leaves the list; a right click on the header chooses the columns."
    ),
    "prompt": (
        "<b>Prompt</b><br>What the model was asked. P jumps to the last user turn; the arrow "
        "keys and Page Up/Down scroll it when it has the focus (F6 goes round the panes)."
    ),
    "output": (
        "<b>Output</b><br>What the model answered, as plain text (M renders Markdown). "
        "Flagged spans are tinted by severity. E edits it; the word-level diff against the "
        "original shows under it; Ctrl+Enter saves the edit, Esc cancels."
    ),
    "flags": (
        "<b>Flags</b><br>What the validators found: severity, validator, message and score. "
        "[ and ] step through them and select each flag's span in the output. The filter box "
        "narrows them by severity or validator; many flags are grouped by validator."
    ),
    "header": (
        "<b>The item</b><br>Its id, model, prompt template@version, route, risk, tokens, "
        "latency and trace id, and the comment that goes with your next decision (C)."
    ),
}
