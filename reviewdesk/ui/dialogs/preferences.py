"""The settings dialog: theme, font size, reviewer name, adjudicators, hiding model names in
comparisons and the store's reason taxonomy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from PySide6.QtCore import Qt
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

__all__ = ["DeskPreferences", "SettingsDialog", "parse_adjudicators", "parse_reasons"]


_MAX_NAME = 200
"""A reviewer name's longest (as a decision's `reviewer`)."""


@dataclass(frozen=True)
class DeskPreferences:
    """What the settings dialog edits."""

    theme: Theme
    font_size: int
    reviewer: str
    reasons: tuple[Reason, ...]
    adjudicators: tuple[str, ...] = ()
    hide_models: bool = True


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


def parse_adjudicators(text: str) -> tuple[str, ...]:
    """Reviewer names from a comma-separated list (blanks and repeats dropped).

    Raises:
        ValueError: a name is longer than a reviewer name may be.
    """
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    for name in names:
        if len(name) > _MAX_NAME:
            raise ValueError(f"Adjudicators: {name[:20]!r}… is longer than {_MAX_NAME} characters")
    return names


class SettingsDialog(QDialog):
    """Theme, font size, reviewer name, adjudicators and the store's reason taxonomy."""

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
        self.adjudicators = QLineEdit(", ".join(current.adjudicators), self)
        self.adjudicators.setPlaceholderText("names, separated by commas")
        self.adjudicators.setToolTip(
            "Reviewers whose decision settles a disagreement (as --adjudicator on the command "
            "line): the Disagreements filter, the statistics and the exports use them."
        )
        self.hide_models = QCheckBox("Hide the model names until I have decided", self)
        self.hide_models.setChecked(current.hide_models)
        self.hide_models.setToolTip(
            "Comparisons show which model wrote each answer only after the decision is saved."
        )
        self.reasons = QPlainTextEdit(reasons_text(current.reasons), self)
        self.reasons.setToolTip("One reason a line: code: Label")
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #e5484d")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("Theme", self.theme)
        form.addRow("Font size", self.font_size)
        form.addRow("Reviewer name", self.reviewer)
        form.addRow("Adjudicators", self.adjudicators)
        form.addRow("Comparisons", self.hide_models)
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
        try:
            adjudicators = parse_adjudicators(self.adjudicators.text())
        except ValueError as error:
            self.error.setText(str(error))
            return
        self._result = DeskPreferences(
            theme=Theme(self.theme.currentData()),
            font_size=self.font_size.value(),
            reviewer=reviewer,
            reasons=reasons,
            adjudicators=adjudicators,
            hide_models=self.hide_models.isChecked(),
        )
        super().accept()
