"""Opening the desk, for the launcher's quick start and for the command line's `demo`.

Both the launcher and the typer app call these, so they live apart from both (neither imports
the other for them). Only the standard library at import time: the Qt desk, the store and the
demo builder are imported when the desk opens.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["open_desk", "self_test"]


def _has_display() -> bool:
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
        or sys.platform in ("darwin", "win32")
    )


def open_desk(
    store: Path | None, *, screenshot: Path | None, demo: bool = False, reset: bool = False
) -> int:
    """Open the desk (building the demo store first for `demo`); the exit status."""
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

    return run_desk(store, screenshot=screenshot)


def self_test() -> int:
    """Run `--self-test` offscreen (it needs no screen); the exit status."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from reviewdesk.ui.selftest import run_self_test

    return run_self_test()
