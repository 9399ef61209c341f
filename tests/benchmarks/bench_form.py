"""Benchmark of a review form in the desk (a script; pytest does not collect it).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_form.py [--items 20000] [--presses 200]

Approve → next item painted, from the key press to the end of the paint that shows the next
item, on two copies of one store: one whose queue has a form of 8 questions (two of each of
choice, multi and rating, a text and a spans question), every question answered before each
press (untimed), so each decision is checked against the form and stores 8 answers; the other
with no form, the same loop. The two alternate in rounds, so that a change of machine load
during the run weighs on both; the figure is the difference of the medians and their ratio.
On a loaded machine the wall times wander by more than the form costs, so each press is also
split into CPU time: the GUI thread's (the key, checking the answers, showing the next item and
its form, painting) and the store worker's in the session call (checking, writing the decision
and its answers), which waiting for a core does not inflate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_desk import build_store, percentile  # noqa: E402

if TYPE_CHECKING:
    from reviewdesk.ui.shell.window import DeskWindow

_OPTIONS = [{"value": f"v{n}", "label": f"Option {n}"} for n in range(1, 5)]
FORM: dict[str, Any] = {
    "guidelines": "# Refunds\n\nApprove only answers that follow the policy.",
    "questions": [
        {"key": "behaviour", "kind": "choice", "required": True, "options": _OPTIONS},
        {"key": "tone", "kind": "choice", "options": _OPTIONS},
        {"key": "topics", "kind": "multi", "options": _OPTIONS},
        {"key": "issues", "kind": "multi", "options": _OPTIONS},
        {"key": "helpfulness", "kind": "rating", "min": 1, "max": 5, "required": "approve"},
        {"key": "accuracy", "kind": "rating", "min": 0, "max": 10},
        {"key": "note", "kind": "text"},
        {"key": "claims", "kind": "spans", "options": _OPTIONS[:2]},
    ],
}
ANSWERS: dict[str, Any] = {
    "behaviour": "v2",
    "tone": "v1",
    "topics": ["v1", "v3"],
    "issues": ["v4"],
    "helpfulness": 4,
    "accuracy": 7,
    "note": "fine",
    "claims": [{"start": 0, "end": 6, "label": "v1"}],
}


def copies(source: Path, folder: Path) -> tuple[Path, Path]:
    """A copy of `source` without a form and one whose queue has the form."""
    from reviewdesk.domain import Form
    from reviewdesk.store import Store

    plain, formed = folder / "plain.sqlite", folder / "form.sqlite"
    for target in (plain, formed):
        shutil.copyfile(source, target)
    with Store.open(formed) as store:
        store.set_form("support", Form.from_data(FORM))
    return plain, formed


class Desk:
    """A desk window on a store, and the approve loop timed on it."""

    def __init__(self, path: Path) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        from reviewdesk.store import Store
        from reviewdesk.ui.shell.window import DeskWindow

        self.loop = QEventLoop()
        self.timeout = QTimer()
        self.timeout.setSingleShot(True)
        self.timeout.timeout.connect(self.loop.quit)
        self.window: DeskWindow = DeskWindow(lambda: Store.open(path), store_label=str(path))
        self.window.resize(1440, 900)
        self.window.show()
        self._wait_for(lambda: self.window.current_item is not None)
        self._idle()
        self.worker_cpu_ms = 0.0
        session: Any = self.window.session  # its decide is wrapped, for this bench only
        decide = session.decide

        def timed_decide(*args: object, **kwargs: object) -> object:  # runs on the worker
            started = time.thread_time()
            try:
                return decide(*args, **kwargs)
            finally:
                self.worker_cpu_ms = (time.thread_time() - started) * 1000

        session.decide = timed_decide

    def press_approve(self, answer: bool) -> tuple[float, float]:
        """One approve (after answering the form, untimed): ms until the next item painted,
        and the CPU ms of the GUI thread plus the worker's session call."""
        from PySide6.QtCore import QCoreApplication, Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        window = self.window
        if answer:
            for box in window.review.form.boxes:
                box.set_value(ANSWERS[box.question.key])
        window.activateWindow()
        # The answers painted before the clock starts, as a reviewer's answering would be.
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        target = QApplication.focusWidget() or window.review.output.text
        window.item_painted.connect(self.loop.quit)
        self.timeout.start(60_000)
        cpu, started = time.thread_time(), time.perf_counter()
        QTest.keyClick(target, Qt.Key.Key_A)
        self.loop.exec()
        elapsed = (time.perf_counter() - started) * 1000
        gui_cpu = (time.thread_time() - cpu) * 1000
        window.item_painted.disconnect(self.loop.quit)
        if not self.timeout.isActive():
            raise SystemExit("timed out: the approve was not saved (a required answer missing?)")
        self.timeout.stop()
        self._idle()  # the prefetch of the next item, as a reviewer's reading time
        return elapsed, gui_cpu + self.worker_cpu_ms

    def close(self) -> None:
        self.window.close()
        self.window.deleteLater()

    def _idle(self) -> None:
        self._wait_for(lambda: not self.window.runner.busy)

    def _wait_for(self, done: Any) -> None:
        from PySide6.QtCore import QCoreApplication, QEventLoop

        deadline = time.monotonic() + 60
        while not done():
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
            if time.monotonic() > deadline:
                raise SystemExit("timed out waiting for the desk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    from PySide6.QtCore import QSettings

    from reviewdesk.ui.app import application

    source = build_store(Path(f"/tmp/reviewdesk-bench-{args.items}.sqlite"), args.items)
    folder = Path(tempfile.mkdtemp(prefix="reviewdesk-bench-form-"))
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings")
    )
    application()
    plain_path, form_path = copies(source, folder)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    per_round = max(1, args.presses // args.rounds)
    runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(args.rounds):  # one window at a time: the keys go to the active one
        for path, answer in ((plain_path, False), (form_path, True)):
            desk = Desk(path)
            assert desk.window.review.form.isVisible() == answer
            runs[answer] += [desk.press_approve(answer=answer) for _ in range(per_round)]
            desk.close()
    shutil.rmtree(folder)

    medians = {}
    for answer, name in ((False, "no form"), (True, "form of 8 questions")):
        wall = [press[0] for press in runs[answer]]
        cpu = [press[1] for press in runs[answer]]
        medians[answer] = statistics.median(wall), statistics.median(cpu)
        print(
            f"approve → next item painted, {name}: median {medians[answer][0]:.2f} ms, "
            f"p90 {percentile(wall, 0.9):.2f} ms, p99 {percentile(wall, 0.99):.2f} ms; "
            f"CPU (GUI thread + session call) median {medians[answer][1]:.2f} ms "
            f"({len(wall)} presses)"
        )
    (base, base_cpu), (form, form_cpu) = medians[False], medians[True]
    print(
        f"the form adds {form - base:+.2f} ms to the median wall time (ratio {form / base:.2f}x "
        f"the same loop without a form) and {form_cpu - base_cpu:+.2f} ms of CPU "
        f"(ratio {form_cpu / base_cpu:.2f}x); target < 2 ms"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
