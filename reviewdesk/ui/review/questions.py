"""One box a question of a review form: its label, its options with their keys, its answer.

Each kind has its box: `ChoiceBox` (choice: radio-like options; multi: checkable ones),
`RatingBox` (min..max with the end labels), `TextBox` (a plain-text edit) and `SpansBox` (the
labels' keys and the spans marked so far, each with its text excerpt and a way to remove it).
A box holds its answer as the panel hands it to the form (`value()`, None for no answer) and
draws it; the keys come from `FormPanel`, which knows which question is focused. Nothing in a
box takes the keyboard focus except the text edit, so the reviewer's keys stay with the desk.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Question, QuestionKind, Verdict
from reviewdesk.ui.review.flow import FlowLayout
from reviewdesk.ui.style import accent_text

__all__ = [
    "ChoiceBox",
    "QuestionBox",
    "RatingBox",
    "SpansBox",
    "TextBox",
    "question_box",
]

_EXCERPT = 48
_TYPING_PAUSE_S = 1.5  # digits typed closer than this make one rating (1 then 0: 10)
# No style sheets here: a widget under one paints through the (slower) style sheet style, and
# the panel repaints on every item.


def _plain(text: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def required_text(question: Question, names: Mapping[Verdict, str] | None = None) -> str:
    """What a question's title says of `required`: " *", " * (for reject)", or nothing;
    `names` words the verdicts otherwise (a comparison's: " * (for both bad)")."""
    verdicts = question.required_verdicts
    if not verdicts:
        return ""
    if verdicts == frozenset(Verdict):
        return " *"
    words = sorted(verdicts) if names is None else [names[verdict] for verdict in sorted(verdicts)]
    return " * (for " + " or ".join(words) + ")"


class _Ring(QWidget):
    """The focus frame: drawn over the focused question's box (the other boxes paint none of
    their own, so a box repaints in C++ alone when an answer changes)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 5, 5)
        painter.end()


class QuestionBox(QFrame):
    """A question's box: the label on the left, the answer's controls, a note under them.

    Args:
        question: the question.
        parent: the panel's body.
    """

    def __init__(self, question: Question, parent: QWidget) -> None:
        super().__init__(parent)
        self.question = question
        self.setObjectName("question")
        self._current = False
        self._ring = _Ring(self)
        title = _plain(question.shown + required_text(question), self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        title.setFixedWidth(150)
        title.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        if question.help:
            title.setToolTip(question.help)
        self.title = title
        self.controls = QHBoxLayout()
        self.controls.setSpacing(10)
        self.note = _plain("", self)
        self.note.setWordWrap(True)
        self.note.hide()
        right = QVBoxLayout()
        right.setSpacing(2)
        right.addLayout(self.controls)
        right.addWidget(self.note)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.addWidget(title)
        layout.addLayout(right, 1)

    def value(self) -> Any:
        """The answer as it goes to the form; None when unanswered."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show `value` (None: unanswered)."""
        raise NotImplementedError

    def press(self, text: str) -> bool:
        """Answer by a key's text; False when the key is not one of this question's."""
        return False

    def takes(self, text: str) -> bool:
        """Whether a key's text answers this question (`press` would take it)."""
        return False

    def set_current(self, current: bool) -> None:
        """Draw the focus frame (or not)."""
        if self._current != current:
            self._current = current
            self._ring.setVisible(current)
            if current:
                self._ring.raise_()

    @property
    def is_current(self) -> bool:
        return self._current

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._ring.setGeometry(self.rect())

    def show_note(self, text: str, *, problem: bool = False) -> None:
        """A note under the answer: what is wrong (red) or a hint; "" hides it."""
        if not text:
            if not self.note.isHidden():
                self.note.hide()
                self.note.clear()
            return
        palette = self.note.palette()
        color = (
            accent_text("error")
            if problem
            else self.palette().color(QPalette.ColorRole.PlaceholderText)
        )
        palette.setColor(QPalette.ColorRole.WindowText, color)
        self.note.setPalette(palette)
        self.note.setText(text)
        self.note.show()

    @property
    def note_text(self) -> str:
        return "" if self.note.isHidden() else self.note.text()


def _option_button(button: QAbstractButton) -> QAbstractButton:
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class ChoiceBox(QuestionBox):
    """A choice (one option, radio-like) or multi (any options, checkable) question."""

    def __init__(self, question: Question, parent: QWidget) -> None:
        super().__init__(question, parent)
        self._multi = question.kind is QuestionKind.MULTI
        self.buttons: dict[str, QAbstractButton] = {}
        self._keys: dict[str, str] = {}
        flow = FlowLayout()
        self.controls.addLayout(flow, 1)
        for option in question.options:
            text = option.shown if option.key is None else f"{option.key}  {option.shown}"
            button: QAbstractButton = (
                QCheckBox(text, self) if self._multi else QRadioButton(text, self)
            )
            button.setAutoExclusive(False)
            _option_button(button)
            button.clicked.connect(lambda _checked, value=option.value: self._toggle(value))
            flow.addWidget(button)
            self.buttons[option.value] = button
            if option.key is not None:
                self._keys[option.key.lower()] = option.value
        self._chosen: list[str] = []

    def value(self) -> Any:
        if self._multi:
            return list(self._chosen) if self._chosen else None
        return self._chosen[0] if self._chosen else None

    def set_value(self, value: Any) -> None:
        if value is None:
            chosen = []
        elif isinstance(value, str):
            chosen = [value]
        else:
            chosen = [str(item) for item in value]
        self._chosen = [v for v in self.question.values if v in chosen]
        self._draw()

    def press(self, text: str) -> bool:
        value = self._keys.get(text.lower()) if text else None
        if value is None:
            return False
        self._toggle(value)
        return True

    def takes(self, text: str) -> bool:
        return bool(text) and text.lower() in self._keys

    def _toggle(self, value: str) -> None:
        if value in self._chosen:
            self._chosen.remove(value)
        elif self._multi:
            self._chosen = [v for v in self.question.values if v in {*self._chosen, value}]
        else:
            self._chosen = [value]
        self.show_note("")
        self._draw()

    def _draw(self) -> None:
        for value, button in self.buttons.items():
            on = value in self._chosen
            if button.isChecked() != on:
                button.setChecked(on)


class RatingBox(QuestionBox):
    """A rating min..max: one button a value (a spin box past eleven values), the end labels
    beside them; digits typed in a row make one number (1, 0: 10), `-` starts a negative one."""

    def __init__(self, question: Question, parent: QWidget) -> None:
        super().__init__(question, parent)
        low, high = question.min, question.max
        if low is None or high is None:
            raise ValueError(f"the rating {question.key!r} has no min or max")
        self.low, self.high = low, high
        self._value: int | None = None
        self._typed = ""
        self._typed_at = 0.0
        self.buttons: dict[int, QAbstractButton] = {}
        self.spin: QSpinBox | None = None
        low_label = question.labels.get(self.low, "")
        high_label = question.labels.get(self.high, "")
        flow = FlowLayout(spacing=8)
        self.controls.addLayout(flow, 1)
        if low_label:
            flow.addWidget(_plain(low_label, self))
        if self.high - self.low <= 10:
            for number in range(self.low, self.high + 1):
                button = _option_button(QRadioButton(str(number), self))
                button.setAutoExclusive(False)
                button.clicked.connect(lambda _checked, n=number: self._choose(n))
                flow.addWidget(button)
                self.buttons[number] = button
        else:
            spin = QSpinBox(self)
            spin.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            spin.setRange(self.low - 1, self.high)
            spin.setSpecialValueText("–")  # the value below min: no answer
            spin.setValue(self.low - 1)
            spin.valueChanged.connect(self._on_spin_valueChanged)
            flow.addWidget(spin)
            self.spin = spin
        if high_label:
            flow.addWidget(_plain(high_label, self))

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        self._value = value if isinstance(value, int) and not isinstance(value, bool) else None
        self._typed = ""
        self._draw()

    def press(self, text: str) -> bool:
        if not text or not (text.isdigit() or text == "-"):
            return False
        now = time.monotonic()
        typed = self._typed + text if now - self._typed_at < _TYPING_PAUSE_S else text
        if not self._could_be(typed):
            typed = text
            if not self._could_be(typed):
                return False  # 9 for a rating of 1..5: not this question's key
        self._typed, self._typed_at = typed, now
        if typed.lstrip("-").isdigit() and self.low <= int(typed) <= self.high:
            self._choose(int(typed))
        return True

    def takes(self, text: str) -> bool:
        return (
            bool(text)
            and (text.isdigit() or text == "-")
            and (self._could_be(self._typed + text) or self._could_be(text))
        )

    def _could_be(self, typed: str) -> bool:
        """Whether some value of the rating is written starting with `typed`."""
        return any(str(number).startswith(typed) for number in range(self.low, self.high + 1))

    def _choose(self, number: int) -> None:
        self._value = number
        self.show_note("")
        self._draw()

    def _on_spin_valueChanged(self, number: int) -> None:
        if self.low <= number != self._value:
            self._choose(number)

    def _draw(self) -> None:
        for number, button in self.buttons.items():
            on = number == self._value
            if button.isChecked() != on:
                button.setChecked(on)
        if self.spin is not None:
            self.spin.blockSignals(True)
            self.spin.setValue(self.low - 1 if self._value is None else self._value)
            self.spin.blockSignals(False)


class TextBox(QuestionBox):
    """Free text, typed in a small plain-text edit (Tab leaves it for the next question)."""

    def __init__(self, question: Question, parent: QWidget) -> None:
        super().__init__(question, parent)
        self.editor = QPlainTextEdit(self)
        self.editor.setTabChangesFocus(True)
        self.editor.setAccessibleName(question.label)
        self.editor.setPlaceholderText("Enter to type here · Esc: back to the desk keys")
        lines = self.editor.fontMetrics().lineSpacing()
        self.editor.setFixedHeight(lines * 2 + 12)
        self.editor.textChanged.connect(self._on_editor_textChanged)
        self.controls.addWidget(self.editor, 1)

    def value(self) -> Any:
        text = self.editor.toPlainText()
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        if self.editor.toPlainText() != text:
            self.editor.setPlainText(text)

    def enter(self) -> None:
        """Put the keyboard in the edit, at the end of the text."""
        self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)

    def _on_editor_textChanged(self) -> None:
        if self.editor.toPlainText():
            self.show_note("")


class SpansBox(QuestionBox):
    """Marked ranges of the output, each with a label: the labels' keys, and the spans so far
    (label, excerpt, `[start, end)`) with a Remove button.

    Signals:
        spans_changed(): a span was added or removed.
    """

    spans_changed = Signal()

    def __init__(self, question: Question, parent: QWidget) -> None:
        super().__init__(question, parent)
        self._keys = {option.key.lower(): option.value for option in question.options if option.key}
        self._labels = {option.value: option.shown for option in question.options}
        self._spans: list[dict[str, Any]] = []
        self._excerpts: list[str] = []
        keys = "   ".join(
            f"{option.key}  {option.shown}" for option in question.options if option.key
        )
        column = QVBoxLayout()
        column.setSpacing(2)
        self.hint = _plain(f"Select text in the output, then: {keys}", self)
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        column.addWidget(self.hint)
        row = QHBoxLayout()
        self.list = QListWidget(self)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setFixedHeight(self.list.fontMetrics().lineSpacing() * 2 + 10)
        self.remove = QPushButton("Remove", self)
        self.remove.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.remove.setToolTip("Remove the selected span (Delete: the last one)")
        self.remove.clicked.connect(self._on_remove_clicked)
        row.addWidget(self.list, 1)
        row.addWidget(self.remove, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(row)
        self.controls.addLayout(column, 1)
        self._draw()

    def value(self) -> Any:
        return [dict(span) for span in self._spans] if self._spans else None

    def set_value(self, value: Any) -> None:
        self._spans = []
        self._excerpts = []
        for span in value or ():
            self._spans.append(
                {"start": int(span["start"]), "end": int(span["end"]), "label": span["label"]}
            )
            self._excerpts.append(str(span.get("text", "")))
        self._draw()

    def set_excerpts(self, output: str) -> None:
        """Fill in the text of each span from the output (spans restored from a decision)."""
        self._excerpts = [output[span["start"] : span["end"]] for span in self._spans]
        self._draw()

    @property
    def ranges(self) -> tuple[tuple[int, int], ...]:
        """The spans' `[start, end)`, in the order they were marked."""
        return tuple((span["start"], span["end"]) for span in self._spans)

    def option_for(self, text: str) -> str | None:
        """The label value whose key is `text`, or None."""
        return self._keys.get(text.lower()) if text else None

    def add_span(self, start: int, end: int, label: str, excerpt: str) -> None:
        self._spans.append({"start": start, "end": end, "label": label})
        self._excerpts.append(excerpt)
        self.show_note("")
        self._draw()
        self.spans_changed.emit()

    def remove_last(self) -> None:
        if self._spans:
            self._remove(len(self._spans) - 1)

    def _remove(self, index: int) -> None:
        del self._spans[index]
        del self._excerpts[index]
        self._draw()
        self.spans_changed.emit()

    def _on_remove_clicked(self) -> None:
        row = self.list.currentRow()
        self._remove(row) if 0 <= row < len(self._spans) else self.remove_last()

    def _draw(self) -> None:
        if not self._spans and not self.list.count():
            self.remove.setEnabled(False)
            return
        self.list.clear()
        for span, excerpt in zip(self._spans, self._excerpts, strict=True):
            text = " ".join(excerpt.split())
            if len(text) > _EXCERPT:
                text = text[: _EXCERPT - 1] + "…"
            row = QListWidgetItem(
                f"{self._labels.get(span['label'], span['label'])}: “{text}”  "
                f"[{span['start']}, {span['end']})",
                self.list,
            )
            row.setToolTip(excerpt)
        # Shown even when empty: a list coming and going would lay the window out again.
        self.remove.setEnabled(bool(self._spans))


def question_box(question: Question, parent: QWidget) -> QuestionBox:
    """The box for `question`'s kind."""
    kind = question.kind
    if kind in (QuestionKind.CHOICE, QuestionKind.MULTI):
        return ChoiceBox(question, parent)
    if kind is QuestionKind.RATING:
        return RatingBox(question, parent)
    if kind is QuestionKind.TEXT:
        return TextBox(question, parent)
    return SpansBox(question, parent)
