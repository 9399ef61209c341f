"""The dialogs of a decision: the reason picker of a reject and the comment box."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Reason

__all__ = ["OTHER_REASON", "CommentDialog", "ReasonDialog", "other_comment"]

_DIGIT_KEYS = {getattr(Qt.Key, f"Key_{digit}"): digit for digit in range(1, 10)}


OTHER_REASON = "other"
"""The reason code that needs words: its text goes into the decision's comment."""


def other_comment(other: str, comment: str) -> str:
    """The comment a reject with the "other" reason carries: "Other: <what>" first, then the
    reviewer's own comment (if any) under it."""
    first = f"Other: {other.strip()}"
    return f"{first}\n\n{comment}" if comment else first


class ReasonDialog(QDialog):
    """Pick the reasons of a reject: keys 1–9 toggle, Enter confirms, at least one reason.

    Typing narrows the list (the filter box has the keys; while it is empty the digits still
    toggle); Enter picks the single reason left and empties the box again, so every reason is a
    few letters away however many there are. The "other" reason asks what it is: the words are
    required, and go first into the decision's comment (`other_comment`).
    """

    def __init__(self, reasons: Sequence[Reason], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reject — why?")
        self._reasons = list(reasons)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Pick one or more reasons (1–9 toggle, type to find, Enter confirms):", self)
        )
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Type to find a reason")
        self.filter.setAccessibleName("Find a reason")
        self.filter.setClearButtonEnabled(True)
        self.filter.installEventFilter(self)
        self.filter.textChanged.connect(self._on_filter_textChanged)
        layout.addWidget(self.filter)
        self.boxes: list[QCheckBox] = []
        for number, reason in enumerate(self._reasons, start=1):
            prefix = f"&{number}  " if number <= 9 else "    "
            box = QCheckBox(f"{prefix}{reason.label}", self)
            box.setToolTip(reason.code)
            box.setAccessibleName(reason.label)
            box.toggled.connect(self._on_box_toggled)
            layout.addWidget(box)
            self.boxes.append(box)
        self.no_match = QLabel("No reason matches.", self)
        self.no_match.hide()
        layout.addWidget(self.no_match)
        self.other_label = QLabel("&What is it? (required for Other)", self)
        self.other = QLineEdit(self)
        self.other.setAccessibleName("What the other reason is")
        self.other_label.setBuddy(self.other)
        self.other.textChanged.connect(self._on_box_toggled)
        self.other.installEventFilter(self)
        layout.addWidget(self.other_label)
        layout.addWidget(self.other)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Reject")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._on_box_toggled()
        self.filter.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen(self) -> list[str]:
        """The codes of the picked reasons, in taxonomy order."""
        return [
            reason.code
            for reason, box in zip(self._reasons, self.boxes, strict=True)
            if box.isChecked()
        ]

    def other_text(self) -> str:
        """What the "other" reason is ("" unless it is picked)."""
        return self.other.text().strip() if OTHER_REASON in self.chosen() else ""

    def shown(self) -> list[str]:
        """The codes of the reasons the filter leaves on show."""
        return [
            reason.code
            for reason, box in zip(self._reasons, self.boxes, strict=True)
            if not box.isHidden()
        ]

    def _complete(self) -> bool:
        chosen = self.chosen()
        return bool(chosen) and (OTHER_REASON not in chosen or bool(self.other.text().strip()))

    def accept(self) -> None:
        if self._complete():
            super().accept()
        elif OTHER_REASON in self.chosen():
            self.other.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._toggle_by_digit(event):
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            event.accept()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not (isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress):
            return super().eventFilter(watched, event)
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if watched is self.filter:
            if not self.filter.text() and self._toggle_by_digit(event):
                return True
            if enter and self.filter.text():
                self._pick_single_match()
                return True
        if enter and watched in (self.filter, self.other):
            self.accept()
            return True
        return super().eventFilter(watched, event)

    def _toggle_by_digit(self, event: QKeyEvent) -> bool:
        digit = _DIGIT_KEYS.get(Qt.Key(event.key()))
        if digit is None or event.modifiers() not in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            return False
        if digit <= len(self.boxes):
            self.boxes[digit - 1].toggle()
        event.accept()
        return True

    def _pick_single_match(self) -> None:
        shown = [box for box in self.boxes if not box.isHidden()]
        if len(shown) != 1:
            return
        shown[0].setChecked(True)
        self.filter.clear()
        if shown[0] is self._other_box():
            self.other.setFocus(Qt.FocusReason.OtherFocusReason)

    def _other_box(self) -> QCheckBox | None:
        for reason, box in zip(self._reasons, self.boxes, strict=True):
            if reason.code == OTHER_REASON:
                return box
        return None

    def _on_filter_textChanged(self, text: str) -> None:
        words = text.casefold().split()
        for reason, box in zip(self._reasons, self.boxes, strict=True):
            found = f"{reason.label} {reason.code}".casefold()
            box.setVisible(all(word in found for word in words))
        self.no_match.setVisible(not self.shown())

    def _on_box_toggled(self, _checked: object = False) -> None:
        other = OTHER_REASON in self.chosen()
        self.other_label.setVisible(other)
        self.other.setVisible(other)
        self.ok_button.setEnabled(self._complete())


class CommentDialog(QDialog):
    """A comment that goes with the next decision on the item; Ctrl+Enter saves it."""

    def __init__(self, comment: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Comment")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A comment for the decision on this item (Ctrl+Enter):", self))
        self.editor = QPlainTextEdit(self)
        self.editor.setPlainText(comment)
        layout.addWidget(self.editor)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.editor.installEventFilter(self)
        self.resize(480, 220)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Ctrl+Enter in the editor saves (the editor would take it as a line break).
        if (
            watched is self.editor
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.accept()
            return True
        return super().eventFilter(watched, event)

    def comment(self) -> str:
        return self.editor.toPlainText().strip()
