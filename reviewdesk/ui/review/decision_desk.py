"""The desk window's deciding commands: approve, edit in place, reject with reasons, comment,
and adjudicate a disagreement.

Each decision is one session step on the window's worker (`DecisionHost.submit_step`): the
status bar says "Saving…" at once and "Saved" only when the step comes back, the decision
durable in the store; a write that fails leaves the item on screen with the reason, ready to
try again. The window is reached through `DecisionHost`, what deciding needs of it.

When the item's queue has a review form, the decision carries the form panel's answers
(`FormPanel.answers_for`): a required one missing stops it before anything is written (and,
for E and R, before the edit or the reasons are asked for), with the question pointed out and
named in the status bar.

Adjudicating is deciding too: the reviewer takes one reviewer's side (its verdict, reasons and
edit) or decides afresh with A, E or R, the decision is recorded under the desk's reviewer
name like any other (undo takes it back), and the next open disagreement comes on screen. It
counts as an adjudicator's decision where the statistics and exports look for one: the
reviewer is among the adjudicators (`review/adjudicators`, the `--adjudicator` names of the
command line), which the desk offers to arrange once when they are not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from reviewdesk.domain import QueueFilter, Verdict
from reviewdesk.errors import AnswerError
from reviewdesk.ui.dialogs.decision import CommentDialog, ReasonDialog, other_comment
from reviewdesk.ui.review.adjudicate import AdjudicateDialog, Adjudication, disputed, sides

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QDialog, QWidget

    from reviewdesk.domain import Decision, Reason
    from reviewdesk.errors import UserError
    from reviewdesk.review import ReviewItem, ReviewSession, Step, Stopwatch
    from reviewdesk.store import Store
    from reviewdesk.ui.review.view import ReviewView

__all__ = ["DecisionDesk", "DecisionHost", "SavingStatus", "next_dispute"]


class SavingStatus(Protocol):
    """The status bar's word on the decision being written."""

    def show_saving(self) -> None: ...

    def show_not_saved(self) -> None: ...

    def show_message(self, text: str, timeout_ms: int = 0) -> None: ...


class DecisionHost(Protocol):
    """What deciding needs of the window (the desk window is one): the item on screen and how
    long it has been there, the review view, the status bar, and the session steps."""

    @property
    def decision_saved(self) -> SignalInstance:
        """Emitted with the `Decision` once it is durably in the store."""

    @property
    def decision_failed(self) -> SignalInstance:
        """Emitted with the reason when a decision could not be written."""

    @property
    def current_item(self) -> ReviewItem | None: ...

    @property
    def in_flight(self) -> bool:
        """A session step is running: the item may be about to change."""

    @property
    def stopwatch(self) -> Stopwatch: ...

    @property
    def reasons(self) -> list[Reason]: ...

    @property
    def review(self) -> ReviewView: ...

    @property
    def status(self) -> SavingStatus: ...

    def submit_step(
        self,
        work: Callable[[ReviewSession], Step],
        on_error: Callable[[UserError], None] | None = None,
    ) -> bool: ...

    @property
    def reviewer(self) -> str: ...

    @property
    def adjudicators(self) -> tuple[str, ...]: ...

    def set_adjudicators(self, names: tuple[str, ...]) -> None:
        """Keep `names` as the adjudicators (in the settings) and count again."""

    def disputes_filter(self) -> QueueFilter:
        """The open disagreements the Adjudicate command moves through, in list order."""

    @property
    def dialog(self) -> QDialog | None:
        """The dialog open on the window, if any."""

    def set_editing(self, editing: bool) -> None: ...

    def open_dialog(self, dialog: QDialog) -> None: ...


class DecisionDesk(QObject):
    """Decides the item on `window`'s screen; holds each item's comment until the item is
    decided (a skipped item's comment comes back with it).

    Args:
        window: the window the decisions are made on.
        parent: this object's parent, and the widget the reason and comment dialogs open over.
    """

    def __init__(self, window: DecisionHost, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = window
        self._dialog_parent = parent
        self._comments: dict[str, str] = {}  # by generation id, until decided
        self._adjudicating: int | None = None  # the item a fresh A/E/R decision adjudicates
        self._asked_to_adjudicate = False
        window.decision_saved.connect(self._on_window_decision_saved)

    @property
    def comment(self) -> str:
        """The comment the decision on the item on screen carries ("" for none)."""
        item = self._window.current_item
        return "" if item is None else self.comment_for(item)

    def comment_for(self, item: ReviewItem) -> str:
        """The comment written for `item` and not yet sent with a decision ("" for none)."""
        return self._comments.get(item.generation.id, "")

    def decide(
        self,
        verdict: Verdict,
        *,
        edited_output: str | None = None,
        reasons: list[str] | None = None,
        answers: dict[str, Any] | None = None,
        other: str = "",
    ) -> None:
        """Record `verdict` on the item on screen (ignored while a step is in flight); when it
        adjudicates the item, the next open disagreement follows it on screen. `answers`
        (a side's, taken over whole) stand in for the form panel's; `other` (what the "other"
        reason is) goes first into the comment."""
        window = self._window
        item = window.current_item
        if item is None or window.in_flight:
            return
        if answers is None:
            answers = self._answers(verdict)
        if answers is None:
            return
        duration_ms = window.stopwatch.elapsed_ms()
        comment = self.comment_for(item)
        if other:
            comment = other_comment(other, comment)
        disputes = window.disputes_filter() if self._adjudicating == item.pk else None
        window.status.show_saving()
        window.submit_step(
            lambda session: session.decide(
                verdict,
                duration_ms=duration_ms,
                edited_output=edited_output,
                reasons=reasons or (),
                comment=comment or None,
                answers=answers,
                then=None
                if disputes is None
                else lambda: next_dispute(session.store, disputes, item.pk),
            ),
            self._on_decision_failed,
        )

    def _answers(self, verdict: Verdict) -> dict[str, Any] | None:
        """The form's answers for a `verdict` decision; None (the question pointed out, the
        status bar saying which) when one is missing or wrong."""
        window = self._window
        form = window.review.form
        try:
            return form.answers_for(verdict)
        except AnswerError as error:
            window.status.show_message(f"Not saved: {form.describe(error)}", 10000)
            return None

    def _on_decision_failed(self, error: UserError) -> None:
        window = self._window
        message = f"Not saved: {error}. The item stays here; try again when the problem is fixed."
        window.review.show_problem(message)
        window.status.show_not_saved()
        window.decision_failed.emit(str(error))

    def _on_window_decision_saved(self, decision: Decision) -> None:
        self._comments.pop(decision.generation_id, None)  # it went with the decision
        self._adjudicating = None

    # -- the commands -------------------------------------------------------------------------

    def _on_approve_action_triggered(self) -> None:
        self.decide(Verdict.APPROVE)

    def _on_edit_action_triggered(self) -> None:
        window = self._window
        if window.current_item is None or window.in_flight:
            return
        if self._answers(Verdict.EDIT) is None:  # before the edit, not after it
            return
        window.set_editing(True)
        window.review.output.begin_edit()

    def _on_save_edit_action_triggered(self) -> None:
        window = self._window
        output = window.review.output
        item = window.current_item
        if not output.editing or item is None:
            return
        edited = output.edited_text()
        if edited == item.generation.output:
            window.review.show_problem("The output is unchanged: edit it, or press Esc to cancel.")
            return
        output.show_diff()
        self.decide(Verdict.EDIT, edited_output=edited)

    def _on_cancel_edit_action_triggered(self) -> None:
        window = self._window
        if window.review.output.editing and not window.in_flight:
            window.review.output.cancel_edit()
            window.review.clear_problem()
            window.set_editing(False)

    def _on_reject_action_triggered(self) -> None:
        window = self._window
        if window.current_item is None or window.in_flight or not window.reasons:
            return
        if self._answers(Verdict.REJECT) is None:  # before the reasons are picked
            return
        dialog = ReasonDialog(window.reasons, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.decide(Verdict.REJECT, reasons=dialog.chosen(), other=dialog.other_text())
        )
        window.open_dialog(dialog)

    def _on_comment_action_triggered(self) -> None:
        window = self._window
        item = window.current_item
        if item is None:
            return
        dialog = CommentDialog(self.comment_for(item), self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._set_comment(item, dialog.comment()))
        window.open_dialog(dialog)

    def _set_comment(self, item: ReviewItem, comment: str) -> None:
        if comment:
            self._comments[item.generation.id] = comment
        else:
            self._comments.pop(item.generation.id, None)
        current = self._window.current_item
        if current is not None and current.pk == item.pk:
            self._window.review.header.set_comment(comment or None)

    # -- adjudicating ---------------------------------------------------------------------------

    def _on_adjudicate_action_triggered(self) -> None:
        window = self._window
        item = window.current_item
        if item is None or window.in_flight or not disputed(item.decisions):
            return
        if window.reviewer in window.adjudicators or self._asked_to_adjudicate:
            self._open_adjudicate_dialog()
            return
        self._asked_to_adjudicate = True
        ask = QMessageBox(
            QMessageBox.Icon.Question,
            "Adjudicate",
            f"Record your decisions as an adjudicator's, {window.reviewer}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self._dialog_parent,
        )
        ask.setTextFormat(Qt.TextFormat.PlainText)
        ask.setInformativeText(
            "An adjudicator's decision settles a disagreement in the statistics, the exports "
            "and the Disagreements filter. Yes adds your name to the adjudicators "
            "(File → Settings); No records your decision as one more reviewer's."
        )
        ask.setDefaultButton(QMessageBox.StandardButton.Yes)
        ask.setEscapeButton(QMessageBox.StandardButton.No)
        ask.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.open_dialog(ask)
        ask.finished.connect(lambda _result: self._on_ask_finished(ask))

    def _on_ask_finished(self, ask: QMessageBox) -> None:
        window = self._window
        if ask.standardButton(ask.clickedButton()) == QMessageBox.StandardButton.Yes:
            window.set_adjudicators((*window.adjudicators, window.reviewer))
            window.status.show_message(f"{window.reviewer} is an adjudicator now.", 6000)
        else:
            window.status.show_message(
                "Your decision counts as one more reviewer's: it settles a tie only by "
                "majority. Add your name to the adjudicators in File → Settings to adjudicate.",
                12000,
            )
        # After the window has taken the focus back from the question.
        QTimer.singleShot(0, self._open_adjudicate_dialog)

    def _open_adjudicate_dialog(self) -> None:
        window = self._window
        item = window.current_item
        if item is None or window.in_flight or window.dialog is not None:
            return
        dialog = AdjudicateDialog(
            sides(item.decisions, window.reviewer), window.reasons, self._dialog_parent
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.open_dialog(dialog)
        dialog.accepted.connect(lambda: self._on_adjudicated(item.pk, dialog.choice()))

    def _on_adjudicated(self, pk: int, choice: Adjudication | None) -> None:
        item = self._window.current_item
        if choice is None or item is None or item.pk != pk:
            return
        self._adjudicating = pk
        side = choice.side
        if side is not None:
            form = self._window.review.form.form
            # The side's answers come with it when it answered the form shown now; otherwise the
            # panel's answers (checked as for any decision) go with the side's verdict.
            same_form = form is not None and side.answers and side.form_version == form.version
            self.decide(
                side.verdict,
                edited_output=side.edited_output,
                reasons=list(side.reasons),
                answers=dict(side.answers) if same_form else None,
            )
        elif choice.fresh is Verdict.APPROVE:
            self.decide(Verdict.APPROVE)
        elif choice.fresh is Verdict.EDIT:
            self._on_edit_action_triggered()
        else:  # the reasons' dialog opens once the window has the focus back
            QTimer.singleShot(0, self._on_reject_action_triggered)


def next_dispute(store: Store, disputes: QueueFilter, after: int) -> int | None:
    """The open disagreement to show after item `after` (on the store worker): the next one in
    list order, else the first; None when none is left."""
    keys = store.ordered_keys(disputes)
    if after in keys:
        at = keys.index(after)
        keys = keys[at + 1 :] + keys[:at]
    return keys[0] if keys else None
