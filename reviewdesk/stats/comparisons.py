"""Statistics of pairwise review: wins, ties and losses per model pair, Bradley–Terry ratings,
position bias and agreement on preferences.

Units, said once:
- wins / ties / losses and the ratings count each comparison once, by its resolved preference
  (`reviewdesk.domain.resolve_preference`: the majority of its reviewers' latest preferences,
  a tie between preferences settled by an adjudicator). Comparisons with no resolved
  preference are left out and counted (`unresolved`); `both_bad` ones are counted apart and
  left out of the ratings (neither candidate is preferred, nor are they equally good);
- position bias counts every reviewer's latest decision that preferred `a` or `b` and recorded
  what was on the left (`shown_order`): the share that picked the left one;
- agreement counts each comparison once, over its reviewers' latest preferences, with four
  nominal categories `a`, `b`, `tie` and `both_bad` (both_bad is a judgement of its own, not
  missing): Krippendorff's alpha (nominal), percent all-agree and pairwise agreement over the
  comparisons with two or more reviewers, and Cohen's kappa for each pair of reviewers over
  the comparisons both decided.

A comparison's "model pair" is its two candidates' models, named in sorted order (x < y), so
that `m1` vs `m2` and `m2` vs `m1` are one pair; a comparison of a model with itself is counted
in its pair but says nothing for the ratings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from reviewdesk.domain import Preference, resolve_preference
from reviewdesk.stats.inference import wilson
from reviewdesk.stats.pairwise import Outcome, PairResult, bootstrap_ratings
from reviewdesk.stats.reliability import (
    cohen_kappa,
    krippendorff_alpha_nominal,
    pairwise_agreement,
    percent_agreement,
)

__all__ = [
    "ComparisonLabel",
    "ComparisonStats",
    "comparison_labels",
    "comparison_stats",
    "summarise_comparisons",
]

# Each reviewer's latest decision on each comparison, with the two candidates' models: narrow
# rows only (no text), in decision order within a comparison.
_LABELS = """
SELECT c.pk, a.model, b.model, d.reviewer, d.preference, d.shown_order
FROM comparison_decision d
JOIN comparison c ON c.pk = d.comparison_pk
JOIN comparison_candidate a ON a.comparison_pk = c.pk AND a.position = 0
JOIN comparison_candidate b ON b.comparison_pk = c.pk AND b.position = 1
WHERE d.current
ORDER BY c.pk, d.pk
"""


@dataclass(frozen=True)
class ComparisonLabel:
    """One reviewer's latest preference on one comparison."""

    comparison_pk: int
    model_a: str
    model_b: str
    reviewer: str
    preference: Preference
    shown_order: str | None


def comparison_labels(connection: Connection) -> list[ComparisonLabel]:
    """Every reviewer's latest preference on every comparison (SQLite or PostgreSQL)."""
    return [
        ComparisonLabel(pk, model_a, model_b, reviewer, Preference(preference), shown)
        for pk, model_a, model_b, reviewer, preference, shown in connection.execute(text(_LABELS))
    ]


@dataclass(frozen=True)
class Share:
    """A count out of a total, with its Wilson 95% interval."""

    count: int
    total: int
    low: float
    high: float

    @classmethod
    def of(cls, count: int, total: int) -> Share:
        low, high = wilson(count, total)
        return cls(count, total, low, high)

    @property
    def rate(self) -> float | None:
        return self.count / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "total": self.total,
            "rate": self.rate,
            "low": self.low,
            "high": self.high,
        }


@dataclass(frozen=True)
class PairTally:
    """A model pair's resolved comparisons, from the side of `model_x` (x < y by name)."""

    model_x: str
    model_y: str
    wins: int
    ties: int
    losses: int
    both_bad: int

    @property
    def decided(self) -> int:
        """Comparisons with a winner or a tie (both_bad aside)."""
        return self.wins + self.ties + self.losses

    def to_json(self) -> dict[str, Any]:
        return {
            "model_x": self.model_x,
            "model_y": self.model_y,
            "wins": Share.of(self.wins, self.decided).to_json(),
            "ties": Share.of(self.ties, self.decided).to_json(),
            "losses": Share.of(self.losses, self.decided).to_json(),
            "both_bad": self.both_bad,
        }


@dataclass(frozen=True)
class ModelTally:
    """One model's resolved comparisons against any other model."""

    model: str
    wins: int
    ties: int
    losses: int
    both_bad: int

    def to_json(self) -> dict[str, Any]:
        decided = self.wins + self.ties + self.losses
        return {
            "model": self.model,
            "wins": Share.of(self.wins, decided).to_json(),
            "ties": Share.of(self.ties, decided).to_json(),
            "losses": Share.of(self.losses, decided).to_json(),
            "both_bad": self.both_bad,
        }


@dataclass(frozen=True)
class Rating:
    """A model's Bradley–Terry (Davidson) log-strength with its bootstrap interval."""

    model: str
    log_strength: float
    low: float
    high: float


@dataclass(frozen=True)
class ReviewerPairKappa:
    first: str
    second: str
    comparisons: int
    agreement: float | None
    kappa: float | None


@dataclass
class ComparisonStats:
    """Everything `reviewdesk compare-models` shows (see the module docstring for units)."""

    comparisons: int = 0
    decided: int = 0
    """Comparisons with at least one decision."""
    unresolved: int = 0
    """Decided comparisons whose reviewers split with no adjudicator: left out."""
    resolved: dict[str, int] = field(default_factory=dict)
    """Resolved comparisons by preference (a, b, tie, both_bad)."""
    pairs: list[PairTally] = field(default_factory=list)
    models: list[ModelTally] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    tie_parameter: float = 0.0
    ratings_converged: bool = True
    ratings_connected: bool = True
    bootstrap: dict[str, int] = field(default_factory=dict)
    left_picks: Share = field(default_factory=lambda: Share.of(0, 0))
    multi_reviewed: int = 0
    alpha: float | None = None
    percent_agreement: float | None = None
    pairwise_agreement: float | None = None
    kappas: list[ReviewerPairKappa] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "comparisons": self.comparisons,
            "decided": self.decided,
            "unresolved": self.unresolved,
            "resolved": self.resolved,
            "pairs": [pair.to_json() for pair in self.pairs],
            "models": [model.to_json() for model in self.models],
            "ratings": {
                "model": "Bradley-Terry with ties (Davidson), log-strength centred at 0",
                "tie_parameter": self.tie_parameter,
                "converged": self.ratings_converged,
                "connected": self.ratings_connected,
                "bootstrap": self.bootstrap,
                "models": [
                    {
                        "model": rating.model,
                        "log_strength": rating.log_strength,
                        "low": rating.low,
                        "high": rating.high,
                    }
                    for rating in self.ratings
                ],
            },
            "position_bias": {
                "left_picks": self.left_picks.to_json(),
                "counted": "each reviewer's latest a/b decision with a recorded shown_order",
            },
            "agreement": {
                "comparisons": self.multi_reviewed,
                "categories": ["a", "b", "tie", "both_bad"],
                "krippendorff_alpha": self.alpha,
                "percent_agreement": self.percent_agreement,
                "pairwise_agreement": self.pairwise_agreement,
                "cohen_kappa": [
                    {
                        "reviewers": [pair.first, pair.second],
                        "comparisons": pair.comparisons,
                        "agreement": pair.agreement,
                        "kappa": pair.kappa,
                    }
                    for pair in self.kappas
                ],
            },
        }


def comparison_stats(
    connection: Connection,
    *,
    adjudicators: Collection[str] = (),
    resamples: int = 200,
    seed: int = 0,
) -> ComparisonStats:
    """The statistics of every comparison in the store behind `connection`."""
    (count,) = connection.execute(text("SELECT count(*) FROM comparison")).one()
    return summarise_comparisons(
        comparison_labels(connection),
        comparisons=int(count),
        adjudicators=adjudicators,
        resamples=resamples,
        seed=seed,
    )


def summarise_comparisons(
    labels: Sequence[ComparisonLabel],
    *,
    comparisons: int | None = None,
    adjudicators: Collection[str] = (),
    resamples: int = 200,
    seed: int = 0,
) -> ComparisonStats:
    """The statistics of these labels (pure: see the module docstring)."""
    by_comparison: dict[int, list[ComparisonLabel]] = defaultdict(list)
    for label in labels:
        by_comparison[label.comparison_pk].append(label)
    stats = ComparisonStats(
        comparisons=len(by_comparison) if comparisons is None else comparisons,
        decided=len(by_comparison),
    )
    resolved: dict[str, int] = {str(preference): 0 for preference in Preference}
    pairs: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    models: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    results: list[PairResult] = []
    for group in by_comparison.values():
        first = group[0]
        preference = resolve_preference(
            [(label.reviewer, label.preference) for label in group], adjudicators
        )
        if preference is None:
            stats.unresolved += 1
            continue
        resolved[str(preference)] += 1
        _count(pairs, models, first.model_a, first.model_b, preference)
        if preference is not Preference.BOTH_BAD:
            outcome = {
                Preference.A: Outcome.FIRST,
                Preference.B: Outcome.SECOND,
                Preference.TIE: Outcome.TIE,
            }[preference]
            results.append((first.model_a, first.model_b, outcome))
    stats.resolved = resolved
    stats.pairs = [PairTally(x, y, *counts) for (x, y), counts in sorted(pairs.items())]
    stats.models = [ModelTally(model, *counts) for model, counts in sorted(models.items())]
    fit, intervals = bootstrap_ratings(results, resamples=resamples, seed=seed)
    stats.ratings = sorted(
        (Rating(model, value, *intervals[model]) for model, value in fit.log_strength.items()),
        key=lambda rating: -rating.log_strength,
    )
    stats.tie_parameter = fit.tie
    stats.ratings_converged = fit.converged
    stats.ratings_connected = fit.connected
    stats.bootstrap = {"resamples": resamples, "seed": seed, "comparisons": len(results)}
    stats.left_picks = _left_picks(labels)
    _agreement(stats, by_comparison)
    return stats


def _count(
    pairs: dict[tuple[str, str], list[int]],
    models: dict[str, list[int]],
    model_a: str,
    model_b: str,
    preference: Preference,
) -> None:
    x, y = sorted((model_a, model_b))
    tally = pairs[(x, y)]
    if preference is Preference.BOTH_BAD:
        tally[3] += 1
        models[model_a][3] += 1
        if model_b != model_a:
            models[model_b][3] += 1
        return
    if preference is Preference.TIE:
        tally[1] += 1
        models[model_a][1] += 1
        if model_b != model_a:
            models[model_b][1] += 1
        return
    winner, loser = (model_a, model_b) if preference is Preference.A else (model_b, model_a)
    tally[0 if winner == x else 2] += 1  # a model against itself: a "win" of the pair
    if winner == loser:
        return
    models[winner][0] += 1
    models[loser][2] += 1


def _left_picks(labels: Sequence[ComparisonLabel]) -> Share:
    left = total = 0
    for label in labels:
        if label.shown_order is None or label.preference not in (Preference.A, Preference.B):
            continue
        total += 1
        shown_left = "a" if label.shown_order == "ab" else "b"
        left += label.preference == shown_left
    return Share.of(left, total)


def _agreement(stats: ComparisonStats, by_comparison: dict[int, list[ComparisonLabel]]) -> None:
    units = [
        [str(label.preference) for label in group]
        for group in by_comparison.values()
        if len(group) >= 2
    ]
    stats.multi_reviewed = len(units)
    stats.alpha = krippendorff_alpha_nominal(units)
    stats.percent_agreement = percent_agreement(units)
    stats.pairwise_agreement = pairwise_agreement(units)
    by_pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for group in by_comparison.values():
        given = {label.reviewer: str(label.preference) for label in group}
        for first, second in combinations(sorted(given), 2):
            by_pair[(first, second)].append((given[first], given[second]))
    stats.kappas = [
        ReviewerPairKappa(
            first,
            second,
            len(pairs),
            sum(1 for one, other in pairs if one == other) / len(pairs),
            cohen_kappa(pairs),
        )
        for (first, second), pairs in sorted(by_pair.items())
    ]
