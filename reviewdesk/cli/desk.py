"""Opening the desk, for the launcher's quick start and for the command line's `demo`.

Both the launcher and the typer app call these, so they live apart from both (neither imports
the other for them). Only the standard library at import time: the Qt desk, the store and the
demo builder are imported when the desk opens.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

__all__ = ["SCREENSHOT_SIZE", "open_desk", "self_test", "window_size"]

SCREENSHOT_SIZE = (1440, 900)
"""The size of a `--screenshot` without `--size`."""
_MIN_SIZE = (640, 400)


def window_size(text: str) -> tuple[int, int]:
    """The window size `--size` states (`1440x900`).

    Raises:
        UserError: not WIDTHxHEIGHT, or smaller than the desk can be laid out in.
    """
    from reviewdesk.errors import UserError

    match = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
    if match is None:
        raise UserError(f"--size: expected WIDTHxHEIGHT in pixels, such as 1440x900; got {text!r}")
    width, height = int(match[1]), int(match[2])
    if width < _MIN_SIZE[0] or height < _MIN_SIZE[1]:
        raise UserError(
            f"--size: {width}x{height} is too small; the desk needs at least "
            f"{_MIN_SIZE[0]}x{_MIN_SIZE[1]}"
        )
    return width, height


def _has_display() -> bool:
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
        or sys.platform in ("darwin", "win32")
    )


def open_desk(
    store: Path | None,
    *,
    screenshot: Path | None,
    demo: bool = False,
    reset: bool = False,
    size: str | None = None,
) -> int:
    """Open the desk (building the demo store first for `demo`); the exit status.

    `size` (`1440x900`) opens the window at that size whatever the saved layout; a screenshot
    is taken at `SCREENSHOT_SIZE` without it.

    Raises:
        UserError: `size` is not a usable size.
    """
    stated = None if size is None else window_size(size)
    if stated is None and screenshot is not None:
        stated = SCREENSHOT_SIZE
    if screenshot is not None and not _has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    if not _has_display():
        print(
            "error: there is no display to open the desk on (DISPLAY is not set); "
            "run it in a desktop session, or use --screenshot FILE.png",
            file=sys.stderr,
        )
        return 1
    if demo:
        from reviewdesk.demo import ensure_demo_store

        store = ensure_demo_store(store, reset=reset)
    elif store is None:
        from reviewdesk.store.paths import default_store_path

        store = default_store_path()
    from reviewdesk.ui.app import run_desk

    return run_desk(store, screenshot=screenshot, size=stated)


def self_test() -> int:
    """Run `--self-test` offscreen (it needs no screen); the exit status."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from reviewdesk.ui.selftest import run_self_test

    return run_self_test()
