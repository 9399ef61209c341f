"""Grouped counts, rates, intervals, edit severity and reasons, on a store built by hand."""

from __future__ import annotations

import pytest

from reviewdesk.stats import GroupKey, StatsInputError, grouped_stats, parse_keys
from reviewdesk.stats.inference import wilson
from reviewdesk.store import Resolution, Store
from tests.stats.conftest import StoreBuilder, d

EMAIL = {"validator": "pii", "code": "email", "severity": "error", "message": "e-mail"}


def build(builder: StoreBuilder) -> None:
    """Six items; under the latest policy 7 labels: approve 2, edit 1, reject 4."""
    v7 = {"prompt_template": "refund-policy", "prompt_version": "v7"}
    v8 = {"prompt_template": "refund-policy", "prompt_version": "v8"}
    builder.add(
        [
            builder.item(d("alice", "approve"), model="gpt-4o", flags=[EMAIL], **v7),
            builder.item(
                d("alice", "edit", edited_output="abxd"), model="gpt-4o", output="abcd", **v7
            ),
            builder.item(
                d("alice", "reject", reasons=["pii_leak", "tone"]),
                model="llama",
                flags=[EMAIL, {**EMAIL, "severity": "warning"}],  # one code twice: counted once
                **v7,
            ),
            builder.item(
                d("bob", "reject", reasons=["tone"], decided_at="2026-11-23T08:00:00Z"),
                model="llama",
                flags=[{"validator": "toxicity", "code": "insult", "severity": "warning"}],
                **v8,
            ),
            builder.item(
                d("bob", "approve", 1), d("bob", "reject", 2), model="gpt-4o", **v8
            ),  # a change of mind: the reject counts
            builder.item(d("alice", "approve", 3), d("bob", "reject", 4), model="gpt-4o", **v8),
        ]
    )


def _by(
    store: Store, *keys: str, policy: Resolution = Resolution.LATEST
) -> dict[tuple[object, ...], tuple[int, int, int]]:
    return {
        tuple(group.group.values()): (group.approve, group.edit, group.reject)
        for group in grouped_stats(store.engine, parse_keys(list(keys)), policy)
    }


def test_counts_by_each_key(builder: StoreBuilder, store: Store) -> None:
    build(builder)
    assert _by(store, "prompt_version") == {
        ("refund-policy", "v7"): (1, 1, 1),
        ("refund-policy", "v8"): (1, 0, 3),
    }
    assert _by(store, "template") == {("refund-policy",): (2, 1, 4)}
    assert _by(store, "model") == {("gpt-4o",): (2, 1, 2), ("llama",): (0, 0, 2)}
    assert _by(store, "reviewer") == {("alice",): (2, 1, 1), ("bob",): (0, 0, 3)}
    assert _by(store, "route") == {("support.refund",): (2, 1, 4)}
    assert _by(store, "queue") == {("support",): (2, 1, 4)}
    assert _by(store, "day") == {("2026-11-21",): (2, 1, 3), ("2026-11-23",): (0, 0, 1)}
    # 2026-11-21 is a Saturday of ISO week 47; the 23rd the Monday of week 48.
    assert _by(store, "week") == {("2026-W47",): (2, 1, 3), ("2026-W48",): (0, 0, 1)}
    assert _by(store, "validator") == {
        ("pii", "email"): (1, 0, 1),
        ("toxicity", "insult"): (0, 0, 1),
        (None, None): (1, 1, 2),
    }
    assert _by(store, "model", "reviewer") == {
        ("gpt-4o", "alice"): (2, 1, 0),
        ("gpt-4o", "bob"): (0, 0, 2),
        ("llama", "alice"): (0, 0, 1),
        ("llama", "bob"): (0, 0, 1),
    }


def test_rates_and_wilson_intervals(builder: StoreBuilder, store: Store) -> None:
    build(builder)
    [items] = grouped_stats(store.engine, [GroupKey.TEMPLATE])  # item 6, a tie, left out
    assert (items.n, items.acceptance_low) == (5, pytest.approx(wilson(2, 5)[0]))
    [group] = grouped_stats(store.engine, [GroupKey.TEMPLATE], Resolution.LATEST)
    assert (group.n, group.approve_rate, group.edit_rate, group.reject_rate) == (
        7,
        pytest.approx(2 / 7),
        pytest.approx(1 / 7),
        pytest.approx(4 / 7),
    )
    assert group.acceptance == pytest.approx(3 / 7)
    assert (group.acceptance_low, group.acceptance_high) == pytest.approx(wilson(3, 7))
    assert (group.reject_low, group.reject_high) == pytest.approx(wilson(4, 7))
    # Reasons of the rejects: item 3 (pii_leak, tone), 4 (tone), 5 and 6 (pii_leak).
    assert group.reasons == {"pii_leak": 3, "tone": 2}


def test_edit_severity_is_the_normalised_edit_distance(builder: StoreBuilder, store: Store) -> None:
    build(builder)
    groups = {
        g.group["prompt_version"]: g for g in grouped_stats(store.engine, [GroupKey.PROMPT_VERSION])
    }
    # "abcd" -> "abxd": one substitution in four characters.
    assert groups["v7"].edit_severity == pytest.approx(0.25)
    assert groups["v7"].edit_severity_n == 1
    assert groups["v8"].edit_severity is None and groups["v8"].edit_severity_n == 0
    [no_flag] = [
        g for g in grouped_stats(store.engine, [GroupKey.VALIDATOR]) if g.group["validator"] is None
    ]
    assert no_flag.edit_severity == pytest.approx(0.25)


def test_edit_severity_on_a_sample_beyond_the_limit(builder: StoreBuilder, store: Store) -> None:
    builder.add(
        [builder.item(d("alice", "edit", edited_output="x" * 4), output="x" * 4) for _ in range(6)]
        + [builder.item(d("alice", "edit", edited_output="yyyy"), output="xxxx") for _ in range(6)]
    )
    full = grouped_stats(store.engine, [GroupKey.TEMPLATE])[0]
    assert (full.edit_severity, full.edit_severity_n) == (pytest.approx(0.5), 12)
    sampled = grouped_stats(store.engine, [GroupKey.TEMPLATE], edit_sample=4)[0]
    assert 0 < sampled.edit_severity_n <= 6  # every third edit by decision order
    assert sampled.edit == 12  # the counts stay exact


def test_one_policy_everywhere(builder: StoreBuilder, store: Store) -> None:
    build(builder)
    # Majority: item 6 (approve vs reject) is a tie and left out; item 5 is bob's reject.
    assert _by(store, "template", policy=Resolution.MAJORITY) == {("refund-policy",): (1, 1, 3)}
    assert _by(store, "template", policy=Resolution.ADJUDICATED) == {("refund-policy",): (1, 1, 3)}


def test_degenerate_stores(builder: StoreBuilder, store: Store) -> None:
    assert grouped_stats(store.engine, [GroupKey.MODEL]) == []  # no decisions at all
    builder.add([builder.item(), builder.item(d("alice", "approve"))])
    [group] = grouped_stats(store.engine, [GroupKey.MODEL])  # a group of one, all approve
    assert (group.n, group.acceptance, group.reject_rate, group.reasons) == (1, 1.0, 0.0, {})
    assert group.acceptance_high == 1.0
    assert group.acceptance_low == pytest.approx(wilson(1, 1)[0])


def test_unknown_grouping_is_a_user_error() -> None:
    with pytest.raises(StatsInputError, match=r"unknown grouping 'colour'.*prompt_version"):
        parse_keys("model,colour")
    with pytest.raises(StatsInputError, match="no grouping"):
        parse_keys(" , ")
    assert parse_keys("model, route,model") == (GroupKey.MODEL, GroupKey.ROUTE)


def test_versions_sort_naturally() -> None:
    from reviewdesk.stats.feedback import natural_key

    assert sorted(["v11", "v2", None, "v10b", "v10a", "v1"], key=natural_key) == [
        "v1",
        "v2",
        "v10a",
        "v10b",
        "v11",
        None,
    ]
