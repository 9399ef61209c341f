"""The same statistics on PostgreSQL (what the queue server runs) as on SQLite.

The demo store is copied row for row into a fresh PostgreSQL database migrated by the same
Alembic scripts; every statistic must come out identical. Skips when PostgreSQL is not installed
(REVIEWDESK_REQUIRE_POSTGRES=1 makes it fail instead, as in CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from reviewdesk.demo import ensure_demo_store
from reviewdesk.stats import (
    Unit,
    compare_versions,
    compute_overview,
    grouped_stats,
    parse_keys,
)
from reviewdesk.store import Resolution, Store
from reviewdesk.store.engine import migrate
from tests.server.postgres import postgres_server

_TABLES = ("generation", "generation_text", "flag", "decision", "decision_text")


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    with postgres_server() as server:
        if server is None:
            pytest.skip(
                "PostgreSQL is not installed (REVIEWDESK_REQUIRE_POSTGRES=1 makes this fail)"
            )
        demo = ensure_demo_store(Path(tmp_path_factory.mktemp("demo")) / "demo.sqlite")
        postgres = create_engine(server.database())
        migrate(postgres)
        with Store.open(demo) as store:
            with store.engine.connect() as source, postgres.begin() as target:
                for name in _TABLES:
                    table = SQLModel.metadata.tables[name]
                    rows = [dict(row._mapping) for row in source.execute(select(table))]
                    target.execute(table.insert(), rows)
            yield store.engine, postgres
        postgres.dispose()


def _without_time(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_time(v) for k, v in data.items() if k != "generated_at"}
    if isinstance(data, list):
        return [_without_time(v) for v in data]
    if isinstance(data, float):
        return round(data, 9)
    return data


@pytest.mark.parametrize("policy", list(Resolution))
def test_the_overview_is_the_same_on_both_engines(
    engines: tuple[Engine, Engine], policy: Resolution
) -> None:
    sqlite, postgres = engines
    on_sqlite = compute_overview(sqlite, policy, ("alice",), edit_sample=20)
    on_postgres = compute_overview(postgres, policy, ("alice",), edit_sample=20)
    assert on_sqlite.overall.n > 0 and on_sqlite.agreement.items == 40
    assert _without_time(on_postgres.model_dump(mode="json")) == _without_time(
        on_sqlite.model_dump(mode="json")
    )


def test_groupings_and_comparisons_on_postgres(engines: tuple[Engine, Engine]) -> None:
    sqlite, postgres = engines
    for keys in ("validator,model", "week,reviewer", "prompt_version,route,queue"):
        assert [g.model_dump() for g in grouped_stats(postgres, parse_keys(keys))] == [
            g.model_dump() for g in grouped_stats(sqlite, parse_keys(keys))
        ]
        assert [
            g.model_dump()
            for g in grouped_stats(postgres, parse_keys(keys), Resolution.LATEST, unit=Unit.LABELS)
        ] == [
            g.model_dump()
            for g in grouped_stats(sqlite, parse_keys(keys), Resolution.LATEST, unit=Unit.LABELS)
        ]
    assert compare_versions(postgres, "refund-policy", "v7", "v6") == compare_versions(
        sqlite, "refund-policy", "v7", "v6"
    )
