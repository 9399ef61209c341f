"""The ordered store worker: results on the GUI thread, in order, work held back until painted."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from reviewdesk.ui.runner import TaskRunner


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    owner = QObject()
    runner = TaskRunner(owner)
    yield runner
    runner.shutdown()
    owner.deleteLater()


def test_work_held_after_events_still_runs_before_later_work(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    ran: list[str] = []
    runner.submit(lambda: ran.append("prefetch"), after_events=True)
    assert runner.busy  # queued from the moment it was submitted
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        runner.submit(lambda: ran.append("decision"))
    assert ran == ["prefetch", "decision"]


def test_work_held_after_events_runs_once_the_gui_thread_is_free(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    threads: list[threading.Thread] = []
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy):
        runner.submit(lambda: threads.append(threading.current_thread()), after_events=True)
    assert threads and threads[0] is not threading.main_thread()


def test_shutdown_finishes_held_work(runner: TaskRunner) -> None:
    ran = threading.Event()
    runner.submit(ran.set, after_events=True)
    runner.shutdown()
    assert ran.is_set()
