"""The statistics commands of `reviewdesk`: stats, compare, routing, agreement, report.

`register(app)` adds them to the main typer app (reviewdesk/cli/app.py calls it). Tables go to
stdout through rich; with `--json`, stdout holds exactly one JSON document. Bad input (an unknown
grouping, template or version, a bad price file) raises `UserError`, which
`reviewdesk.cli.app.run` turns into a message and exit status 1.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from reviewdesk.cli.console import JsonOption, StoreOption, err, out, store_path
from reviewdesk.errors import UserError
from reviewdesk.files import write_text_atomically
from reviewdesk.formatting import interval, percent

if TYPE_CHECKING:
    from reviewdesk.stats import GroupStats, RoutePreference
    from reviewdesk.store import Resolution

__all__ = ["register"]


PolicyOption = Annotated[
    str,
    typer.Option(
        "--policy",
        help="How several decisions on an item resolve: resolved (one label an item: the "
        "majority, a tie settled by an adjudicator), majority, adjudicated, or latest (each "
        "reviewer's latest decision counts).",
    ),
]
AdjudicatorOption = Annotated[
    list[str] | None,
    typer.Option(
        "--adjudicator",
        help="A reviewer whose decision settles a tie (resolved) or a disagreement "
        "(adjudicated). Repeat for several.",
        show_default=False,
    ),
]


def _policy(name: str) -> Resolution:
    from reviewdesk.store import Resolution

    try:
        return Resolution(name)
    except ValueError:
        raise typer.BadParameter(
            f"{name!r}: use resolved, majority, adjudicated or latest", param_hint="--policy"
        ) from None


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _cell(value: Any) -> str:
    return "(none)" if value is None else str(value)


def _groups_table(groups: Sequence[GroupStats], title: str) -> Table:
    columns = list(groups[0].group) if groups else []
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for name in ("n", "approve", "edit", "reject"):
        table.add_column(name, justify="right")
    table.add_column("acceptance", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("edit sev.", justify="right")
    table.add_column("top reasons")
    for stats in groups:
        table.add_row(
            *(_cell(stats.group[column]) for column in columns),
            f"{stats.n:,}",
            f"{stats.approve:,}",
            f"{stats.edit:,}",
            f"{stats.reject:,}",
            percent(stats.acceptance),
            interval(stats.acceptance_low, stats.acceptance_high),
            "–" if stats.edit_severity is None else f"{stats.edit_severity:.2f}",
            ", ".join(f"{reason} {count}" for reason, count in list(stats.reasons.items())[:3]),
        )
    return table


def _show(table: Table) -> None:
    # Markup off: cells quote user data (model names, reviewers) verbatim. Piped into a file or
    # another program, a table is printed whole rather than squeezed into 80 columns.
    console = out if out.is_terminal else Console(highlight=False, width=max(out.width, 200))
    console.print(table, markup=False)


def stats(
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Group by KEY[,KEY]: prompt_version (with its template), template, model, "
            "route, queue, validator, reviewer, day, week. Default: prompt_version (with "
            "--question: no grouping).",
            show_default=False,
        ),
    ] = None,
    question: Annotated[
        str | None,
        typer.Option(
            "--question",
            help="A review form question's key: the distribution of its answers (with 95% "
            "intervals; a rating's mean) and, for a choice, the verdicts per option.",
            show_default=False,
        ),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help="How several decisions on an item resolve: resolved (the default: one label "
            "an item, the majority, a tie settled by an adjudicator), majority, adjudicated, "
            "or latest (each reviewer's latest decision, as if each were an item).",
            show_default=False,
        ),
    ] = None,
    unit: Annotated[
        str,
        typer.Option(
            "--unit",
            help="items: each item's resolved label, Wilson intervals. labels: each reviewer's "
            "latest label, intervals clustered by item.",
        ),
    ] = "items",
    adjudicator: AdjudicatorOption = None,
    store: StoreOption = None,
    json_: JsonOption = False,
) -> None:
    """Approve, edit and reject counts and rates with 95% intervals, grouped."""
    from reviewdesk.stats import Unit, grouped_stats, left_out, parse_keys
    from reviewdesk.store import Resolution, Store

    if by is not None:
        keys = parse_keys(by)
    else:  # a question's answers show overall unless grouped
        keys = parse_keys("prompt_version") if question is None else ()
    try:
        counted = Unit(unit)
    except ValueError:
        raise typer.BadParameter(f"{unit!r}: use items or labels", param_hint="--unit") from None
    if counted is Unit.LABELS and policy not in (None, "latest"):
        raise UserError(
            f"--unit labels counts each reviewer's latest label: leave out --policy {policy}"
        )
    default = Resolution.LATEST if counted is Unit.LABELS else Resolution.RESOLVED
    resolution = default if policy is None else _policy(policy)
    if question is not None:
        from reviewdesk.cli.questions import print_question_stats

        with Store.open(store_path(store), create=False) as opened:
            print_question_stats(
                opened.engine,
                question,
                keys,
                resolution,
                adjudicator or (),
                counted,
                as_json=json_,
            )
        return
    with Store.open(store_path(store), create=False) as opened:
        groups = grouped_stats(opened.engine, keys, resolution, adjudicator or (), unit=counted)
        dropped = left_out(opened.engine, resolution, adjudicator or ())
    if json_:
        _print_json(
            {
                "group_by": [str(key) for key in keys],
                "policy": str(resolution),
                "unit": str(counted),
                "groups": [group.model_dump(mode="json") for group in groups],
                "left_out": dropped.model_dump(mode="json"),
            }
        )
        return
    _say_left_out(dropped.items, dropped.reason, resolution)
    if not groups:
        out.print("no labels yet", markup=False)
        return
    what = "labels (intervals clustered by item)" if counted is Unit.LABELS else "items"
    _show(_groups_table(groups, f"{what} by {', '.join(keys)} ({resolution.value} policy)"))


def _say_left_out(items: int, reason: str, resolution: Resolution) -> None:
    if items:
        err.print(
            f"left out by the {resolution.value} policy: {items:,} decided items ({reason})",
            markup=False,
        )


def compare(
    template: Annotated[str, typer.Argument(help="The prompt template.", show_default=False)],
    a: Annotated[str, typer.Argument(help="One version (usually the newer).", show_default=False)],
    b: Annotated[str, typer.Argument(help="The version to compare it with.", show_default=False)],
    policy: PolicyOption = "resolved",
    adjudicator: AdjudicatorOption = None,
    store: StoreOption = None,
    json_: JsonOption = False,
) -> None:
    """Compare two versions of a prompt template on acceptance, and show what changed in the
    template text from B to A (when the registry has both texts)."""
    from reviewdesk.cli.templates import print_diff
    from reviewdesk.stats import compare_versions, left_out, version_diff
    from reviewdesk.store import Store

    resolution = _policy(policy)
    with Store.open(store_path(store), create=False) as opened:
        result = compare_versions(opened.engine, template, a, b, resolution, adjudicator or ())
        dropped = left_out(opened.engine, resolution, adjudicator or ())
        diff = version_diff(opened.engine, template, a, b)
    if json_:
        _print_json(
            {
                **result.model_dump(mode="json"),
                "left_out": dropped.model_dump(mode="json"),
                "template_diff": {
                    "from": b,
                    "to": a,
                    "missing": list(diff.missing),
                    "diff": diff.text(),
                },
            }
        )
        return
    _say_left_out(dropped.items, dropped.reason, resolution)
    _show(_groups_table([result.a_stats, result.b_stats], f"{template}: {a} against {b}"))
    out.print(result.sentence, markup=False)
    out.print("", markup=False)
    if diff.missing:
        out.print(
            f"template text: {diff.summary()} (add it with `reviewdesk template add`)",
            markup=False,
        )
    else:
        print_diff(diff)


def routing(
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices",
            help='A TOML price table: [models."NAME"] input = USD per 1k input tokens, '
            "output = USD per 1k output tokens. Default: the recorded usage.cost_usd.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        float,
        typer.Option("--target", help="The acceptance the advised model must reach (0..1)."),
    ] = 0.9,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write routing.json (schema version 1) here.", show_default=False
        ),
    ] = None,
    policy: PolicyOption = "resolved",
    adjudicator: AdjudicatorOption = None,
    store: StoreOption = None,
    json_: JsonOption = False,
) -> None:
    """Advise, per route, the cheapest model whose acceptance meets a target."""
    from reviewdesk.stats import load_prices, routing_advice, routing_document
    from reviewdesk.store import Store

    _check_target(target)
    resolution = _policy(policy)
    table = load_prices(prices) if prices is not None else None
    with Store.open(store_path(store), create=False) as opened:
        advice = routing_advice(
            opened.engine,
            resolution,
            adjudicator or (),
            prices=table,
            prices_name=None if prices is None else prices.name,
            target=target,
        )
    document = routing_document(advice)
    if out_file is not None:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        try:
            write_text_atomically(out_file, text, prefix=".routing-")
        except OSError as error:
            raise UserError(f"cannot write {out_file}: {error.strerror}") from None
        err.print(f"wrote {out_file}", markup=False)
    if json_:
        _print_json(document)
        return
    _say_left_out(advice.unresolved_items, resolution.leaves_out, resolution)
    if advice.routes:
        out.print(
            f"target: acceptance of at least {target:.0%}, the lower end of its 95% interval "
            "(models that meet it are marked ✓)",
            markup=False,
        )
    for route in advice.routes:
        verdict = {
            "advised": f"use {route.model}",
            "not_enough_data": "not enough data",
            "none_meets_target": "no model meets the target",
        }[route.status.value]
        if route.saving_share is not None and route.estimated_saving_usd is not None:
            verdict += _saving(route.saving_share, route.estimated_saving_usd, route.items)
        verdict += {
            "acceptance": ", by acceptance",
            "preference": ", by preference",
            "both": ", by acceptance and preference: neither enough",
        }[route.evidence]
        table_ = Table(title=Text(f"{route.route}: {verdict}"), title_justify="left")
        for name in ("model", "items", "labels", "acceptance", "95% CI", "cost/item", "latency"):
            table_.add_column(name, justify="left" if name == "model" else "right")
        for model in route.models:
            table_.add_row(
                model.model + (" ✓" if model.meets_target else ""),
                f"{model.items:,}",
                f"{model.n:,}",
                percent(model.acceptance),
                interval(model.acceptance_low, model.acceptance_high),
                "–" if model.cost_per_item_usd is None else f"${model.cost_per_item_usd:.5f}",
                "–" if model.median_latency_ms is None else f"{model.median_latency_ms:.0f} ms",
            )
        _show(table_)
        if route.preference is not None:
            _show(_preference_table(route.preference))
    if not advice.routes:
        out.print("no items with a route", markup=False)


def _preference_table(preference: RoutePreference) -> Table:
    """A route's Davidson ratings from its comparisons, best first."""
    title = (
        f"  preference: {preference.rated:,} of {preference.comparisons:,} comparisons rated, "
        + (
            f"clear winner {preference.clear_winner}"
            if preference.clear_winner
            else "no clear winner"
        )
    )
    table = Table(title=Text(title), title_justify="left")
    for name in ("model", "rating", "95% CI", "wins", "ties", "losses", "both bad"):
        table.add_column(name, justify="left" if name == "model" else "right")
    for rating in preference.ratings:
        table.add_row(
            rating.model,
            f"{rating.rating:+.2f}",
            f"{rating.rating_low:+.2f} – {rating.rating_high:+.2f}",
            f"{rating.wins:,}",
            f"{rating.ties:,}",
            f"{rating.losses:,}",
            f"{rating.both_bad:,}",
        )
    return table


def _check_target(target: float) -> None:
    if not 0.0 < target <= 1.0:
        raise typer.BadParameter(
            f"{target}: use a share between 0 and 1, e.g. 0.9", param_hint="--target"
        )


def _saving(share: float, usd: float, items: int) -> str:
    """What the advised model saves against what the route costs now, or what it costs more."""
    if share >= 0:
        return f" (saves {share * 100:.0f}% per item, ${usd:,.2f} over {items:,} items)"
    return f" (costs {-share * 100:.0f}% more per item, ${-usd:,.2f} more over {items:,} items)"


def agreement(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Also per group of items: prompt_version, template, model, route, queue "
            "(KEY[,KEY]). Reviewer pairs and reasons are always shown.",
        ),
    ] = "model",
    question: Annotated[
        str | None,
        typer.Option(
            "--question",
            help="A review form question's key: agreement on its answers (Krippendorff's alpha "
            "with the metric of its kind, Cohen's kappa per pair, span F1 for spans).",
            show_default=False,
        ),
    ] = None,
    adjudicator: AdjudicatorOption = None,
    store: StoreOption = None,
    json_: JsonOption = False,
) -> None:
    """Agreement between reviewers on items two or more of them decided."""
    from reviewdesk.stats import agreement_breakdown, agreement_stats, parse_keys
    from reviewdesk.store import Store

    if question is not None:
        from reviewdesk.cli.questions import print_question_agreement

        with Store.open(store_path(store), create=False) as opened:
            print_question_agreement(opened.engine, question, as_json=json_)
        return

    keys = parse_keys(by)
    with Store.open(store_path(store), create=False) as opened:
        result = agreement_stats(opened.engine, adjudicator or ())
        breakdown = agreement_breakdown(opened.engine, keys)
    if json_:
        _print_json(
            {
                **result.model_dump(mode="json"),
                "breakdown": breakdown.model_dump(mode="json"),
            }
        )
        return
    if not result.items:
        out.print("no item has two or more reviewers yet", markup=False)
        return
    alpha = "–" if result.krippendorff_alpha is None else f"{result.krippendorff_alpha:.3f}"
    out.print(
        f"{result.items:,} items with 2+ reviewers; all agree on {percent(result.all_agree)} of "
        f"them; pairwise agreement {percent(result.pairwise_agreement)} (per item, the share of "
        f"reviewer pairs that agree, averaged); Krippendorff's alpha (nominal) {alpha}; "
        f"{result.disagreement_count:,} disagreements",
        markup=False,
    )
    overall = breakdown.overall
    if overall.reason_items:
        out.print(
            f"reasons, on {overall.reason_items:,} items where a pair of reviewers gave some: "
            f"mean Jaccard {_num(overall.reasons_jaccard)}, MASI {_num(overall.reasons_masi)}",
            markup=False,
        )
    groups = Table(title=f"by {', '.join(breakdown.by)}", title_justify="left")
    for column in breakdown.by:
        groups.add_column(column)
    for name in ("items", "all agree", "pairwise", "alpha", "reasons: Jaccard", "MASI"):
        groups.add_column(name, justify="right")
    for group in breakdown.groups:
        groups.add_row(
            *(_cell(group.group[column]) for column in breakdown.by),
            f"{group.items:,}",
            percent(group.all_agree),
            percent(group.pairwise),
            _num(group.krippendorff_alpha),
            _num(group.reasons_jaccard),
            _num(group.reasons_masi),
        )
    _show(groups)
    pairs = Table(title="reviewer pairs", title_justify="left")
    for name in ("first", "second", "items", "agreement", "kappa", "reasons: Jaccard", "MASI"):
        pairs.add_column(name, justify="left" if name in ("first", "second") else "right")
    for pair in breakdown.pairs:
        pairs.add_row(
            pair.first,
            pair.second,
            f"{pair.items:,}",
            percent(pair.agreement),
            _num(pair.kappa),
            _num(pair.reasons_jaccard),
            _num(pair.reasons_masi),
        )
    _show(pairs)
    if breakdown.reasons:
        reasons = Table(title="reasons (cited or not: alpha)", title_justify="left")
        for name in ("reason", "cited", "items", "alpha"):
            reasons.add_column(name, justify="left" if name == "reason" else "right")
        for reason in breakdown.reasons:
            reasons.add_row(
                reason.reason,
                f"{reason.cited:,}",
                f"{reason.items:,}",
                _num(reason.krippendorff_alpha),
            )
        _show(reasons)
    if result.disagreements:
        listed = Table(
            title=f"disagreements (latest {len(result.disagreements)})", title_justify="left"
        )
        for name in ("item", "template@version", "model", "verdicts"):
            listed.add_column(name)
        for item in result.disagreements:
            listed.add_row(
                item.id,
                f"{_cell(item.prompt_template)}@{_cell(item.prompt_version)}",
                item.model,
                ", ".join(f"{who}: {verdict}" for who, verdict in item.verdicts.items()),
            )
        _show(listed)


def report(
    output: Annotated[
        Path, typer.Argument(help="The HTML file to write.", dir_okay=False, show_default=False)
    ],
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="A TOML price table for the routing advice.", dir_okay=False),
    ] = None,
    target: Annotated[
        float,
        typer.Option(
            "--target", help="The acceptance the advised model must reach (0..1), for routing."
        ),
    ] = 0.9,
    policy: PolicyOption = "resolved",
    adjudicator: AdjudicatorOption = None,
    store: StoreOption = None,
) -> None:
    """Write a self-contained HTML report of every statistic (works offline, prints well)."""
    from reviewdesk.stats import load_prices, write_report
    from reviewdesk.store import Store

    _check_target(target)
    resolution = _policy(policy)
    table = load_prices(prices) if prices is not None else None
    if not output.parent.is_dir():
        raise UserError(f"cannot write {output}: the folder {output.parent} does not exist")
    with Store.open(store_path(store), create=False) as opened:
        write_report(
            opened.engine,
            output,
            resolution,
            adjudicator or (),
            prices=table,
            prices_name=None if prices is None else prices.name,
            target=target,
        )
    err.print(f"wrote {output}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the statistics commands to `app`."""
    app.command()(stats)
    app.command()(compare)
    app.command()(routing)
    app.command()(agreement)
    app.command()(report)
