"""The desk's ordered workers: a `TaskRunner` runs work on one background thread of its own.

The desk runs four (the fourth only while an Export dialog is open), so that slow work never
holds back a save:

- the window's store worker (`reviewdesk-store`): the review session and every other short store
  call (the queue list's pages, imports, the sync tables' counts);
- the sync controller's network worker (`reviewdesk-network`): the server and the keychain;
- the Statistics tab's worker (`reviewdesk-stats`): the overview, seconds long on a large store;
- the Export dialog's worker (`reviewdesk-export`): the preview and the export.

Each runs its work one after another in submission order. The worker returns values; they come
back to the GUI thread through a queued signal, and only the GUI thread touches widgets.
Ordering is the point: on the store worker, a decision submitted before a "next item" request is
written before that request runs.

Work that is not waited for (loading the item after the next) can be submitted `after_events`:
it is handed to the worker only once the GUI thread has handled the events already posted, the
paint of what was just put on screen among them. The worker's Python code would otherwise hold
the GIL while that paint runs, and every call from Qt into a Python widget (a paint, an event,
a size hint) would wait for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from reviewdesk.errors import UserError

logger = logging.getLogger(__name__)

__all__ = ["TaskRunner"]

T = TypeVar("T")


@dataclass(frozen=True)
class _Outcome:
    on_done: Callable[[Any], None]
    on_error: Callable[[UserError], None] | None
    value: Any = None
    error: BaseException | None = None


class TaskRunner(QObject):
    """Runs callables in order on one worker thread and hands results to the GUI thread.

    Errors a person can act on (`UserError`, e.g. the disk is full) go to the task's `on_error`;
    anything else is a bug and is raised again on the GUI thread, where Qt reports it.

    Signals:
        busy_changed(bool): the worker started work with nothing queued before, or ran dry.
        _finished(object): internal, carries an outcome from the worker to the GUI thread.
    """

    busy_changed = Signal(bool)
    _finished = Signal(object)

    def __init__(self, parent: QObject, *, name: str = "reviewdesk-store") -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=name
        )
        self._queued = 0
        self._held: list[Callable[[], None]] = []  # `after_events` jobs not yet handed over
        self._release = QTimer(self)
        self._release.setSingleShot(True)
        self._release.setInterval(0)
        self._release.timeout.connect(self._on_release_timeout)
        self._finished.connect(self._on_self_finished)

    @property
    def busy(self) -> bool:
        return self._queued > 0

    def submit(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[UserError], None] | None = None,
        *,
        after_events: bool = False,
    ) -> None:
        """Run `work()` on the worker; then `on_done(result)` or `on_error(error)` on the GUI
        thread. After `shutdown()` nothing runs.

        With `after_events`, the worker starts `work` only after the GUI thread has handled
        the events posted so far (see the module docstring); it still runs before anything
        submitted after it, and counts as queued (`busy`) from now on.
        """
        if self._executor is None:
            logger.debug("task after shutdown dropped: %r", work)
            return
        self._queued += 1
        if self._queued == 1:
            self.busy_changed.emit(True)
        done: Callable[[Any], None] = on_done or _ignore

        def job() -> None:
            try:
                outcome = _Outcome(done, on_error, value=work())
            except BaseException as error:  # handed to the GUI thread, which re-raises bugs
                outcome = _Outcome(done, on_error, error=error)
            self._finished.emit(outcome)

        if after_events:
            self._held.append(job)
            self._release.start()
            return
        self._hand_over_held()
        self._executor.submit(job)

    def drained(self) -> threading.Event:
        """An event set once the work submitted so far has run (at once after `shutdown`)."""
        done = threading.Event()
        self._hand_over_held()
        if self._executor is None:
            done.set()
        else:
            self._executor.submit(done.set)
        return done

    def shutdown(self) -> None:
        """Finish the queued work (decisions included) and stop the thread; idempotent."""
        self._hand_over_held()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _on_release_timeout(self) -> None:
        self._hand_over_held()

    def _hand_over_held(self) -> None:
        self._release.stop()
        held, self._held = self._held, []
        if self._executor is not None:
            for job in held:
                self._executor.submit(job)

    def _on_self_finished(self, outcome: _Outcome) -> None:
        if self._executor is None:  # shut down: the widgets the outcome was for are going away
            if outcome.error is not None and not isinstance(outcome.error, UserError):
                logger.error("store work failed after shutdown", exc_info=outcome.error)
            return
        self._queued -= 1
        if self._queued == 0:
            self.busy_changed.emit(False)
        if outcome.error is None:
            outcome.on_done(outcome.value)
        elif isinstance(outcome.error, UserError) and outcome.on_error is not None:
            logger.warning("store work failed: %s", outcome.error)
            outcome.on_error(outcome.error)
        else:
            raise outcome.error


def _ignore(_value: object) -> None:
    return None
