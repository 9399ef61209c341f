"""Runs the real `reviewdesk --store PATH` command with a reviewer who approves every item.

Used by test_process.py: prints "saved <decision id>" (flushed) each time the desk reports a
decision saved, so the test can kill the process with SIGKILL right after a "saved" and check
the store. Keys are real key events on the real window; nothing of the desk is replaced.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewdesk.cli.app import run
from reviewdesk.domain import Decision
from reviewdesk.ui.app import application
from reviewdesk.ui.shell.window import DeskWindow


class Reviewer(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.window: DeskWindow | None = None
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, DeskWindow)
            and event.type() == QEvent.Type.Show
            and self.window is None
        ):
            self.window = watched
            watched.item_shown.connect(self.on_item_shown)
            watched.decision_saved.connect(self.on_decision_saved)
        return False

    def on_item_shown(self, _pk: int) -> None:
        QTimer.singleShot(0, self.approve)

    def approve(self) -> None:
        if self.window is not None:
            self.window.activateWindow()
            QTest.keyClick(QApplication.focusWidget() or self.window, Qt.Key.Key_A)

    def on_decision_saved(self, decision: Decision) -> None:
        sys.stdout.write(f"saved {decision.id}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    reviewer = Reviewer(application())
    sys.exit(run(sys.argv[1:]))
