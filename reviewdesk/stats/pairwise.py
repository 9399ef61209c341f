"""Ratings from pairwise preferences: Bradley–Terry with ties (Davidson 1970), bootstrapped.

Davidson's model gives each model a strength pi > 0 and the comparisons one tie parameter
nu >= 0: for models i and j, with D = pi_i + pi_j + nu * sqrt(pi_i * pi_j),

    P(i preferred) = pi_i / D,   P(j preferred) = pi_j / D,   P(tie) = nu * sqrt(pi_i * pi_j) / D.

With no ties nu is 0 and this is the Bradley–Terry model. The maximum-likelihood estimates are
found by Davidson's fixed-point iteration on the score equations (each step rearranges the
equation "observed wins + half the ties = their expectation" for pi_i, and "observed ties =
expected ties" for nu), a minorise-maximise scheme for the Bradley–Terry part (Hunter 2004):

    pi_i <- (W_i + T_i / 2) / sum_j n_ij * (1 + nu/2 * sqrt(pi_j / pi_i)) / D_ij
    nu   <- T / sum_{i<j} n_ij * sqrt(pi_i * pi_j) / D_ij

Strengths are reported on the log scale, centred (the mean log-strength is 0), since only
ratios are identified. A model that never won nor tied has no finite estimate (its strength
tends to 0): the fit reports `converged = False` for such data. Models in parts of the
comparison graph that never meet cannot be placed against each other either; the ratings then
compare within each part only (`connected = False`).

Intervals: a percentile bootstrap that resamples comparisons (with replacement, the whole
comparison: its two models and its outcome), seeded so that a report is reproducible. Since a
comparison is known by its two models and its outcome alone, drawing n comparisons with
replacement is drawing how many fall in each (pair, outcome) cell from a multinomial with the
cells' shares: the resample is made that way, so its cost grows with the number of cells, not
of comparisons.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

__all__ = [
    "Outcome",
    "PairResult",
    "RatingFit",
    "bootstrap_ratings",
    "fit_davidson",
]


_DIVERGING_STEPS = 100
"""Steps taken when a model won and never lost (or lost and never won): no finite fit."""

_LOG_LIMIT = 600.0
"""Log-strengths are held within ±600 (exp overflows past 709)."""


class Outcome(StrEnum):
    """The result of one comparison between two models, from the first model's side."""

    FIRST = "first"
    SECOND = "second"
    TIE = "tie"


PairResult = tuple[str, str, Outcome]
"""One comparison: (first model, second model, outcome)."""


@dataclass(frozen=True)
class RatingFit:
    """A fitted Davidson model.

    Attributes:
        log_strength: each model's log-strength, centred at a mean of 0.
        tie: the tie parameter nu (0 when there were no ties).
        iterations: fixed-point steps taken.
        converged: the steps settled (largest change of a log-strength below the tolerance).
        connected: every model is linked to every other through comparisons.
    """

    log_strength: dict[str, float]
    tie: float
    iterations: int
    converged: bool
    connected: bool

    def win_probability(self, first: str, second: str) -> float:
        """The model's probability that `first` is preferred to `second` (ties aside)."""
        pi_i = math.exp(self.log_strength[first])
        pi_j = math.exp(self.log_strength[second])
        return pi_i / (pi_i + pi_j + self.tie * math.sqrt(pi_i * pi_j))


def _tallies(
    results: Sequence[PairResult],
) -> tuple[list[str], dict[tuple[int, int], list[int]]]:
    """Models (sorted) and, per unordered pair (i < j), [i's wins, j's wins, ties]."""
    models = sorted({model for first, second, _ in results for model in (first, second)})
    index = {model: position for position, model in enumerate(models)}
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for first, second, outcome in results:
        if first == second:
            continue  # a model against itself says nothing about its rating
        i, j = index[first], index[second]
        if outcome is Outcome.TIE:
            counts[(min(i, j), max(i, j))][2] += 1
        else:
            winner = i if outcome is Outcome.FIRST else j
            loser = j if winner == i else i
            key = (min(winner, loser), max(winner, loser))
            counts[key][0 if winner < loser else 1] += 1
    return models, dict(counts)


def _connected(size: int, pairs: Sequence[tuple[int, int]]) -> bool:
    if size <= 1:
        return True
    neighbours: dict[int, set[int]] = defaultdict(set)
    for i, j in pairs:
        neighbours[i].add(j)
        neighbours[j].add(i)
    seen, stack = {0}, [0]
    while stack:
        for other in neighbours[stack.pop()]:
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return len(seen) == size


def fit_davidson(
    results: Sequence[PairResult], *, tolerance: float = 1e-10, max_iterations: int = 10_000
) -> RatingFit:
    """The maximum-likelihood Davidson ratings of `results` (see the module docstring)."""
    models, counts = _tallies(results)
    return _fit_tallies(models, counts, tolerance=tolerance, max_iterations=max_iterations)


def _fit_tallies(
    models: Sequence[str],
    counts: dict[tuple[int, int], list[int]],
    *,
    tolerance: float,
    max_iterations: int,
) -> RatingFit:
    """The Davidson fit of per-pair tallies (`_tallies`' shape; every model in some pair)."""
    size = len(models)
    if size == 0:
        return RatingFit({}, 0.0, 0, True, True)
    wins, losses = [0] * size, [0] * size
    for (i, j), (wins_i, wins_j, _ties) in counts.items():
        wins[i] += wins_i
        wins[j] += wins_j
        losses[i] += wins_j
        losses[j] += wins_i
    if any(
        (won and not lost) or (lost and not won) for won, lost in zip(wins, losses, strict=True)
    ):
        # No finite maximum: a model that won and never lost (or lost and never won) has its
        # strength run off, ever more slowly. A few steps order the models; the fit says it
        # did not converge.
        max_iterations = min(max_iterations, _DIVERGING_STEPS)
    score = [0.0] * size  # wins + half the ties
    for (i, j), (wins_i, wins_j, ties) in counts.items():
        score[i] += wins_i + ties / 2
        score[j] += wins_j + ties / 2
    total_ties = sum(ties for _, _, ties in counts.values())
    strength = [1.0] * size
    nu = 1.0 if total_ties else 0.0
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (reported after the loop)
        denominators = [0.0] * size
        tie_sum = 0.0
        for (i, j), (wins_i, wins_j, ties) in counts.items():
            n = wins_i + wins_j + ties
            root = math.sqrt(strength[i] * strength[j])
            d = strength[i] + strength[j] + nu * root
            denominators[i] += n * (1 + nu / 2 * math.sqrt(strength[j] / strength[i])) / d
            denominators[j] += n * (1 + nu / 2 * math.sqrt(strength[i] / strength[j])) / d
            tie_sum += n * root / d
        updated = [
            max(score[i] / denominators[i], 1e-300) if denominators[i] > 0 else strength[i]
            for i in range(size)
        ]
        # Only ratios are identified: keep the geometric mean at 1.
        centre = math.fsum(math.log(value) for value in updated) / size
        # A model that never lost (or never won) runs off towards infinity (or 0): held
        # within exp's range, its fit is reported as not converged rather than overflowing.
        updated = [
            math.exp(min(_LOG_LIMIT, max(-_LOG_LIMIT, math.log(value) - centre)))
            for value in updated
        ]
        nu = total_ties / tie_sum if total_ties else 0.0
        change = max(
            abs(math.log(new) - math.log(old)) for new, old in zip(updated, strength, strict=True)
        )
        strength = updated
        if change < tolerance:
            converged = True
            break
    if any(score_i == 0 for score_i in score):
        converged = False
    logs = {model: math.log(strength[i]) for i, model in enumerate(models)}
    return RatingFit(logs, nu, iteration, converged, _connected(size, list(counts)))


def bootstrap_ratings(
    results: Sequence[PairResult],
    *,
    resamples: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[RatingFit, dict[str, tuple[float, float]]]:
    """The fit of `results` and each model's percentile interval of its log-strength over
    `resamples` fits of comparisons drawn with replacement (seeded: the same data and seed
    give the same intervals). A model missing from a resample is left out of that resample's
    values."""
    models, counts = _tallies(results)
    fit = _fit_tallies(models, counts, tolerance=1e-10, max_iterations=10_000)
    cells = [(pair, slot) for pair, tally in counts.items() for slot in range(3) if tally[slot]]
    if not cells or resamples <= 0:
        return fit, {model: (value, value) for model, value in fit.log_strength.items()}
    sizes = np.array([counts[pair][slot] for pair, slot in cells], dtype=np.int64)
    total = int(sizes.sum())
    draws = np.random.default_rng(seed).multinomial(total, sizes / total, size=resamples)
    values: dict[str, list[float]] = defaultdict(list)
    for drawn in draws.tolist():
        sample: dict[tuple[int, int], list[int]] = {}
        for (pair, slot), number in zip(cells, drawn, strict=True):
            if number:
                sample.setdefault(pair, [0, 0, 0])[slot] = number
        # A model no resampled comparison names is left out of this resample.
        present = sorted({i for pair in sample for i in pair})
        position = {i: new for new, i in enumerate(present)}
        refit = _fit_tallies(
            [models[i] for i in present],
            {(position[i], position[j]): tally for (i, j), tally in sample.items()},
            tolerance=1e-8,
            max_iterations=2_000,
        )
        for model, value in refit.log_strength.items():
            values[model].append(value)
    tail = (1 - level) / 2
    intervals = {
        model: (_percentile(values[model], tail), _percentile(values[model], 1 - tail))
        if values[model]
        else (value, value)
        for model, value in fit.log_strength.items()
    }
    return fit, intervals


def _percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile of `values` (linear between order statistics)."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
