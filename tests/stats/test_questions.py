"""Per-question statistics of review forms: distributions, calibration and agreement, on an
SQLite store and on PostgreSQL holding the same rows."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from reviewdesk.stats import (
    StatsInputError,
    Unit,
    parse_keys,
    question_agreement,
    question_calibration,
    question_stats,
)
from reviewdesk.stats.inference import wilson
from reviewdesk.store import Resolution, Store
from tests.helpers.answers import AnswerStore, answered, copy_to_postgres
from tests.server.postgres import PostgresServer

Ready = Callable[[], Engine]


@pytest.fixture
def answers(store: Store, tmp_path: Path) -> AnswerStore:
    return AnswerStore(store, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_of(
    request: pytest.FixtureRequest, store: Store, postgres: PostgresServer | None
) -> Iterator[Ready]:
    """The engine to count on, once the test has written its rows: the store's own, or a
    PostgreSQL database the rows are copied into."""
    made: list[Engine] = []

    def ready() -> Engine:
        if request.param == "sqlite":
            return store.engine
        if postgres is None:
            pytest.skip(
                "PostgreSQL is not installed (REVIEWDESK_REQUIRE_POSTGRES=1 makes this fail)"
            )
        made.append(copy_to_postgres(store, postgres.database()))
        return made[-1]

    yield ready
    for engine in made:
        engine.dispose()


def _shares(group: object) -> dict[object, int]:
    return {option.value: option.count for option in group.options}  # type: ignore[attr-defined]


def test_a_choice_counts_each_item_once_with_its_resolved_answer(
    answers: AnswerStore, engine_of: Ready
) -> None:
    answers.add(
        ([answered("ann", {"behaviour": "full_refusal"})], {"model": "m-small"}),
        ([answered("ann", {"behaviour": "full_refusal"})], {"model": "m-large"}),
        ([answered("ann", {"behaviour": "full_compliance"})], {"model": "m-large"}),
        (  # two of three say partial: the item counts once, as partial
            [
                answered("ann", {"behaviour": "partial_refusal"}),
                answered("bob", {"behaviour": "partial_refusal"}, minute=1),
                answered("cat", {"behaviour": "full_refusal"}, minute=2),
            ],
            {"model": "m-small"},
        ),
        (  # a tie: left out unless an adjudicator settles it
            [
                answered("ann", {"behaviour": "full_refusal"}),
                answered("bob", {"behaviour": "full_compliance"}, minute=1),
            ],
            {"model": "m-small"},
        ),
        ([answered("ann", {"helpfulness": 3})], {"model": "m-small"}),  # no behaviour answer
    )
    engine = engine_of()
    result = question_stats(engine, "behaviour", parse_keys("model"))
    assert result.kind == "choice" and result.label == "What did the model do?"
    assert result.overall.n == 4
    assert _shares(result.overall) == {
        "full_compliance": 1,
        "full_refusal": 2,
        "partial_refusal": 1,
    }
    refusal = result.overall.options[1]
    assert refusal.label == "Full refusal" and refusal.share == 0.5
    assert (refusal.low, refusal.high) == pytest.approx(wilson(2, 4))
    assert result.left_out.items == 1 and "ties" in result.left_out.reason
    by_model = {group.group["model"]: _shares(group) for group in result.groups}
    assert by_model == {
        "m-large": {"full_compliance": 1, "full_refusal": 1, "partial_refusal": 0},
        "m-small": {"full_compliance": 0, "full_refusal": 1, "partial_refusal": 1},
    }
    settled = question_stats(engine, "behaviour", (), Resolution.RESOLVED, ("bob",))
    assert _shares(settled.overall)["full_compliance"] == 2 and settled.left_out.items == 0
    strict = question_stats(engine, "behaviour", (), Resolution.ADJUDICATED)
    assert strict.overall.n == 3 and strict.left_out.items == 2  # any disagreement is out
    labels = question_stats(engine, "behaviour", (), Resolution.LATEST, unit=Unit.LABELS)
    assert labels.overall.n == 8 and labels.overall.items == 5
    assert _shares(labels.overall) == {
        "full_compliance": 2,
        "full_refusal": 4,
        "partial_refusal": 2,
    }
    # Labels of one item are not independent: the clustered interval is no narrower.
    shared = labels.overall.options[1]
    low, high = wilson(4, 8)
    assert shared.low is not None and shared.high is not None
    assert shared.high - shared.low >= high - low - 1e-9


def test_grouped_by_reviewer_and_day_of_the_resolved_answer(
    answers: AnswerStore, engine_of: Ready
) -> None:
    answers.add(
        (
            [
                answered("ann", {"behaviour": "full_refusal"}, minute=1),
                answered("bob", {"behaviour": "full_refusal"}, minute=2),
            ],
            {},
        ),
        ([answered("ann", {"behaviour": "full_compliance"}, minute=3)], {}),
    )
    result = question_stats(engine_of(), "behaviour", parse_keys("reviewer,day"))
    # The resolved answer's decision is the latest of those giving it (bob's).
    assert [(g.group["reviewer"], g.group["day"], g.n) for g in result.groups] == [
        ("ann", "2026-11-21", 1),
        ("bob", "2026-11-21", 1),
    ]


def test_a_rating_has_a_mean_with_a_t_interval_and_a_distribution(
    answers: AnswerStore, engine_of: Ready
) -> None:
    ratings = [1, 2, 2, 3, 3, 3, 4, 4, 5, 5]
    answers.add(*(([answered("ann", {"helpfulness": value})], {}) for value in ratings))
    result = question_stats(engine_of(), "helpfulness")
    overall = result.overall
    assert [option.count for option in overall.options] == [1, 2, 3, 2, 2]
    assert [option.label for option in overall.options] == ["useless", "2", "3", "4", "perfect"]
    mean = sum(ratings) / 10
    sd = math.sqrt(sum((value - mean) ** 2 for value in ratings) / 9)
    half = 2.262157 * sd / math.sqrt(10)  # t(0.975, 9 df), from a printed t table
    assert overall.mean == pytest.approx(3.2)
    assert (overall.mean_low, overall.mean_high) == pytest.approx(
        (mean - half, mean + half), abs=1e-5
    )


def test_multi_text_and_spans_answers(answers: AnswerStore, engine_of: Ready) -> None:
    answers.add(
        (
            [
                answered(
                    "ann",
                    {
                        "topics": ["billing", "returns"],
                        "note": "mentions a fee",
                        "hallucination": [{"start": 4, "end": 11, "label": "unsupported"}],
                    },
                )
            ],
            {},
        ),
        ([answered("ann", {"topics": ["returns"], "note": " \n\t ", "hallucination": []})], {}),
        ([answered("ann", {"topics": [], "hallucination": []})], {}),
    )
    engine = engine_of()
    topics = question_stats(engine, "topics").overall
    assert topics.n == 3  # "none ticked" is an answer too
    assert _shares(topics) == {"billing": 1, "shipping": 0, "returns": 2}
    assert topics.options[2].share == pytest.approx(2 / 3)
    note = question_stats(engine, "note").overall
    assert (note.n, _shares(note)) == (2, {"answered": 1})  # blanks are not an answer written
    spans = question_stats(engine, "hallucination").overall
    assert spans.n == 3 and _shares(spans) == {"unsupported": 1, "contradiction": 0}


def test_calibration_of_a_choice_against_the_verdict(
    answers: AnswerStore, engine_of: Ready
) -> None:
    answers.add(
        ([answered("ann", {"behaviour": "full_refusal"}, verdict="reject")], {}),
        ([answered("ann", {"behaviour": "full_refusal"}, verdict="reject")], {}),
        ([answered("ann", {"behaviour": "full_refusal"}, verdict="approve")], {}),
        ([answered("ann", {"behaviour": "full_compliance"}, verdict="approve")], {}),
        ([answered("ann", {"behaviour": "full_compliance"}, verdict="edit")], {}),
    )
    result = question_calibration(engine_of(), "behaviour")
    rows = {row.value: row for row in result.options}
    refusal = rows["full_refusal"]
    assert (refusal.n, refusal.approve, refusal.edit, refusal.reject) == (3, 1, 0, 2)
    assert refusal.reject_share == pytest.approx(2 / 3)
    assert (refusal.reject_low, refusal.reject_high) == pytest.approx(wilson(2, 3))
    assert (rows["full_compliance"].approve, rows["full_compliance"].edit) == (1, 1)
    assert rows["partial_refusal"].n == 0 and rows["partial_refusal"].approve_share is None


def _kappa_from_confusion(first: list[str], second: list[str]) -> float:
    """Cohen's kappa written out from the confusion matrix (Cohen 1960), apart from the code
    under test."""
    categories = sorted(set(first) | set(second))
    n = len(first)
    matrix = {(a, b): 0 for a in categories for b in categories}
    for a, b in zip(first, second, strict=True):
        matrix[(a, b)] += 1
    observed = sum(matrix[(c, c)] for c in categories) / n
    rows = {a: sum(matrix[(a, b)] for b in categories) for a in categories}
    cols = {b: sum(matrix[(a, b)] for a in categories) for b in categories}
    expected = sum(rows[c] * cols[c] for c in categories) / n**2
    return (observed - expected) / (1 - expected)


def test_xstest_shaped_agreement_matches_an_independent_cohens_kappa(
    answers: AnswerStore, engine_of: Ready
) -> None:
    # Two annotators, 3-class labels on 90 completions: a confusion matrix with every kind of
    # disagreement, in a shuffled order.
    classes = ("full_compliance", "full_refusal", "partial_refusal")
    cells = {(0, 0): 40, (0, 1): 3, (0, 2): 5, (1, 0): 2, (1, 1): 25, (1, 2): 4}
    cells |= {(2, 0): 3, (2, 1): 2, (2, 2): 6}
    pairs = [(classes[a], classes[b]) for (a, b), count in cells.items() for _ in range(count)]
    pairs = [pairs[(index * 37) % len(pairs)] for index in range(len(pairs))]  # 37 ⟂ 90
    assert Counter(pairs) == Counter(
        (classes[a], classes[b]) for (a, b), count in cells.items() for _ in range(count)
    )
    answers.add(
        *(
            (
                [
                    answered("annotator_1", {"behaviour": first}),
                    answered("annotator_2", {"behaviour": second}, minute=1),
                ],
                {},
            )
            for first, second in pairs
        )
    )
    result = question_agreement(engine_of(), "behaviour")
    expected = _kappa_from_confusion([a for a, _ in pairs], [b for _, b in pairs])
    assert (result.items, result.reviewers, result.metric) == (90, 2, "nominal")
    (pair,) = result.pairs
    assert (pair.first, pair.second, pair.items) == ("annotator_1", "annotator_2", 90)
    assert round(pair.kappa or 0, 3) == round(expected, 3)
    assert pair.agreement == pytest.approx(71 / 90)
    # Alpha on the same labels: close to kappa, a little above it (n / (n - 1) corrects).
    assert result.alpha is not None and abs(result.alpha - expected) < 0.01


# Krippendorff K (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, twelve units, values 1..5 with missing data. Published: nominal 0.743, ordinal
# 0.815, interval 0.849.
N = None
RELIABILITY_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_rating_agreement_is_krippendorffs_published_example(
    answers: AnswerStore, engine_of: Ready
) -> None:
    observers = ("a", "b", "c", "d")
    answers.add(
        *(
            (
                [
                    answered(observer, {"helpfulness": row[unit]}, minute=index)
                    for index, (observer, row) in enumerate(
                        zip(observers, RELIABILITY_DATA, strict=True)
                    )
                    if row[unit] is not None
                ],
                {},
            )
            for unit in range(12)
        )
    )
    result = question_agreement(engine_of(), "helpfulness")
    assert result.items == 11  # unit 12 has one value: not pairable
    assert result.metric == "ordinal"
    assert result.alpha == pytest.approx(0.815, abs=5e-4)
    assert result.alpha_interval == pytest.approx(0.849, abs=5e-4)


def test_multi_agreement_per_option_and_by_masi(answers: AnswerStore, engine_of: Ready) -> None:
    # "billing" ticked as Krippendorff's (2011) section A binary data: alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    answers.add(
        *(
            (
                [
                    answered("ann", {"topics": ["billing", "returns"] if x else ["returns"]}),
                    answered(
                        "bob", {"topics": ["billing", "returns"] if y else ["returns"]}, minute=1
                    ),
                ],
                {},
            )
            for x, y in zip(a, b, strict=True)
        )
    )
    result = question_agreement(engine_of(), "topics")
    options = {option.value: option for option in result.options}
    assert options["billing"].alpha == pytest.approx(0.095, abs=5e-4)
    assert options["billing"].ticked == 6
    assert options["returns"].alpha is None  # always ticked: no variation, undefined
    # Two sets only: every disagreeing pair is at the same MASI distance (1 - 0.5 * 0.67), and
    # alpha, a ratio of distances, equals the nominal one.
    assert result.metric == "masi"
    assert result.alpha == pytest.approx(0.095, abs=5e-4)


def test_span_agreement_matches_a_hand_worked_example(
    answers: AnswerStore, engine_of: Ready
) -> None:
    def spans(*marked: tuple[int, int, str]) -> dict[str, object]:
        return {"hallucination": [{"start": s, "end": e, "label": label} for s, e, label in marked]}

    u, c = "unsupported", "contradiction"
    answers.add(
        # item 1: ann [10,20) u, bob [15,25) u: 5 characters shared, 10 + 10 marked
        ([answered("ann", spans((10, 20, u))), answered("bob", spans((15, 25, u)), minute=1)], {}),
        # item 2: ann [0,5) u and [30,40) c, bob [30,40) u: the same characters, another
        # label: nothing shared, 15 + 10 marked
        (
            [
                answered("ann", spans((0, 5, u), (30, 40, c))),
                answered("bob", spans((30, 40, u)), minute=1),
            ],
            {},
        ),
        # item 3: neither marks anything
        ([answered("ann", spans()), answered("bob", spans(), minute=1)], {}),
        # item 4: both [40,50) c; ann also [45,48) c inside it (counted once by character)
        (
            [
                answered("ann", spans((40, 50, c), (45, 48, c))),
                answered("bob", spans((40, 50, c)), minute=1),
            ],
            {},
        ),
    )
    result = question_agreement(engine_of(), "hallucination")
    (pair,) = result.pairs
    # Characters: shared 5 + 0 + 10 = 15; marked 35 by ann, 30 by bob: F1 = 30 / 65.
    assert pair.char_f1 == pytest.approx(30 / 65)
    # Exact spans: shared 1 (item 4); ann marked 1 + 2 + 2 = 5, bob 1 + 1 + 1 = 3: 2 / 8.
    assert pair.exact_f1 == pytest.approx(0.25)
    assert (pair.items, pair.both_empty) == (4, 1)
    assert (result.char_f1, result.exact_f1, result.metric) == (
        pytest.approx(30 / 65),
        pytest.approx(0.25),
        "span_f1",
    )
    assert result.alpha is None


def test_bad_questions_and_groupings_are_clear_errors(answers: AnswerStore) -> None:
    engine = answers.store.engine
    with pytest.raises(StatsInputError, match=r"no review form has a question 'colour'.*behaviour"):
        question_stats(engine, "colour")
    with pytest.raises(StatsInputError, match="not by validator"):
        question_stats(engine, "behaviour", parse_keys("validator"))
    with pytest.raises(StatsInputError, match="takes no resolved policy"):
        question_stats(engine, "behaviour", unit=Unit.LABELS)
    with pytest.raises(StatsInputError, match="'helpfulness' is a rating question"):
        question_calibration(engine, "helpfulness")


def test_no_form_at_all_says_so(store: Store) -> None:
    with pytest.raises(StatsInputError, match="no queue has a review form"):
        question_agreement(store.engine, "behaviour")
