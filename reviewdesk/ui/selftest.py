"""`reviewdesk --self-test`: proves an installation works, with no screen and no user data.

Opens the real window (offscreen) on a temporary demo store, waits for the first item to be
painted, approves it with the A key, waits for the decision to be saved, closes the window,
then reads the decision back from the store file. Exit status 0 when all of that happened.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtTest import QTest

from reviewdesk.demo import ensure_demo_store
from reviewdesk.domain import Decision, Verdict
from reviewdesk.store import Store
from reviewdesk.ui.app import application, route_qt_messages
from reviewdesk.ui.shell.window import DeskWindow

logger = logging.getLogger(__name__)

TIMEOUT_MS = 60_000


class _Reviewer(QObject):
    """Approves the first item the window paints and remembers the saved decision."""

    def __init__(self, window: DeskWindow) -> None:
        super().__init__(window)
        self.window = window
        self.saved: Decision | None = None
        self.failure: str | None = None
        self._approved = False
        window.item_painted.connect(self._on_window_item_painted)
        window.decision_saved.connect(self._on_window_decision_saved)
        window.decision_failed.connect(self._on_window_decision_failed)
        window.store_empty.connect(self._on_window_store_empty)

    def _on_window_item_painted(self, _pk: int) -> None:
        if self._approved:
            return
        self._approved = True
        QTimer.singleShot(0, self._approve)

    def _approve(self) -> None:
        self.window.activateWindow()
        QTest.keyClick(self.window, Qt.Key.Key_A)

    def _on_window_decision_saved(self, decision: Decision) -> None:
        self.saved = decision
        application().exit(0)

    def _on_window_decision_failed(self, message: str) -> None:
        self.failure = f"the decision was not saved: {message}"
        application().exit(1)

    def _on_window_store_empty(self) -> None:
        self.failure = "the demo store showed no item"
        application().exit(1)


def run_self_test() -> int:
    """Run the self-test; print what it checked; the exit status."""
    route_qt_messages()
    app = application()
    with tempfile.TemporaryDirectory(prefix="reviewdesk-self-test-") as folder:
        # The reviewer's own preferences are neither read nor changed by the self-test.
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        path = ensure_demo_store(Path(folder) / "self-test.sqlite")
        window = DeskWindow(lambda: Store.open(path), store_label=str(path))
        reviewer = _Reviewer(window)
        window.show()
        QTimer.singleShot(TIMEOUT_MS, lambda: app.exit(2))
        status = app.exec()
        window.close()
        window.deleteLater()
        if status == 2:
            reviewer.failure = f"nothing happened within {TIMEOUT_MS // 1000} s"
        saved = reviewer.saved
        if reviewer.failure is None and saved is not None:
            with Store.open(path) as store:
                stored = store.decisions_of(saved.generation_id)
            if not any(d.id == saved.id and d.verdict is Verdict.APPROVE for d in stored):
                reviewer.failure = f"decision {saved.id} is not in the store after closing"
    if reviewer.failure is not None or saved is None:
        print(f"self-test failed: {reviewer.failure}", file=sys.stderr)
        return 1
    print(f"self-test passed: approved {saved.generation_id} and read it back from the store")
    return 0
