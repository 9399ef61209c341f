"""The desk's dialogs: the reason picker, the comment box and the settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Reason
from reviewdesk.ui.settings import MAX_FONT_SIZE, MIN_FONT_SIZE
from reviewdesk.ui.style import Theme

__all__ = ["CommentDialog", "DeskPreferences", "ReasonDialog", "SettingsDialog"]

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


@dataclass(frozen=True)
class DeskPreferences:
    """What the settings dialog edits."""

    theme: Theme
    font_size: int
    reviewer: str
    reasons: tuple[Reason, ...]


def reasons_text(reasons: Sequence[Reason]) -> str:
    return "\n".join(f"{reason.code}: {reason.label}" for reason in reasons)


def parse_reasons(text: str) -> tuple[Reason, ...]:
    """Reasons from "code: Label" lines.

    Raises:
        ValueError: a line is not a valid reason, with its number.
    """
    reasons: list[Reason] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        code, _, label = line.partition(":")
        try:
            reasons.append(Reason(code=code.strip(), label=label.strip() or code.strip()))
        except ValidationError:
            raise ValueError(
                f"line {number}: a code is lower-case letters, digits and _ ({code.strip()!r})"
            ) from None
    if not reasons:
        raise ValueError("the taxonomy needs at least one reason")
    if len({reason.code for reason in reasons}) != len(reasons):
        raise ValueError("each reason code may appear once")
    return tuple(reasons)


class SettingsDialog(QDialog):
    """Theme, font size, reviewer name and the store's reason taxonomy."""

    def __init__(self, current: DeskPreferences, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.theme = QComboBox(self)
        for theme, label in (
            (Theme.SYSTEM, "Follow the system"),
            (Theme.LIGHT, "Light"),
            (Theme.DARK, "Dark"),
        ):
            self.theme.addItem(label, theme.value)
        self.theme.setCurrentIndex(self.theme.findData(current.theme.value))
        self.font_size = QSpinBox(self)
        self.font_size.setRange(MIN_FONT_SIZE, MAX_FONT_SIZE)
        self.font_size.setValue(current.font_size)
        self.reviewer = QLineEdit(current.reviewer, self)
        self.reasons = QPlainTextEdit(reasons_text(current.reasons), self)
        self.reasons.setToolTip("One reason a line: code: Label")
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #e5484d")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("Theme", self.theme)
        form.addRow("Font size", self.font_size)
        form.addRow("Reviewer name", self.reviewer)
        form.addRow("Reject reasons", self.reasons)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._result: DeskPreferences | None = None

    def preferences(self) -> DeskPreferences | None:
        """The accepted preferences (None until the dialog is accepted)."""
        return self._result

    def accept(self) -> None:
        try:
            reasons = parse_reasons(self.reasons.toPlainText())
        except ValueError as error:
            self.error.setText(str(error))
            return
        reviewer = self.reviewer.text().strip()
        if not reviewer:
            self.error.setText("The reviewer name cannot be empty.")
            return
        self._result = DeskPreferences(
            theme=Theme(self.theme.currentData()),
            font_size=self.font_size.value(),
            reviewer=reviewer,
            reasons=reasons,
        )
        super().accept()
