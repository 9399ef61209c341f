"""Prompt version A against B: the numbers and the sentence."""

from __future__ import annotations

import pytest

from reviewdesk.stats import GroupStats, StatsInputError, compare_groups, compare_versions
from reviewdesk.stats.feedback import make_group
from reviewdesk.stats.inference import newcombe_difference, two_proportion_z
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d


def _group(version: str, accepted: int, rejected: int) -> GroupStats:
    return make_group({"prompt_template": "t", "prompt_version": version}, accepted, 0, rejected)


def test_a_clear_winner_is_named_with_its_interval_and_p_value() -> None:
    # 90/100 against 70/100: z test (all expected counts >= 5).
    result = compare_groups("t", "v8", "v7", _group("v8", 90, 10), _group("v7", 70, 30))
    low, high = newcombe_difference(90, 100, 70, 100)
    assert result.test == "z" and result.significant
    assert result.difference == pytest.approx(0.2)
    assert (result.difference_low, result.difference_high) == (
        pytest.approx(low),
        pytest.approx(high),
    )
    assert result.p_value == pytest.approx(two_proportion_z(90, 100, 70, 100))
    assert result.more_reviews_per_version == 0
    assert result.sentence == (
        f"v8 beats v7: +20.0 points (95% CI +{low * 100:.1f} to +{high * 100:.1f}, p < 0.001)"
    )


def test_the_winner_is_named_first_whichever_order_is_given() -> None:
    result = compare_groups("t", "v7", "v8", _group("v7", 70, 30), _group("v8", 90, 10))
    assert result.difference == pytest.approx(-0.2)
    assert result.sentence.startswith("v8 beats v7: +20.0 points (95% CI +")


def test_not_enough_evidence_says_how_many_more_reviews() -> None:
    # 12/20 against 10/20: p far from 0.05; a 10-point difference at a pooled 55% needs
    # 388 per version (0.6 vs 0.5), so 368 more.
    result = compare_groups("t", "v8", "v7", _group("v8", 12, 8), _group("v7", 10, 10))
    assert not result.significant
    assert result.more_reviews_per_version == 388 - 20
    assert result.sentence.startswith(
        "not enough evidence yet: about 370 more reviews per version (v8 vs v7: +10.0 points"
    )


def test_small_counts_use_fishers_exact_test() -> None:
    result = compare_groups("t", "v2", "v1", _group("v2", 4, 0), _group("v1", 0, 4))
    assert result.test == "fisher"
    assert result.p_value == pytest.approx(2 / 70)
    assert result.sentence.startswith("v2 beats v1: +100.0 points")


def test_a_version_with_no_reviews() -> None:
    result = compare_groups("t", "v9", "v8", _group("v9", 0, 0), _group("v8", 5, 5))
    assert result.difference is None and result.p_value is None and result.test == "none"
    assert result.sentence == "not enough evidence yet: v9 has no reviews"


def test_equal_versions_with_plenty_of_reviews_are_settled_as_no_difference() -> None:
    result = compare_groups("t", "b", "a", _group("b", 5000, 5000), _group("a", 5000, 5000))
    assert result.more_reviews_per_version == 0 and not result.significant
    assert result.sentence.startswith("no real difference between b and a: +0.0 points")


def test_compare_versions_in_a_store(builder: StoreBuilder, store: Store) -> None:
    v = {"prompt_template": "refund-policy"}
    builder.add(
        [builder.item(d("alice", "approve"), prompt_version="v8", **v) for _ in range(3)]
        + [builder.item(d("alice", "reject"), prompt_version="v7", **v) for _ in range(3)]
        + [builder.item(prompt_version="v9", **v)]
    )
    result = compare_versions(store.engine, "refund-policy", "v8", "v7")
    assert (result.a_stats.n, result.b_stats.n, result.test) == (3, 3, "fisher")
    assert result.difference == 1.0
    assert compare_versions(store.engine, "refund-policy", "v9", "v8").sentence == (
        "not enough evidence yet: v9 has no reviews"
    )
    with pytest.raises(
        StatsInputError, match=r"no prompt template 'nope' \(known: refund-policy\)"
    ):
        compare_versions(store.engine, "nope", "v8", "v7")
    with pytest.raises(StatsInputError, match=r"no version 'v1' \(known: v7, v8, v9\)"):
        compare_versions(store.engine, "refund-policy", "v1", "v7")
