"""Inter-rater agreement on nominal labels: percent agreement, Cohen's kappa, Krippendorff's alpha.

Pure functions over labels, tested against published worked examples:
- Cohen's kappa (Cohen 1960): kappa = (p_o - p_e) / (1 - p_e), p_e from the two raters' margins.
- Krippendorff's alpha, nominal metric, any number of raters, missing values allowed
  (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011): alpha = 1 - D_o / D_e from
  the coincidence matrix, where units with fewer than two values are not pairable and left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence

__all__ = ["cohen_kappa", "krippendorff_alpha_nominal", "percent_agreement"]


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
