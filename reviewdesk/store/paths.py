"""Where stores live by default."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

STORE_ENV = "REVIEWDESK_STORE"


def default_store_path() -> Path:
    """`$REVIEWDESK_STORE`, else `reviewdesk.sqlite` in the platform's user data directory."""
    override = os.environ.get(STORE_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("reviewdesk", appauthor=False)) / "reviewdesk.sqlite"
