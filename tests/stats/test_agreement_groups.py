"""Agreement per group, per reviewer pair and on reasons, against numbers worked by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewdesk.cli.app import run as cli_run
from reviewdesk.stats import GroupKey, StatsInputError, agreement_breakdown, agreement_stats
from reviewdesk.stats.reliability import jaccard, masi, pairwise_agreement, percent_agreement
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d


def r(reviewer: str, verdict: str, *reasons: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"reasons": list(reasons)}
    if verdict == "edit":
        fields["edited_output"] = "changed"
    return d(reviewer, verdict, **fields)


def build(builder: StoreBuilder) -> None:
    builder.add(
        [
            builder.item(r("alice", "approve"), r("bob", "approve"), model="m1"),
            builder.item(r("alice", "reject", "pii_leak", "tone"), r("bob", "reject", "pii_leak"),
                         model="m1"),
            builder.item(r("alice", "approve"), r("bob", "reject", "tone"),
                         r("carol", "reject", "tone"), model="m1"),
            builder.item(r("alice", "reject", "factual_error"), r("bob", "reject", "tone"),
                         model="m2"),
            builder.item(r("alice", "edit"), r("bob", "approve"), model="m2"),
            builder.item(r("alice", "reject", "tone"), model="m2"),  # one reviewer: not a unit
        ]
    )  # fmt: skip


def test_set_similarities_by_hand() -> None:
    a, b = frozenset({"pii_leak", "tone"}), frozenset({"pii_leak"})
    assert jaccard(a, b) == 0.5 and masi(a, b) == pytest.approx(0.5 * 0.67)
    c = frozenset({"pii_leak", "off_topic"})
    assert jaccard(a, c) == pytest.approx(1 / 3) and masi(a, c) == pytest.approx(0.33 / 3)
    assert jaccard(a, frozenset({"unsafe"})) == 0 and masi(a, frozenset({"unsafe"})) == 0
    assert jaccard(a, a) == 1 and masi(a, a) == 1


def test_pairwise_and_all_agree_differ_from_three_reviewers() -> None:
    units = [["a", "a", "r"], ["a", "a"]]
    assert percent_agreement(units) == 0.5  # all agree on one of two items
    assert pairwise_agreement(units) == pytest.approx((1 / 3 + 1) / 2)  # 1 of 3 pairs, 1 of 1


def test_agreement_overall_per_model_per_pair_and_per_reason(
    builder: StoreBuilder, store: Store
) -> None:
    build(builder)
    found = agreement_breakdown(store.engine, [GroupKey.MODEL])
    overall = found.overall
    assert (overall.items, overall.reviewers) == (5, 3)
    # Items 1, 2 and 4 all agree; item 3 agrees on 1 pair of 3, item 5 on none.
    assert overall.all_agree == pytest.approx(3 / 5)
    assert overall.pairwise == pytest.approx((1 + 1 + 1 / 3 + 1 + 0) / 5)
    # Reasons compared on items 2 (1/2; MASI 0.67 * 1/2), 3 (pairs 0, 0, 1) and 4 (0).
    assert overall.reason_items == 3
    assert overall.reasons_jaccard == pytest.approx((1 / 2 + 1 / 3 + 0) / 3)
    assert overall.reasons_masi == pytest.approx((0.335 + 1 / 3 + 0) / 3)
    by_model = {g.group["model"]: g for g in found.groups}
    assert (by_model["m1"].items, by_model["m2"].items) == (3, 2)
    assert by_model["m1"].all_agree == pytest.approx(2 / 3)
    assert by_model["m1"].pairwise == pytest.approx((1 + 1 + 1 / 3) / 3)
    assert by_model["m2"].all_agree == by_model["m2"].pairwise == pytest.approx(1 / 2)
    assert by_model["m2"].reasons_jaccard == 0.0 and by_model["m2"].reason_items == 1

    pairs = {(p.first, p.second): p for p in found.pairs}
    alice_bob = pairs[("alice", "bob")]
    # Verdicts (a,a) (r,r) (a,r) (r,r) (e,a): p_o = 3/5; margins alice a2 r2 e1, bob a2 r3:
    # p_e = (2*2 + 2*3) / 25 = 0.4; kappa = (0.6 - 0.4) / 0.6.
    assert (alice_bob.items, alice_bob.agreement) == (5, pytest.approx(3 / 5))
    assert alice_bob.kappa == pytest.approx(1 / 3)
    assert (alice_bob.reason_items, alice_bob.reasons_jaccard) == (3, pytest.approx(1 / 6))
    assert pairs[("bob", "carol")].reasons_jaccard == 1.0
    assert pairs[("alice", "carol")].reasons_jaccard == 0.0

    reasons = {reason.reason: reason for reason in found.reasons}
    # "tone" cited or not, per item: [n n] [y n] [n y y] [n y] [n n]; coincidences
    # o(n,n) = 2 + 2 = 4, o(n,y) = o(y,n) = 1 + 1 + 1 = 3, o(y,y) = 1; n_n = 7, n_y = 4,
    # n = 11: alpha = 1 - (n - 1) * 6 / (2 * 7 * 4) = 1 - 60/56.
    assert (reasons["tone"].cited, reasons["tone"].items) == (4, 3)
    assert reasons["tone"].krippendorff_alpha == pytest.approx(1 - 60 / 56)
    assert (reasons["pii_leak"].cited, reasons["pii_leak"].items) == (2, 1)
    assert reasons["pii_leak"].krippendorff_alpha == 1.0  # both cite it, or neither


def test_the_summary_names_both_percent_agreements(builder: StoreBuilder, store: Store) -> None:
    build(builder)
    result = agreement_stats(store.engine)
    assert result.all_agree == result.percent_agreement == pytest.approx(3 / 5)
    assert result.pairwise_agreement == pytest.approx((1 + 1 + 1 / 3 + 1 + 0) / 5)


def test_only_item_keys_group_agreement(store: Store) -> None:
    with pytest.raises(StatsInputError, match="reviewer pairs are always shown"):
        agreement_breakdown(store.engine, [GroupKey.REVIEWER])


def test_the_command_shows_groups_pairs_and_reasons(
    builder: StoreBuilder, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    build(builder)
    path = str(store.path)
    assert cli_run(["agreement", "--by", "model", "--store", path, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["all_agree"] == pytest.approx(3 / 5)
    assert [g["group"] for g in document["breakdown"]["groups"]] == [
        {"model": "m1"},
        {"model": "m2"},
    ]
    assert cli_run(["agreement", "--store", path]) == 0
    out = capsys.readouterr().out
    assert "all agree on 60.0% of them; pairwise agreement 66.7%" in out
    assert "mean Jaccard 0.278" in out and "reviewer pairs" in out and "tone" in out
