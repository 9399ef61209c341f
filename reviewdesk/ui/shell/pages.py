"""The window's containers: the Review | Statistics tabs, and the pages of the review side
(opening, the item, the empty store, the finished queue)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.review import SessionProgress

__all__ = ["DeskPages", "DeskTabs", "MessagePage"]


class MessagePage(QWidget):
    """A centred message with buttons, for the opening, empty and finished states."""

    def __init__(self, parent: QWidget, title: str = "", text: str = "") -> None:
        super().__init__(parent)
        self.title = QLabel(title, self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel(text, self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.buttons = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for label in (self.title, self.text):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addLayout(self.buttons)
        layout.addStretch(2)
        self.buttons.addStretch(1)

    def add_button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.clicked.connect(slot)
        self.buttons.insertWidget(self.buttons.count(), button)
        return button

    def finish_buttons(self) -> None:
        self.buttons.addStretch(1)


class DeskPages(QStackedWidget):
    """The review side of the window: one of opening, the review view, empty or finished.

    Args:
        review: the review view (the page of an item).
        on_import / on_demo: the empty page's buttons.
        on_back: the finished page's button (back to the last item).
        on_clear_filters: the finished page's button when the list's filters scope the review.
    """

    def __init__(
        self,
        review: QWidget,
        parent: QWidget,
        *,
        on_import: Callable[[], None],
        on_demo: Callable[[], None],
        on_back: Callable[[], None],
        on_clear_filters: Callable[[], None],
    ) -> None:
        super().__init__(parent)
        self.review = review
        self.loading = MessagePage(self, "Opening the store…")
        self.loading.finish_buttons()
        self.empty = MessagePage(
            self,
            "This store is empty",
            "Import a file of generations (JSONL, CSV or OpenAI chat logs).",
        )
        self.empty.add_button("Import a file…", on_import)
        self.empty.add_button("Open the demo", on_demo)
        self.empty.finish_buttons()
        self.finished = MessagePage(self, "Queue finished")
        self.finished.add_button("Back to the last item (K)", on_back)
        self.clear_filters = self.finished.add_button(
            "Clear the filters (Ctrl+Shift+F)", on_clear_filters
        )
        self.finished.finish_buttons()
        for page in (self.loading, review, self.empty, self.finished):
            self.addWidget(page)

    def show_loading(self) -> None:
        self.loading.title.setText("Opening the store…")
        self.loading.text.setText("")
        self.setCurrentWidget(self.loading)

    def show_upgrading(self, old: str, new: str) -> None:
        """The store being opened was written by an earlier reviewdesk and is upgraded now."""
        self.loading.title.setText("Upgrading the store…")
        self.loading.text.setText(
            f"This store was written by an earlier reviewdesk (schema {old}) and is upgraded "
            f"once to schema {new}. A store with a million decisions takes under a minute; "
            "it opens by itself when done."
        )
        self.setCurrentWidget(self.loading)

    def show_open_failed(self, message: str) -> None:
        self.loading.title.setText("The store cannot be opened")
        self.loading.text.setText(message)
        self.setCurrentWidget(self.loading)

    def show_review(self) -> None:
        self.setCurrentWidget(self.review)

    def show_empty(self) -> None:
        self.setCurrentWidget(self.empty)

    def show_finished(self, progress: SessionProgress) -> None:
        where = "in this view" if progress.scoped else "in this session"
        self.finished.title.setText("View finished" if progress.scoped else "Queue finished")
        self.finished.text.setText(
            f"Nothing left to review {where}.\n\n"
            f"This session: {progress.approved} approved, {progress.edited} edited, "
            f"{progress.rejected} rejected, {progress.skipped} skipped."
        )
        self.clear_filters.setVisible(progress.scoped)
        self.setCurrentWidget(self.finished)


class DeskTabs(QWidget):
    """A tab bar over a stack of pages: the part of QTabWidget the desk uses.

    Not a QTabWidget because that one repaints all of itself whenever anything inside it asks
    for a new layout, and a label's new text does: each new item on screen would repaint the
    whole window, the queue list included, instead of the few widgets that changed.

    Signals:
        currentChanged(int): another tab is shown (its index).
    """

    currentChanged = Signal(int)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._bar = QTabBar(self)
        self._bar.setAccessibleName("Review and Statistics")
        self._bar.setDocumentMode(True)
        self._bar.setExpanding(False)
        self._stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._bar)
        layout.addWidget(self._stack, 1)
        self._bar.currentChanged.connect(self._on_bar_currentChanged)

    def addTab(self, page: QWidget, label: str) -> int:
        self._stack.addWidget(page)
        return self._bar.addTab(label)

    def tabBar(self) -> QTabBar:
        return self._bar

    def currentWidget(self) -> QWidget | None:
        return self._stack.currentWidget()

    def setCurrentWidget(self, page: QWidget) -> None:
        self._bar.setCurrentIndex(self._stack.indexOf(page))

    def _on_bar_currentChanged(self, index: int) -> None:
        self._stack.setCurrentIndex(index)
        self.currentChanged.emit(index)
