"""The interval and test formulas against published worked examples."""

from __future__ import annotations

import pytest

from reviewdesk.stats.inference import (
    fisher_exact,
    newcombe_difference,
    normal_quantile,
    proportion_test,
    reviews_per_group,
    student_t_quantile,
    t_interval,
    two_proportion_z,
    wilson,
)


# Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no
# continuity correction).
@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombes_table(successes: int, n: int, low: float, high: float) -> None:
    assert wilson(successes, n) == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_edges() -> None:
    assert wilson(0, 0) == (0.0, 1.0)  # no trials: anything is possible
    low, high = wilson(1, 1)  # a group of one approval
    assert high == 1.0
    assert low == pytest.approx(1 / (1 + 1.959963984540054**2))  # 0.2065, by hand
    assert wilson(7, 7)[1] == 1.0 and wilson(0, 7)[0] == 0.0


# Newcombe RG (1998), "Interval estimation for the difference between independent proportions:
# comparison of eleven methods", Statistics in Medicine 17:873-890, Table II, method 10.
@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)],
)
def test_newcombe_difference_matches_the_paper(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    assert newcombe_difference(x1, n1, x2, n2) == (
        pytest.approx(low, abs=5e-5),
        pytest.approx(high, abs=5e-5),
    )


def test_fisher_exact_lady_tasting_tea() -> None:
    # Fisher (1935), the lady tasting tea: 3 of 4 cups right each way; two-sided p = 0.4857
    # (R: fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value = 0.4857).
    assert fisher_exact(3, 1, 1, 3) == pytest.approx(0.4857, abs=5e-5)
    # One-sided extreme table [[4, 0], [0, 4]]: p = 2 / C(8, 4) = 2/70 two-sided.
    assert fisher_exact(4, 0, 0, 4) == pytest.approx(2 / 70)
    assert fisher_exact(0, 0, 0, 0) == 1.0


def test_two_proportion_z_by_hand() -> None:
    # 60/100 vs 45/100: pooled 0.525, se = sqrt(0.525 * 0.475 * 0.02) = 0.070622,
    # z = 0.15 / 0.070622 = 2.1240, two-sided p = 0.03367.
    assert two_proportion_z(60, 100, 45, 100) == pytest.approx(0.03367, abs=5e-5)
    assert two_proportion_z(5, 5, 5, 5) == 1.0  # no variance: nothing to test
    assert two_proportion_z(1, 0, 1, 2) == 1.0


def test_proportion_test_uses_fisher_for_small_counts() -> None:
    assert proportion_test(3, 4, 1, 4)[1] == "fisher"
    assert proportion_test(60, 100, 45, 100)[1] == "z"
    assert proportion_test(1, 1, 0, 0) == (1.0, "none")


def test_normal_quantiles() -> None:
    assert normal_quantile(0.975) == pytest.approx(1.959964, abs=1e-6)
    assert normal_quantile(0.8) == pytest.approx(0.841621, abs=1e-6)
    assert normal_quantile(0.5) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="0 < p < 1"):
        normal_quantile(1.0)


def test_reviews_per_group_by_hand() -> None:
    # 0.6 vs 0.5, alpha 0.05 two-sided, power 0.8 (Fleiss, Levin & Paik, eq. 4.14, no
    # continuity correction): (1.95996 * sqrt(2 * .55 * .45) + 0.84162 * sqrt(.24 + .25))^2
    # / 0.01 = 387.3, so 388.
    assert reviews_per_group(0.6, 0.5) == 388
    assert reviews_per_group(0.5, 0.5) is None


@pytest.mark.parametrize(
    ("df", "quantile"),
    # Two-sided 95% critical values from a printed t table (e.g. NIST/SEMATECH e-Handbook,
    # section 1.3.6.7.2).
    [(1, 12.706), (2, 4.303), (5, 2.571), (9, 2.262), (30, 2.042), (100, 1.984)],
)
def test_student_t_quantiles_match_the_table(df: int, quantile: float) -> None:
    assert student_t_quantile(0.975, df) == pytest.approx(quantile, abs=5e-4)
    assert student_t_quantile(0.025, df) == pytest.approx(-quantile, abs=5e-4)


def test_t_interval_of_a_mean() -> None:
    # 5, 7, 9: mean 7, sd 2, half-width 4.303 * 2 / sqrt(3) = 4.968.
    low, high = t_interval(3, 21, 25 + 49 + 81) or (0.0, 0.0)
    assert (low, high) == pytest.approx((7 - 4.968, 7 + 4.968), abs=5e-4)
    assert t_interval(1, 5, 25) is None
