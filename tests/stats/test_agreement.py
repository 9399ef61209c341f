"""Agreement between reviewers, by hand."""

from __future__ import annotations

import pytest

from reviewdesk.stats import agreement_stats
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d


def build(builder: StoreBuilder) -> None:
    builder.add(
        [
            builder.item(d("alice", "approve"), d("bob", "approve")),
            builder.item(d("alice", "approve", 1), d("bob", "reject", 2)),
            # alice changes her mind: her latest (reject) is her label.
            builder.item(d("alice", "approve", 1), d("bob", "reject", 2), d("alice", "reject", 3)),
            builder.item(d("alice", "edit"), d("carol", "edit")),
            builder.item(d("alice", "approve")),  # one reviewer: not a unit
        ]
    )


def test_agreement_by_hand(builder: StoreBuilder, store: Store) -> None:
    build(builder)
    result = agreement_stats(store.engine)
    assert (result.items, result.reviewers) == (4, 3)
    assert result.percent_agreement == pytest.approx(3 / 4)
    # Coincidences: approve 3, reject 3, edit 2 (n = 8), 2 disagreeing pairs:
    # alpha = 1 - (n - 1) * 2 / (3*3*2 + 3*2*2 + 3*2*2) = 1 - 14/42.
    assert result.krippendorff_alpha == pytest.approx(1 - 14 / 42)
    pairs = {(p.first, p.second): p for p in result.pairs}
    # alice/bob: (a, a), (a, r), (r, r): p_o = 2/3, p_e = (2*1 + 1*2)/9, kappa = 0.4.
    assert pairs[("alice", "bob")].items == 3
    assert pairs[("alice", "bob")].agreement == pytest.approx(2 / 3)
    assert pairs[("alice", "bob")].kappa == pytest.approx(0.4)
    assert pairs[("alice", "carol")].kappa == 1.0
    assert result.disagreement_count == 1
    [item] = result.disagreements
    assert item.id == "gen-000002" and item.verdicts == {"alice": "approve", "bob": "reject"}


def test_an_adjudicator_settles_disagreements(builder: StoreBuilder, store: Store) -> None:
    build(builder)
    assert agreement_stats(store.engine, ("bob",)).disagreement_count == 0


def test_no_item_with_two_reviewers(builder: StoreBuilder, store: Store) -> None:
    assert agreement_stats(store.engine).items == 0  # no decisions at all
    builder.add([builder.item(d("alice", "approve")), builder.item(d("alice", "reject"))])
    result = agreement_stats(store.engine)  # one reviewer only
    assert (result.items, result.percent_agreement, result.krippendorff_alpha, result.pairs) == (
        0,
        None,
        None,
        (),
    )
