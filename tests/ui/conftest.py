"""Fixtures of the desk tests: isolated settings, no leaked widgets or threads, Qt warnings fail.

Every test here runs with `qt_log_level_fail("WARNING")`: a Qt warning fails it. The offscreen
platform's notice that it cannot propagate size hints is the one message ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewdesk.store import Store
from reviewdesk.ui.settings import DeskSettings
from reviewdesk.ui.shell.window import DeskWindow
from tests.helpers.inert import CountingServer, counting_server
from tests.review.builders import make_store

_IGNORED_QT_MESSAGES = (r"This plugin does not support propagateSizeHints\(\)",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*_IGNORED_QT_MESSAGES))


@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path: Path) -> None:
    """QSettings of the test live in its own directory, never in the user's config."""
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )


@pytest.fixture(autouse=True)
def _no_leaks(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a top-level widget or a worker thread behind."""
    widgets_before = set(map(id, QApplication.topLevelWidgets()))
    threads_before = set(threading.enumerate())
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    leaked_widgets = [
        widget for widget in QApplication.topLevelWidgets() if id(widget) not in widgets_before
    ]
    leaked_threads = [
        thread
        for thread in threading.enumerate()
        if thread not in threads_before and thread.is_alive()
    ]
    assert not leaked_widgets, f"top-level widgets left behind: {leaked_widgets}"
    assert not leaked_threads, f"threads left running: {leaked_threads}"


@pytest.fixture
def desk_store(tmp_path: Path) -> Path:
    return make_store(tmp_path / "desk.sqlite", count=6)


@pytest.fixture
def open_desk(qtbot: QtBot) -> Iterator[Callable[..., DeskWindow]]:
    """Open a desk window on a store (path, or a function returning an open store) and wait
    until it shows its first item or state. The windows are closed (worker stopped) after."""
    windows: list[DeskWindow] = []

    def open_(store: Path | Callable[[], Store], *, wait_for: str = "item_shown") -> DeskWindow:
        opener = store if callable(store) else (lambda: Store.open(store))
        window = DeskWindow(opener, store_label="test store")
        windows.append(window)
        with qtbot.waitSignal(getattr(window, wait_for)):
            window.show()
        qtbot.waitUntil(lambda: not window.runner.busy)
        return window

    yield open_
    for window in windows:
        window.close()
        window.deleteLater()


@pytest.fixture
def settings_owner(qtbot: QtBot) -> Iterator[Callable[[], DeskSettings]]:
    """DeskSettings as a window would have them (each with its own owner widget)."""
    from PySide6.QtWidgets import QWidget

    owners: list[QWidget] = []

    def make() -> DeskSettings:
        owners.append(QWidget())
        qtbot.addWidget(owners[-1])
        return DeskSettings(owners[-1])

    yield make
    owners.clear()


@pytest.fixture
def loopback_server() -> Iterator[CountingServer]:
    """A real HTTP server on a loopback port that counts the requests it gets (guidelines must
    make none)."""
    with counting_server() as server:
        yield server
