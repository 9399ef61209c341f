"""`reviewdesk compare-models`: the statistics of pairwise review (comparisons).

Tables go to stdout through the plain console (no markup: model and reviewer names are data);
with `--json`, stdout holds exactly one JSON document.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from reviewdesk.cli.console import JsonOption, StoreOption, out, store_path
from reviewdesk.formatting import interval, percent

__all__ = ["register"]


def compare_models(
    adjudicator: Annotated[
        list[str] | None,
        typer.Option(
            "--adjudicator",
            help="A reviewer whose decision settles a tie between preferences. Repeat for several.",
            show_default=False,
        ),
    ] = None,
    resamples: Annotated[
        int,
        typer.Option("--resamples", min=0, max=10_000, help="Bootstrap resamples of the ratings."),
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="The bootstrap's seed.")] = 0,
    store: StoreOption = None,
    json_: JsonOption = False,
) -> None:
    """Pairwise review: wins, ties and losses per model pair, Bradley–Terry ratings, position
    bias and agreement on preferences (each comparison counted once, by its resolved
    preference)."""
    from reviewdesk.stats.comparisons import comparison_stats
    from reviewdesk.store import Store

    with Store.open(store_path(store), create=False) as opened, opened.engine.connect() as c:
        result = comparison_stats(c, adjudicators=adjudicator or (), resamples=resamples, seed=seed)
    if json_:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return
    if not result.decided:
        out.print(f"{result.comparisons:,} comparisons, none decided yet", markup=False)
        return
    resolved = result.resolved
    out.print(
        f"{result.comparisons:,} comparisons, {result.decided:,} decided: "
        f"{resolved['a']:,} a, {resolved['b']:,} b, {resolved['tie']:,} tie, "
        f"{resolved['both_bad']:,} both bad; {result.unresolved:,} unresolved (reviewers split, "
        "no adjudicator): left out",
        markup=False,
    )
    pairs = Table(title="model pairs (wins of x)", title_justify="left")
    for name in ("x", "y", "n", "x wins", "95% CI", "ties", "y wins", "both bad"):
        pairs.add_column(name, justify="left" if name in ("x", "y") else "right")
    for pair in result.pairs:
        decided = pair.decided
        low_high = pair.to_json()["wins"]
        pairs.add_row(
            Text(pair.model_x),
            Text(pair.model_y),
            f"{decided:,}",
            percent(pair.wins / decided if decided else None),
            interval(low_high["low"], low_high["high"]) if decided else "–",
            f"{pair.ties:,}",
            f"{pair.losses:,}",
            f"{pair.both_bad:,}",
        )
    out.print(pairs)
    ratings = Table(
        title=f"ratings (Bradley–Terry with ties, Davidson; tie parameter "
        f"{result.tie_parameter:.3f}; 95% bootstrap, {result.bootstrap['resamples']} resamples)",
        title_justify="left",
    )
    for name in ("model", "log-strength", "95% CI"):
        ratings.add_column(name, justify="left" if name == "model" else "right")
    for rating in result.ratings:
        ratings.add_row(
            Text(rating.model),
            f"{rating.log_strength:+.3f}",
            f"{rating.low:+.3f} … {rating.high:+.3f}",
        )
    out.print(ratings)
    if not result.ratings_connected:
        out.print(
            "some models never met, directly or through others: ratings compare within "
            "each group only",
            markup=False,
        )
    if not result.ratings_converged:
        out.print("a model never won nor tied: its rating has no finite estimate", markup=False)
    left = result.left_picks
    if not left.total:
        out.print(
            "position bias: no a/b decision recorded which candidate was on the left", markup=False
        )
    else:
        out.print(
            f"position bias: the left candidate was picked in {percent(left.rate)} "
            f"({interval(left.low, left.high)}) of {left.total:,} a/b decisions with a recorded "
            "order",
            markup=False,
        )
    alpha = "–" if result.alpha is None else f"{result.alpha:.3f}"
    out.print(
        f"agreement on {result.multi_reviewed:,} comparisons with 2+ reviewers: Krippendorff's "
        f"alpha {alpha}, pairwise {percent(result.pairwise_agreement)}, all agree "
        f"{percent(result.percent_agreement)}",
        markup=False,
    )
    if result.kappas:
        kappas = Table(title="reviewer pairs", title_justify="left")
        for name in ("reviewers", "comparisons", "agree", "Cohen's kappa"):
            kappas.add_column(name, justify="left" if name == "reviewers" else "right")
        for kappa in result.kappas:
            kappas.add_row(
                Text(f"{kappa.first} & {kappa.second}"),
                f"{kappa.comparisons:,}",
                percent(kappa.agreement),
                "–" if kappa.kappa is None else f"{kappa.kappa:.3f}",
            )
        out.print(kappas)


def register(app: typer.Typer) -> None:
    """Add `compare-models` to `app`."""
    app.command("compare-models")(compare_models)
