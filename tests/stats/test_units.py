"""Counting items, or labels with intervals clustered by item."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.stats import (
    GroupKey,
    StatsInputError,
    Unit,
    compute_overview,
    grouped_stats,
    left_out,
    render_report,
)
from reviewdesk.stats.inference import Z95, wilson, wilson_clustered
from reviewdesk.store import Resolution, Store
from tests.stats.conftest import StoreBuilder, d


def textbook_wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval as Newcombe (1998, method 3) writes it, for a real n."""
    centre = 2 * n * p + z * z
    spread = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    denominator = 2 * (n + z * z)
    return (centre - spread) / denominator, (centre + spread) / denominator


def store_of(tmp_path: Path, name: str, labels_an_item: int) -> Store:
    """450 items, 400 approved and 50 rejected, each by `labels_an_item` reviewers alike."""
    store = Store.open(tmp_path / f"{name}.sqlite")
    builder = StoreBuilder(store, tmp_path / name)
    (tmp_path / name).mkdir()
    reviewers = ("alice", "bob", "carol")[:labels_an_item]
    builder.add(
        [
            builder.item(*(d(who, "approve" if n < 400 else "reject") for who in reviewers))
            for n in range(450)
        ]
    )
    return store


def interval(store: Store, **options: Any) -> tuple[float, float]:
    [group] = grouped_stats(store.engine, [GroupKey.TEMPLATE], **options)
    assert group.acceptance_low is not None and group.acceptance_high is not None
    return group.acceptance_low, group.acceptance_high


def test_450_items_with_two_identical_labels_give_the_interval_of_450_items(
    tmp_path: Path,
) -> None:
    once, twice = store_of(tmp_path, "once", 1), store_of(tmp_path, "twice", 2)
    try:
        expected = wilson(400, 450)
        assert interval(once) == pytest.approx(expected, rel=1e-12)
        assert interval(twice) == pytest.approx(expected, rel=1e-12)  # items: one label each
        labels = interval(twice, policy=Resolution.LATEST, unit=Unit.LABELS)
        assert labels == pytest.approx(expected, rel=1e-12)
        [group] = grouped_stats(
            twice.engine, [GroupKey.TEMPLATE], Resolution.LATEST, unit=Unit.LABELS
        )
        assert (group.n, group.items) == (900, 450)
        # Counted as 900 independent labels, the interval would be too narrow.
        naive = interval(twice, policy=Resolution.LATEST)
        assert naive[1] - naive[0] < 0.75 * (expected[1] - expected[0])
    finally:
        once.close()
        twice.close()


def test_the_clustered_interval_against_a_hand_worked_example() -> None:
    # Items of 3, 3 and 1 labels accepting 3, 0 and 1: p = 4/7; residuals y - p m are 9/7,
    # -12/7 and 3/7, whose squares sum to 234/49, so V = 234/49 / 7^2 = 234/2401, and
    # n_eff = p (1 - p) / V = (12/49) / (234/2401) = 588/234.
    n_effective = 588 / 234
    expected = textbook_wilson(4 / 7, n_effective)
    found = wilson_clustered(4, 7, 3, sum_squares=10, sum_cross=10, sum_sizes_squared=19)
    assert found == pytest.approx(expected, rel=1e-12)
    # Every label alike within items and across them: one observation an item.
    assert wilson_clustered(6, 6, 3, 12, 12, 12) == pytest.approx((wilson(3, 3)[0], 1.0))


def test_grouped_labels_are_clustered_by_item(builder: StoreBuilder, store: Store) -> None:
    reviewers = ("alice", "bob", "carol")
    builder.add(
        [
            builder.item(*(d(who, "approve") for who in reviewers)),
            builder.item(*(d(who, "reject") for who in reviewers)),
            builder.item(d("alice", "approve")),
        ]
    )
    [group] = grouped_stats(store.engine, [GroupKey.TEMPLATE], Resolution.LATEST, unit=Unit.LABELS)
    assert (group.n, group.items, group.approve) == (7, 3, 4)
    expected = textbook_wilson(4 / 7, 588 / 234)
    assert (group.acceptance_low, group.acceptance_high) == pytest.approx(expected, rel=1e-12)
    [by_week] = grouped_stats(store.engine, [GroupKey.WEEK], Resolution.LATEST, unit=Unit.LABELS)
    assert (by_week.acceptance_low, by_week.acceptance_high) == pytest.approx(expected)
    # Rejects 0, 3 and 0 of 3, 3 and 1: the same squared residuals, so the same n_eff.
    rejects = textbook_wilson(3 / 7, 588 / 234)
    assert (group.reject_low, group.reject_high) == pytest.approx(rejects, rel=1e-12)


def test_the_labels_unit_takes_no_other_policy(store: Store) -> None:
    with pytest.raises(StatsInputError, match="labels unit"):
        grouped_stats(store.engine, [GroupKey.MODEL], Resolution.MAJORITY, unit=Unit.LABELS)


@pytest.mark.parametrize(
    ("policy", "adjudicators", "items", "reason"),
    [
        (Resolution.LATEST, (), 0, ""),
        (Resolution.MAJORITY, (), 2, "ties (no verdict has a majority)"),
        (Resolution.RESOLVED, (), 2, "ties no adjudicator settled"),
        (Resolution.RESOLVED, ("lead",), 1, "ties no adjudicator settled"),
        (Resolution.ADJUDICATED, ("lead",), 2, "disagreements no adjudicator settled"),
    ],
)
def test_every_policy_says_how_many_items_it_left_out_and_why(
    builder: StoreBuilder,
    store: Store,
    policy: Resolution,
    adjudicators: tuple[str, ...],
    items: int,
    reason: str,
) -> None:
    builder.add(
        [
            builder.item(d("alice", "approve"), d("bob", "reject")),  # a tie
            builder.item(d("alice", "approve"), d("bob", "reject"), d("lead", "reject"),
                         d("carol", "approve")),  # a tie the lead settles
            builder.item(d("alice", "approve"), d("bob", "approve"), d("carol", "reject")),
            builder.item(d("alice", "approve")),
        ]
    )  # fmt: skip
    found = left_out(store.engine, policy, adjudicators)
    assert (found.policy, found.items, found.reason) == (policy, items, reason)
    counted = sum(g.n for g in grouped_stats(store.engine, [GroupKey.MODEL], policy, adjudicators))
    if policy is not Resolution.LATEST:
        assert counted + items == 4  # every decided item: counted once, or left out
    overview = compute_overview(store.engine, policy, adjudicators)
    assert (overview.totals.unresolved_items, overview.totals.unresolved_reason) == (items, reason)
    page = render_report(overview)
    if items:
        assert f"Left out: {items} decided\n  items ({reason})." in page
