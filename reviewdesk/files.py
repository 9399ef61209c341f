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

    The file keeps the temporary's mode, 0600 (only its owner reads it).

    Raises:
        OSError: the folder is missing or not writable, or the disk is full.
    """
    handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
