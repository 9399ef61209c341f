"""The real program: `--screenshot`, and a desk killed with SIGKILL right after "saved"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from reviewdesk.store import Store
from tests.review.builders import make_store

ROOT = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_desk_paints_its_first_item_without_sqlalchemy(tmp_path: Path) -> None:
    # Importing SQLAlchemy (and SQLModel, Alembic) costs the desk over a second of start-up:
    # a current store opens on plain sqlite3, and the engine is made only for stats or exports.
    # So do the command line's frameworks (typer, rich) and the sync client's (httpx, keyring).
    store = make_store(tmp_path / "fast.sqlite", count=3)
    Store.open(store).close()  # at the current schema: no migration to run
    probe = (
        "import atexit, sys\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'alembic', 'typer', 'rich', 'httpx', 'keyring')\n"
        "atexit.register(lambda: print('loaded:', *[m for m in heavy if m in sys.modules]))\n"
        "sys.argv = ['reviewdesk', *sys.argv[1:]]\n"
        "from reviewdesk.cli.launcher import main\n"
        "main()\n"
    )
    png = tmp_path / "desk.png"
    done = subprocess.run(
        [sys.executable, "-c", probe, "--store", str(store), "--screenshot", str(png)],
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert png.exists()  # the first item was painted and the list loaded
    assert done.stdout.splitlines()[-1] == "loaded:"


@pytest.mark.slow
def test_the_first_switch_to_statistics_imports_nothing_heavy_on_the_gui_thread(
    tmp_path: Path,
) -> None:
    # The first Ctrl+2 used to import SQLAlchemy, pyqtgraph and numpy and build the engine on
    # the GUI thread: the window froze for seconds. Now the tab shows at once, "Computing…".
    store = make_store(tmp_path / "stats.sqlite", count=5)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("stats_driver.py")), "--store", str(store)],
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "switched yes Computing…"  # within the key press's own event turn
    assert lines[1] == "gui-imports"  # none of sqlalchemy, pyqtgraph, numpy, reviewdesk.stats
    assert lines[2] == "charts yes"
