"""Writing a file whole or not at all, for the reports and tables people hand on.

The text goes to a temporary file beside the destination, which is renamed over it once written:
a reader (a router polling routing.json, a browser on report.html) sees the old file or the new
one, never half of one, and a failure leaves the old file and no temporary behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_text_atomically"]


def write_text_atomically(path: Path, text: str, *, prefix: str, suffix: str = "") -> None:
    """Write `text` (UTF-8) to `path` through a temporary file `prefix...suffix` in its folder.

    The file gets the mode any new file of the user gets (0666 less the umask, as `open`
    gives): a router or a web server reading the table or the report as another user can, as
    it can read an export.

    Raises:
        OSError: the folder is missing or not writable, or the disk is full.
    """
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            if hasattr(os, "fchmod"):  # POSIX; mkstemp made it 0600
                os.fchmod(file.fileno(), 0o666 & ~_umask())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask. Linux tells it in /proc; elsewhere it is read by setting it, which
    for a moment changes it for every thread."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
