"""The `reviewdesk` console script: opening the desk fast, everything else through the CLI.

`reviewdesk`, `reviewdesk --store PATH`, `reviewdesk demo [--store PATH] [--reset]` and their
`--screenshot FILE` and `--size WxH` variants go straight to the desk: the command-line framework
(typer and rich) costs a few tenths of a second at start-up, which the first item on screen
should not wait for. Any other arguments (a command, `--help`, a typo) are handed to the full
command line, which is imported only then. The desk itself is opened by `reviewdesk.cli.desk`,
as the command line's `demo` opens it: the command line never imports this module.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

from reviewdesk.cli.desk import open_desk, self_test

_VALUE_OPTIONS = {"--store", "--screenshot", "--size"}


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
            found[name[2:]] = value if name == "--size" else Path(value)
        elif argument == "--reset" and found["demo"]:
            found["reset"] = True
        else:
            return None
    return found


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
            size=desk.get("size"),  # type: ignore[arg-type]
        )
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        status = 1
    sys.exit(status)
