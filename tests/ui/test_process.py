"""The real program: `--screenshot`, and a desk killed with SIGKILL right after "saved"."""

from __future__ import annotations

import json
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


def small_screen(tmp_path: Path, width: int, height: int) -> dict[str, str]:
    """The environment of a desk whose (offscreen) screen is `width` x `height`."""
    config = tmp_path / "screen.json"
    screen = {"name": "small", "x": 0, "y": 0, "width": width, "height": height}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    return {**env(), "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}


@pytest.mark.slow
def test_a_1024x640_screen_shows_the_three_panes_and_the_dialogs_whole(tmp_path: Path) -> None:
    store = make_store(tmp_path / "small.sqlite", count=3)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("screen_driver.py")), "--store", str(store)],
        env=small_screen(tmp_path, 1024, 640),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["available"] == [0, 0, 1024, 640]
    left, top, width, height = seen["frame"]
    assert left >= 0 and top >= 0 and left + width <= 1024 and top + height <= 640
    assert seen["flags_under_output"]  # too narrow for three columns side by side
    for pane in ("prompt", "output", "flags", "queue"):
        shown_width, shown_height = seen[pane]
        assert shown_width >= 150 and shown_height >= 80, (pane, seen[pane])
    left, top, width, height = seen["dialog"]  # Export, with its buttons at the bottom
    assert left >= 0 and top >= 0 and left + width <= 1024 and top + height <= 640


@pytest.mark.slow
@pytest.mark.parametrize(
    ("size", "expected"), [([], (1440, 900)), (["--size", "1024x640"], (1024, 640))]
)
def test_a_screenshot_is_taken_at_the_stated_size(
    tmp_path: Path, size: list[str], expected: tuple[int, int]
) -> None:
    store = make_store(tmp_path / "shot.sqlite", count=3)
    png = tmp_path / "desk.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewdesk",
            "--store",
            str(store),
            "--screenshot",
            str(png),
            *size,
        ],
        env=small_screen(tmp_path, 800, 600),  # the screen's size plays no part
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == expected


def test_a_bad_size_is_refused_with_the_option_named(tmp_path: Path) -> None:
    store = make_store(tmp_path / "shot.sqlite", count=1)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewdesk",
            "--store",
            str(store),
            "--size",
            "wide",
            "--screenshot",
            str(tmp_path / "x.png"),
        ],
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "--size: expected WIDTHxHEIGHT" in done.stderr and "'wide'" in done.stderr
    assert not (tmp_path / "x.png").exists()
