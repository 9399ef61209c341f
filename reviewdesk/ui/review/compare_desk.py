"""The Comparisons page of the desk: pairwise review from the keyboard.

The page drives a `ComparisonSession` on the window's store worker, like the Review page drives
its `ReviewSession`: a key submits one session call, the call returns a `ComparisonStep`, and
only then does the page move on, so a decision is durable before the next comparison shows;
while a step is in flight further deciding keys are ignored.

Keys (active while the page is shown): 1 / 2 the left / right answer is better, T tie, B both
bad (with reasons, the reject flow's picker), E then 1 / 2 correct that answer (Ctrl+Enter
saves, Esc cancels), S skip, Z or Ctrl+Z undo, D the word diff, G the queue's guidelines beside
the comparison (shown when the form has some), Shift+G them in a window, ? the keys. The
preference is stored by record position (`a`/`b`) with the order shown; the model names, hidden
while deciding (a setting), are named in the status bar once the decision is saved.

When the comparison's queue has a review form, its questions (but spans questions, which a
comparison does not ask) are under the outputs, in the Review page's form panel: Tab goes into
them, their keys answer them ahead of 1 and 2, Esc comes back out. A decision carries the
answers, checked for its preference (`both_bad` as a reject, a correction as an edit, the rest
as an approve): a required one missing saves nothing, and the panel goes to that question and
the status bar names it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain import Preference, check_comparison_answers
from reviewdesk.errors import AnswerError
from reviewdesk.review import Stopwatch
from reviewdesk.review.comparisons import (
    LEFT,
    RIGHT,
    ComparisonItem,
    ComparisonProgress,
    ComparisonSession,
    ComparisonStep,
)
from reviewdesk.ui.dialogs.decision import ReasonDialog
from reviewdesk.ui.review.compare_view import CompareView
from reviewdesk.ui.review.guidelines import GuidelinesDialog, KeysDialog

if TYPE_CHECKING:
    from reviewdesk.domain import Reason
    from reviewdesk.errors import UserError
    from reviewdesk.store import Store
    from reviewdesk.ui.runner import TaskRunner

logger = logging.getLogger(__name__)

__all__ = ["CompareDesk", "CompareHost"]

_SIDE_WORDS = {LEFT: "left", RIGHT: "right"}

NO_GUIDELINES = "This comparison's queue has no guidelines."


class CompareStatus(Protocol):
    def show_message(self, text: str, timeout_ms: int = 0) -> None: ...

    def show_saving(self) -> None: ...

    def show_saved(self) -> None: ...

    def show_not_saved(self) -> None: ...


class CompareHost(Protocol):
    """What the page needs of the window (the desk window is one)."""

    @property
    def runner(self) -> TaskRunner: ...

    @property
    def status(self) -> CompareStatus: ...

    @property
    def reasons(self) -> list[Reason]: ...

    def desk_key_rows(self) -> list[tuple[str, str]]:
        """The window's own keys, for the keys dialog."""


@dataclass(frozen=True)
class _Opened:
    session: ComparisonSession
    step: ComparisonStep
    holds_any: bool


def decided_message(step: ComparisonStep) -> str:
    """What the status bar says once a decision is saved: the preference by side, with the
    model names that were hidden while deciding."""
    saved, item = step.saved, step.decided
    if saved is None or item is None:
        return ""
    left, right = item.shown(LEFT).model, item.shown(RIGHT).model
    names = f"left was {left}, right was {right}"
    side = item.side_of(saved.preference)
    if side is not None:
        edited = " (corrected)" if saved.edited_output is not None else ""
        return f"Saved: {_SIDE_WORDS[side]} better{edited} — {names}."
    if saved.preference is Preference.TIE:
        return f"Saved: a tie — {names}."
    return f"Saved: both bad — {names}."


def progress_text(progress: ComparisonProgress) -> str:
    left = "…" if progress.left is None else f"{progress.left:,}"
    skipped = f" · {progress.skipped} skipped" if progress.skipped else ""
    rate = progress.per_hour
    per_hour = "" if rate is None else f" · {rate:,.0f} / hour"
    return f"{progress.done} compared this session{skipped} · {left} left{per_hour}"


class CompareDesk(QStackedWidget):
    """The Comparisons page: the comparison view, or a message when there is none to review.

    Args:
        host: the window's worker, status bar and reasons.
        parent: the window. The page's keys are window shortcuts, on while the page is shown:
            they work wherever the focus is in the window.

    Signals:
        opened(bool): a store was opened; whether it holds any comparison.
        comparison_shown(str): a comparison (its id) was put on screen.
        comparison_painted(str): both outputs of the comparison on screen were painted.
        decision_saved(object): a `ComparisonDecision` is durably in the store.
        decision_undone(object): the `ComparisonDecision` undo removed.
        finished(): nothing is left to compare in this session.
    """

    opened = Signal(bool)
    comparison_shown = Signal(str)
    comparison_painted = Signal(str)
    decision_saved = Signal(object)
    decision_undone = Signal(object)
    finished = Signal()

    def __init__(self, host: CompareHost, parent: QWidget, *, hide_models: bool = True) -> None:
        super().__init__(parent)
        self._host = host
        self._hide_models = hide_models
        self._session: ComparisonSession | None = None
        self._item: ComparisonItem | None = None
        self._in_flight = False
        self._choosing_edit = False
        self._editing: int | None = None
        self._stopwatch = Stopwatch()
        self._generation = 0  # a store switch makes the steps of the old session stale
        self._store: Store | None = None
        self._reviewer = ""

        self.view = CompareView(self)
        self.message_page = QWidget(self)
        self.message_title = QLabel("Opening…", self.message_page)
        self.message_title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.message_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.message_title.setFont(font)
        self.message_text = QLabel(self.message_page)
        self.message_text.setTextFormat(Qt.TextFormat.PlainText)
        self.message_text.setWordWrap(True)
        message_layout = QVBoxLayout(self.message_page)
        message_layout.addStretch(1)
        for label in (self.message_title, self.message_text):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            message_layout.addWidget(label)
        message_layout.addStretch(2)
        self.addWidget(self.view)
        self.addWidget(self.message_page)
        self.setCurrentWidget(self.message_page)
        self.view.painted.connect(self._on_view_painted)

        self.left = self._make("The left is better", "1", lambda: self._on_side_key(LEFT))
        self.right = self._make("The right is better", "2", lambda: self._on_side_key(RIGHT))
        self.tie = self._make("Tie", "T", self._on_tie_action_triggered)
        self.both_bad = self._make("Both bad…", "B", self._on_both_bad_action_triggered)
        self.edit = self._make(
            "Correct the better one (then 1 or 2)", "E", self._on_edit_action_triggered
        )
        self.edit.setIconText("Correct… (E)")
        self.skip = self._make("Skip", "S", self._on_skip_action_triggered)
        self.undo = self._make("Undo", "Z", self._on_undo_action_triggered)
        self.undo.setShortcuts([QKeySequence("Z"), QKeySequence(QKeySequence.StandardKey.Undo)])
        self.diff = self._make("Word diff", "D", self._on_diff_action_triggered)
        self.diff.setCheckable(True)
        self.guidelines = self._make("Guidelines", "G", self._on_guidelines_action_triggered)
        self.guidelines.setCheckable(True)
        self.guidelines.setChecked(True)
        self.guidelines_dialog = self._make(
            "Guidelines window…", "Shift+G", self._on_guidelines_dialog_action_triggered
        )
        self.guidelines_dialog.setIconText("Guidelines window (Shift+G)")
        self.keys = self._make("Keys…", "?", self._on_keys_action_triggered)
        self.save_edit = self._make("Save the correction", "Ctrl+Return", self._on_save_edit)
        self.save_edit.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.cancel = self._make("Cancel", "Esc", self._on_cancel_action_triggered)
        self.key_actions = [
            self.left,
            self.right,
            self.tie,
            self.both_bad,
            self.edit,
            self.skip,
            self.undo,
            self.diff,
            self.guidelines,
            self.guidelines_dialog,
            self.keys,
        ]
        self.toolbar = QToolBar("Comparisons", self.view)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.addActions([self.left, self.right, self.tie, self.both_bad, self.edit])
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.skip, self.undo, self.diff, self.keys])
        self.toolbar.addSeparator()
        # Last: on a narrow window these go into the toolbar's overflow menu, not the others.
        self.toolbar.addActions([self.guidelines, self.guidelines_dialog])
        self.view.add_toolbar(self.toolbar)
        self._enable_keys()

    # -- the store ----------------------------------------------------------------------------

    def set_store(self, store: Store | None, reviewer: str) -> None:
        """Review the comparisons of `store` as `reviewer` (None: the store is closing)."""
        self._generation += 1
        generation = self._generation
        self._store, self._reviewer = store, reviewer
        self._session, self._item, self._in_flight = None, None, False
        self._leave_edit()
        if store is None:
            self._show_message("Opening…", "")
            return

        def work() -> _Opened:
            session = ComparisonSession(store, reviewer)
            return _Opened(session, session.start(), session.holds_comparisons())

        self._host.runner.submit(work, lambda opened: self._on_opened(generation, opened))

    def refresh(self, removed: Collection[str] = ()) -> None:
        """Look at the store again after a sync changed it: start over when no comparison is
        on screen (the sync may have brought some) or when the one on screen left the store
        (`removed`); never while a step is in flight or a correction is being typed."""
        store = self._store
        if store is None or self._in_flight or self._editing is not None:
            return
        if self._item is None or self._item.id in removed:
            self.set_store(store, self._reviewer)

    def _on_opened(self, generation: int, opened: _Opened) -> None:
        if generation != self._generation:
            return
        self._session = opened.session
        self._on_step(opened.step)
        if not opened.holds_any:
            self._show_message(
                "This store holds no comparisons",
                "Import a file whose records have candidates (two outputs of one prompt).",
            )
        else:
            session = opened.session
            self._host.runner.submit(
                session.count_pending, lambda step: self._on_counted(generation, step)
            )
        self.opened.emit(opened.holds_any)

    def _on_counted(self, generation: int, step: ComparisonStep) -> None:
        if generation == self._generation:
            self.view.progress.setText(progress_text(step.progress))

    # -- steps --------------------------------------------------------------------------------

    def submit_step(
        self,
        work: Callable[[ComparisonSession], ComparisonStep],
        on_error: Callable[[UserError], None] | None = None,
    ) -> bool:
        """Run `work(session)` on the worker and show the step; False while one is in flight."""
        session = self._session
        if session is None or self._in_flight:
            return False
        self._in_flight = True
        self._choosing_edit = False  # E then S (or T, Z...): 1 and 2 decide again
        generation = self._generation
        show_failure = on_error or self._on_step_failed

        def done(step: ComparisonStep) -> None:
            if generation == self._generation:
                self._on_step(step)

        def failed(error: UserError) -> None:
            if generation == self._generation:
                self._in_flight = False
                show_failure(error)

        self._host.runner.submit(lambda: work(session), done, failed)
        return True

    def _on_step(self, step: ComparisonStep) -> None:
        self._in_flight = False
        status = self._host.status
        if step.saved is not None:
            self._leave_edit()
            self.view.form.forget_draft_of(step.saved.comparison_id)
            status.show_saved()
            status.show_message(decided_message(step), 8000)
        if step.undone is not None:
            self._leave_edit()
            status.show_message(f"Undid your preference on {step.undone.comparison_id}.", 4000)
        if step.note:
            status.show_message(step.note, 4000)
        self.view.progress.setText(progress_text(step.progress))
        if step.item is None:
            self._show_finished(step.progress)
        elif self._item is None or step.item is not self._item:
            self._show_item(step.item)
        if step.undone is not None:
            self.view.form.restore(step.undone.comparison_id, step.undone.answers)
        if step.saved is not None:
            self.decision_saved.emit(step.saved)
        if step.undone is not None:
            self.decision_undone.emit(step.undone)
        session = self._session
        if session is not None and step.item is not None:
            self._host.runner.submit(session.prefetch, after_events=True)

    def _on_step_failed(self, error: UserError) -> None:
        message = f"Not saved: {error}. The comparison stays here; try again when it is fixed."
        self.view.show_problem(message)
        self._host.status.show_not_saved()

    def _show_item(self, item: ComparisonItem) -> None:
        self._item = item
        self.view.show_item(item, hide_models=self._hide_models)
        session = self._session
        mine = None if session is None else item.latest_by(session.reviewer)
        self.view.form.show_form(item.id, item.form, "", None if mine is None else mine.answers)
        self.view.fit_form()
        self.setCurrentWidget(self.view)
        self._stopwatch.restart()
        self._enable_keys()
        if self.isVisible():
            self._focus_item()
        self.comparison_shown.emit(item.id)

    def _show_finished(self, progress: ComparisonProgress) -> None:
        self._item = None
        self._leave_edit()
        decided = progress.decided
        self._show_message(
            "No comparison left",
            f"Nothing left to compare in this session.\n\nThis session: "
            f"{decided.get(Preference.A, 0) + decided.get(Preference.B, 0)} with a better "
            f"answer, {decided.get(Preference.TIE, 0)} ties, "
            f"{decided.get(Preference.BOTH_BAD, 0)} both bad, {progress.skipped} skipped.",
        )
        self.finished.emit()

    def _show_message(self, title: str, text: str) -> None:
        self.message_title.setText(title)
        self.message_text.setText(text)
        self.setCurrentWidget(self.message_page)
        self._enable_keys()

    def _on_view_painted(self) -> None:
        if self._item is not None:
            self.comparison_painted.emit(self._item.id)

    # -- deciding -----------------------------------------------------------------------------

    def _decide(
        self,
        preference: Preference,
        work: Callable[[ComparisonSession, int, dict[str, Any]], ComparisonStep],
        *,
        edited: bool = False,
    ) -> None:
        if self._item is None or self._in_flight:
            return
        answers = self._answers_for(preference, edited=edited)
        if answers is None:
            return
        duration_ms = self._stopwatch.elapsed_ms()
        self._host.status.show_saving()
        self.submit_step(lambda session: work(session, duration_ms, answers))

    def _answers_for(self, preference: Preference, *, edited: bool) -> dict[str, Any] | None:
        """The form's answers for a decision with this preference; None (the question pointed
        out, the status bar naming it) when one is missing or wrong: nothing is saved."""
        form = self.view.form
        try:
            return form.checked_answers(
                lambda asked, answers: dict(
                    check_comparison_answers(asked, answers, preference, edited=edited)
                )
            )
        except AnswerError as error:
            self._host.status.show_message(f"Not saved: {form.describe(error)}", 10000)
            return None

    def _on_side_key(self, side: int) -> None:
        if self._choosing_edit:
            self._begin_edit(side)
            return
        item = self._item
        if item is None:
            return
        self._decide(
            item.preference_for(side),
            lambda session, ms, answers: session.decide_side(side, duration_ms=ms, answers=answers),
        )

    def _on_tie_action_triggered(self) -> None:
        self._decide(
            Preference.TIE,
            lambda session, ms, answers: session.decide(
                Preference.TIE, duration_ms=ms, answers=answers
            ),
        )

    def _on_both_bad_action_triggered(self) -> None:
        if self._item is None or self._in_flight:
            return
        if self._answers_for(Preference.BOTH_BAD, edited=False) is None:
            return  # the missing answer first, then the reasons
        reasons = self._host.reasons
        if not reasons:
            self._host.status.show_message("The store has no reasons to pick (Settings).", 6000)
            return
        dialog = ReasonDialog(reasons, self.window())
        dialog.setWindowTitle("Both bad — why?")
        dialog.ok_button.setText("Both bad")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._both_bad(dialog.chosen()))
        self._open_dialog(dialog)

    def _both_bad(self, reasons: list[str]) -> None:
        self._decide(
            Preference.BOTH_BAD,
            lambda session, ms, answers: session.decide(
                Preference.BOTH_BAD, duration_ms=ms, reasons=reasons, answers=answers
            ),
        )

    def _on_edit_action_triggered(self) -> None:
        if self._item is None or self._in_flight or self._editing is not None:
            return
        self._choosing_edit = True
        self._host.status.show_message(
            "Correct which answer? 1 the left, 2 the right (Esc cancels).", 8000
        )

    def _begin_edit(self, side: int) -> None:
        self._choosing_edit = False
        self._editing = side
        self._enable_keys()
        self.view.side_box(side).output.begin_edit()
        self._host.status.show_message(
            f"Correcting the {_SIDE_WORDS[side]} answer: Ctrl+Enter saves it as the better "
            "one, Esc cancels.",
            0,
        )

    def _on_save_edit(self) -> None:
        side, item = self._editing, self._item
        if side is None or item is None or self._in_flight:
            return
        output = self.view.side_box(side).output
        edited = output.edited_text()
        if edited == item.shown(side).output or not edited.strip():
            self.view.show_problem(
                "The answer is unchanged (or empty): correct it, or press Esc to cancel."
            )
            return
        output.diff.setPlainText(output.diff_text())
        self._decide(
            item.preference_for(side),
            lambda session, ms, answers: session.decide_side(
                side, duration_ms=ms, edited_output=edited, answers=answers
            ),
            edited=True,
        )

    def _on_cancel_action_triggered(self) -> None:
        if self._choosing_edit:
            self._choosing_edit = False
            self._host.status.show_message("", 0)
        elif self._editing is not None and not self._in_flight:
            self.view.side_box(self._editing).output.cancel_edit()
            self.view.clear_problem()
            self._leave_edit()
            self._host.status.show_message("", 0)

    def _leave_edit(self) -> None:
        self._choosing_edit = False
        if self._editing is not None:
            self._editing = None
            self._enable_keys()
            if self.isVisible():
                self._focus_item()

    # -- moving and viewing -------------------------------------------------------------------

    def _on_skip_action_triggered(self) -> None:
        if self._item is not None:
            self.submit_step(ComparisonSession.skip)

    def _on_undo_action_triggered(self) -> None:
        # An undo refused (the decision already went to the server) changes nothing: say why.
        self.submit_step(
            ComparisonSession.undo, lambda error: self._host.status.show_message(str(error), 8000)
        )

    def _on_diff_action_triggered(self) -> None:
        self.view.set_diff_shown(self.diff.isChecked())

    def set_hide_models(self, hide: bool) -> None:
        """Hide (or show) the model names of the comparison on screen and of those to come."""
        self._hide_models = hide
        self.view.set_hide_models(hide)

    def _on_guidelines_action_triggered(self) -> None:
        self.view.set_guidelines_on(self.guidelines.isChecked())
        if not self.view.guidelines_text:
            self._host.status.show_message(NO_GUIDELINES, 4000)

    def _on_guidelines_dialog_action_triggered(self) -> None:
        text, item = self.view.guidelines_text, self._item
        if not text or item is None:
            self._host.status.show_message(NO_GUIDELINES, 4000)
            return
        queue = item.comparison.queue or "this queue"
        dialog = GuidelinesDialog(text, f"Guidelines — {queue}", self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._open_dialog(dialog)

    def key_rows(self) -> list[tuple[str, str]]:
        """The page's keys: (the key, what it does)."""
        rows: list[tuple[str, str]] = []
        for action in [*self.key_actions, self.save_edit, self.cancel]:
            keys = "  or  ".join(
                key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts()
            )
            rows.append((keys, action.text().rstrip("…")))
        return rows

    def _on_keys_action_triggered(self) -> None:
        sections = [("Comparisons", self.key_rows())]
        form_rows = self.view.form.key_rows()
        if form_rows:
            sections.append(("The review form", form_rows))
        sections.append(("The desk", self._host.desk_key_rows()))
        guidelines = self._on_guidelines_dialog_action_triggered
        dialog = KeysDialog(
            sections, self.window(), guidelines if self.view.guidelines_text else None
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: QDialog) -> None:
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()

    def _on_dialog_finished(self, _result: int) -> None:
        self.window().activateWindow()
        self._focus_item()

    # -- keys and focus -----------------------------------------------------------------------

    def _make(self, text: str, key: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shown = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{text} ({shown})")
        action.setIconText(f"{text.rstrip('…')} ({shown})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _enable_keys(self) -> None:
        """The keys work while the page is on screen; only save and cancel while correcting."""
        shown = self.isVisible()
        on_item = shown and self._item is not None and self._editing is None
        for action in self.key_actions:
            action.setEnabled(on_item)
        self.keys.setEnabled(shown and self._editing is None)
        self.undo.setEnabled(shown and self._editing is None and self._session is not None)
        self.save_edit.setEnabled(shown and self._editing is not None)
        self.cancel.setEnabled(shown)

    def _focus_item(self) -> None:
        if self._editing is None:
            self.view.side_box(LEFT).output.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._enable_keys()
        self._focus_item()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._enable_keys()

    @property
    def current_item(self) -> ComparisonItem | None:
        return self._item

    @property
    def session(self) -> ComparisonSession | None:
        """The session (lives on the worker: read it only when the worker is idle)."""
        return self._session

    @property
    def in_flight(self) -> bool:
        return self._in_flight

    @property
    def editing(self) -> int | None:
        """The side being corrected, or None."""
        return self._editing
