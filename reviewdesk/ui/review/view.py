"""The review view: a problem banner, the item header, Prompt | Output | Flags, under them the
questions of the queue's form (when it has one) and the other reviewers' decisions (when there
are any), and beside it all the form's guidelines (when there are some; G hides them). On a
narrow view the flags go under the output, so all three panes stay on screen."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import QApplication, QLabel, QSplitter, QVBoxLayout, QWidget

from reviewdesk.domain import Flag, Reason
from reviewdesk.review import ReviewItem
from reviewdesk.ui.review.decisions import DecisionsPanel
from reviewdesk.ui.review.flags import FlagsPanel
from reviewdesk.ui.review.form import FormPanel
from reviewdesk.ui.review.guidelines import GuidelinesPanel
from reviewdesk.ui.review.output import OutputPane
from reviewdesk.ui.review.panes import ItemHeader, PromptView
from reviewdesk.ui.style import PROBLEM_BANNER

__all__ = ["NARROW_WIDTH", "ReviewView"]

NARROW_WIDTH = 900
"""Below this width of the review view the flags pane goes under the output."""


def _titled(title: str, widget: QWidget, parent: QWidget) -> tuple[QWidget, QLabel]:
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    label = QLabel(title, box)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    widget.setParent(box)
    return box, label


def _mark(label: QLabel, focused: bool) -> None:
    """Show in a pane's title whether the pane has the keyboard focus: the title bar in the
    theme's highlight colours."""
    if label.autoFillBackground() == focused:
        return
    palette = QApplication.palette()
    if focused:
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Highlight))
        palette.setColor(
            QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.HighlightedText)
        )
    label.setPalette(palette)
    label.setAutoFillBackground(focused)


class ReviewView(QWidget):
    """One item on screen.

    Signals:
        painted(): the output view painted the item last shown.
    """

    painted = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.banner = QLabel(self)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        background, text = PROBLEM_BANNER
        self.banner.setStyleSheet(
            f"QLabel {{ background: {background}; color: {text}; padding: 6px; "
            "border-radius: 4px; }"
        )
        self.banner.hide()
        self.header = ItemHeader(self)
        self.prompt = PromptView(self)
        self.output = OutputPane(self)
        self.flags = FlagsPanel(self)
        self.prompt.setAccessibleName("Prompt")
        self.output.text.setAccessibleName("Output")
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        prompt_box, prompt_title = _titled("Prompt", self.prompt, self.splitter)
        self.splitter.addWidget(prompt_box)
        # The output's column: the output alone, or on a narrow view the output over the flags.
        self.output_column = QSplitter(Qt.Orientation.Vertical, self.splitter)
        self.output_column.setChildrenCollapsible(False)
        output_box, output_title = _titled("Output", self.output, self.output_column)
        self.output_column.addWidget(output_box)
        self.splitter.addWidget(self.output_column)
        self.splitter.addWidget(self.flags)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 3)
        self.decisions = DecisionsPanel(self)
        self.decisions.hide()
        self.form = FormPanel(self)
        self.form.attach(self.output)
        # The item and its form in a splitter of their own: `columns` keeps the two parts its
        # saved state (from before forms) describes.
        self.upper = QSplitter(Qt.Orientation.Vertical, self)
        self.upper.setChildrenCollapsible(False)
        self.upper.addWidget(self.splitter)
        self.upper.addWidget(self.form)
        self.upper.setStretchFactor(0, 3)
        self.upper.setStretchFactor(1, 2)
        self.columns = QSplitter(Qt.Orientation.Vertical, self)
        self.columns.setChildrenCollapsible(False)
        self.columns.addWidget(self.upper)
        self.columns.addWidget(self.decisions)
        self.columns.setStretchFactor(0, 3)
        self.columns.setStretchFactor(1, 1)
        self.guidelines = GuidelinesPanel(self)
        self.guidelines.hide()
        self.aside = QSplitter(Qt.Orientation.Horizontal, self)
        self.aside.setChildrenCollapsible(False)
        self.aside.addWidget(self.columns)
        self.aside.addWidget(self.guidelines)
        self.aside.setStretchFactor(0, 4)
        self.aside.setStretchFactor(1, 1)
        self.guidelines_on = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(self.header)
        layout.addWidget(self.aside, 1)
        self._item: ReviewItem | None = None
        # The panes' titles show which pane has the keys.
        self.pane_titles: dict[QWidget, QLabel] = {
            self.prompt: prompt_title,
            self.output.text: output_title,
            self.flags.list: self.flags.title,
        }
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_app_focusChanged)
        self.flags.flag_picked.connect(self._on_flags_flag_picked)
        self.output.text.painted.connect(self.painted)

    @property
    def narrow(self) -> bool:
        """Whether the flags are under the output (the view is narrower than `NARROW_WIDTH`)."""
        return self.flags.parent() is self.output_column

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        narrow = event.size().width() < NARROW_WIDTH
        if narrow != self.narrow:
            if narrow:
                self.output_column.addWidget(self.flags)
                self.output_column.setStretchFactor(0, 3)
                self.output_column.setStretchFactor(1, 2)  # room for the flags' filter too
            else:
                self.splitter.addWidget(self.flags)
                self.splitter.setStretchFactor(2, 3)

    @property
    def item(self) -> ReviewItem | None:
        return self._item

    def show_item(
        self,
        item: ReviewItem,
        reviewer: str,
        *,
        reasons: Sequence[Reason] = (),
        adjudicators: Sequence[str] = (),
    ) -> None:
        self._item = item
        self.clear_problem()
        self.header.show_item(item, reviewer)
        others = self.decisions.show_decisions(
            item.decisions,
            item.generation.output,
            reviewer=reviewer,
            reasons=reasons,
            adjudicators=adjudicators,
        )
        self.decisions.setVisible(others)
        self.prompt.show_prompt(item.generation.prompt)
        self.output.show_output(item.generation.output, item.generation.flags)
        self.flags.show_flags(item.generation.flags)
        self.form.show_item(item, reviewer)
        self._show_guidelines()

    @property
    def guidelines_text(self) -> str:
        """The guidelines of the item's form ("" for none)."""
        form = self.form.form if self._item is None else self._item.form
        return "" if form is None else form.guidelines.strip()

    def set_guidelines_on(self, on: bool) -> None:
        """Show the guidelines beside the item (when its form has some), or not."""
        self.guidelines_on = on
        self._show_guidelines()

    def _show_guidelines(self) -> None:
        self.guidelines.present(self.guidelines_text, on=self.guidelines_on)

    def show_problem(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.show()

    def clear_problem(self) -> None:
        self.banner.hide()
        self.banner.clear()

    def panes(self) -> list[QWidget]:
        """The panes that take the keys, left to right: prompt, output, flags."""
        return list(self.pane_titles)

    def show_last_user_turn(self) -> None:
        """Focus the prompt, its last user turn at the top."""
        self.prompt.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.prompt.show_last_user_turn()

    def _on_app_focusChanged(self, _old: QWidget | None, new: QWidget | None) -> None:
        for pane, title in self.pane_titles.items():
            _mark(title, new is pane)

    def _on_flags_flag_picked(self, flag: Flag) -> None:
        self.output.select_flag(flag)
