"""Benchmark of the desk's Comparisons tab (a script; pytest does not collect it).

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_compare_desk.py \
        [--comparisons 100000] [--presses 300]

Measures, on a store of `--comparisons` comparisons (built once and cached under /tmp):
  * `1` (the left is better) → next comparison painted (both outputs): from the key press to
    the end of the paint, median and p99, against a raw baseline measured in the same run: the
    same session call without Qt (record + next pending + load), half before the desk's presses
    and half after. Each press is split into the session call on the store worker and the rest
    (the key, the hand-offs between threads, showing and painting both outputs).

The store is left as it was (every decision of the run is undone), so runs compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_desk import Presses, percentile  # noqa: E402


def build_store(path: Path, count: int) -> Path:
    """A store of `count` comparisons in three queues (cached: rebuilt only when missing)."""
    from reviewdesk.domain import Comparison
    from reviewdesk.store import Store

    if path.exists():
        return path
    building = path.with_suffix(".building")
    for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    severities = ["info", "warning", "error", "critical"]
    with Store.open(building) as store:
        for start in range(0, count, 20_000):
            batch = []
            for number in range(start, min(count, start + 20_000)):
                short = f"Answer {number}: mail help{number}@shop.example for a refund."
                at = short.index("help")
                flag = {
                    "validator": "pii",
                    "code": "email",
                    "severity": severities[number % 4],
                    "message": "e-mail address",
                    "span": [at, at + 10],
                }
                record = {
                    "id": f"c{number:07d}",
                    "prompt": f"Can I get a refund for order {number}?",
                    "queue": f"prefs-{number % 3}",
                    "risk": (number * 7919 % 100_000) / 100_000,
                    "candidates": [
                        {"output": short, "model": f"model-{number % 3}", "flags": [flag]},
                        {
                            "output": f"Answer {number}: yes, a refund is possible within 30 "
                            "days; open the order page and press Refund.",
                            "model": f"model-{(number + 1) % 3}",
                        },
                    ],
                }
                batch.append((Comparison.model_validate(record), ()))
            with store.bulk_writer() as writer:
                writer.add_comparisons(batch)
    building.replace(path)
    print(f"built {count:,} comparisons in {time.perf_counter() - started:.0f} s: {path}")
    return path


def raw_baseline(path: Path, presses: int) -> list[float]:
    """The session call of `1` without Qt, on the same store (then undone)."""
    from reviewdesk.review.comparisons import LEFT, ComparisonSession
    from reviewdesk.store import Store

    with Store.open(path) as store:
        session = ComparisonSession(store, "bench-raw")
        session.start()
        raw: list[float] = []
        for _ in range(presses):
            session.prefetch()
            started = time.perf_counter()
            session.decide_side(LEFT, duration_ms=1)
            raw.append((time.perf_counter() - started) * 1000)
        while session.undo().undone is not None:
            pass
    return raw


def bench_in_process(path: Path, presses: int) -> None:
    from PySide6.QtCore import QEventLoop, QSettings, QSize, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from reviewdesk.store import Store
    from reviewdesk.ui.app import application
    from reviewdesk.ui.shell.window import DeskWindow

    settings_dir = Path("/tmp/reviewdesk-bench-compare-settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    application()
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
    window = DeskWindow(lambda: Store.open(path), store_label=str(path), size=QSize(1440, 860))
    window.show()
    wait(window.compare.comparison_painted)  # a store of comparisons only opens on them
    first = time.perf_counter() - opened
    while window.runner.busy:
        wait(window.runner.busy_changed)
    print(f"first comparison painted {first * 1000:.0f} ms after the window was made")

    raw = raw_baseline(path, presses // 2)
    session = window.compare.session
    assert session is not None
    timed = Presses(session)
    timeout = QTimer()
    timeout.setSingleShot(True)
    timeout.timeout.connect(loop.quit)
    window.compare.comparison_painted.connect(loop.quit)
    for _ in range(presses):
        window.activateWindow()
        target = QApplication.focusWidget() or window
        timeout.start(120_000)
        with timed.press():
            QTest.keyClick(target, Qt.Key.Key_1)
            loop.exec()
        if not timeout.isActive():
            raise SystemExit("timed out")
        timeout.stop()
        while window.runner.busy:  # the prefetch, as a reviewer's reading time
            wait(window.runner.busy_changed)
    window.compare.comparison_painted.disconnect(loop.quit)
    raw += raw_baseline(path, presses - presses // 2)
    session_id = session.session_id
    window.close()
    _undo_all(path, session_id)

    latencies = timed.total
    rest = [total - worker for total, worker in zip(latencies, timed.worker, strict=True)]
    median, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    raw_median = statistics.median(raw)
    print(
        f"1 → next comparison painted over {presses} presses: median {median:.2f} ms, "
        f"p99 {p99:.2f} ms, max {max(latencies):.2f} ms (targets: median < 8, p99 < 16)"
    )
    print(
        f"raw baseline (record + next + load, no Qt): median {raw_median:.2f} ms, "
        f"p99 {percentile(raw, 0.99):.2f} ms; desk/raw median ratio {median / raw_median:.2f}"
    )
    print(
        f"  of which the session call on the worker: median "
        f"{statistics.median(timed.worker):.2f}, p99 {percentile(timed.worker, 0.99):.2f} ms; "
        f"the rest (key, hand-offs, show, paint): median {statistics.median(rest):.2f}, "
        f"p99 {percentile(rest, 0.99):.2f} ms"
    )
    print(
        f"  GUI thread CPU per press (not load-bound): median {statistics.median(timed.cpu):.2f}, "
        f"p99 {percentile(timed.cpu, 0.99):.2f} ms"
    )


def _undo_all(path: Path, session_id: str) -> None:
    """Leave the cached store pending again, so the next run measures the same thing."""
    from reviewdesk.store import Store
    from reviewdesk.store.comparison_queue import undo_latest_comparison_decision

    with Store.open(path) as store:
        while undo_latest_comparison_decision(store, session_id) is not None:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comparisons", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--store", type=Path, default=None)
    args = parser.parse_args()
    path = args.store or Path(f"/tmp/reviewdesk-bench-compare-{args.comparisons}.sqlite")
    build_store(path, args.comparisons)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    bench_in_process(path, args.presses)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
