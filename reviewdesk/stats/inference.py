"""Interval estimates and tests for proportions, written out with the standard library.

Everything here is a pure function of counts, so it is tested against published worked examples
(see tests/stats/test_inference.py for the sources). The formulas:

- Wilson score interval for one proportion (Wilson 1927; Newcombe 1998, method 3).
- For labels clustered in items (several reviewers' labels of one item are not independent):
  the Wilson interval at the effective sample size n / deff (Kish 1965), where the design
  effect comes from the cluster-robust (CR0, ratio-estimator) variance of the share,
  V = sum_i (y_i - p m_i)^2 / (sum_i m_i)^2 for items i with m_i labels of which y_i count, so
  n_eff = p (1 - p) / V. Items whose labels all agree thus count once each: 450 items with two
  identical labels give the interval of 450 items with one.
- Newcombe's hybrid score interval for a difference of two proportions (Newcombe 1998, "Interval
  estimation for the difference between independent proportions", method 10).
- Two-proportion z test (pooled variance) and, when an expected cell count is below 5, Fisher's
  exact test, two-sided as R's `fisher.test` computes it (tables no more likely than the one seen).
- Student's t quantile (for a mean's interval): the t distribution function through the
  regularised incomplete beta function, I_x(a, b) by its continued fraction (Numerical Recipes,
  section 6.4), inverted by bisection.
- Reviews per group to detect a difference at 5% two-sided with 80% power (Fleiss, Levin & Paik,
  "Statistical Methods for Rates and Proportions", eq. 4.14, without continuity correction).
"""

from __future__ import annotations

import math

__all__ = [
    "Z95",
    "fisher_exact",
    "newcombe_difference",
    "normal_cdf",
    "normal_quantile",
    "proportion_test",
    "reviews_per_group",
    "student_t_quantile",
    "t_interval",
    "two_proportion_z",
    "wilson",
    "wilson_clustered",
]

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution


def normal_cdf(x: float) -> float:
    """P(Z <= x) for a standard normal Z."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def normal_quantile(p: float) -> float:
    """The x with P(Z <= x) = p, by bisection on `normal_cdf` (exact to float precision)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"a quantile needs 0 < p < 1, not {p}")
    low, high = -40.0, 40.0
    for _ in range(200):
        middle = (low + high) / 2
        if normal_cdf(middle) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-15:
            break
    return (low + high) / 2


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for `successes` out of `n`; (0, 1) when there are no trials."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    low = (centre - spread) / denominator
    high = (centre + spread) / denominator
    # Exact at the edges (the formula gives 1e-17 instead of 0 there).
    return (0.0 if successes == 0 else max(0.0, low)), (1.0 if successes == n else min(1.0, high))


def _wilson_share(p: float, n: float, z: float) -> tuple[float, float]:
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(max(0.0, p * (1 - p) / n + z2 / (4 * n * n)))
    denominator = 1 + z2 / n
    return (centre - spread) / denominator, (centre + spread) / denominator


def wilson_clustered(
    successes: int,
    labels: int,
    items: int,
    sum_squares: float,
    sum_cross: float,
    sum_sizes_squared: float,
    z: float = Z95,
) -> tuple[float, float]:
    """The Wilson interval of `successes` out of `labels` that came from `items` items, at the
    effective sample size of the cluster-robust variance (see the module docstring).

    Args:
        successes: sum of y_i, the labels that count.
        labels: sum of m_i, the labels.
        items: the number of items (clusters).
        sum_squares: sum of y_i^2.
        sum_cross: sum of y_i m_i.
        sum_sizes_squared: sum of m_i^2.

    With no variation between items around the share (every label the same, or every item
    exactly at the share), the effective size is taken as the number of items: at most one
    independent observation an item.
    """
    if labels <= 0 or items <= 0:
        return 0.0, 1.0
    p = successes / labels
    spread = sum_squares - 2 * p * sum_cross + p * p * sum_sizes_squared
    variance = max(0.0, spread) / (labels * labels)
    if variance > 0 and 0 < p < 1:
        effective = min(float(labels), max(1.0, p * (1 - p) / variance))
    else:
        effective = float(items)
    low, high = _wilson_share(p, effective, z)
    return (0.0 if successes == 0 else max(0.0, low)), (
        1.0 if successes == labels else min(1.0, high)
    )


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """A 95% interval for p1 - p2 from two Wilson intervals (Newcombe's method 10)."""
    if n1 <= 0 or n2 <= 0:
        return -1.0, 1.0
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    difference = p1 - p2
    delta = math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    epsilon = math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, difference - delta), min(1.0, difference + epsilon)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    """The two-sided p-value of the pooled two-proportion z test (1.0 when it is undefined)."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return min(1.0, 2 * normal_cdf(-abs(z)))


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test on the 2x2 table [[a, b], [c, d]].

    Sums the hypergeometric probabilities of every table with the observed margins that is no
    more likely than the observed one (with R's relative tolerance of 1e-7).
    """
    row1, row2, col1 = a + b, c + d, a + c
    total = row1 + row2
    if total == 0:
        return 1.0
    log_denominator = _log_comb(total, col1)

    def probability(top_left: int) -> float:
        return math.exp(
            _log_comb(row1, top_left) + _log_comb(row2, col1 - top_left) - log_denominator
        )

    observed = probability(a)
    low, high = max(0, col1 - row2), min(row1, col1)
    p = sum(
        chance
        for chance in (probability(x) for x in range(low, high + 1))
        if chance <= observed * (1 + 1e-7)
    )
    return min(1.0, p)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def proportion_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, str]:
    """The p-value comparing x1/n1 with x2/n2 and the test used: "fisher" when any expected cell
    count is below 5, else "z"."""
    total = n1 + n2
    if n1 <= 0 or n2 <= 0:
        return 1.0, "none"
    successes = x1 + x2
    failures = total - successes
    smallest_expected = min(n1, n2) * min(successes, failures) / total
    if smallest_expected < 5:
        return fisher_exact(x1, n1 - x1, x2, n2 - x2), "fisher"
    return two_proportion_z(x1, n1, x2, n2), "z"


def reviews_per_group(
    p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Reviews each group needs for a two-sided test at `alpha` to detect p1 != p2 with `power`.

    None when p1 == p2 (no difference to detect).
    """
    difference = abs(p1 - p2)
    if difference == 0:
        return None
    z_alpha = normal_quantile(1 - alpha / 2)
    z_beta = normal_quantile(power)
    mean = (p1 + p2) / 2
    numerator = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_beta * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil(numerator**2 / difference**2)


def _incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast on this side only
        return 1.0 - _incomplete_beta(1.0 - x, b, a)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return front * result / a


def student_t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / (df + t * t), df / 2, 0.5)
    return 1.0 - tail if t > 0 else tail


def student_t_quantile(p: float, df: float) -> float:
    """The t with P(T <= t) = p for Student's t with `df` degrees of freedom."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"a quantile needs 0 < p < 1, not {p}")
    low, high = -1e6, 1e6
    for _ in range(400):
        middle = (low + high) / 2
        if student_t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, abs(middle)):
            break
    return (low + high) / 2


def t_interval(n: int, total: float, total_squares: float) -> tuple[float, float] | None:
    """The 95% t interval of a mean from n values, their sum and their sum of squares; None
    with fewer than two values."""
    if n < 2:
        return None
    mean = total / n
    variance = max(0.0, (total_squares - n * mean * mean) / (n - 1))
    half = student_t_quantile(0.975, n - 1) * math.sqrt(variance / n)
    return mean - half, mean + half
