"""Statistics read from the running tallies equal the statistics counted from the decisions.

The same random store (labels, changes of mind, undo, items without flags, untimed decisions)
is summarised twice: through the tallies, as a SQLite store does for the latest policy, and by
the counting passes PostgreSQL uses (the tallies switched off for the second call).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.stats import compute_overview, grouped_stats, parse_keys, tallies
from reviewdesk.store import Resolution, Store
from tests.helpers.random_store import fill_random_store


def _without_tallies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tallies, "kept", lambda connection, policy=Resolution.LATEST: False)


def _comparable(dump: dict[str, Any]) -> dict[str, Any]:
    dump.pop("generated_at", None)
    dump.get("routing", {}).pop("generated_at", None)
    return dump


@pytest.mark.parametrize("seed", [5, 6])
def test_the_overview_is_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    with Store.open(tmp_path / "store.sqlite") as store:
        fill_random_store(store, random.Random(seed), datetime(2026, 11, 20, tzinfo=UTC), 200)
        from_tallies = compute_overview(store.engine).model_dump(mode="json")
        assert from_tallies["totals"]["labels"] > 100
        with monkeypatch.context() as patched:
            _without_tallies(patched)
            counted = compute_overview(store.engine).model_dump(mode="json")
    assert _comparable(from_tallies) == _comparable(counted)


@pytest.mark.parametrize(
    "keys",
    [
        "prompt_version",
        "model,route",
        "validator",
        "queue",
        "route,model",
        "reviewer",
        "day",
        "week",
    ],
)
def test_grouped_stats_are_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: str
) -> None:
    with Store.open(tmp_path / "store.sqlite") as store:
        fill_random_store(store, random.Random(9), datetime(2026, 11, 20, tzinfo=UTC), 150)
        from_tallies = [
            g.model_dump(mode="json") for g in grouped_stats(store.engine, parse_keys(keys))
        ]
        with monkeypatch.context() as patched:
            _without_tallies(patched)
            counted = [
                g.model_dump(mode="json") for g in grouped_stats(store.engine, parse_keys(keys))
            ]
    assert len(from_tallies) > 1
    assert from_tallies == counted


@pytest.mark.parametrize("adjudicators", [(), ("carol",)])
def test_agreement_is_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, adjudicators: tuple[str, ...]
) -> None:
    from reviewdesk.stats.agreement import agreement

    with Store.open(tmp_path / "store.sqlite") as store:
        fill_random_store(store, random.Random(12), datetime(2026, 11, 20, tzinfo=UTC), 300)
        with store.engine.connect() as connection:
            from_tallies = agreement(connection, adjudicators, limit=5)
            with monkeypatch.context() as patched:
                _without_tallies(patched)
                counted = agreement(connection, adjudicators, limit=5)
    assert from_tallies.disagreement_count > 5, "the list must be cut to test the limit"
    assert len(from_tallies.disagreements) == 5
    assert from_tallies == counted
