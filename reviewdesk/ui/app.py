"""Starting the desk: the QApplication, the main window, and `--screenshot`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QObject,
    QSize,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from reviewdesk.store import Store
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.style import app_icon

logger = logging.getLogger(__name__)

__all__ = ["ScreenshotTaker", "application", "run_desk"]

SCREENSHOT_TIMEOUT_MS = 60_000


def application() -> QApplication:
    """The process's QApplication (made on first use)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("reviewdesk")
    app.setOrganizationName("reviewdesk")
    app.setDesktopFileName("io.github.reviewdesk.ReviewDesk")
    app.setApplicationDisplayName("reviewdesk")
    app.setWindowIcon(app_icon())
    return app


# Qt's notices that say nothing to a reviewer (the offscreen platform cannot resize windows).
_QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)
_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _on_qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    level = logging.DEBUG if message in _QUIET_QT_MESSAGES else _QT_LEVELS.get(kind, logging.INFO)
    logging.getLogger("reviewdesk.qt").log(level, "%s", message)


def route_qt_messages() -> None:
    """Send Qt's own messages to Python logging (quiet ones at DEBUG) instead of stderr."""
    qInstallMessageHandler(_on_qt_message)


def run_desk(
    store_path: Path, *, screenshot: Path | None = None, size: tuple[int, int] | None = None
) -> int:
    """Open the desk on the store at `store_path` and run until it is closed.

    With `size` (width, height) the window opens at that size, whatever the saved layout.

    With `screenshot`, wait until the first pending item (or the empty or finished state) and
    the queue list are on screen, save the window as a PNG there and exit.

    Returns:
        The exit status: 0, or 1 when the screenshot could not be taken.
    """
    route_qt_messages()
    app = application()
    window = DeskWindow(
        lambda: Store.open(store_path),
        store_label=str(store_path),
        size=None if size is None else QSize(*size),
    )
    window.show()
    taker = None if screenshot is None else ScreenshotTaker(window, screenshot)
    status = app.exec()
    window.close()
    if taker is not None:
        return taker.status
    return status


class ScreenshotTaker(QObject):
    """Saves `window` as a PNG once its first item is painted and its list loaded, then quits.

    Attributes:
        status: 0 once the PNG is saved, 1 until then (or when it failed).
    """

    def __init__(self, window: DeskWindow, path: Path) -> None:
        super().__init__(window)
        self.status = 1
        self._window = window
        self._path = path
        self._item_ready = False
        self._list_ready = False
        window.item_painted.connect(self._on_window_item_painted)
        window.store_empty.connect(self._on_window_item_painted)
        window.queue_finished.connect(self._on_window_item_painted)
        window.model.rows_loaded.connect(self._on_model_rows_loaded)
        window.model.load_failed.connect(self._on_model_rows_loaded)
        window.runner.busy_changed.connect(self._on_runner_busy_changed)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout_timeout)
        self._timeout.start(SCREENSHOT_TIMEOUT_MS)

    def _on_window_item_painted(self, *_args: object) -> None:
        self._item_ready = True
        self._take_when_ready()

    def _on_model_rows_loaded(self, *_args: object) -> None:
        self._list_ready = True
        self._take_when_ready()

    def _on_runner_busy_changed(self, _busy: bool) -> None:
        self._take_when_ready()

    def _take_when_ready(self) -> None:
        if not (self._item_ready and self._list_ready) or self._window.runner.busy:
            return
        self._item_ready = self._list_ready = False
        # One more turn of the event loop, so the list paints the rows that just arrived.
        QTimer.singleShot(0, self._take)

    def _take(self) -> None:
        self._timeout.stop()
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        if self._window.grab().save(str(self._path), "PNG"):
            self.status = 0
            logger.info("saved a screenshot of the desk to %s", self._path)
        else:
            logger.error("cannot save the screenshot to %s", self._path)
        QApplication.exit(self.status)

    def _on_timeout_timeout(self) -> None:
        logger.error("the desk did not show an item within %d s", SCREENSHOT_TIMEOUT_MS // 1000)
        QApplication.exit(1)
