"""The window's status bar: the store, the sync state, the session's progress and rate, and
whether the last decision is saved."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QLabel, QMainWindow

from reviewdesk.review import SessionProgress
from reviewdesk.ui.sync_widgets import SyncStatus

__all__ = ["StatusLine"]

_SAVED = "#1f9d55"
_NOT_SAVED = "#e5484d"


class StatusLine:
    """The labels of `window`'s status bar, and what they say at each step.

    The labels that change on every decision keep a width reserved for their longest usual
    text, so a new text does not shift their neighbours and repaint the whole bar; and the
    saved label is coloured through its palette, not a style sheet (a new style sheet, twice
    a decision, re-polishes the label and lays out the bar again).

    Attributes:
        store, progress, rate, saved: the labels; sync: the sync entry.
    """

    def __init__(self, window: QMainWindow, store_label: str, sync_now: QAction) -> None:
        self._window = window
        self.store = QLabel(store_label, window)
        self.progress = QLabel(window)
        self.rate = QLabel(window)
        self.saved = QLabel(window)
        for label in (self.store, self.progress, self.rate, self.saved):
            label.setTextFormat(Qt.TextFormat.PlainText)
        metrics = self.saved.fontMetrics()
        self.saved.setMinimumWidth(metrics.horizontalAdvance("Saved ✓ 00:00:00  "))
        self.rate.setMinimumWidth(metrics.horizontalAdvance("9,999 / hour  "))
        self.progress.setMinimumWidth(
            metrics.horizontalAdvance("999 decided this session · 99 skipped · 999,999 pending  ")
        )
        self.progress.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sync = SyncStatus(sync_now, window)
        bar = window.statusBar()
        bar.addWidget(self.store)
        bar.addPermanentWidget(self.sync)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.rate)
        bar.addPermanentWidget(self.saved)

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        self._window.statusBar().showMessage(text, timeout_ms)

    def show_progress(self, progress: SessionProgress) -> None:
        left = "…" if progress.left is None else f"{progress.left:,}"
        skipped = f" · {progress.skipped} skipped" if progress.skipped else ""
        self.progress.setText(f"{progress.decided} decided this session{skipped} · {left} pending")
        rate = progress.per_hour
        self.rate.setText("– / hour" if rate is None else f"{rate:,.0f} / hour")

    def show_saving(self) -> None:
        self._set_saved("Saving…", None)

    def show_saved(self) -> None:
        self._set_saved(f"Saved ✓ {datetime.now():%H:%M:%S}", _SAVED)

    def show_not_saved(self) -> None:
        self._set_saved("Not saved ✗", _NOT_SAVED, bold=True)

    def _set_saved(self, text: str, color: str | None, *, bold: bool = False) -> None:
        palette = QPalette()  # nothing set: the theme's colours
        if color is not None:
            palette.setColor(QPalette.ColorRole.WindowText, QColor(color))
        self.saved.setPalette(palette)
        if self.saved.font().bold() != bold:
            font = self.saved.font()
            font.setBold(bold)
            self.saved.setFont(font)
        self.saved.setText(text)
