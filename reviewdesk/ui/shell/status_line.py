"""The window's status bar: the store, the sync state, the session's progress and rate, and
whether the last decision is saved."""

from __future__ import annotations

import functools
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy

from reviewdesk.review import SessionProgress
from reviewdesk.ui.style import accent_text
from reviewdesk.ui.sync.widgets import SyncStatus

__all__ = ["StatusLine"]


class StatusLine:
    """The labels of `window`'s status bar, and what they say at each step.

    The labels that change on every decision have a fixed size, reserved for their longest usual
    text: a label whose size can change asks the bar to lay out again on every new text, and the
    bar then repaints all of itself (twice a decision: "Saving…", then "Saved"). A text longer
    than the reserve widens its label once. The saved label is coloured through its palette,
    not a style sheet (a new style sheet re-polishes the label and lays out the bar again).

    Attributes:
        store, disagreements, progress, rate, saved: the labels; sync: the sync entry.
    """

    def __init__(
        self, window: QMainWindow, store_label: str, sync_now: QAction, new_token: QAction
    ) -> None:
        self._window = window
        self.store = QLabel(store_label, window)
        self.progress = QLabel(window)
        self.rate = QLabel(window)
        self.saved = QLabel(window)
        self.disagreements = QLabel(window)
        self.disagreements.setToolTip("Items whose reviewers disagree and no adjudicator decided")
        self.disagreements.hide()
        for label in (self.store, self.disagreements, self.progress, self.rate, self.saved):
            label.setTextFormat(Qt.TextFormat.PlainText)
        # The store's path gives way on a narrow window (its tooltip has it whole), so the
        # counts on the right never overlap.
        self.store.setMinimumWidth(1)
        self.store.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.store.setToolTip(store_label)
        for label in (self.progress, self.rate, self.saved):
            # Opaque: a new text repaints the label alone, not the bar and window beneath it.
            label.setAutoFillBackground(True)
        _reserve(self.saved, "Saved ✓ 00:00:00  ")
        _reserve(self.rate, "9,999 / hour  ")
        _reserve(self.progress, "999 decided this session · 99 skipped · 9,999,999 pending  ")
        self.progress.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sync = SyncStatus(sync_now, new_token, window)
        bar = window.statusBar()
        bar.addWidget(self.store, 1)
        bar.addPermanentWidget(self.sync)
        bar.addPermanentWidget(self.disagreements)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.rate)
        bar.addPermanentWidget(self.saved)

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        self._window.statusBar().showMessage(text, timeout_ms)

    def show_progress(self, progress: SessionProgress) -> None:
        left = "…" if progress.left is None else f"{progress.left:,}"
        skipped = f" · {progress.skipped} skipped" if progress.skipped else ""
        pending = "left in this view" if progress.scoped else "pending"
        text = f"{progress.decided} decided this session{skipped} · {left} {pending}"
        _set_text(self.progress, text)
        rate = progress.per_hour
        _set_text(self.rate, "– / hour" if rate is None else f"{rate:,.0f} / hour")

    def show_disagreements(self, count: int) -> None:
        """How many open disagreements the store holds (hidden at none)."""
        self.disagreements.setText(f"{count:,} disagreement{'s' if count != 1 else ''}")
        self.disagreements.setVisible(count > 0)

    def show_saving(self) -> None:
        self._set_saved("Saving…", None)

    def show_saved(self) -> None:
        self._set_saved(f"Saved ✓ {datetime.now():%H:%M:%S}", accent_text("approve").name())

    def show_not_saved(self) -> None:
        self._set_saved("Not saved ✗", accent_text("reject").name(), bold=True)

    def _set_saved(self, text: str, color: str | None, *, bold: bool = False) -> None:
        self.saved.setPalette(_text_palette(color))
        if self.saved.font().bold() != bold:
            font = self.saved.font()
            font.setBold(bold)
            self.saved.setFont(font)
        _set_text(self.saved, text)


@functools.cache
def _text_palette(color: str | None) -> QPalette:
    """A palette that sets the text colour alone (None: nothing, the theme's colours)."""
    palette = QPalette()
    if color is not None:
        palette.setColor(QPalette.ColorRole.WindowText, QColor(color))
    return palette


def _reserve(label: QLabel, sample: str) -> None:
    """Fix `label`'s size to fit `sample` (see `StatusLine`)."""
    label.setText(sample)
    label.setFixedSize(label.sizeHint())
    label.clear()


def _set_text(label: QLabel, text: str) -> None:
    """Show `text`, widening the fixed-size `label` if the text needs more room."""
    label.setText(text)
    # The advance is a quarter of the cost of a size hint, and the reserve has room to spare.
    if label.fontMetrics().horizontalAdvance(text) > label.minimumWidth():
        label.setFixedWidth(label.sizeHint().width())
