from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.demo import ensure_demo_store
from reviewdesk.ingest import import_files
from reviewdesk.store import Store
from tests.helpers.records import write_jsonl

# The consumers run offline: nothing may reach for a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo store (336 items, 176 decisions), shared read-only by the export tests."""
    path = ensure_demo_store(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    opened = Store.open(path)
    yield opened
    opened.close()


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[Any]:
    """A store holding exactly the given import records (with their decisions)."""
    opened: list[Store] = []

    def make(records: list[dict[str, Any]]) -> Store:
        store = Store.open(tmp_path / f"s{len(opened)}.sqlite")
        opened.append(store)
        import_files(store, [write_jsonl(tmp_path / f"r{len(opened)}.jsonl", records)])
        return store

    yield make
    for store in opened:
        store.close()
