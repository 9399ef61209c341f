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
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Reason

__all__ = ["CommentDialog", "ReasonDialog"]

_DIGIT_KEYS = {getattr(Qt.Key, f"Key_{digit}"): digit for digit in range(1, 10)}


class ReasonDialog(QDialog):
    """Pick the reasons of a reject: keys 1–9 toggle, Enter confirms, at least one reason."""

    def __init__(self, reasons: Sequence[Reason], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reject — why?")
        self._reasons = list(reasons)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Pick one or more reasons (1–9 toggle, Enter confirms):", self))
        self.boxes: list[QCheckBox] = []
        for number, reason in enumerate(self._reasons, start=1):
            prefix = f"&{number}  " if number <= 9 else "    "
            box = QCheckBox(f"{prefix}{reason.label}", self)
            box.setToolTip(reason.code)
            box.toggled.connect(self._on_box_toggled)
            layout.addWidget(box)
            self.boxes.append(box)
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

    def chosen(self) -> list[str]:
        """The codes of the picked reasons, in taxonomy order."""
        return [
            reason.code
            for reason, box in zip(self._reasons, self.boxes, strict=True)
            if box.isChecked()
        ]

    def accept(self) -> None:
        if self.chosen():
            super().accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        digit = _DIGIT_KEYS.get(Qt.Key(event.key()))
        if digit is not None and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            if digit <= len(self.boxes):
                self.boxes[digit - 1].toggle()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_box_toggled(self, _checked: bool = False) -> None:
        self.ok_button.setEnabled(bool(self.chosen()))


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
