"""Benchmark of the review desk (a script; pytest does not collect it).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_desk.py [--items 1000000] [--presses 500]

Measures, on a store of `--items` generations (built once and cached under /tmp):
  * approve → next item painted: from the key press to the end of the paint that shows the next
    item, median and p99, against a raw baseline measured in the same run (the same session
    call without Qt: record + next pending + load; half before the desk's presses, half after,
    so that a change of machine load during the run weighs on both). Each press is split into
    the session call on the store worker (the raw work) and the rest (the desk's own: the key,
    the hand-offs between threads, showing and painting the item), with the GUI thread's CPU
    time, a histogram, and the slowest presses, to tell a slow desk from a loaded machine
    (the bench's own waiting is set up before each timed span, so that its Python does not
    compete with the worker for the GIL while the decision is written);
  * resident memory with the store open and the queue list scrolled end to end;
  * the first switch to the Statistics tab (Ctrl+2): the key press → the tab's first paint;
  * the first item painted after process start on the demo store (a fresh `reviewdesk demo`
    process), against a bare `python -c pass` start in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from reviewdesk.ui.shell.window import DeskWindow

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def build_store(path: Path, items: int) -> Path:
    """A store of `items` small generations (cached: rebuilt only when missing)."""
    from reviewdesk.domain import Flag, Generation, GenerationId, Severity
    from reviewdesk.store import Store

    if path.exists():
        return path
    building = path.with_suffix(".building")
    for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    severities = list(Severity)
    with Store.open(building) as store:
        for start in range(0, items, 20_000):
            batch = []
            for number in range(start, min(items, start + 20_000)):
                output = f"Answer {number}: mail help{number}@shop.example for a refund."
                at = output.index("help")
                flag = Flag.model_construct(
                    validator="pii",
                    code="email",
                    severity=severities[number % 4],
                    message="e-mail address",
                    score=0.9,
                    span=(at, at + 10),
                )
                batch.append(
                    (
                        Generation.model_construct(
                            id=GenerationId(f"g{number:07d}"),
                            prompt=f"Question {number}?",
                            output=output,
                            model=f"model-{number % 5}",
                            prompt_template="refund",
                            prompt_version=f"v{number % 3}",
                            route="support",
                            queue="support",
                            risk=(number * 7919 % 100_000) / 100_000,
                            flags=(flag,),
                            usage=None,
                            latency_ms=900,
                            trace_id=None,
                            created_at=None,
                            metadata={},
                        ),
                        (),
                    )
                )
            with store.bulk_writer() as writer:
                writer.add(batch)
    building.replace(path)
    print(f"built {items:,} items in {time.perf_counter() - started:.0f} s: {path}", flush=True)
    return path


def rss_mb() -> tuple[float, float]:
    fields = dict(
        line.split(":", 1)
        for line in Path("/proc/self/status").read_text().splitlines()
        if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_in_process(path: Path, presses: int) -> None:
    from PySide6.QtCore import QEventLoop, QSettings, QSize, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from reviewdesk.store import Store
    from reviewdesk.ui.app import application
    from reviewdesk.ui.shell.window import DeskWindow

    settings_dir = Path("/tmp/reviewdesk-bench-settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    app = application()
    loop = QEventLoop()

    def wait(signal: SignalInstance, timeout_ms: int = 120_000) -> None:
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        signal.connect(loop.quit)
        timer.start(timeout_ms)
        loop.exec()
        signal.disconnect(loop.quit)
        if not timer.isActive():
            raise SystemExit("timed out")
        timer.stop()

    opened = time.perf_counter()
    # The window at the size the targets were set at, whatever the (offscreen) screen's size.
    window = DeskWindow(lambda: Store.open(path), store_label=str(path), size=QSize(1440, 860))
    window.show()
    wait(window.item_painted)
    first_item = time.perf_counter() - opened
    wait(window.model.rows_loaded)
    list_loaded = time.perf_counter() - opened
    while window.runner.busy:
        wait(window.runner.busy_changed)
    print(
        f"1M store: first item painted {first_item * 1000:.0f} ms after the window was made; "
        f"queue list keys ({window.model.rowCount():,} rows) {list_loaded:.2f} s"
    )

    raw = raw_baseline(path, presses // 2)
    presses_timed = Presses(window.session)
    # Connected once, outside the timed span: the bench's own Python would otherwise run (and
    # hold the GIL) while the worker writes the decision.
    timeout = QTimer()
    timeout.setSingleShot(True)
    timeout.timeout.connect(loop.quit)
    window.item_painted.connect(loop.quit)
    for _ in range(presses):
        window.activateWindow()
        target = QApplication.focusWidget() or window
        timeout.start(120_000)
        with presses_timed.press():
            QTest.keyClick(target, Qt.Key.Key_A)
            loop.exec()
        if not timeout.isActive():
            raise SystemExit("timed out")
        timeout.stop()
        while window.runner.busy:  # the prefetch of the next item, as a reviewer's reading time
            wait(window.runner.busy_changed)
    window.item_painted.disconnect(loop.quit)
    raw += raw_baseline(path, presses - presses // 2)

    # Scroll the queue list end to end, letting each screenful arrive.
    table = window.queue_panel.table
    bar = table.verticalScrollBar()
    model = window.model
    steps = 400
    scroll_started = time.perf_counter()
    for step in range(steps + 1):
        bar.setValue(bar.maximum() * step // steps)
        app.processEvents()
        row = table.rowAt(1)
        while model.entry_at(max(row, 0)) is None:
            wait(model.dataChanged, 10_000)
    scrolled = time.perf_counter() - scroll_started
    rss, peak = rss_mb()
    to_statistics = first_switch_to_statistics(window, loop)

    undo_all(window)
    window.close()

    latencies = presses_timed.total
    median, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    raw_median = statistics.median(raw)
    print(
        f"approve → next item painted over {presses} presses: median {median:.2f} ms, "
        f"p99 {p99:.2f} ms, max {max(latencies):.2f} ms"
    )
    print(
        f"raw baseline (record + next + load, no Qt): median {raw_median:.2f} ms, "
        f"p99 {percentile(raw, 0.99):.2f} ms; desk/raw median ratio {median / raw_median:.2f}"
    )
    presses_timed.report()
    print(f"first switch to Statistics (Ctrl+2) → the tab painted: {to_statistics:.1f} ms")
    print(
        f"queue list scrolled end to end in {steps} screens ({scrolled:.1f} s): "
        f"RSS {rss:.0f} MB, peak {peak:.0f} MB, rows cached {model.cached_rows:,}"
    )


def first_switch_to_statistics(window: DeskWindow, loop: Any) -> float:
    """Ctrl+2 for the first time in the window's life → the Statistics tab's first paint, ms."""
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    painted: list[float] = []

    class Painted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
                loop.quit()
            return False

    watcher = Painted()
    window.stats.installEventFilter(watcher)
    timeout = QTimer()
    timeout.setSingleShot(True)
    timeout.timeout.connect(loop.quit)
    window.activateWindow()
    started = time.perf_counter()
    QTest.keyClick(
        QApplication.focusWidget() or window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier
    )
    if not painted:
        timeout.start(60_000)
        loop.exec()
        timeout.stop()
    window.stats.removeEventFilter(watcher)
    if not painted:
        raise SystemExit("the Statistics tab was not painted within a minute")
    return (painted[0] - started) * 1000


def raw_baseline(path: Path, presses: int) -> list[float]:
    """The session call of an approve without Qt, on the same store (then undone)."""
    from reviewdesk.domain import Verdict
    from reviewdesk.review import ReviewSession
    from reviewdesk.store import Store

    with Store.open(path) as store:
        session = ReviewSession(store, "bench-raw")
        session.start()
        raw: list[float] = []
        for _ in range(presses):
            session.prefetch()
            started = time.perf_counter()
            session.decide(Verdict.APPROVE, duration_ms=1)
            raw.append((time.perf_counter() - started) * 1000)
        while session.undo().undone is not None:
            pass
    return raw


class Presses:
    """Times each press: in all, in the session call on the store worker, and GUI thread CPU
    (`session`: the desk's session, whose `decide` runs on the worker; also the comparison
    desk's bench)."""

    HISTOGRAM_MS = (2, 4, 6, 8, 10, 12, 16, 24, 32)

    def __init__(self, session: Any) -> None:  # its decide is wrapped, for the bench only
        self.total: list[float] = []
        self.worker: list[float] = []
        self.cpu: list[float] = []
        self._call_ms = 0.0
        decide = session.decide

        def timed_decide(*args: object, **kwargs: object) -> object:  # runs on the worker
            started = time.perf_counter()
            try:
                return decide(*args, **kwargs)
            finally:
                self._call_ms += (time.perf_counter() - started) * 1000

        session.decide = timed_decide  # this session only, for the bench

    @contextlib.contextmanager
    def press(self) -> Iterator[None]:
        self._call_ms = 0.0
        cpu, started = time.thread_time(), time.perf_counter()
        yield
        self.total.append((time.perf_counter() - started) * 1000)
        self.cpu.append((time.thread_time() - cpu) * 1000)
        self.worker.append(self._call_ms)

    def report(self) -> None:
        rest = [total - worker for total, worker in zip(self.total, self.worker, strict=True)]

        def spread(values: list[float]) -> str:
            return (
                f"median {statistics.median(values):5.2f}, p90 {percentile(values, 0.9):5.2f}, "
                f"p99 {percentile(values, 0.99):5.2f}, max {max(values):5.2f} ms"
            )

        print(f"  of which the session call on the store worker: {spread(self.worker)}")
        print(f"  the rest (key, thread hand-offs, show, paint): {spread(rest)}")
        print(f"  GUI thread CPU per press (not load-bound):     {spread(self.cpu)}")
        edges = (0, *self.HISTOGRAM_MS)
        counts = [sum(low <= value < high for value in self.total) for low, high in pairwise(edges)]
        counts.append(sum(value >= edges[-1] for value in self.total))
        labels = [f"<{high}" for high in self.HISTOGRAM_MS] + [f"≥{edges[-1]}"]
        print(
            "  histogram (ms): "
            + "  ".join(f"{label}:{count}" for label, count in zip(labels, counts, strict=True))
        )
        slowest = sorted(range(len(self.total)), key=self.total.__getitem__)[-5:][::-1]
        print(
            "  slowest: "
            + "; ".join(
                f"#{i} {self.total[i]:.1f} = worker {self.worker[i]:.1f} + rest "
                f"{rest[i]:.1f} (GUI CPU {self.cpu[i]:.1f})"
                for i in slowest
            )
        )


def undo_all(window: DeskWindow) -> None:
    """Leave the cached store pending again, so the next run measures the same thing."""
    from reviewdesk.store import Store

    session = window.session
    if session is None:
        return
    window.runner.shutdown()
    with Store.open(session.store.path) as store:
        while store.undo_latest(session.session_id) is not None:
            pass


FIRST_PAINT_CHILD = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from reviewdesk.ui.app import application
from reviewdesk.ui.shell.window import DeskWindow
class Watch(QObject):
    def eventFilter(self, watched, event):
        if isinstance(watched, DeskWindow) and event.type() == QEvent.Type.Show:
            watched.item_painted.connect(lambda _pk: (print(time.time(), flush=True), os._exit(0)))
        return False
watch = Watch(application()); application().installEventFilter(watch)
# What the `reviewdesk demo --store PATH` console script runs (reviewdesk.cli.launcher:main).
sys.argv = ["reviewdesk", "demo", "--store", sys.argv[1]]
from reviewdesk.cli.launcher import main
main()
"""


def bench_first_paint(runs: int = 5) -> None:
    from reviewdesk.demo import ensure_demo_store

    demo = ensure_demo_store(Path("/tmp/reviewdesk-bench-demo.sqlite"))
    # As an installed desk starts: with its modules' bytecode cached (a run first writes it).
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**inherited, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": "/tmp/reviewdesk-bench-config"}
    warm_up = [sys.executable, "-c", FIRST_PAINT_CHILD, str(demo)]
    subprocess.run(warm_up, env=env, capture_output=True, check=True)
    paints: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        started = time.time()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.time() - started)
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-c", FIRST_PAINT_CHILD, str(demo)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        paints.append(float(done.stdout.split()[0]) - started)
    print(
        f"first item painted after process start (demo store, {runs} runs): "
        f"median {statistics.median(paints):.2f} s, best {min(paints):.2f} s; "
        f"bare python start {statistics.median(bare) * 1000:.0f} ms "
        f"(ratio {statistics.median(paints) / statistics.median(bare):.0f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=500)
    parser.add_argument("--store", type=Path, default=None)
    args = parser.parse_args()
    path = args.store or Path(f"/tmp/reviewdesk-bench-{args.items}.sqlite")
    build_store(path, args.items)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    bench_in_process(path, args.presses)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    bench_first_paint()


if __name__ == "__main__":
    main()
