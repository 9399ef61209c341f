"""Runs the real `reviewdesk --store PATH` command on whatever screen the platform offers, and
prints as JSON, once the first item is painted, what a reviewer would see of the window: the
screen's room for windows, the window's frame, how much of each pane shows, and where the
Export dialog (opened with its key) lands.

Used by test_process.py with the offscreen platform's screen set to a small size.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from reviewdesk.cli.app import run
from reviewdesk.ui.app import application
from reviewdesk.ui.shell.window import DeskWindow


def _rect(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def _shown(widget: QWidget) -> list[int]:
    """The size of the part of `widget` on screen (inside the window, not covered)."""
    seen = widget.visibleRegion().boundingRect()
    return [seen.width(), seen.height()] if widget.isVisible() else [0, 0]


class Looker(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.window: DeskWindow | None = None
        self.seen: dict[str, object] = {}
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, DeskWindow)
            and event.type() == QEvent.Type.Show
            and self.window is None
        ):
            self.window = watched
            watched.item_painted.connect(self.on_item_painted)
        return False

    def on_item_painted(self, _pk: int) -> None:
        if self.window is not None and not self.seen:
            QTimer.singleShot(0, self.look)

    def look(self) -> None:
        window = self.window
        assert window is not None
        review = window.review
        self.seen = {
            "available": _rect(window.screen().availableGeometry()),
            "frame": _rect(window.frameGeometry()),
            "prompt": _shown(review.prompt),
            "output": _shown(review.output.text),
            "flags": _shown(review.flags.list),
            "queue": _shown(window.queue_panel.table),
            "flags_under_output": review.narrow,
        }
        window.activateWindow()
        QTest.keyClick(
            QApplication.focusWidget() or window,
            Qt.Key.Key_E,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        QTimer.singleShot(0, self.look_at_dialog)

    def look_at_dialog(self, tries: int = 400) -> None:
        window = self.window
        assert window is not None
        dialog = window.dialog
        if dialog is None and tries:  # it opens once the filters' choices are read
            QTimer.singleShot(50, lambda: self.look_at_dialog(tries - 1))
            return
        self.seen["dialog"] = None if dialog is None else _rect(dialog.frameGeometry())
        print(json.dumps(self.seen), flush=True)
        if dialog is not None:
            dialog.reject()
        QTimer.singleShot(0, window.close)


if __name__ == "__main__":
    looker = Looker(application())
    sys.exit(run(sys.argv[1:]))
