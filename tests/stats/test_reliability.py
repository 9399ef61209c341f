"""Agreement coefficients against published worked examples."""

from __future__ import annotations

import pytest

from reviewdesk.stats.reliability import (
    cohen_kappa,
    krippendorff_alpha,
    krippendorff_alpha_nominal,
    percent_agreement,
)

N = None
# Krippendorff K (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, values 1..5 with missing data. Nominal alpha = 0.743.
RELIABILITY_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def _units(rows: list[list[int | None]]) -> list[list[int]]:
    return [[value for row in rows if (value := row[u]) is not None] for u in range(len(rows[0]))]


def test_krippendorff_alpha_worked_example_with_missing_values() -> None:
    assert krippendorff_alpha_nominal(_units(RELIABILITY_DATA)) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_binary_two_observers() -> None:
    # Krippendorff (2011), section A: two observers, ten units, binary data; alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha_nominal(list(zip(a, b, strict=True))) == pytest.approx(
        0.095, abs=5e-4
    )


def test_krippendorff_alpha_degenerate() -> None:
    assert krippendorff_alpha_nominal([]) is None
    assert krippendorff_alpha_nominal([["approve"]]) is None  # nothing pairable
    assert krippendorff_alpha_nominal([["approve", "approve"]] * 3) is None  # no variation
    assert krippendorff_alpha_nominal([["a", "a"], ["b", "b"]]) == 1.0


def test_cohen_kappa_textbook_table() -> None:
    # The 2x2 example in Wikipedia's "Cohen's kappa" (50 grant proposals, two readers):
    # yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_cohen_kappa_three_verdicts_by_hand() -> None:
    # 10 items: agree on 7 (4 approve, 2 edit, 1 reject). Margins (approve, edit, reject):
    # first (5, 3, 2), second (4, 3, 3); p_e = (20 + 9 + 6) / 100 = 0.35;
    # kappa = (0.7 - 0.35) / 0.65 = 0.5385.
    pairs = (
        [("approve", "approve")] * 4
        + [("edit", "edit")] * 2
        + [("reject", "reject")]
        + [("approve", "reject"), ("edit", "reject"), ("reject", "edit")]
    )
    assert cohen_kappa(pairs) == pytest.approx(0.35 / 0.65)


def test_cohen_kappa_degenerate() -> None:
    assert cohen_kappa([]) is None
    assert cohen_kappa([("approve", "approve")] * 5) == 1.0  # one category, full agreement


def test_percent_agreement() -> None:
    assert percent_agreement([["a", "a"], ["a", "b"], ["a", "a", "a"], ["x"]]) == pytest.approx(
        2 / 3
    )
    assert percent_agreement([["a"]]) is None


def test_a_weighted_unit_counts_as_that_many_units() -> None:
    units = [["approve", "approve"], ["approve", "reject"], ["reject", "reject", "approve"]]
    weights = [3, 1, 2]
    repeated = [unit for unit, weight in zip(units, weights, strict=True) for _ in range(weight)]
    assert krippendorff_alpha_nominal(units, weights) == pytest.approx(
        krippendorff_alpha_nominal(repeated)
    )
    assert percent_agreement(units, weights) == pytest.approx(percent_agreement(repeated))
    assert percent_agreement(units, weights) == pytest.approx(3 / 6)


@pytest.mark.parametrize(
    ("metric", "alpha"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorff_alpha_metrics_worked_example(metric: str, alpha: float) -> None:
    # Krippendorff (2011), section C: the same data under each metric.
    found = krippendorff_alpha(_units(RELIABILITY_DATA), metric)  # type: ignore[arg-type]
    assert found == pytest.approx(alpha, abs=5e-4)


def test_krippendorff_alpha_without_variation_is_undefined() -> None:
    assert krippendorff_alpha([[3, 3], [3, 3]], "ordinal") is None
    assert krippendorff_alpha([[1], [2]], "interval") is None
