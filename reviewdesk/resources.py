"""Finding the files in `resources/` the same way from a source tree, a wheel and a bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from reviewdesk.errors import ReviewdeskError


@cache
def resources_dir() -> Path:
    """The resources directory: `sys._MEIPASS/resources` in a frozen bundle,
    `reviewdesk/_resources` in a wheel, `resources/` beside the package in a source tree."""
    package = Path(__file__).resolve().parent
    candidates = [package / "_resources", package.parent / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        candidates.insert(0, Path(bundle) / "resources")
    for candidate in candidates:
        if (candidate / "demo").is_dir():
            return candidate
    raise ReviewdeskError(
        f"reviewdesk's resources are missing (looked in {', '.join(map(str, candidates))})"
    )


def resource(*parts: str) -> Path:
    """The path of a file under resources/."""
    return resources_dir().joinpath(*parts)
