"""The desk window's deciding commands: approve, edit in place, reject with reasons, comment.

Each decision is one session step on the window's worker (`DecisionHost.submit_step`): the
status bar says "Saving…" at once and "Saved" only when the step comes back, the decision
durable in the store; a write that fails leaves the item on screen with the reason, ready to
try again. The window is reached through `DecisionHost`, what deciding needs of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt

from reviewdesk.domain import Verdict
from reviewdesk.ui.dialogs.decision import CommentDialog, ReasonDialog

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QDialog, QWidget

    from reviewdesk.domain import Reason
    from reviewdesk.errors import UserError
    from reviewdesk.review import ReviewItem, ReviewSession, Step, Stopwatch
    from reviewdesk.ui.review.view import ReviewView

__all__ = ["DecisionDesk", "DecisionHost", "SavingStatus"]


class SavingStatus(Protocol):
    """The status bar's word on the decision being written."""

    def show_saving(self) -> None: ...

    def show_not_saved(self) -> None: ...


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

    def set_editing(self, editing: bool) -> None: ...

    def open_dialog(self, dialog: QDialog) -> None: ...


class DecisionDesk(QObject):
    """Decides the item on `window`'s screen; holds the comment for the next decision.

    Args:
        window: the window the decisions are made on.
        parent: this object's parent, and the widget the reason and comment dialogs open over.
    """

    def __init__(self, window: DecisionHost, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = window
        self._dialog_parent = parent
        self._comment = ""
        window.decision_saved.connect(self._on_window_decision_saved)

    @property
    def comment(self) -> str:
        """The comment the next decision carries ("" for none)."""
        return self._comment

    def decide(
        self,
        verdict: Verdict,
        *,
        edited_output: str | None = None,
        reasons: list[str] | None = None,
    ) -> None:
        """Record `verdict` on the item on screen (ignored while a step is in flight)."""
        window = self._window
        if window.current_item is None or window.in_flight:
            return
        duration_ms = window.stopwatch.elapsed_ms()
        comment = self._comment or None
        window.status.show_saving()
        window.submit_step(
            lambda session: session.decide(
                verdict,
                duration_ms=duration_ms,
                edited_output=edited_output,
                reasons=reasons or (),
                comment=comment,
            ),
            self._on_decision_failed,
        )

    def _on_decision_failed(self, error: UserError) -> None:
        window = self._window
        message = f"Not saved: {error}. The item stays here; try again when the problem is fixed."
        window.review.show_problem(message)
        window.status.show_not_saved()
        window.decision_failed.emit(str(error))

    def _on_window_decision_saved(self, _decision: object) -> None:
        self._comment = ""  # it went with the decision

    # -- the commands -------------------------------------------------------------------------

    def _on_approve_action_triggered(self) -> None:
        self.decide(Verdict.APPROVE)

    def _on_edit_action_triggered(self) -> None:
        window = self._window
        if window.current_item is None or window.in_flight:
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
        output.diff.setPlainText(output.diff_text())
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
        dialog = ReasonDialog(window.reasons, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.decide(Verdict.REJECT, reasons=dialog.chosen()))
        window.open_dialog(dialog)

    def _on_comment_action_triggered(self) -> None:
        window = self._window
        if window.current_item is None:
            return
        dialog = CommentDialog(self._comment, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._set_comment(dialog.comment()))
        window.open_dialog(dialog)

    def _set_comment(self, comment: str) -> None:
        self._comment = comment
        self._window.review.header.set_comment(comment or None)
