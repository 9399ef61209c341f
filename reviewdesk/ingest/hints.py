"""How an importer's message tells a person what to do about it.

The command line names its options (`--id-from`), the desk names its controls (a mapping's
`id_from`, the Format choice); the rest of every message is the same for both.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COMMAND_LINE", "Hints"]


@dataclass(frozen=True)
class Hints:
    """The parts of import messages that name what to change."""

    unique_ids: str = "--id-from or --id-prefix make ids unique"
    """Ends a conflict's message: how to give records with one id distinct ids."""
    json_format: str = "--format json"
    """How to read a file as a JSON array ("import it with ...")."""
    json_note: str = " (--format json)"
    """Ends the note that a file was found to be a JSON array and read as one."""


COMMAND_LINE = Hints()
