"""Runs the real `reviewdesk --store PATH` command and opens Statistics (Ctrl+2) once the first
item is painted, recording which thread imports the heavy modules.

Used by test_process.py. Prints, one line each:
- `switched <yes|no> <status text>`: right after the key press, before the event loop turns
  again: whether the Statistics tab is the one shown, and what its status line says;
- `gui-imports <module>...`: the heavy modules imported on the GUI thread after the first paint;
- `charts <yes|no>`: whether the charts were built once the overview was shown.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewdesk.cli.app import run
from reviewdesk.ui.app import application
from reviewdesk.ui.shell.window import DeskWindow

HEAVY = ("sqlalchemy", "sqlmodel", "pyqtgraph", "numpy", "reviewdesk.stats")


class ImportWatch(importlib.abc.MetaPathFinder):
    """Notes the heavy modules imported on the main thread while `watching`."""

    def __init__(self) -> None:
        self.watching = False
        self.on_gui: set[str] = set()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if (
            self.watching
            and fullname in HEAVY
            and threading.current_thread() is threading.main_thread()
        ):
            self.on_gui.add(fullname)
        return None  # the ordinary finders load it


class Opener(QObject):
    def __init__(self, app: QApplication, watch: ImportWatch) -> None:
        super().__init__(app)
        self.window: DeskWindow | None = None
        self.watch = watch
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, DeskWindow)
            and event.type() == QEvent.Type.Show
            and self.window is None
        ):
            self.window = watched
            watched.item_painted.connect(self.on_item_painted)
            watched.stats.overview_shown.connect(self.on_overview_shown)
        return False

    def on_item_painted(self, _pk: int) -> None:
        window = self.window
        if window is None or self.watch.watching:
            return
        self.watch.watching = True
        window.activateWindow()
        QTest.keyClick(
            QApplication.focusWidget() or window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier
        )
        shown = "yes" if window.tabs.currentWidget() is window.stats else "no"
        print(f"switched {shown} {window.stats.status.text()}", flush=True)

    def on_overview_shown(self, _overview: object) -> None:
        window = self.window
        assert window is not None
        print("gui-imports", *sorted(self.watch.on_gui), flush=True)
        print(f"charts {'yes' if window.stats.charts is not None else 'no'}")
        QTimer.singleShot(0, window.close)


if __name__ == "__main__":
    watch = ImportWatch()
    sys.meta_path.insert(0, watch)
    opener = Opener(application(), watch)
    sys.exit(run(sys.argv[1:]))
