"""The status line: a new text fits, and changes no size around it."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from reviewdesk.review import SessionProgress
from reviewdesk.ui.shell.status_line import StatusLine


def test_a_status_text_longer_than_its_room_widens_its_label(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    status = StatusLine(window, "store", QAction(window), QAction(window))
    room = status.progress.width()
    status.show_progress(SessionProgress(approved=123_456, skipped=4_321, left=987_654_321_000))
    assert status.progress.width() > room
    assert status.progress.width() >= status.progress.sizeHint().width()
