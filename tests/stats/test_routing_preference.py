"""Routing advice from preference ratings beside acceptance, over a real store: which evidence
decided each route, and the preference figures the routing document carries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.ingest import import_files
from reviewdesk.stats import RouteStatus, routing_advice, routing_document
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d


def _pair(n: int, route: str, model_a: str, model_b: str, *prefs: str) -> dict[str, Any]:
    return {
        "id": f"cmp-{route}-{n}",
        "prompt": f"prompt {n}",
        "candidates": [
            {"output": f"A{n}", "model": model_a, "route": route},
            {"output": f"B{n}", "model": model_b, "route": route},
        ],
        "decisions": [
            {"reviewer": f"r{i}", "preference": p, "decided_at": f"2026-11-21T09:{i:02d}:00Z"}
            for i, p in enumerate(prefs)
        ],
    }


def _add_pairs(store: Store, path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    import_files(store, [path])


def _big_beats_small(route: str, wins: int, losses: int, ties: int) -> list[dict[str, Any]]:
    outcomes = ["a"] * wins + ["b"] * losses + ["tie"] * ties
    # big is shown first in half of them, second in the other half
    return [
        _pair(n, route, "big", "small", outcome)
        if n % 2
        else _pair(n, route, "small", "big", {"a": "b", "b": "a"}.get(outcome, outcome))
        for n, outcome in enumerate(outcomes)
    ]


def test_a_route_with_only_comparisons_is_advised_by_preference_and_says_so(
    store: Store, tmp_path: Path
) -> None:
    _add_pairs(store, tmp_path / "pairs.jsonl", _big_beats_small("chat", 40, 4, 6))
    advice = routing_advice(store.engine)
    [route] = advice.routes
    assert (route.route, route.status, route.model, route.evidence) == (
        "chat",
        RouteStatus.ADVISED,
        "big",
        "preference",
    )
    assert route.preference is not None
    assert (route.preference.comparisons, route.preference.rated) == (50, 50)
    assert route.preference.clear_winner == "big"
    big, small = route.preference.ratings
    assert (big.model, big.wins, big.ties, big.losses) == ("big", 40, 6, 4)
    assert (small.model, small.wins, small.ties, small.losses) == ("small", 4, 6, 40)
    assert big.rating_low > small.rating_high
    # the models are listed for the router even without any item on the route
    assert [row.model for row in route.models] == ["big", "small"]
    assert all(row.n == 0 and row.acceptance is None for row in route.models)


def test_a_close_preference_leaves_the_route_without_advice_and_says_both_were_used(
    store: Store, tmp_path: Path
) -> None:
    _add_pairs(store, tmp_path / "pairs.jsonl", _big_beats_small("chat", 6, 5, 2))
    [route] = routing_advice(store.engine).routes
    assert (route.status, route.model, route.evidence) == (
        RouteStatus.NOT_ENOUGH_DATA,
        None,
        "both",
    )
    assert route.preference is not None and route.preference.clear_winner is None


def test_where_acceptance_decides_it_says_so_and_shows_the_preference_beside(
    builder: StoreBuilder, store: Store, tmp_path: Path
) -> None:
    # acceptance: small is accepted 60 of 60 on support.refund and costs less than big
    builder.add(
        [
            builder.item(d("alice", "approve"), model=model, usage={"cost_usd": cost})
            for model, cost in [("small", 0.001)] * 60 + [("big", 0.01)] * 60
        ]
    )
    # ... while the reviewers prefer big when they compare the two
    _add_pairs(store, tmp_path / "pairs.jsonl", _big_beats_small("support.refund", 40, 4, 6))
    [route] = routing_advice(store.engine).routes
    assert (route.status, route.model, route.evidence) == (
        RouteStatus.ADVISED,
        "small",
        "acceptance",
    )
    assert route.preference is not None and route.preference.clear_winner == "big"


def test_routes_without_comparisons_say_acceptance_and_carry_no_preference(
    builder: StoreBuilder, store: Store
) -> None:
    builder.add([builder.item(d("alice", "approve"), model="m") for _ in range(3)])
    [route] = routing_advice(store.engine).routes
    assert (route.status, route.evidence, route.preference) == (
        RouteStatus.NOT_ENOUGH_DATA,
        "acceptance",
        None,
    )


def test_a_comparison_across_two_routes_counts_on_neither(store: Store, tmp_path: Path) -> None:
    record = _pair(1, "x", "big", "small", "a")
    record["candidates"][1]["route"] = "y"
    _add_pairs(store, tmp_path / "pairs.jsonl", [record])
    assert routing_advice(store.engine).routes == ()


def test_the_routing_document_states_the_evidence_and_the_figures(
    store: Store, tmp_path: Path
) -> None:
    _add_pairs(store, tmp_path / "pairs.jsonl", _big_beats_small("chat", 40, 4, 6))
    document = json.loads(json.dumps(routing_document(routing_advice(store.engine))))
    assert document["schema_version"] == 1
    [route] = document["routes"]
    assert (route["status"], route["model"], route["evidence"]) == ("advised", "big", "preference")
    preference = route["preference"]
    assert set(preference) == {
        "comparisons", "rated", "unresolved", "tie_parameter", "clear_winner", "ratings",
    }  # fmt: skip
    assert [rating["model"] for rating in preference["ratings"]] == ["big", "small"]
    assert set(preference["ratings"][0]) == {
        "model", "rating", "rating_low", "rating_high", "wins", "ties", "losses", "both_bad",
    }  # fmt: skip
    assert preference["ratings"][0]["rating"] == pytest.approx(-preference["ratings"][1]["rating"])
