"""What the command-line modules share: the consoles, messages, a progress bar, common options.

Only the command line prints: stdout for results (exactly one JSON document with `--json`),
stderr for messages and progress.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

__all__ = [
    "JsonOption",
    "ProgressBar",
    "StoreOption",
    "err",
    "error_line",
    "out",
    "say",
    "store_path",
    "write_out",
]

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="The store file (default: reviewdesk.sqlite in your data directory, "
        "or $REVIEWDESK_STORE).",
        dir_okay=False,
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of text.")
]


def store_path(store: Path | None) -> Path:
    """The store a command works on: `--store`, else the default one."""
    from reviewdesk.store import default_store_path

    return store if store is not None else default_store_path()


# Verbatim: messages quote file names, lines and data, where `[columns]` is no markup and
# `file.csv:100:` no emoji code. Styling, where wanted, goes through `rich.text.Text`.
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)


def say(message: str) -> None:
    """A plain message on stderr, printed as it is."""
    err.print(message, markup=False, emoji=False)


def write_out(message: str) -> None:
    """A plain line on stdout, printed as it is."""
    out.print(message, markup=False, emoji=False)


def error_line(message: str) -> None:
    """`error: MESSAGE` on stderr, the word in bold red on a terminal, the message as it is."""
    from rich.text import Text

    err.print(Text.assemble(("error:", "bold red"), " ", message))


class ProgressBar:
    """A rich progress bar on stderr that appears only once work runs longer than a moment,
    and only on a terminal. Use as a context manager; `update(done, total)` as the callback.

    Args:
        description: what is going on ("importing").
        unit: "bytes" shows sizes and speed; "items" shows done / total.
    """

    DELAY_S = 0.5

    def __init__(self, description: str, *, unit: str = "items") -> None:
        self._description = description
        self._unit = unit
        self._started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        return self

    def update(self, done: int, total: int) -> None:
        if self._progress is None:
            if time.monotonic() - self._started < self.DELAY_S or not err.is_terminal:
                return
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                MofNCompleteColumn,
                Progress,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            counts: list[Any] = (
                [DownloadColumn(), TransferSpeedColumn()]
                if self._unit == "bytes"
                else [MofNCompleteColumn()]
            )
            self._progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                *counts,
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._description, total=total)
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __exit__(self, *_exc: object) -> None:
        self.close()
