"""Bradley–Terry ratings with ties (Davidson), checked by hand and against independent fits."""

from __future__ import annotations

import math
import random

import choix
import numpy as np
import pytest
from scipy.optimize import minimize

from reviewdesk.stats.pairwise import Outcome, PairResult, bootstrap_ratings, fit_davidson


def test_two_models_match_the_closed_form_worked_by_hand() -> None:
    # A preferred 6 times, B twice, 4 ties. With two models Davidson's likelihood is a
    # multinomial: P(A) : P(B) : P(tie) = pi_A : pi_B : nu * sqrt(pi_A * pi_B) = 6 : 2 : 4,
    # so pi_A / pi_B = 3 and nu = (4 / 2) / sqrt(3) = 4 / sqrt(12) = 1.1547.
    results: list[PairResult] = (
        [("A", "B", Outcome.FIRST)] * 6
        + [("B", "A", Outcome.FIRST)] * 2
        + [("A", "B", Outcome.TIE)] * 4
    )
    fit = fit_davidson(results)
    assert fit.converged and fit.connected
    assert math.exp(fit.log_strength["A"] - fit.log_strength["B"]) == pytest.approx(3.0, abs=1e-8)
    assert fit.tie == pytest.approx(4 / math.sqrt(12), abs=1e-8)
    assert fit.log_strength["A"] == pytest.approx(math.log(3) / 2, abs=1e-8)  # centred at 0
    # P(A preferred) = 3 / (3 + 1 + nu * sqrt(3)) = 6 / 12
    assert fit.win_probability("A", "B") == pytest.approx(0.5, abs=1e-8)


def test_with_no_ties_it_is_bradley_terry_and_matches_choix_on_known_strengths() -> None:
    truth = {"m0": 0.0, "m1": 0.5, "m2": 1.0, "m3": -0.7}
    models = sorted(truth)
    draw = random.Random(7)
    results: list[PairResult] = []
    data: list[tuple[int, int]] = []
    for _ in range(3000):
        i, j = draw.sample(range(len(models)), 2)
        p = 1 / (1 + math.exp(truth[models[j]] - truth[models[i]]))
        first_wins = draw.random() < p
        results.append((models[i], models[j], Outcome.FIRST if first_wins else Outcome.SECOND))
        data.append((i, j) if first_wins else (j, i))
    fit = fit_davidson(results)
    reference = choix.ilsr_pairwise(len(models), data, alpha=0.0, max_iter=10_000, tol=1e-12)
    reference = reference - reference.mean()
    assert fit.tie == 0.0
    for position, model in enumerate(models):
        assert fit.log_strength[model] == pytest.approx(reference[position], abs=1e-6)
    centre = sum(truth.values()) / len(truth)
    for model in models:  # and near the strengths the data were drawn from
        assert fit.log_strength[model] == pytest.approx(truth[model] - centre, abs=0.15)


def _davidson_reference(results: list[PairResult], models: list[str]) -> tuple[np.ndarray, float]:
    """An independent maximum-likelihood fit: scipy's BFGS on the negative log-likelihood, in
    (log-strengths with the first fixed at 0, log nu)."""
    index = {model: position for position, model in enumerate(models)}
    firsts = np.array([index[a] for a, _, _ in results])
    seconds = np.array([index[b] for _, b, _ in results])
    outcome = np.array([{"first": 0, "second": 1, "tie": 2}[str(o)] for _, _, o in results])

    def negative_log_likelihood(x: np.ndarray) -> float:
        theta = np.concatenate([[0.0], x[:-1]])
        log_nu = x[-1]
        ti, tj = theta[firsts], theta[seconds]
        log_tie = log_nu + (ti + tj) / 2
        log_d = np.logaddexp(np.logaddexp(ti, tj), log_tie)
        chosen = np.where(outcome == 0, ti, np.where(outcome == 1, tj, log_tie))
        return float(-(chosen - log_d).sum())

    found = minimize(negative_log_likelihood, np.zeros(len(models)), method="BFGS", tol=1e-12)
    theta = np.concatenate([[0.0], found.x[:-1]])
    return theta - theta.mean(), float(math.exp(found.x[-1]))


def test_with_ties_it_matches_an_independent_maximum_likelihood_fit() -> None:
    truth = {"a": 0.8, "b": 0.0, "c": -0.4}
    nu = 0.7
    models = sorted(truth)
    draw = random.Random(11)
    results: list[PairResult] = []
    for _ in range(2000):
        i, j = draw.sample(models, 2)
        pi_i, pi_j = math.exp(truth[i]), math.exp(truth[j])
        d = pi_i + pi_j + nu * math.sqrt(pi_i * pi_j)
        roll = draw.random() * d
        outcome = (
            Outcome.FIRST if roll < pi_i else Outcome.SECOND if roll < pi_i + pi_j else Outcome.TIE
        )
        results.append((i, j, outcome))
    fit = fit_davidson(results)
    theta, reference_nu = _davidson_reference(results, models)
    assert fit.converged
    for position, model in enumerate(models):
        assert fit.log_strength[model] == pytest.approx(theta[position], abs=1e-5)
    assert fit.tie == pytest.approx(reference_nu, abs=1e-5)
    assert fit.tie == pytest.approx(nu, abs=0.1)


def test_the_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    results: list[PairResult] = (
        [("A", "B", Outcome.FIRST)] * 30
        + [("A", "B", Outcome.SECOND)] * 10
        + [("B", "C", Outcome.FIRST)] * 20
        + [("B", "C", Outcome.TIE)] * 10
        + [("A", "C", Outcome.FIRST)] * 5
    )
    fit, intervals = bootstrap_ratings(results, resamples=100, seed=3)
    again = bootstrap_ratings(results, resamples=100, seed=3)[1]
    other = bootstrap_ratings(results, resamples=100, seed=4)[1]
    assert intervals == again
    assert intervals != other
    for model, value in fit.log_strength.items():
        low, high = intervals[model]
        assert low < value < high
    assert intervals["A"][0] > intervals["C"][1]  # A is clearly stronger than C


def test_a_model_that_never_won_nor_tied_is_reported_as_not_converged() -> None:
    fit = fit_davidson([("A", "B", Outcome.FIRST)] * 5)
    assert not fit.converged


def test_models_that_never_meet_are_reported_as_not_connected() -> None:
    results: list[PairResult] = [
        ("A", "B", Outcome.FIRST),
        ("B", "A", Outcome.FIRST),
        ("C", "D", Outcome.FIRST),
        ("D", "C", Outcome.FIRST),
    ]
    assert not fit_davidson(results).connected


def test_a_model_that_never_lost_has_no_finite_fit_and_is_said_so() -> None:
    # 7 wins and a tie: the likelihood grows without end as "big" pulls away. The fit stops,
    # says it did not converge, still orders the models, and its intervals stay finite.
    results: list[PairResult] = [("big", "small", Outcome.FIRST)] * 7
    results.append(("big", "small", Outcome.TIE))
    fit, intervals = bootstrap_ratings(results, resamples=50, seed=1)
    assert not fit.converged
    assert fit.log_strength["big"] > 0 > fit.log_strength["small"]
    assert all(math.isfinite(end) for interval in intervals.values() for end in interval)
    assert intervals["big"][0] > intervals["small"][1]


def _bootstrap_one_by_one(
    results: list[PairResult], resamples: int, seed: int
) -> dict[str, tuple[float, float]]:
    """The textbook bootstrap, written independently: draw n comparisons one by one."""
    draw = random.Random(seed)
    values: dict[str, list[float]] = {}
    for _ in range(resamples):
        sample = [results[draw.randrange(len(results))] for _ in results]
        for model, value in fit_davidson(sample, tolerance=1e-8).log_strength.items():
            values.setdefault(model, []).append(value)
    return {
        model: (float(np.percentile(drawn, 2.5)), float(np.percentile(drawn, 97.5)))
        for model, drawn in values.items()
    }


def test_resampling_cells_gives_the_intervals_of_resampling_comparisons_one_by_one() -> None:
    # Drawing n comparisons with replacement is a multinomial over (pair, outcome) cells; the
    # cell draw must give the same intervals as the textbook draw, up to Monte Carlo error
    # (1,000 resamples each, other seeds: the ends differ by a few hundredths).
    results: list[PairResult] = (
        [("A", "B", Outcome.FIRST)] * 30
        + [("A", "B", Outcome.SECOND)] * 12
        + [("A", "B", Outcome.TIE)] * 8
        + [("B", "C", Outcome.FIRST)] * 20
        + [("B", "C", Outcome.SECOND)] * 15
        + [("A", "C", Outcome.FIRST)] * 10
        + [("A", "C", Outcome.TIE)] * 5
    )
    _, cells = bootstrap_ratings(results, resamples=1_000, seed=5)
    one_by_one = _bootstrap_one_by_one(results, 1_000, seed=6)
    for model in ("A", "B", "C"):
        assert cells[model][0] == pytest.approx(one_by_one[model][0], abs=0.08)
        assert cells[model][1] == pytest.approx(one_by_one[model][1], abs=0.08)
        assert cells[model][1] - cells[model][0] > 0.3  # an interval, not a point
