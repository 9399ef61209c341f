"""The Adjudicate dialog: settle a disagreement by taking one reviewer's side, or decide afresh.

The dialog lists each other reviewer's current decision on the item (verdict, reasons, comment,
whether it edits the output) with the keys 1..N; Enter takes the side picked, A, E or R leave
the dialog to decide afresh as on any item, Esc leaves it with nothing recorded. What the
reviewer chose is read with `choice()` once the dialog is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Decision, Reason, Verdict
from reviewdesk.ui.review.decisions import current_decisions
from reviewdesk.ui.style import accent_text

__all__ = ["AdjudicateDialog", "Adjudication", "disputed", "sides"]

_DIGIT_KEYS = {getattr(Qt.Key, f"Key_{digit}"): digit for digit in range(1, 10)}
_FRESH_KEYS = {
    Qt.Key.Key_A: Verdict.APPROVE,
    Qt.Key.Key_E: Verdict.EDIT,
    Qt.Key.Key_R: Verdict.REJECT,
}
_SNIPPET = 60


@dataclass(frozen=True)
class Adjudication:
    """What the adjudicator chose: a reviewer's decision to take over (`side`), or a verdict
    to decide afresh with the usual keys (`fresh`)."""

    side: Decision | None = None
    fresh: Verdict | None = None


def disputed(decisions: Sequence[Decision]) -> bool:
    """Whether the reviewers' current decisions on an item differ in verdict."""
    return len({decision.verdict for decision in current_decisions(decisions)}) > 1


def sides(decisions: Sequence[Decision], reviewer: str) -> list[Decision]:
    """The sides an adjudicator can take: each other reviewer's current decision."""
    return [d for d in current_decisions(decisions) if d.reviewer != reviewer]


def _describe(decision: Decision, labels: dict[str, str]) -> str:
    parts = [f"{decision.reviewer} — {decision.verdict.value}"]
    if decision.reasons:
        parts.append(", ".join(labels.get(code, code) for code in decision.reasons))
    if decision.edited_output is not None:
        parts.append(f"edit: “{_snippet(decision.edited_output)}”")
    if decision.comment:
        parts.append(f"comment: “{_snippet(decision.comment)}”")
    return " · ".join(parts)


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET else flat[: _SNIPPET - 1] + "…"


class AdjudicateDialog(QDialog):
    """Pick a side (1..N, Enter) or decide afresh (A, E, R); Esc records nothing.

    Args:
        sides: the decisions to choose from, in the order the keys number them.
        reasons: the reason taxonomy, for the reasons' labels.
        parent: the window.
    """

    def __init__(
        self, sides: Sequence[Decision], reasons: Sequence[Reason], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Adjudicate")
        self._sides = list(sides)
        self._choice: Adjudication | None = None
        labels = {reason.code: reason.label for reason in reasons}
        intro = QLabel(
            "Take a reviewer's side (1–9, then Enter), or decide afresh with "
            "A approve, E edit, R reject. Esc: decide later.",
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QListWidget(self)
        # One line a side, so the list's height is known before it is shown (a wrapped row's
        # height depends on a width the list does not have yet); the decisions panel under
        # the item shows each side whole, and so does the row's tooltip.
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        for number, decision in enumerate(self._sides, start=1):
            key = f"{number}   " if number <= 9 else "    "
            entry = QListWidgetItem(f"{key}{_describe(decision, labels)}", self.list)
            entry.setToolTip(decision.edited_output or decision.comment or "")
        if self._sides:
            self.list.setCurrentRow(0)
        for row, decision in enumerate(self._sides):
            self.list.item(row).setForeground(accent_text(decision.verdict.value))
        rows = sum(self.list.sizeHintForRow(row) for row in range(min(len(self._sides), 8)))
        self.list.setFixedHeight(rows + 2 * self.list.frameWidth() + 6)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Take this side")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self.resize(max(720, self.sizeHint().width()), self.sizeHint().height())
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)
        self.list.installEventFilter(self)

    def choice(self) -> Adjudication | None:
        """What was chosen (None until the dialog is accepted)."""
        return self._choice

    def accept(self) -> None:
        if self._choice is None:
            row = self.list.currentRow()
            if not 0 <= row < len(self._sides):
                return
            self._choice = Adjudication(side=self._sides[row])
        super().accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The list would take digits and letters for its keyboard search.
        if (
            watched is self.list
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and self._handle_key(event)
        ):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._handle_key(event):
            super().keyPressEvent(event)

    def _handle_key(self, event: QKeyEvent) -> bool:
        if event.modifiers() not in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            return False
        key = Qt.Key(event.key())
        digit = _DIGIT_KEYS.get(key)
        if digit is not None:
            if digit <= len(self._sides):
                self.list.setCurrentRow(digit - 1)
            return True
        fresh = _FRESH_KEYS.get(key)
        if fresh is not None:
            self._choice = Adjudication(fresh=fresh)
            super().accept()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return True
        return False
