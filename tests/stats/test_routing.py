"""Routing advice, the price table and routing.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewdesk.stats import (
    GroupStats,
    Price,
    RouteStatus,
    StatsInputError,
    load_prices,
    parse_prices,
    routing_advice,
    routing_document,
)
from reviewdesk.stats.feedback import make_group
from reviewdesk.stats.inference import wilson
from reviewdesk.stats.routing import UsageTotals, advise
from reviewdesk.store import Store
from tests.stats.conftest import StoreBuilder, d

PRICES = """\
# USD per 1,000 tokens
[models."big"]
input = 0.01
output = 0.03

[models."small"]
input = 0.001
output = 0.002
"""


def _labels(route: str, model: str, accepted: int, rejected: int) -> GroupStats:
    return make_group({"route": route, "model": model}, accepted, 0, rejected)


def _usage(items: int, tokens: tuple[int, int] = (1000, 1000)) -> UsageTotals:
    return UsageTotals(
        items=items,
        with_tokens=items,
        input_tokens=tokens[0] * items,
        output_tokens=tokens[1] * items,
        latency={150: items // 2, 200: items - items // 2},
    )


def test_the_cheapest_model_whose_lower_bound_meets_the_target() -> None:
    labels = [
        _labels("r", "big", 199, 1),  # lower bound 0.972
        _labels("r", "small", 196, 4),  # lower bound 0.950
        _labels("r", "tiny", 50, 50),  # cheapest but far below the target
    ]
    usage: dict[tuple[str | None, str], UsageTotals] = {
        ("r", "big"): _usage(300),
        ("r", "small"): _usage(100),
        ("r", "tiny"): _usage(100),
    }
    prices = {**parse_prices(PRICES), "tiny": Price(0.0, 0.0005)}
    advice = advise(labels, usage, prices=prices, target=0.9, generated_at="2026-11-27T00:00:00Z")
    [route] = advice.routes
    assert route.status is RouteStatus.ADVISED and route.model == "small"
    models = {m.model: m for m in route.models}
    assert models["small"].acceptance_low == pytest.approx(wilson(196, 200)[0])
    # Costs per item at 1000 + 1000 tokens: big 0.04, small 0.003, tiny 0.0005.
    assert models["big"].cost_per_item_usd == pytest.approx(0.04)
    assert models["small"].cost_per_item_usd == pytest.approx(0.003)
    assert models["big"].median_latency_ms == 1500.0  # 150 tens of ms hold the middle item
    assert models["big"].traffic_share == pytest.approx(0.6)
    # Current mix: (300 * 0.04 + 100 * 0.003 + 100 * 0.0005) / 500 = 0.02470 a item.
    assert route.current_cost_per_item_usd == pytest.approx(0.0247)
    assert route.saving_per_item_usd == pytest.approx(0.0247 - 0.003)
    assert route.estimated_saving_usd == pytest.approx((0.0247 - 0.003) * 500)


def test_not_enough_data_and_none_meets_target() -> None:
    labels = [_labels("few", "a", 5, 0), _labels("bad", "a", 10, 90)]
    usage: dict[tuple[str | None, str], UsageTotals] = {
        ("few", "a"): _usage(5),
        ("bad", "a"): _usage(100),
    }
    advice = advise(labels, usage, target=0.9, generated_at="t")
    routes = {route.route: route for route in advice.routes}
    assert routes["few"].status is RouteStatus.NOT_ENOUGH_DATA and routes["few"].model is None
    assert routes["bad"].status is RouteStatus.NONE_MEETS_TARGET
    # No price table and no recorded costs: no cost, never advised.
    assert routes["few"].models[0].cost_per_item_usd is None


def test_recorded_costs_are_the_fallback(builder: StoreBuilder, store: Store) -> None:
    builder.add(
        [
            builder.item(
                d("alice", "approve"), model="m", usage={"cost_usd": 0.002}, latency_ms=100
            ),
            builder.item(
                d("alice", "approve"), model="m", usage={"cost_usd": 0.004}, latency_ms=300
            ),
            builder.item(model="m", route=None),  # no route: left out
        ]
    )
    advice = routing_advice(store.engine, target=0.1)
    [route] = advice.routes
    [model] = route.models
    assert (model.items, model.n, model.cost_source) == (2, 2, "recorded")
    assert model.cost_per_item_usd == pytest.approx(0.003)
    assert model.median_latency_ms == 100.0
    assert route.status is RouteStatus.ADVISED and route.saving_per_item_usd == 0.0
    document = routing_document(advice)
    assert (document["format"], document["schema_version"]) == ("reviewdesk-routing", 1)
    assert document["routes"][0]["status"] == "advised"
    assert set(document["routes"][0]["models"][0]) >= {
        "model", "n", "acceptance", "acceptance_low", "acceptance_high", "cost_per_item_usd",
        "median_latency_ms", "traffic_share", "meets_target",
    }  # fmt: skip


def test_an_empty_store_has_no_routes(store: Store) -> None:
    assert routing_advice(store.engine).routes == ()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            '[models."a"]\ninput = 0.1\noutput = "cheap"\n',
            r"prices.toml:3: models.a.output: expected a number",
        ),
        (
            '[models."a"]\ninput = -1\noutput = 1\n',
            r"prices.toml:2: models.a.input: expected a price >= 0",
        ),
        ('[models."a"]\ninput = 1\n', r"prices.toml:1: models.a.output: missing"),
        (
            '[models."a"]\ninput = 1\noutput = 1\nspeed = 3\n',
            r"prices.toml:4: models.a.speed: unknown field",
        ),
        ("[prices]\na = 1\n", r"prices.toml:1: unknown table 'prices'"),
        ("[models\n", r"prices.toml: .*line 1"),
        ("", r"prices.toml: no prices"),
    ],
)
def test_a_bad_price_file_names_file_line_and_field(
    tmp_path: Path, source: str, message: str
) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(StatsInputError, match=message):
        load_prices(path)


def test_a_missing_price_file(tmp_path: Path) -> None:
    with pytest.raises(StatsInputError, match="cannot read the price table"):
        load_prices(tmp_path / "nope.toml")
