"""Everything the Statistics tab, the report and the server show, gathered in a few passes.

`compute_overview` reads in one transaction (one consistent snapshot), makes no writes and
touches no Qt, so the desk can run it on a worker thread while the reviewer keeps working, and
the server can run it on PostgreSQL. What it reads:

1. labels by template, version, model, route, queue and whether the item was flagged;
2. labels by reviewer and day (with reject reasons);
3. labels by validator code and severity (joined to the flags);
4. every decision by reviewer, day and seconds on screen (throughput);
5. every generation by route, model and latency (costs, traffic, latency);
6. the flagged items per code, the items with two or more reviewers, and sampled edits.

A SQLite store keeps running tallies of 1-6 (but the edits) as it is written, so there each is a
read of a few thousand rows; otherwise (PostgreSQL, or a policy other than `latest` for the
labels) each is one GROUP BY pass over the decisions (see reviewdesk/stats/tallies.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from reviewdesk.stats.agreement import agreement
from reviewdesk.stats.calibration import MIN_LABELS, calibrate, flagged_items
from reviewdesk.stats.compare import compare_groups
from reviewdesk.stats.cube import Cube, iso_week, label_filter, load_cube
from reviewdesk.stats.feedback import (
    EDIT_SAMPLE,
    EditSample,
    load_edit_sample,
    make_group,
    natural_key,
    reason_mix,
    rollup,
)
from reviewdesk.stats.models import (
    Agreement,
    Comparison,
    GroupStats,
    Overview,
    RoutingAdvice,
    Throughput,
    Totals,
)
from reviewdesk.stats.prices import Price
from reviewdesk.stats.routing import DEFAULT_TARGET, advise, load_preferences, load_usage
from reviewdesk.stats.throughput import load_pace, throughput
from reviewdesk.store import Resolution, count_unresolved

__all__ = [
    "agreement_stats",
    "bench_parts",
    "compute_overview",
    "latest_comparisons",
    "routing_advice",
    "throughput_stats",
]

_GENERATION_COLUMNS = ("prompt_template", "prompt_version", "model", "route", "queue", "flagged")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest_comparisons(by_prompt_version: Sequence[GroupStats]) -> list[Comparison]:
    """For each template with two or more versions, its newest version against the one before."""
    versions: dict[str, list[GroupStats]] = {}
    for stats in by_prompt_version:
        template = stats.group.get("prompt_template")
        if template is not None and stats.group.get("prompt_version") is not None:
            versions.setdefault(str(template), []).append(stats)
    comparisons = []
    for template, groups in sorted(versions.items(), key=lambda item: natural_key(item[0])):
        if len(groups) < 2:
            continue
        groups.sort(key=lambda stats: natural_key(stats.group["prompt_version"]))
        newer, older = groups[-1], groups[-2]
        comparisons.append(
            compare_groups(
                template,
                str(newer.group["prompt_version"]),
                str(older.group["prompt_version"]),
                newer,
                older,
            )
        )
    return comparisons


def _snapshot(engine: Engine) -> Connection:
    # One read transaction for every pass: the numbers agree with each other even while the
    # desk records decisions (SQLite reads a snapshot in a transaction; PostgreSQL needs
    # REPEATABLE READ for the same).
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    connection.begin()
    return connection


def compute_overview(
    engine: Engine,
    policy: Resolution = Resolution.RESOLVED,
    adjudicators: Sequence[str] = (),
    *,
    prices: Mapping[str, Price] | None = None,
    prices_name: str | None = None,
    target: float = DEFAULT_TARGET,
    edit_sample: int = EDIT_SAMPLE,
    min_labels: int = MIN_LABELS,
) -> Overview:
    """Every statistic, from one consistent read of the store (safe on a worker thread)."""
    labels = label_filter(policy, adjudicators)
    with _snapshot(engine) as connection:
        generation_cube = load_cube(connection, labels, _GENERATION_COLUMNS)
        pace = load_pace(connection)
        decision_cube = load_cube(connection, labels, ("reviewer", "day"))
        flag_cube = load_cube(connection, labels, ("validator", "code", "severity"))
        flagged = flagged_items(connection)
        edits = sum(row[-1] for row in decision_cube.rows if row[2] == "edit")
        sample = load_edit_sample(connection, labels, edits, limit=edit_sample)
        agreed = agreement(connection, adjudicators)
        usage = load_usage(connection)
        preferences = load_preferences(connection, adjudicators)
        unresolved = (
            0 if policy is Resolution.LATEST else count_unresolved(connection, policy, adjudicators)
        )
    paced = throughput(pace)
    overall_rows = rollup(generation_cube, (), sample)
    overall = overall_rows[0] if overall_rows else make_group({}, 0, 0, 0)
    by_prompt_version = rollup(generation_cube, ("prompt_template", "prompt_version"), sample)
    by_validator = rollup(flag_cube, ("validator", "code"), sample)
    generated_at = _now()
    return Overview(
        policy=policy,
        generated_at=generated_at,
        totals=Totals(
            generations=sum(totals.items for totals in usage.values()),
            decided_items=sum(totals.decided for totals in usage.values()),
            decisions=paced.overall.decisions,
            labels=overall.n,
            unresolved_items=unresolved,
            unresolved_reason=policy.leaves_out if unresolved else "",
            reviewers=len(paced.by_reviewer),
        ),
        overall=overall,
        by_prompt_version=tuple(by_prompt_version),
        by_model=tuple(rollup(generation_cube, ("model",), sample)),
        by_route=tuple(rollup(generation_cube, ("route",), sample)),
        by_queue=tuple(rollup(generation_cube, ("queue",), sample)),
        by_validator=tuple(by_validator),
        by_reviewer=tuple(rollup(decision_cube, ("reviewer",), sample)),
        by_day=tuple(rollup(decision_cube, ("day",), sample)),
        by_week=tuple(_weeks(decision_cube, sample)),
        reasons=tuple(reason_mix([overall])),
        comparisons=tuple(latest_comparisons(by_prompt_version)),
        calibration=calibrate(
            flag_cube, flagged, rollup(generation_cube, ("flagged",)), min_labels=min_labels
        ),
        agreement=agreed,
        throughput=paced,
        routing=advise(
            rollup(generation_cube, ("route", "model")),
            usage,
            prices=prices,
            prices_name=prices_name,
            target=target,
            policy=policy,
            generated_at=generated_at,
            unresolved=unresolved,
            preferences=preferences,
        ),
    )


def _weeks(decision_cube: Cube, sample: EditSample) -> list[GroupStats]:
    weekly = Cube(
        ("week",),
        tuple((iso_week(row[1]), *row[2:]) for row in decision_cube.rows),
    )
    return rollup(weekly, ("week",), sample)


def routing_advice(
    engine: Engine,
    policy: Resolution = Resolution.RESOLVED,
    adjudicators: Sequence[str] = (),
    *,
    prices: Mapping[str, Price] | None = None,
    prices_name: str | None = None,
    target: float = DEFAULT_TARGET,
) -> RoutingAdvice:
    """The routing table alone (`reviewdesk routing`, `GET /v1/routing`)."""
    labels = label_filter(policy, adjudicators)
    with _snapshot(engine) as connection:
        cube = load_cube(connection, labels, ("route", "model"))
        usage = load_usage(connection)
        preferences = load_preferences(connection, adjudicators)
        unresolved = (
            0 if policy is Resolution.LATEST else count_unresolved(connection, policy, adjudicators)
        )
    return advise(
        rollup(cube, ("route", "model")),
        usage,
        prices=prices,
        prices_name=prices_name,
        target=target,
        policy=policy,
        generated_at=_now(),
        unresolved=unresolved,
        preferences=preferences,
    )


def agreement_stats(engine: Engine, adjudicators: Sequence[str] = ()) -> Agreement:
    """Agreement alone (`reviewdesk agreement`)."""
    with engine.connect() as connection:
        return agreement(connection, adjudicators)


def throughput_stats(engine: Engine) -> Throughput:
    """Reviewer throughput alone."""
    with engine.connect() as connection:
        return throughput(load_pace(connection))


def bench_parts(engine: Engine, policy: Resolution) -> dict[str, Callable[[], Any]]:
    """Each pass of `compute_overview` as a callable, for the benchmark's per-part figures."""
    labels = label_filter(policy)

    def run(function: Callable[[Connection], Any]) -> Callable[[], Any]:
        def call() -> Any:
            with engine.connect() as connection:
                return function(connection)

        return call

    return {
        "labels x generation keys": run(lambda c: load_cube(c, labels, _GENERATION_COLUMNS)),
        "decisions x reviewer, day, seconds": run(load_pace),
        "labels x reviewer, day": run(lambda c: load_cube(c, labels, ("reviewer", "day"))),
        "labels x validator": run(
            lambda c: load_cube(c, labels, ("validator", "code", "severity"))
        ),
        "flagged items": run(flagged_items),
        "edit severity (sample)": run(lambda c: load_edit_sample(c, labels, 150_000)),
        "agreement": run(agreement),
        "usage (routing)": run(load_usage),
    }
