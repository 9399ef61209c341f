"""The form panel: the questions of the item's queue form, under the output, answered by keys.

One box a question, in the form's order; one of them is the focused question (a frame around
it). Tab / Shift+Tab move the focus from question to question, and the keys of
the focused question answer it: an option's key picks it (a choice: that one, again: none; a
multi: ticks or unticks it), a rating takes its digits, a text question takes typing (Enter
goes into its box, Esc back to the desk keys), and a spans question marks the text selected
in the output with the label whose key is pressed (Delete removes the last span).

The keys reach the panel through an event filter on the output views (`attach`), where the
keyboard is while reviewing; everything else (A, E, R, J, K, ...) goes on to the window's
actions. The panel keeps the answers of each item it has shown until they are saved with a
decision (`forget_draft`), so moving away and back loses nothing; an undone decision's answers
come back (`restore_answers`). `answers_for` checks the answers against the form for a verdict
and points out the first question that is missing or wrong.

The Comparisons page shows the same panel under its two outputs (`show_form`, keyed on the
comparison's id). There the digits 1 and 2 are the page's own keys (the left / right answer is
better), so the panel answers only once the reviewer has gone into it (`claim_keys`): Tab goes
to the questions, and from then on the keys the focused question takes (its options' keys,
a rating's digits) answer it, ahead of the page's keys; Esc goes back to the page's keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from reviewdesk.domain import Decision, Form, QuestionKind, Verdict
from reviewdesk.errors import AnswerError
from reviewdesk.review import ReviewItem
from reviewdesk.ui.review.output import OutputPane
from reviewdesk.ui.review.questions import (
    QuestionBox,
    SpansBox,
    TextBox,
    question_box,
    required_text,
)
from reviewdesk.ui.review.text_map import DisplayText

__all__ = ["FormPanel", "form_key_rows"]

_MOST_HEIGHT = 330  # past this the questions scroll, so the output keeps most of the height
_LEAST_HEIGHT = 90
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def form_key_rows(form: Form) -> list[tuple[str, str]]:
    """Every key of `form` with what it does, for the keys overlay."""
    rows = [
        ("Tab", "next question"),
        ("Shift+Tab", "previous question"),
    ]
    for question in form.questions:
        name = question.shown
        if question.kind in (QuestionKind.CHOICE, QuestionKind.MULTI):
            verb = "choose" if question.kind is QuestionKind.CHOICE else "tick or untick"
            rows.extend(
                (option.key, f"{name}: {verb} {option.shown}")
                for option in question.options
                if option.key is not None
            )
        elif question.kind is QuestionKind.RATING:
            rows.append((f"{question.min} … {question.max}", f"{name}: the rating, in digits"))
        elif question.kind is QuestionKind.TEXT:
            rows.append(("Enter, then type", f"{name}: the answer (Esc: back to the desk keys)"))
        else:
            rows.extend(
                (option.key, f"{name}: mark the text selected in the output as {option.shown}")
                for option in question.options
                if option.key is not None
            )
            rows.append(("Delete", f"{name}: remove the last marked span"))
    return rows


class FormPanel(QScrollArea):
    """The questions of the item's form and the reviewer's answers to them (hidden when the
    item's queue has no form).

    Args:
        parent: the review view.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("form-panel")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._body = QWidget(self)
        self._layout = QVBoxLayout(self._body)
        self._layout.setContentsMargins(0, 2, 0, 2)
        self._layout.setSpacing(2)
        # Where the panel answers only once gone into: how to go in and back out.
        self.hint = QLabel(self._body)
        self.hint.setObjectName("form-hint")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setAccessibleName("How to answer the questions")
        self.hint.hide()
        self._layout.addWidget(self.hint)
        self._layout.addStretch(1)
        self.setWidget(self._body)
        self._form: Form | None = None
        self._boxes: list[QuestionBox] = []
        self._current = 0
        self._item_id: str | None = None
        self._output_text = ""
        self._drafts: dict[str, dict[str, Any]] = {}
        self._pane: OutputPane | None = None
        self._panes: list[OutputPane] = []
        self._claims = False  # keys are claimed from the window's shortcuts once gone into
        self._verdict_names: dict[Verdict, str] | None = None
        self._engaged = False
        self._keys = _Keys(self)
        self.hide()

    def sizeHint(self) -> QSize:
        # All the questions when they fit (the splitter gives a newly shown panel its hint).
        hint = self._body.sizeHint()
        return QSize(hint.width(), min(hint.height() + 2 * self.frameWidth(), _MOST_HEIGHT))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, min(self._body.sizeHint().height(), _LEAST_HEIGHT))

    # -- what is shown ------------------------------------------------------------------------

    @property
    def form(self) -> Form | None:
        """The form on screen (None: the item's queue has none)."""
        return self._form

    @property
    def boxes(self) -> tuple[QuestionBox, ...]:
        return tuple(self._boxes)

    @property
    def current(self) -> QuestionBox | None:
        """The focused question's box (None before the reviewer goes into them, with
        `claim_keys`)."""
        return self._boxes[self._current] if self._boxes and self._current >= 0 else None

    def box(self, key: str) -> QuestionBox:
        """The box of the question `key`."""
        for box in self._boxes:
            if box.question.key == key:
                return box
        raise KeyError(key)

    def attach(self, pane: OutputPane) -> None:
        """Take the form's keys where the reviewer's keyboard is: the output views (the first
        pane attached is the one spans are marked in)."""
        if self._pane is None:
            self._pane = pane
        self._panes.append(pane)
        pane.text.installEventFilter(self._keys)
        pane.markdown_view.installEventFilter(self._keys)

    def claim_keys(self) -> None:
        """Answer only once gone into (Tab), and then ahead of the window's own keys (the
        Comparisons page, where 1 and 2 are taken); Esc goes back out."""
        self._claims = True
        self._set_engaged(self._engaged)

    def name_verdicts(self, names: Mapping[Verdict, str]) -> None:
        """Word the verdicts a question is required for in these terms (a comparison's
        preferences: "for both bad" where the form says reject)."""
        self._verdict_names = dict(names)

    @property
    def engaged(self) -> bool:
        """Whether the reviewer has gone into the questions (only with `claim_keys`)."""
        return self._engaged

    def leave(self) -> None:
        """Back to the window's keys (with `claim_keys`)."""
        self._set_engaged(False)
        for box in self._boxes:
            box.set_current(False)
        if self._boxes_have_focus():
            self._leave_text_box()

    def _set_engaged(self, engaged: bool) -> None:
        self._engaged = engaged
        if not self._claims:
            return
        self.hint.setText(
            "Answering: the keys below answer the questions · Tab next · Esc back to the desk"
            if engaged
            else "Tab: answer the questions (their keys, then Esc back to the desk's keys)"
        )
        self.hint.show()

    def show_item(self, item: ReviewItem, reviewer: str) -> None:
        """Show `item`'s form with its answers so far: those not yet saved, else the reviewer's
        latest decision's, else none."""
        mine = item.latest_by(reviewer)
        self.show_form(
            item.generation.id,
            item.form,
            item.generation.output,
            None if mine is None else mine.answers,
        )

    def show_form(
        self,
        item_id: str,
        form: Form | None,
        output: str,
        saved: Mapping[str, Any] | None,
    ) -> None:
        """Show `form` for the item (or comparison) `item_id` with its answers so far: those
        not yet saved, else `saved` (the reviewer's latest decision's), else none. `output` is
        the text spans are marked in."""
        self._keep_draft()
        form = form if form is not None and form.questions else None
        if form != self._form:
            self._build(form)
        self._item_id = item_id
        self._output_text = output
        if self._claims:
            self.leave()
        if form is None:
            if self._pane is not None:
                self._pane.set_marks(())
            return
        answers = self._drafts.get(item_id)
        if answers is not None:  # the form may have changed since: only its questions
            answers = {key: value for key, value in answers.items() if key in form.keys}
        else:
            answers = {} if saved is None else _plain_answers(saved)
        self._set_answers(answers)
        self._set_current(-1 if self._claims else 0)
        if self._boxes_have_focus() and self._pane is not None:
            self._pane.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def answers(self) -> dict[str, Any]:
        """The answers on screen by question key (unanswered questions left out)."""
        found: dict[str, Any] = {}
        for box in self._boxes:
            value = box.value()
            if value is not None:
                found[box.question.key] = value
        return found

    def answers_for(self, verdict: Verdict) -> dict[str, Any]:
        """The answers, checked against the form for a decision with `verdict`.

        Raises:
            AnswerError: an answer is missing or wrong: the first such question is focused and
                each one gets a note saying why.
        """
        output = self._output_text
        return self.checked_answers(
            lambda form, answers: dict(form.validate_answers(answers, verdict, output))
        )

    def checked_answers(
        self, check: Callable[[Form, dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        """The answers as `check(form, answers)` types them ({} without a form), e.g. a
        comparison's preference read as a verdict.

        Raises:
            AnswerError: as `answers_for`, the question pointed out.
        """
        for box in self._boxes:
            box.show_note("")
        form = self._form
        if form is None:
            return {}
        try:
            return check(form, self.answers())
        except AnswerError as error:
            self.point_out(error)
            raise

    def point_out(self, error: AnswerError) -> None:
        """Focus the first question of `error` and note what is wrong at each."""
        keys = [box.question.key for box in self._boxes]
        first: int | None = None
        for key, why in error.problems:
            if key in keys:
                index = keys.index(key)
                self._boxes[index].show_note(why, problem=True)
                first = index if first is None else min(first, index)
        if first is not None:
            self._set_engaged(self._claims)
            self._set_current(first)
            self.ensureWidgetVisible(self._boxes[first], 0, 8)
            box = self._boxes[first]
            if isinstance(box, TextBox):
                box.enter()

    def describe(self, error: AnswerError) -> str:
        """The status bar's words for `error`: which question, and why."""
        form = self._form
        parts = []
        for key, why in error.problems:
            question = None if form is None else form.question(key)
            parts.append(f"“{question.shown if question else key}” {why}")
        return "; ".join(parts)

    def restore_answers(self, decision: Decision) -> None:
        """Put an undone decision's answers back on screen (when its item is shown)."""
        self.restore(decision.generation_id, decision.answers)

    def restore(self, item_id: str, answers: Mapping[str, Any]) -> None:
        """Put an undone decision's answers back on screen (when `item_id` is shown)."""
        if item_id == self._item_id and self._form is not None:
            self._set_answers(_plain_answers(answers))

    def forget_draft(self, decision: Decision) -> None:
        """The answers went with `decision`: the item starts afresh when it comes back."""
        self.forget_draft_of(decision.generation_id)

    def forget_draft_of(self, item_id: str) -> None:
        """The answers on `item_id` were saved with a decision: it starts afresh next time."""
        self._drafts.pop(item_id, None)
        if item_id == self._item_id:
            self._item_id = None  # the panel shows the next item next; nothing to keep

    def key_rows(self) -> list[tuple[str, str]]:
        """The keys of the form on screen (none without a form)."""
        if self._form is None:
            return []
        rows = form_key_rows(self._form)
        if self._claims:
            rows = [
                ("Tab", "go to the questions (their keys then come first)"),
                ("Esc", "leave the questions (1 and 2 choose the better answer again)"),
                *rows[1:],
            ]
        return rows

    # -- keys ---------------------------------------------------------------------------------

    def _on_key_event(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self._form is None or kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        if event.modifiers() & _COMMAND_MODIFIERS:
            return False
        if any(pane.editing and watched is pane.text for pane in self._panes):
            return False
        if kind == QEvent.Type.ShortcutOverride:
            if self._claims and self._engaged and self._takes(watched, event):
                event.accept()  # the key comes to the panel as a press, not to a shortcut
                return True
            return False
        if self._claims and not self._engaged and event.key() != Qt.Key.Key_Tab:
            return False
        return self._on_key(watched, event)

    def _takes(self, watched: QObject, event: QKeyEvent) -> bool:
        """Whether the focused question (gone into) takes this key ahead of a shortcut."""
        box = self.current
        if event.key() == Qt.Key.Key_Escape:
            return True
        if isinstance(box, TextBox):
            return watched is box.editor or event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        return box is not None and box.takes(event.text())

    def _on_key(self, watched: QObject, event: QKeyEvent) -> bool:
        key = event.key()
        box = self.current
        in_text_box = isinstance(box, TextBox) and watched is box.editor
        if key == Qt.Key.Key_Tab:  # [ and ] are the flags' keys
            if self._claims and not self._engaged:
                self._set_engaged(True)
                self._set_current(-1)  # the move below lands on the first question
            self._move(1)
            return True
        if key == Qt.Key.Key_Backtab:
            self._move(-1)
            return True
        if in_text_box:
            if key == Qt.Key.Key_Escape:
                self._leave_text_box()
                return True
            return False  # typing
        if key == Qt.Key.Key_Escape and self._claims:
            self.leave()
            return True
        if box is None:
            return False
        if isinstance(box, TextBox):
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                box.enter()
                return True
            return False
        if isinstance(box, SpansBox):
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                box.remove_last()
                return True
            option = box.option_for(event.text())
            if option is None:
                return False
            self._mark_span(box, option)
            return True
        return box.press(event.text())

    def _move(self, step: int) -> None:
        if not self._boxes:
            return
        was_in_text = self._boxes_have_focus()
        self._set_current((self._current + step) % len(self._boxes))
        box = self._boxes[self._current]
        self.ensureWidgetVisible(box, 0, 8)
        if isinstance(box, TextBox):
            box.enter()
        elif was_in_text:
            self._leave_text_box()

    def _leave_text_box(self) -> None:
        if self._pane is not None:
            self._pane.text.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _mark_span(self, box: SpansBox, value: str) -> None:
        pane = self._pane
        if pane is None:
            return
        if pane.stack.currentWidget() is not pane.text:
            box.show_note("Spans are marked in the plain-text view: press M, then select.")
            return
        cursor = pane.text.textCursor()
        if not cursor.hasSelection():
            box.show_note("Select some text of the output first, then press the label's key.")
            return
        display = pane.display
        start = _source_index(display, cursor.selectionStart())
        end = _source_index(display, cursor.selectionEnd())
        if end <= start:
            box.show_note("The selection holds no text of the output.")
            return
        box.add_span(start, end, value, self._output_text[start:end])
        cursor.clearSelection()
        pane.text.setTextCursor(cursor)

    # -- internals ----------------------------------------------------------------------------

    def _build(self, form: Form | None) -> None:
        for box in self._boxes:
            self._layout.removeWidget(box)
            box.deleteLater()
        self._boxes = []
        self._form = form
        if form is None:
            self.hide()
            return
        for index, question in enumerate(form.questions):
            box = question_box(question, self._body)
            if self._verdict_names is not None:
                box.title.setText(question.shown + required_text(question, self._verdict_names))
            if isinstance(box, TextBox):
                box.editor.installEventFilter(self._keys)
            if isinstance(box, SpansBox):
                box.spans_changed.connect(self._show_marks)
            self._layout.insertWidget(index + 1, box)  # below the hint
            self._boxes.append(box)
        self._current = 0
        self.updateGeometry()
        self.show()

    def _set_answers(self, answers: Mapping[str, Any]) -> None:
        for box in self._boxes:
            box.show_note("")
            box.set_value(answers.get(box.question.key))
            if isinstance(box, SpansBox):
                box.set_excerpts(self._output_text)
        self._show_marks()

    def _show_marks(self) -> None:
        if self._pane is not None:
            self._pane.set_marks(
                tuple(
                    span for box in self._boxes if isinstance(box, SpansBox) for span in box.ranges
                )
            )

    def _set_current(self, index: int) -> None:
        """Focus the question at `index` (-1: none yet, until the reviewer goes into them)."""
        for number, box in enumerate(self._boxes):
            box.set_current(number == index)
        self._current = index

    def _keep_draft(self) -> None:
        if self._item_id is None or self._form is None:
            return
        answers = self.answers()
        if answers:
            self._drafts[self._item_id] = answers
        else:
            self._drafts.pop(self._item_id, None)

    def _boxes_have_focus(self) -> bool:
        focused = self.focusWidget()
        return focused is not None and self.isAncestorOf(focused)


class _Keys(QObject):
    """The panel's event filter (apart: the scroll area filters its own widgets' events)."""

    def __init__(self, panel: FormPanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return self._panel._on_key_event(watched, event)


def _plain_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers as the panel holds them (spans as plain mappings, lists as lists)."""
    plain: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, tuple):
            plain[key] = [item if isinstance(item, str) else item.model_dump() for item in value]
        else:
            plain[key] = value
    return plain


def _source_index(display: DisplayText, position: int) -> int:
    """The output's code point at view `position` (the first one shown there or after)."""
    low, high = 0, display.shown_end
    while low < high:
        middle = (low + high) // 2
        if display.position(middle) < position:
            low = middle + 1
        else:
            high = middle
    return low
