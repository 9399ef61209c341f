"""The demo store: realistic generations and decisions from resources/demo, for a first look."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from reviewdesk.resources import resource

if TYPE_CHECKING:
    from reviewdesk.store import Store

logger = logging.getLogger(__name__)


def demo_data() -> Path:
    """The demo set (canonical JSONL)."""
    return resource("demo", "generations.jsonl")


def _add_templates(store: Store) -> None:
    """The demo's prompt templates (each version's text), so its version comparisons show what
    changed."""
    import json

    for line in resource("demo", "templates.jsonl").read_text(encoding="utf-8").splitlines():
        found = json.loads(line)
        store.add_template(found["name"], found["version"], found["text"], source="demo")


def default_demo_path() -> Path:
    return Path(platformdirs.user_data_dir("reviewdesk", appauthor=False)) / "demo.sqlite"


def ensure_demo_store(path: Path | None = None, *, reset: bool = False) -> Path:
    """The demo store at `path` (default: the data directory), built if it is missing.

    An existing demo store is kept, with the decisions made in it, unless `reset`. It is built
    in a temporary file and renamed into place, so an interrupted build leaves nothing behind.
    """
    path = (path or default_demo_path()).expanduser()
    if path.exists() and not reset:
        return path
    from reviewdesk.ingest import import_files  # only to build: opening the desk should not wait
    from reviewdesk.store import Store

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".demo-", suffix=".sqlite", dir=path.parent)
    os.close(handle)
    building = Path(temporary)
    building.unlink()
    try:
        with Store.open(building) as store:
            report = import_files(store, [demo_data()])
            _add_templates(store)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        building.replace(path)
    finally:
        for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
    logger.info("built the demo store %s: %s", path, report.summary())
    return path
