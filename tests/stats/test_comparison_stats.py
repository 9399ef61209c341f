"""Statistics of comparisons over a real store: tallies per model pair, position bias, the
resolved preference and agreement counted once per comparison."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.ingest import import_files
from reviewdesk.stats.comparisons import comparison_stats
from reviewdesk.stats.inference import wilson
from reviewdesk.store import Store


def _d(reviewer: str, preference: str, minute: int = 0, **fields: Any) -> dict[str, Any]:
    return {
        "reviewer": reviewer,
        "preference": preference,
        "decided_at": f"2026-11-21T09:{minute:02d}:00Z",
        **fields,
    }


def _pair(n: int, model_a: str, model_b: str, *decisions: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"cmp-{n}",
        "prompt": f"prompt {n}",
        "candidates": [
            {"output": f"A{n}", "model": model_a},
            {"output": f"B{n}", "model": model_b},
        ],
        "decisions": list(decisions),
    }


def _store(store: Store, tmp_path: Path, records: list[dict[str, Any]]) -> Store:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    import_files(store, [path])
    return store


def test_wins_ties_and_losses_per_pair_count_each_comparison_once(
    store: Store, tmp_path: Path
) -> None:
    _store(
        store,
        tmp_path,
        [
            # large beats small twice (once as a, once as b: the pair is one, in name order)
            _pair(1, "small", "large", _d("r1", "b"), _d("r2", "b", 1), _d("r3", "a", 2)),
            _pair(2, "large", "small", _d("r1", "a")),
            _pair(3, "small", "large", _d("r1", "tie")),
            _pair(4, "small", "large", _d("r1", "both_bad", reasons=["unsafe"])),
            _pair(5, "small", "mid", _d("r1", "a"), _d("r2", "b", 1)),  # split: unresolved
            _pair(6, "mid", "large", _d("r1", "b")),
            _pair(7, "mid", "small"),  # undecided
        ],
    )
    with store.engine.connect() as connection:
        stats = comparison_stats(connection, resamples=10)
    assert (stats.comparisons, stats.decided, stats.unresolved) == (7, 6, 1)
    assert stats.resolved == {"a": 1, "b": 2, "tie": 1, "both_bad": 1}
    large_small = next(p for p in stats.pairs if (p.model_x, p.model_y) == ("large", "small"))
    assert (large_small.wins, large_small.ties, large_small.losses, large_small.both_bad) == (
        2,
        1,
        0,
        1,
    )
    shown = large_small.to_json()["wins"]
    assert (shown["low"], shown["high"]) == pytest.approx(wilson(2, 3))
    large = next(m for m in stats.models if m.model == "large")
    assert (large.wins, large.ties, large.losses, large.both_bad) == (3, 1, 0, 1)
    assert stats.ratings[0].model == "large"
    # agreement: only comparison 1 and 5 have two or more reviewers, each counted once
    assert stats.multi_reviewed == 2
    assert stats.pairwise_agreement == pytest.approx((1 / 3 + 0) / 2)


def test_an_adjudicator_settles_a_split(store: Store, tmp_path: Path) -> None:
    _store(store, tmp_path, [_pair(1, "x", "y", _d("r1", "a"), _d("lead", "b", 1))])
    with store.engine.connect() as connection:
        alone = comparison_stats(connection, resamples=0)
        settled = comparison_stats(connection, adjudicators=["lead"], resamples=0)
    assert (alone.unresolved, alone.resolved["b"]) == (1, 0)
    assert (settled.unresolved, settled.resolved["b"]) == (0, 1)


def test_position_bias_is_the_share_of_left_picks_among_a_b_decisions_with_an_order(
    store: Store, tmp_path: Path
) -> None:
    _store(
        store,
        tmp_path,
        [
            _pair(1, "x", "y", _d("r1", "a", shown_order="ab")),  # left
            _pair(2, "x", "y", _d("r1", "b", shown_order="ba")),  # left
            _pair(3, "x", "y", _d("r1", "b", shown_order="ab")),  # right
            _pair(4, "x", "y", _d("r1", "a", shown_order="ba"), _d("r1", "b", 1, shown_order="ba")),
            _pair(5, "x", "y", _d("r1", "tie", shown_order="ab")),  # not a pick
            _pair(6, "x", "y", _d("r1", "a")),  # order not recorded
        ],
    )
    with store.engine.connect() as connection:
        left = comparison_stats(connection, resamples=0).left_picks
    # comparison 4 counts once, by r1's latest decision (b shown on the left: a left pick)
    assert (left.count, left.total) == (3, 4)
    assert (left.low, left.high) == pytest.approx(wilson(3, 4))


def test_kappa_per_reviewer_pair_over_the_comparisons_both_decided(
    store: Store, tmp_path: Path
) -> None:
    _store(
        store,
        tmp_path,
        [
            _pair(1, "x", "y", _d("r1", "a"), _d("r2", "a", 1)),
            _pair(2, "x", "y", _d("r1", "b"), _d("r2", "b", 1)),
            _pair(3, "x", "y", _d("r1", "a"), _d("r2", "b", 1)),
            _pair(4, "x", "y", _d("r1", "tie"), _d("r3", "tie", 1)),
        ],
    )
    with store.engine.connect() as connection:
        stats = comparison_stats(connection, resamples=0)
    [r1_r2, r1_r3] = stats.kappas
    # r1 = (a, b, a), r2 = (a, b, b): p_o = 2/3, p_e = (2*1 + 1*2)/9 = 4/9, kappa = 0.4
    assert (r1_r2.first, r1_r2.second, r1_r2.comparisons) == ("r1", "r2", 3)
    assert r1_r2.kappa == pytest.approx(0.4)
    assert (r1_r3.comparisons, r1_r3.agreement) == (1, 1.0)
