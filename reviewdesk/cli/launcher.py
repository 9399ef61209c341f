"""The `reviewdesk` console script: opening the desk fast, everything else through the CLI.

`reviewdesk`, `reviewdesk --store PATH`, `reviewdesk demo [--store PATH] [--reset]` and their
`--screenshot FILE` variants go straight to the desk: the command-line framework (typer and rich)
costs a few tenths of a second at start-up, which the first item on screen should not wait for.
Any other arguments (a command, `--help`, a typo) are handed to the full command line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

_VALUE_OPTIONS = {"--store", "--screenshot"}


def _desk_arguments(argv: list[str]) -> dict[str, object] | None:
    """The desk's options when `argv` asks only for the desk, else None."""
    found: dict[str, object] = {"demo": False, "reset": False}
    rest = list(argv)
    if rest and rest[0] == "demo":
        found["demo"] = True
        rest.pop(0)
    while rest:
        argument = rest.pop(0)
        name, equals, value = argument.partition("=")
        if name in _VALUE_OPTIONS:
            if not equals:
                if not rest or rest[0].startswith("-"):
                    return None  # let the command line explain what is missing
                value = rest.pop(0)
            if not value:
                return None
            found[name[2:]] = Path(value)
        elif argument == "--reset" and found["demo"]:
            found["reset"] = True
        else:
            return None
    return found


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


def main() -> NoReturn:
    """The console script."""
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    desk = _desk_arguments(sys.argv[1:])
    if desk is None:
        from reviewdesk.cli.app import main as command_line

        command_line()
    from reviewdesk.errors import UserError

    try:
        status = open_desk(
            desk.get("store"),  # type: ignore[arg-type]
            screenshot=desk.get("screenshot"),  # type: ignore[arg-type]
            demo=bool(desk["demo"]),
            reset=bool(desk["reset"]),
        )
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        status = 1
    sys.exit(status)
