"""Routing advice: for each route, the cheapest model reviewers accept often enough.

For each route and model: the items in the store, their labels' acceptance with a Wilson 95%
interval, the mean cost per item (price table, else the recorded `usage.cost_usd`) and the
median latency. The advice for a route is the cheapest model whose acceptance *lower bound*
meets the target; "not_enough_data" when none does yet but some could (its upper bound reaches
the target); "none_meets_target" when every model's upper bound falls short. The saving is
estimated against the route's current traffic mix in the store.

routing.json (schema version 1), what `reviewdesk routing --out` writes and `GET /v1/routing`
returns; a router reads `routes[].route`, `status` and `model`, and ignores keys it does not know
(later versions only add keys; a breaking change bumps `schema_version`):

    {
      "format": "reviewdesk-routing",      // always this string
      "schema_version": 1,
      "generated_at": "2026-11-27T10:00:00Z",
      "target_acceptance": 0.9,            // acceptance = (approve + edit) / labels
      "confidence": 0.95,                  // of the Wilson interval whose lower bound is compared
      "policy": "resolved",                // how several decisions on an item resolve
      "unresolved_items": 19,              // decided items the policy left out (open ties)
      "prices": "prices.toml" | null,      // the price table used, null: recorded costs only
      "routes": [{
        "route": "support.refund",
        "status": "advised" | "not_enough_data" | "none_meets_target",
        "model": "gpt-4o-mini" | null,     // the advice; null unless status is "advised"
        "items": 1200,                     // the route's items in the store (its traffic)
        "current_cost_per_item_usd": 0.0031 | null,   // at the current traffic mix
        "advised_cost_per_item_usd": 0.0012 | null,
        "saving_per_item_usd": 0.0019 | null,
        "saving_share": 0.61 | null,                  // of the current cost
        "estimated_saving_usd": 2.28 | null,          // over the route's items in the store
        "models": [{
          "model": "gpt-4o-mini", "items": 800, "traffic_share": 0.67,
          "n": 640, "approve": 500, "edit": 90, "reject": 50,   // labels
          "acceptance": 0.92, "acceptance_low": 0.90, "acceptance_high": 0.94,
          "meets_target": true,
          "cost_per_item_usd": 0.0012 | null, "cost_source": "prices" | "recorded" | null,
          "median_latency_ms": 1930 | null
        }]
      }]
    }

Items without a route are left out. Costs are means over the route's items with the needed
usage; a model with no cost known is never advised (its saving cannot be stated).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.stats import tallies
from reviewdesk.stats.feedback import natural_key
from reviewdesk.stats.models import GroupStats, ModelRoute, RouteAdvice, RouteStatus, RoutingAdvice
from reviewdesk.stats.prices import Price
from reviewdesk.store import Resolution

__all__ = [
    "DEFAULT_TARGET",
    "FORMAT",
    "SCHEMA_VERSION",
    "UsageTotals",
    "advise",
    "load_usage",
    "routing_document",
]

DEFAULT_TARGET = 0.90
FORMAT = "reviewdesk-routing"
SCHEMA_VERSION = 1

_USAGE = """
SELECT route, model, CASE WHEN latency_ms IS NULL THEN -1 ELSE latency_ms / 10 END,
       count(*),
       sum(CASE WHEN input_tokens IS NOT NULL AND output_tokens IS NOT NULL THEN 1 ELSE 0 END),
       sum(CASE WHEN input_tokens IS NOT NULL AND output_tokens IS NOT NULL THEN input_tokens END),
       sum(CASE WHEN input_tokens IS NOT NULL AND output_tokens IS NOT NULL THEN output_tokens END),
       count(cost_usd), sum(cost_usd),
       sum(CASE WHEN review_count > 0 THEN 1 ELSE 0 END)
FROM generation GROUP BY 1, 2, 3
"""


@dataclass
class UsageTotals:
    """What the store knows of one model's items on one route: counts, tokens, costs, latency."""

    items: int = 0
    with_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    with_cost: int = 0
    cost_usd: float = 0.0
    latency: dict[int, int] = field(default_factory=dict)  # tens of ms -> items
    decided: int = 0

    def cost_per_item(self, price: Price | None) -> tuple[float | None, str | None]:
        if price is not None and self.with_tokens:
            return (
                price.cost(
                    self.input_tokens / self.with_tokens, self.output_tokens / self.with_tokens
                ),
                "prices",
            )
        if self.with_cost:
            return self.cost_usd / self.with_cost, "recorded"
        return None, None

    def median_latency_ms(self) -> float | None:
        total = sum(self.latency.values())
        if not total:
            return None
        middle, seen = (total - 1) // 2, 0
        for tens, count in sorted(self.latency.items()):
            seen += count
            if seen > middle:
                return float(tens * 10)
        return None  # pragma: no cover (the loop always reaches the middle)


def load_usage(connection: Connection) -> dict[tuple[str | None, str], UsageTotals]:
    """Usage per (route, model) over every item of the store, in one pass (route None: the
    items without a route, which routing leaves out)."""
    found: dict[tuple[str | None, str], UsageTotals] = defaultdict(UsageTotals)
    for (route, model, tens, items, with_tokens, tokens_in, tokens_out, with_cost, cost,
         decided) in (
        tallies.usage_rows(connection) if tallies.kept(connection)
        else connection.execute(text(_USAGE))
    ):  # fmt: skip
        totals = found[(route, model)]
        totals.items += items
        totals.with_tokens += with_tokens or 0
        totals.input_tokens += tokens_in or 0
        totals.output_tokens += tokens_out or 0
        totals.with_cost += with_cost or 0
        totals.cost_usd += cost or 0.0
        totals.decided += decided or 0
        if tens >= 0:
            totals.latency[int(tens)] = totals.latency.get(int(tens), 0) + items
    return dict(found)


def advise(
    labels_by_route_model: Sequence[GroupStats],
    usage: Mapping[tuple[str | None, str], UsageTotals],
    *,
    prices: Mapping[str, Price] | None = None,
    prices_name: str | None = None,
    target: float = DEFAULT_TARGET,
    policy: Resolution = Resolution.RESOLVED,
    generated_at: str,
    unresolved: int = 0,
) -> RoutingAdvice:
    """The routing table from labels grouped by (route, model) and the store's usage."""
    prices = prices or {}
    labels = {
        (str(stats.group["route"]), str(stats.group["model"])): stats
        for stats in labels_by_route_model
        if stats.group.get("route") is not None
    }
    routed = {key: totals for key, totals in usage.items() if key[0] is not None}
    routes: dict[str, list[str]] = defaultdict(list)
    for route, model in {*routed, *labels}:
        if route is not None:
            routes[route].append(model)
    advice = [
        _route(route, sorted(models, key=natural_key), labels, routed, prices, target)
        for route, models in sorted(routes.items(), key=lambda item: natural_key(item[0]))
    ]
    return RoutingAdvice(
        format=FORMAT,
        schema_version=SCHEMA_VERSION,
        generated_at=generated_at,
        target_acceptance=target,
        confidence=0.95,
        policy=policy,
        prices=prices_name,
        routes=tuple(advice),
        unresolved_items=unresolved,
    )


def _route(
    route: str,
    models: list[str],
    labels: Mapping[tuple[str, str], GroupStats],
    usage: Mapping[tuple[str | None, str], UsageTotals],
    prices: Mapping[str, Price],
    target: float,
) -> RouteAdvice:
    items = sum(usage[(route, model)].items for model in models if (route, model) in usage)
    rows: list[ModelRoute] = []
    for model in models:
        totals = usage.get((route, model), UsageTotals())
        stats = labels.get((route, model))
        cost, source = totals.cost_per_item(prices.get(model))
        low = stats.acceptance_low if stats is not None else None
        rows.append(
            ModelRoute(
                model=model,
                items=totals.items,
                n=stats.n if stats else 0,
                approve=stats.approve if stats else 0,
                edit=stats.edit if stats else 0,
                reject=stats.reject if stats else 0,
                acceptance=stats.acceptance if stats else None,
                acceptance_low=low,
                acceptance_high=stats.acceptance_high if stats else None,
                meets_target=low is not None and low >= target,
                cost_per_item_usd=cost,
                cost_source=source,
                median_latency_ms=totals.median_latency_ms(),
                traffic_share=totals.items / items if items else 0.0,
            )
        )
    eligible = [row for row in rows if row.meets_target and row.cost_per_item_usd is not None]
    priced = [row for row in rows if row.items and row.cost_per_item_usd is not None]
    current = (
        sum(row.items * (row.cost_per_item_usd or 0.0) for row in priced)
        / sum(row.items for row in priced)
        if priced
        else None
    )
    if eligible:
        best = min(
            eligible,
            key=lambda row: (row.cost_per_item_usd or 0.0, -(row.acceptance_low or 0.0), row.model),
        )
        advised = best.cost_per_item_usd
        saving = None if current is None or advised is None else current - advised
        return RouteAdvice(
            route=route,
            status=RouteStatus.ADVISED,
            model=best.model,
            items=items,
            current_cost_per_item_usd=current,
            advised_cost_per_item_usd=advised,
            saving_per_item_usd=saving,
            saving_share=saving / current if saving is not None and current else None,
            estimated_saving_usd=None if saving is None else saving * items,
            models=tuple(rows),
        )
    could = any(row.acceptance_high is None or row.acceptance_high >= target for row in rows)
    return RouteAdvice(
        route=route,
        status=RouteStatus.NOT_ENOUGH_DATA if could else RouteStatus.NONE_MEETS_TARGET,
        model=None,
        items=items,
        current_cost_per_item_usd=current,
        advised_cost_per_item_usd=None,
        saving_per_item_usd=None,
        saving_share=None,
        estimated_saving_usd=None,
        models=tuple(rows),
    )


def routing_document(advice: RoutingAdvice) -> dict[str, Any]:
    """The routing.json document (the schema in this module's docstring)."""
    return advice.model_dump(mode="json")
