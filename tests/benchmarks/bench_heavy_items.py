"""Benchmark of the desk on heavy items (a script; pytest does not collect it).

  QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_heavy_items.py [--flags 2000]
      [--edit-mb 5] [--moves 40] [--keys 200]

* an item with `--flags` flags: J (or K) from an item with one flag → the item painted, median
  and p99 over `--moves` moves, against the same move to and from an item with one flag in
  the same run;
* editing an output of `--edit-mb` MB: E → the editor painted; then `--keys` keystrokes in
  the middle of it, each timed from the key press to the end of the repaint it causes (the
  diff waits for a pause in typing), against the same keystrokes in a 5 KB output; and the
  diff as typing pauses (what a keystroke landing at that moment would wait for).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from reviewdesk.domain import Flag

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def spread(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):6.2f} ms, p99 {percentile(values, 0.99):6.2f} ms, "
        f"max {max(values):6.2f} ms"
    )


def flagged_output(count: int) -> tuple[str, list[Flag]]:
    from reviewdesk.domain import Flag, Severity

    severities = list(Severity)
    words = [f"name{n}@mail.example" for n in range(count)]
    output = "Contacts: " + " ".join(words)
    flags = []
    for n, word in enumerate(words):
        start = output.index(word)
        flags.append(
            Flag(
                validator=("pii", "secrets", "judge", "toxicity")[n % 4],
                code="email",
                severity=severities[n % 4],
                message=f"an e-mail address ({n})",
                score=0.5,
                span=(start, start + len(word)),
            )
        )
    return output, flags


def build(folder: Path, flags: int, edit_mb: float) -> Path:
    from reviewdesk.store import Store
    from tests.review.builders import generation

    path = folder / "heavy.sqlite"
    many_output, many = flagged_output(flags)
    few_output, few = many_output, many[:1]  # the same text: the baseline differs in flags only
    line = "The refund takes thirty days; keep the receipt and write to the shop if it is late.\n"
    big = line * int(edit_mb * 1_000_000 / len(line))
    small = line * (5_000 // len(line))
    with Store.open(path) as store, store.bulk_writer() as writer:
        writer.add(
            [
                (generation(1, output=few_output, flags=tuple(few)), ()),
                (generation(2, output=many_output, flags=tuple(many)), ()),
                (generation(3, output=small), ()),
                (generation(4, output=big), ()),
            ]
        )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flags", type=int, default=2000)
    parser.add_argument("--edit-mb", type=float, default=5.0)
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--keys", type=int, default=200)
    args = parser.parse_args()

    from PySide6.QtCore import QEventLoop, QSettings, QSize, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from reviewdesk.store import Store
    from reviewdesk.ui.app import application
    from reviewdesk.ui.shell.window import DeskWindow

    folder = Path(tempfile.mkdtemp(prefix="reviewdesk-heavy-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    app = application()
    path = build(folder, args.flags, args.edit_mb)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    loop = QEventLoop()
    timeout = QTimer()
    timeout.setSingleShot(True)
    timeout.timeout.connect(loop.quit)

    def until(signal: SignalInstance, action: Callable[[], object]) -> float:
        """Run `action`, wait for `signal`; milliseconds taken."""
        signal.connect(loop.quit)
        timeout.start(60_000)
        started = time.perf_counter()
        action()
        loop.exec()
        taken = (time.perf_counter() - started) * 1000
        signal.disconnect(loop.quit)
        if not timeout.isActive():
            raise SystemExit("timed out")
        timeout.stop()
        while window.runner.busy:
            app.processEvents()
        return taken

    window = DeskWindow(lambda: Store.open(path), store_label="heavy", size=QSize(1440, 860))
    until(window.item_painted, window.show)

    def key(name: Qt.Key) -> None:
        window.activateWindow()
        QTest.keyClick(QApplication.focusWidget() or window, name)

    # -- 2,000 flags ----------------------------------------------------------------------------
    to_many, to_few = [], []
    for _ in range(args.moves):
        to_many.append(until(window.item_painted, lambda: key(Qt.Key.Key_J)))
        to_few.append(until(window.item_painted, lambda: key(Qt.Key.Key_K)))
    assert window.current_item is not None and window.current_item.generation.id == "gen-0001"
    print(f"J → an item with {args.flags:,} flags painted: {spread(to_many)}")
    print(f"K → an item with 1 flag painted (baseline):  {spread(to_few)}")
    print(f"  ratio of the medians: {statistics.median(to_many) / statistics.median(to_few):.2f}")
    # The GUI thread's part alone: the review view shows the item and paints it (the store's
    # load of 2,000 flags on the worker left out).
    review = window.review
    few_item = window.current_item
    until(window.item_painted, lambda: key(Qt.Key.Key_J))
    many_item = window.current_item
    assert few_item is not None and many_item is not None
    shown_many: list[float] = []
    shown_few: list[float] = []
    for _ in range(args.moves):
        for item, times in ((many_item, shown_many), (few_item, shown_few)):
            started = time.perf_counter()
            review.show_item(item, window.reviewer)
            review.repaint()
            times.append((time.perf_counter() - started) * 1000)
    print(f"the view shows and paints the {args.flags:,}-flag item: {spread(shown_many)}")
    print(f"the view shows and paints the 1-flag item:        {spread(shown_few)}")
    until(window.item_painted, lambda: key(Qt.Key.Key_K))

    # -- a 5 MB edit ----------------------------------------------------------------------------
    def keystrokes(count: int) -> tuple[list[float], float]:
        editor = window.review.output.text
        cursor = editor.textCursor()
        cursor.setPosition(editor.document().characterCount() // 2)
        editor.setTextCursor(cursor)
        taken = []
        for n in range(count):
            started = time.perf_counter()
            QTest.keyClicks(editor, "abcdefgh "[n % 9])
            editor.viewport().repaint()
            taken.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        window.review.output.show_diff()
        window.review.output.diff.viewport().repaint()
        diff_ms = (time.perf_counter() - started) * 1000
        return taken, diff_ms

    def edit(item: int) -> tuple[float, list[float], float]:
        while window.current_item is None or window.current_item.generation.id != f"gen-{item:04d}":
            until(window.item_painted, lambda: key(Qt.Key.Key_J))
        started = time.perf_counter()
        key(Qt.Key.Key_E)
        window.review.output.text.viewport().repaint()
        enter_ms = (time.perf_counter() - started) * 1000
        taken, diff_ms = keystrokes(args.keys)
        key(Qt.Key.Key_Escape)
        app.processEvents()
        return enter_ms, taken, diff_ms

    small_enter, small_keys, small_diff = edit(3)
    big_enter, big_keys, big_diff = edit(4)
    print(
        f"E on a {args.edit_mb:g} MB output → editor painted: {big_enter:.0f} ms "
        f"(5 KB: {small_enter:.1f} ms)"
    )
    print(f"keystroke in the {args.edit_mb:g} MB edit, to its repaint: {spread(big_keys)}")
    print(f"keystroke in a 5 KB edit (baseline):           {spread(small_keys)}")
    print(
        f"  ratio of the medians: {statistics.median(big_keys) / statistics.median(small_keys):.2f}"
    )
    print(
        f"the word diff as typing pauses: {big_diff:.1f} ms ({args.keys} characters typed; "
        f"5 KB: {small_diff:.1f} ms)"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    window.close()


if __name__ == "__main__":
    main()
