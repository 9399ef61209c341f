"""The real program: `--screenshot`, and a desk killed with SIGKILL right after "saved"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from reviewdesk.store import Store
from tests.review.builders import make_store

ROOT = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}


def test_screenshot_saves_the_window_with_the_first_item(tmp_path: Path) -> None:
    store = make_store(tmp_path / "shot.sqlite", count=3)
    png = tmp_path / "desk.png"
    done = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "--store", str(store), "--screenshot", str(png)],
        env=env(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(png))
    assert image.width() >= 800 and image.height() >= 500


def test_a_killed_desk_has_lost_no_saved_decision(tmp_path: Path) -> None:
    store = make_store(tmp_path / "kill.sqlite", count=40)
    saved: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("desk_driver.py")), "--store", str(store)],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("saved "):
                    saved.append(line.split()[1])
                if len(saved) == 5:
                    process.send_signal(signal.SIGKILL)  # it is still approving at full speed
                    break
        finally:
            process.kill()
            process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert len(saved) == 5
    with Store.open(store, create=False) as reopened:
        stored = {d.id for n in range(1, 41) for d in reopened.decisions_of(f"gen-{n:04d}")}
        assert set(saved) <= stored
        assert reopened.counts().decisions >= 5
