"""The comparison view: the prompt above, the two outputs side by side (each with its flags
tinted), under them the queue's form panel (when the queue has a form), and, on request, a word
diff from the left output to the right one; beside it all the form's guidelines (when there are
some; G hides them), in the Review tab's panel.

Which candidate is left is the session's decision (`ComparisonItem.order`); this view only
shows `item.shown(LEFT)` and `item.shown(RIGHT)`. Model names are hidden while deciding unless
the reviewer turned that off.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from reviewdesk.domain import Candidate, Verdict
from reviewdesk.review.comparisons import LEFT, RIGHT, ComparisonItem
from reviewdesk.ui.review.compare_diff import DiffPane
from reviewdesk.ui.review.form import FormPanel
from reviewdesk.ui.review.guidelines import GuidelinesPanel
from reviewdesk.ui.review.output import OutputPane
from reviewdesk.ui.review.panes import PromptView

__all__ = ["CompareView", "SideBox"]

_SIDE_NAMES = {LEFT: "Left", RIGHT: "Right"}

PREFERENCE_WORDS = {
    Verdict.APPROVE: "a better answer or a tie",
    Verdict.EDIT: "a correction",
    Verdict.REJECT: "both bad",
}
"""What a verdict of the form means on a comparison (`reviewdesk.domain.comparison_forms`)."""


def _bold(label: QLabel) -> QLabel:
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def flags_summary(candidate: Candidate) -> str:
    """One line naming the candidate's flags, worst first ("" when it has none)."""
    if not candidate.flags:
        return "No flags"
    flags = sorted(candidate.flags, key=lambda flag: -flag.severity.rank)
    shown = ", ".join(f"{flag.severity} {flag.validator}/{flag.code}" for flag in flags[:3])
    more = f" and {len(flags) - 3} more" if len(flags) > 3 else ""
    return f"{len(flags)} flag{'s' if len(flags) > 1 else ''}: {shown}{more}"


class SideBox(QWidget):
    """One side: its key and name, the model (or "model hidden"), its flags, the output."""

    def __init__(self, side: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.side = side
        self.title = _bold(QLabel(self))
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.flags = QLabel(self)
        self.flags.setTextFormat(Qt.TextFormat.PlainText)
        self.output = OutputPane(self)
        self.output.mode_label.hide()  # always plain text here
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.flags)
        layout.addWidget(self.output, 1)

    def show_candidate(self, candidate: Candidate, *, hide_model: bool) -> None:
        model = "model hidden" if hide_model else candidate.model
        self.title.setText(f"{self.side + 1} · {_SIDE_NAMES[self.side]} — {model}")
        self.flags.setText(flags_summary(candidate))
        self.output.show_output(candidate.output, candidate.flags)


class CompareView(QWidget):
    """One comparison on screen.

    Signals:
        painted(): both outputs of the comparison just shown have been painted.
    """

    painted = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._item: ComparisonItem | None = None
        self._hide_models = True
        self._unpainted: set[int] = set()

        self.header = QLabel(self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QLabel(self)
        self.progress.setTextFormat(Qt.TextFormat.PlainText)
        self.problem = QLabel(self)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #e5484d")
        self.problem.hide()

        self.prompt = PromptView(self)
        prompt_box = QWidget(self)
        prompt_layout = QVBoxLayout(prompt_box)
        prompt_layout.setContentsMargins(0, 0, 0, 0)
        prompt_layout.setSpacing(2)
        prompt_layout.addWidget(_bold(QLabel("Prompt", prompt_box)))
        prompt_layout.addWidget(self.prompt, 1)

        self.sides = (SideBox(LEFT, self), SideBox(RIGHT, self))
        self.outputs = QSplitter(Qt.Orientation.Horizontal, self)
        self.outputs.setChildrenCollapsible(False)
        for box in self.sides:
            self.outputs.addWidget(box)
            box.output.text.painted.connect(lambda side=box.side: self._on_side_painted(side))

        self.diff = DiffPane(self)
        self.diff_box = QWidget(self)
        diff_layout = QVBoxLayout(self.diff_box)
        diff_layout.setContentsMargins(0, 0, 0, 0)
        diff_layout.setSpacing(2)
        self.diff_title = _bold(
            QLabel(
                "Differences, left → right (D hides): struck out = only in the left, green = only "
                "in the right"
            )
        )
        self.diff_title.setParent(self.diff_box)
        diff_layout.addWidget(self.diff_title)
        diff_layout.addWidget(self.diff, 1)
        self.diff_box.hide()

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(prompt_box)
        self.splitter.addWidget(self.outputs)
        # The form's keys are taken where the keyboard is: either output (the left first).
        self.form = FormPanel(self)
        self.form.claim_keys()
        self.form.name_verdicts(PREFERENCE_WORDS)
        for box in self.sides:
            self.form.attach(box.output)
        self.splitter.addWidget(self.form)
        self.splitter.addWidget(self.diff_box)
        # The prompt keeps room for a few lines (a chat prompt's last turn is what matters).
        self.prompt.setMinimumHeight(self.prompt.fontMetrics().lineSpacing() * 5 + 8)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setStretchFactor(3, 2)

        # Beside it all, the guidelines of the queue's form, as on the Review tab.
        self.guidelines = GuidelinesPanel(self)
        self.guidelines.hide()
        self.guidelines_on = True
        self.aside = QSplitter(Qt.Orientation.Horizontal, self)
        self.aside.setChildrenCollapsible(False)
        self.aside.addWidget(self.splitter)
        self.aside.addWidget(self.guidelines)
        self.aside.setStretchFactor(0, 4)
        self.aside.setStretchFactor(1, 1)

        bar = QHBoxLayout()
        bar.addWidget(self.header, 1)
        bar.addWidget(self.progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 6)
        layout.setSpacing(4)
        self._layout = layout
        layout.addLayout(bar)
        layout.addWidget(self.problem)
        layout.addWidget(self.aside, 1)

    def add_toolbar(self, toolbar: QWidget) -> None:
        """Put the page's buttons above the comparison."""
        toolbar.setParent(self)
        self._layout.insertWidget(0, toolbar)

    @property
    def item(self) -> ComparisonItem | None:
        return self._item

    @property
    def diff_shown(self) -> bool:
        return not self.diff_box.isHidden()

    def side_box(self, side: int) -> SideBox:
        return self.sides[side]

    def show_item(self, item: ComparisonItem, *, hide_models: bool) -> None:
        """Put `item` on screen, its candidates in the order the session chose."""
        self._item = item
        self._hide_models = hide_models
        self.clear_problem()
        queue = item.comparison.queue or "no queue"
        self.header.setText(f"Comparison {item.id} · {queue} — which answer is better?")
        self.prompt.show_prompt(item.comparison.prompt)
        self._unpainted = {LEFT, RIGHT}
        for box in self.sides:
            box.show_candidate(item.shown(box.side), hide_model=hide_models)
        self.guidelines.present(item.guidelines, on=self.guidelines_on)
        if self.diff_shown:
            self._show_diff()

    @property
    def guidelines_text(self) -> str:
        """The guidelines of the comparison's queue ("" for none)."""
        return "" if self._item is None else self._item.guidelines

    def set_guidelines_on(self, on: bool) -> None:
        """Show the guidelines beside the comparison (when its queue has some), or not."""
        self.guidelines_on = on
        self.guidelines.present(self.guidelines_text, on=on)

    def fit_form(self) -> None:
        """Give the form panel the room its questions ask for (up to its cap, at most half the
        outputs' height), taken from the outputs."""
        if self.form.isHidden():
            return
        sizes = self.splitter.sizes()
        if sizes[1] <= 0:
            return  # not laid out yet
        want = min(self.form.sizeHint().height(), (sizes[1] + sizes[2]) // 2)
        if sizes[2] < want:
            sizes[1] -= want - sizes[2]
            sizes[2] = want
            self.splitter.setSizes(sizes)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_form()

    def set_hide_models(self, hide: bool) -> None:
        self._hide_models = hide
        item = self._item
        if item is not None:
            for box in self.sides:
                box.title.setText(
                    f"{box.side + 1} · {_SIDE_NAMES[box.side]} — "
                    f"{'model hidden' if hide else item.shown(box.side).model}"
                )

    def set_diff_shown(self, shown: bool) -> None:
        if shown:
            self._show_diff()
            if self.diff_box.isHidden():
                self.diff_box.show()
                # A pane shown in a splitter gets no room of its own: take a third of the
                # outputs' height for it.
                prompt, outputs, form, _ = self.splitter.sizes()
                self.splitter.setSizes([prompt, outputs - outputs // 3, form, outputs // 3])
        else:
            self.diff_box.hide()
            self.diff.clear_diff()

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def clear_problem(self) -> None:
        if not self.problem.isHidden():
            self.problem.hide()
            self.problem.clear()

    def _show_diff(self) -> None:
        item = self._item
        if item is None:
            self.diff.clear_diff()
            return
        self.diff.show_diff(item.shown(LEFT).output, item.shown(RIGHT).output)

    def _on_side_painted(self, side: int) -> None:
        if side in self._unpainted:
            self._unpainted.discard(side)
            if not self._unpainted:
                self.painted.emit()
