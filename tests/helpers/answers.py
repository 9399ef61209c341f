"""Stores with review-form answers for the per-question statistics, written as users write
them: a form set on the queue, then canonical records whose decisions carry answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from reviewdesk.domain import Form
from reviewdesk.ingest import import_files
from reviewdesk.store import Store
from reviewdesk.store.engine import migrate
from tests.helpers.records import decision, record, write_jsonl

FORM = """
[[questions]]
key = "behaviour"
label = "What did the model do?"
kind = "choice"
options = [{value = "full_compliance", label = "Full compliance"},
           {value = "full_refusal", label = "Full refusal"},
           {value = "partial_refusal", label = "Partial refusal"}]

[[questions]]
key = "helpfulness"
kind = "rating"
min = 1
max = 5
labels = {1 = "useless", 5 = "perfect"}

[[questions]]
key = "topics"
kind = "multi"
options = [{value = "billing"}, {value = "shipping"}, {value = "returns"}]

[[questions]]
key = "note"
kind = "text"

[[questions]]
key = "hallucination"
kind = "spans"
options = [{value = "unsupported", label = "Unsupported claim"},
           {value = "contradiction", label = "Contradiction"}]
"""

OUTPUT = "Yes, you can return the blender within 30 days. Write to help@shop.example please."

_TABLES = (
    "generation",
    "generation_text",
    "flag",
    "decision",
    "decision_text",
    "decision_answer",
    "form",
)


def answered(
    reviewer: str, answers: dict[str, Any], *, verdict: str = "approve", minute: int = 0
) -> dict[str, Any]:
    """A decision with answers at 2026-11-21 09:MM."""
    return decision(
        reviewer, verdict, answers=answers, decided_at=f"2026-11-21T09:{minute:02d}:00Z"
    )


class AnswerStore:
    """A store with the form above on queue "support"; `add` imports items with decisions."""

    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self._folder = folder
        self._number = 0
        store.set_form("support", Form.from_toml(FORM))

    def add(self, *items: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
        """Import one record per (decisions, fields) pair."""
        records = []
        for decisions, fields in items:
            self._number += 1
            fields = {"flags": [], "output": OUTPUT, "queue": "support", **fields}
            records.append(record(self._number, decisions=decisions, **fields))
        path = write_jsonl(self._folder / f"batch-{self._number}.jsonl", records)
        import_files(self.store, [path])


def copy_to_postgres(store: Store, url: str) -> Engine:
    """A PostgreSQL database migrated by the same scripts, holding the store's rows."""
    postgres = create_engine(url)
    migrate(postgres)
    with store.engine.connect() as source, postgres.begin() as target:
        for name in _TABLES:
            table = SQLModel.metadata.tables[name]
            rows = [dict(row._mapping) for row in source.execute(select(table))]
            if rows:
                target.execute(table.insert(), rows)
    return postgres
