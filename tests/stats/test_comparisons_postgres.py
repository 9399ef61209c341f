"""Comparison statistics and exports on PostgreSQL (what the queue server runs) as on SQLite.

A store of comparisons is copied row for row into a fresh PostgreSQL database migrated by the
same Alembic scripts; the statistics and the dpo and raw exports must come out identical.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from reviewdesk.export import ExportFormat, ExportOptions, export_dataset
from reviewdesk.ingest import import_files
from reviewdesk.stats.comparisons import comparison_stats
from reviewdesk.store import Store
from reviewdesk.store.engine import migrate
from tests.server.postgres import postgres_server

_TABLES = (
    "comparison",
    "comparison_text",
    "comparison_candidate",
    "comparison_candidate_text",
    "comparison_decision",
    "comparison_decision_text",
)
_MODELS = ("small", "mid", "large")


def _records() -> list[dict[str, Any]]:
    draw = random.Random(5)
    records = []
    for n in range(120):
        a, b = draw.sample(_MODELS, 2)
        decisions = [
            {
                "reviewer": reviewer,
                "preference": draw.choice(["a", "b", "b", "tie"]),
                "shown_order": draw.choice(["ab", "ba"]),
                "decided_at": f"2026-11-21T09:{minute:02d}:00Z",
                **({"comment": f"note {n}"} if n % 10 == 0 else {}),
            }
            for minute, reviewer in enumerate(draw.sample(["r1", "r2", "r3"], draw.randint(1, 3)))
        ]
        records.append(
            {
                "id": f"cmp-{n}",
                "prompt": [{"role": "user", "content": f"question {n}"}],
                "candidates": [
                    {"output": f"{a} says {n}", "model": a},
                    {"output": f"{b} says {n}", "model": b},
                ],
                "decisions": decisions,
            }
        )
    return records


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    with postgres_server() as server:
        if server is None:
            pytest.skip(
                "PostgreSQL is not installed (REVIEWDESK_REQUIRE_POSTGRES=1 makes this fail)"
            )
        folder = Path(tmp_path_factory.mktemp("pairs"))
        data = folder / "pairs.jsonl"
        data.write_text("".join(json.dumps(record) + "\n" for record in _records()))
        postgres = create_engine(server.database())
        migrate(postgres)
        with Store.open(folder / "s.sqlite") as store:
            import_files(store, [data])
            with store.engine.connect() as source, postgres.begin() as target:
                for name in _TABLES:
                    table = SQLModel.metadata.tables[name]
                    rows = [dict(row._mapping) for row in source.execute(select(table))]
                    assert rows, name
                    target.execute(table.insert(), rows)
            yield store.engine, postgres
        postgres.dispose()


def test_the_statistics_are_the_same_on_both_engines(engines: tuple[Engine, Engine]) -> None:
    sqlite, postgres = engines
    with sqlite.connect() as one, postgres.connect() as other:
        on_sqlite = comparison_stats(one, resamples=20).to_json()
        on_postgres = comparison_stats(other, resamples=20).to_json()
    assert on_sqlite["comparisons"] == 120
    assert on_sqlite["agreement"]["comparisons"] > 20
    assert on_postgres == on_sqlite


@pytest.mark.parametrize("fmt", [ExportFormat.DPO, ExportFormat.RAW])
def test_the_exports_are_the_same_on_both_engines(
    engines: tuple[Engine, Engine], tmp_path: Path, fmt: ExportFormat
) -> None:
    written = []
    for name, engine in zip(("sqlite", "postgres"), engines, strict=True):
        folder = tmp_path / name
        folder.mkdir()
        export_dataset(engine, folder / "data.jsonl", ExportOptions(format=fmt))
        written.append((folder / "data.jsonl").read_text())
    assert written[0] == written[1]
    assert len(written[0].splitlines()) > 50
