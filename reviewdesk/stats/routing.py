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
        "evidence": "acceptance" | "preference" | "both",   // what decided status and model
        "preference": null | {             // the route's comparisons (both candidates on it)
          "comparisons": 40, "rated": 36, "unresolved": 2,   // rated: a, b or tie resolved
          "tie_parameter": 0.4, "clear_winner": "big" | null,
          "ratings": [{                    // Davidson log-strength, best first
            "model": "big", "rating": 0.8, "rating_low": 0.3, "rating_high": 1.4,
            "wins": 25, "ties": 4, "losses": 7, "both_bad": 2
          }]
        },
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

Preference ratings (schema version 1 still: the keys are added). A comparison counts on a route
when both its candidates carry that route; its resolved preference (majority, adjudicator on a
tie) feeds a Davidson fit with bootstrap intervals (`reviewdesk.stats.comparisons`). The rule:
**acceptance decides** whenever it can ("advised" or "none_meets_target": `evidence`
"acceptance"; the preference figures are shown beside, unused). Only when acceptance has not
enough data does the preference speak: if the top-rated model's interval lies wholly above every
other model's (`clear_winner`), the route is "advised" for that model with `evidence`
"preference" (the best-liked model, whatever it costs; its cost and saving are stated when
known); otherwise it stays "not_enough_data" with `evidence` "both".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Preference
from reviewdesk.stats import tallies
from reviewdesk.stats.comparisons import ComparisonLabel, ComparisonStats, summarise_comparisons
from reviewdesk.stats.feedback import natural_key
from reviewdesk.stats.models import (
    GroupStats,
    ModelRoute,
    PreferenceRating,
    RouteAdvice,
    RoutePreference,
    RouteStatus,
    RoutingAdvice,
)
from reviewdesk.stats.prices import Price
from reviewdesk.store import Resolution

__all__ = [
    "DEFAULT_TARGET",
    "FORMAT",
    "SCHEMA_VERSION",
    "UsageTotals",
    "advise",
    "load_preferences",
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


# Every reviewer's latest preference on the comparisons whose two candidates share a route.
_ROUTE_LABELS = """
SELECT a.route, c.pk, a.model, b.model, d.reviewer, d.preference, d.shown_order
FROM comparison_decision d
JOIN comparison c ON c.pk = d.comparison_pk
JOIN comparison_candidate a ON a.comparison_pk = c.pk AND a.position = 0
JOIN comparison_candidate b ON b.comparison_pk = c.pk AND b.position = 1
WHERE d.current AND a.route IS NOT NULL AND a.route = b.route
ORDER BY c.pk, d.pk
"""

_ROUTE_COUNTS = """
SELECT a.route, count(*)
FROM comparison c
JOIN comparison_candidate a ON a.comparison_pk = c.pk AND a.position = 0
JOIN comparison_candidate b ON b.comparison_pk = c.pk AND b.position = 1
WHERE a.route IS NOT NULL AND a.route = b.route
GROUP BY a.route
"""


def load_preferences(
    connection: Connection,
    adjudicators: Collection[str] = (),
    *,
    resamples: int = 200,
    seed: int = 0,
) -> dict[str, ComparisonStats]:
    """The comparison statistics of each route (the comparisons whose candidates both carry
    it); routes without comparisons are absent. A store without comparisons is not read
    further (one look at the comparison table's largest key)."""
    if connection.execute(text("SELECT max(pk) FROM comparison")).scalar() is None:
        return {}
    labels: dict[str, list[ComparisonLabel]] = defaultdict(list)
    for route, pk, model_a, model_b, reviewer, preference, shown in connection.execute(
        text(_ROUTE_LABELS)
    ):
        labels[route].append(
            ComparisonLabel(pk, model_a, model_b, reviewer, Preference(preference), shown)
        )
    return {
        str(route): summarise_comparisons(
            labels.get(route, []),
            comparisons=int(count),
            adjudicators=adjudicators,
            resamples=resamples,
            seed=seed,
        )
        for route, count in connection.execute(text(_ROUTE_COUNTS))
    }


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
    preferences: Mapping[str, ComparisonStats] | None = None,
) -> RoutingAdvice:
    """The routing table from labels grouped by (route, model), the store's usage and, where a
    route has comparisons, their ratings (`load_preferences`; the rule in the module's
    docstring)."""
    preferences = preferences or {}
    prices = prices or {}
    labels = {
        (str(stats.group["route"]), str(stats.group["model"])): stats
        for stats in labels_by_route_model
        if stats.group.get("route") is not None
    }
    routed = {key: totals for key, totals in usage.items() if key[0] is not None}
    routes: dict[str, list[str]] = defaultdict(list)
    rated = {
        (route, rating.model) for route, stats in preferences.items() for rating in stats.ratings
    }
    for route, model in {*routed, *labels, *rated}:
        if route is not None:
            routes[route].append(model)
    for route in preferences:
        routes.setdefault(route, [])
    advice = [
        _with_preference(
            _route(route, sorted(models, key=natural_key), labels, routed, prices, target),
            preferences.get(route),
        )
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


def route_preference(stats: ComparisonStats) -> RoutePreference:
    """One route's comparison statistics as the routing document states them."""
    tallies_by_model = {tally.model: tally for tally in stats.models}
    ratings = tuple(
        PreferenceRating(
            model=rating.model,
            rating=rating.log_strength,
            rating_low=rating.low,
            rating_high=rating.high,
            wins=tallies_by_model[rating.model].wins if rating.model in tallies_by_model else 0,
            ties=tallies_by_model[rating.model].ties if rating.model in tallies_by_model else 0,
            losses=(
                tallies_by_model[rating.model].losses if rating.model in tallies_by_model else 0
            ),
            both_bad=(
                tallies_by_model[rating.model].both_bad if rating.model in tallies_by_model else 0
            ),
        )
        for rating in stats.ratings
    )
    clear = (
        len(ratings) >= 2
        and stats.ratings_connected
        and all(ratings[0].rating_low > other.rating_high for other in ratings[1:])
    )
    return RoutePreference(
        comparisons=stats.comparisons,
        rated=stats.bootstrap.get("comparisons", 0),
        unresolved=stats.unresolved,
        tie_parameter=stats.tie_parameter,
        clear_winner=ratings[0].model if clear else None,
        ratings=ratings,
    )


def _with_preference(advice: RouteAdvice, stats: ComparisonStats | None) -> RouteAdvice:
    if stats is None:
        return advice
    preference = route_preference(stats)
    if advice.status is not RouteStatus.NOT_ENOUGH_DATA:
        return advice.model_copy(update={"evidence": "acceptance", "preference": preference})
    if preference.clear_winner is None:
        return advice.model_copy(update={"evidence": "both", "preference": preference})
    best = next(row for row in advice.models if row.model == preference.clear_winner)
    current, advised = advice.current_cost_per_item_usd, best.cost_per_item_usd
    saving = None if current is None or advised is None else current - advised
    return advice.model_copy(
        update={
            "status": RouteStatus.ADVISED,
            "model": best.model,
            "advised_cost_per_item_usd": advised,
            "saving_per_item_usd": saving,
            "saving_share": saving / current if saving is not None and current else None,
            "estimated_saving_usd": None if saving is None else saving * advice.items,
            "evidence": "preference",
            "preference": preference,
        }
    )


def routing_document(advice: RoutingAdvice) -> dict[str, Any]:
    """The routing.json document (the schema in this module's docstring)."""
    return advice.model_dump(mode="json")
