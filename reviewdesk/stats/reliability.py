"""Inter-rater agreement on nominal labels and on sets of reasons.

Two "percent agreements", named apart because they differ from three reviewers on:
- all-agree (`percent_agreement`): the share of items on which every reviewer gave the same
  value;
- pairwise (`pairwise_agreement`): per item, the share of its reviewer pairs that agree, averaged
  over items (Fleiss's observed agreement P-bar). Two reviewers: both are the same number.

For sets (a decision's reasons): Jaccard's index |A & B| / |A | B| and MASI (Passonneau 2006):
Jaccard times 1 when the sets are equal, 0.67 when one holds the other, 0.33 when they overlap
otherwise, 0 when disjoint (the weights of NLTK's `masi_distance`, which is 1 - MASI).

Pure functions over labels, tested against published worked examples:
- Cohen's kappa (Cohen 1960): kappa = (p_o - p_e) / (1 - p_e), p_e from the two raters' margins.
- Krippendorff's alpha, nominal metric, any number of raters, missing values allowed
  (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011): alpha = 1 - D_o / D_e from
  the coincidence matrix, where units with fewer than two values are not pairable and left out.
  `krippendorff_alpha` takes the other metrics of that paper: ordinal (the squared number of
  pairable values ranked between two values, from the margins), interval (the squared
  difference), or any distance function (e.g. `masi_distance` for sets of options):
  alpha = 1 - (n - 1) * sum o_ck d_ck / sum n_c n_k d_ck.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal

__all__ = [
    "cohen_kappa",
    "jaccard",
    "krippendorff_alpha",
    "krippendorff_alpha_nominal",
    "masi",
    "masi_distance",
    "pairwise_agreement",
    "percent_agreement",
]


def percent_agreement(
    units: Sequence[Sequence[Hashable]], weights: Sequence[int] | None = None
) -> float | None:
    """The share of units (with two or more values) on which every value is the same.

    `weights`: how many units each entry of `units` stands for (default: one each).
    """
    counted = zip(units, weights or [1] * len(units), strict=True)
    pairable = [(unit, weight) for unit, weight in counted if len(unit) >= 2]
    total = sum(weight for _, weight in pairable)
    if not total:
        return None
    return sum(weight for unit, weight in pairable if len(set(unit)) == 1) / total


def pairwise_agreement(
    units: Sequence[Sequence[Hashable]], weights: Sequence[int] | None = None
) -> float | None:
    """The mean over units (with two or more values) of the share of their pairs that agree.

    `weights`: how many units each entry of `units` stands for (default: one each).
    """
    total = 0
    agreeing: list[float] = []
    for unit, weight in zip(units, weights or [1] * len(units), strict=True):
        m = len(unit)
        if m < 2:
            continue
        same = sum(n * (n - 1) for n in Counter(unit).values())
        agreeing.append(weight * same / (m * (m - 1)))
        total += weight
    # fsum: the same units in any order give the same share to the last digit.
    return math.fsum(agreeing) / total if total else None


def jaccard(first: frozenset[Hashable], second: frozenset[Hashable]) -> float:
    """|A & B| / |A | B|; 1.0 for two empty sets."""
    union = first | second
    return len(first & second) / len(union) if union else 1.0


def masi(first: frozenset[Hashable], second: frozenset[Hashable]) -> float:
    """MASI similarity (Passonneau 2006): Jaccard weighted by monotonicity; 1.0 for two empty
    sets."""
    if first == second:
        return 1.0
    common = first & second
    if not common:
        return 0.0
    monotonicity = 0.67 if first <= second or second <= first else 0.33
    return jaccard(first, second) * monotonicity


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters' labels on the same items, `pairs` = (first, second).

    None with no pairs; 1.0 when both raters used one and the same category throughout (chance
    agreement is then 1 and the ratio undefined; they agree perfectly); 0.0 when chance agreement
    is 1 but they disagree (impossible with nominal margins, kept for safety).
    """
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for first, second in pairs if first == second) / n
    firsts = Counter(first for first, _ in pairs)
    seconds = Counter(second for _, second in pairs)
    expected = sum(firsts[category] * seconds[category] for category in firsts) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def krippendorff_alpha_nominal(
    units: Sequence[Sequence[Hashable]], weights: Sequence[int] | None = None
) -> float | None:
    """Krippendorff's alpha (nominal) of `units`, each the list of values its raters gave.

    `weights`: how many units each entry of `units` stands for (default: one each). None when
    fewer than two pairable values exist or every pairable value is the same category (no
    variation: alpha is undefined).
    """
    coincidences: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit, weight in zip(units, weights or [1] * len(units), strict=True):
        m = len(unit)
        if m < 2:
            continue
        counts = Counter(unit)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                if pairs:
                    coincidences[(c, k)] += weight * pairs / (m - 1)
    return _alpha_from_coincidences(coincidences)


def _alpha_from_coincidences(
    coincidences: Mapping[tuple[Hashable, Hashable], float],
) -> float | None:
    margins: dict[Hashable, float] = defaultdict(float)
    for (c, _), value in coincidences.items():
        margins[c] += value
    n = sum(margins.values())
    if n <= 1:
        return None
    observed_disagreement = sum(value for (c, k), value in coincidences.items() if c != k)
    expected_disagreement = sum(
        margins[c] * margins[k] for c in margins for k in margins if c != k
    ) / (n - 1)
    if expected_disagreement == 0:
        return None
    return 1 - observed_disagreement / expected_disagreement


Distance = Callable[[Any, Any], float]
Metric = Literal["nominal", "ordinal", "interval"] | Distance


def masi_distance(first: frozenset[Hashable], second: frozenset[Hashable]) -> float:
    """1 - MASI: the distance Krippendorff's alpha takes for sets of values."""
    return 1.0 - masi(first, second)


def krippendorff_alpha(
    units: Sequence[Sequence[Any]],
    metric: Metric = "nominal",
    weights: Sequence[int] | None = None,
) -> float | None:
    """Krippendorff's alpha of `units` (each the values its raters gave) under `metric`:
    nominal, ordinal or interval (numbers), or a distance function of two values.

    None when fewer than two pairable values exist or the values do not vary (alpha is then
    undefined).
    """
    coincidences: dict[tuple[Any, Any], float] = defaultdict(float)
    for unit, weight in zip(units, weights or [1] * len(units), strict=True):
        m = len(unit)
        if m < 2:
            continue
        counts = Counter(unit)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                if pairs:
                    coincidences[(c, k)] += weight * pairs / (m - 1)
    margins: dict[Any, float] = defaultdict(float)
    for (c, _), value in coincidences.items():
        margins[c] += value
    n = sum(margins.values())
    if n <= 1:
        return None
    distance = _distance(metric, margins)
    observed = math.fsum(value * distance(c, k) for (c, k), value in coincidences.items())
    expected = math.fsum(
        margins[c] * margins[k] * distance(c, k) for c in margins for k in margins if c != k
    )
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def _distance(metric: Metric, margins: Mapping[Any, float]) -> Distance:
    if callable(metric):
        return metric
    if metric == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    if metric == "interval":
        return lambda c, k: float(c - k) ** 2
    # Ordinal: the values ranked from c to k, counted by their margins, less half of each end.
    ranked = sorted(margins)
    cumulative: dict[Any, float] = {}
    total = 0.0
    for value in ranked:
        total += margins[value]
        cumulative[value] = total

    def ordinal(c: Any, k: Any) -> float:
        low, high = (c, k) if c <= k else (k, c)
        between = cumulative[high] - cumulative[low] + margins[low]
        return (between - (margins[low] + margins[high]) / 2) ** 2 if c != k else 0.0

    return ordinal
