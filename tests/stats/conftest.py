from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reviewdesk.ingest import import_files
from reviewdesk.store import Store
from tests.helpers.records import decision, record, write_jsonl


class StoreBuilder:
    """Adds canonical records (with their decisions) to a test store."""

    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self._folder = folder
        self._number = 0
        self._batches = 0

    def item(self, *decisions: dict[str, Any], **fields: Any) -> dict[str, Any]:
        self._number += 1
        fields.setdefault("flags", [])
        return record(self._number, decisions=list(decisions), **fields)

    def add(self, items: list[dict[str, Any]]) -> None:
        self._batches += 1
        path = write_jsonl(self._folder / f"batch-{self._batches}.jsonl", items)
        import_files(self.store, [path])


@pytest.fixture
def builder(store: Store, tmp_path: Path) -> StoreBuilder:
    return StoreBuilder(store, tmp_path)


def d(reviewer: str, verdict: str, minute: int = 0, **fields: Any) -> dict[str, Any]:
    """A decision at 2026-11-21 09:MM (day 2026-11-21, ISO week 2026-W47)."""
    fields.setdefault("decided_at", f"2026-11-21T09:{minute:02d}:00Z")
    return decision(reviewer, verdict, **fields)
