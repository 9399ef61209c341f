"""`reviewdesk stats --question KEY` and `reviewdesk agreement --question KEY` as a person runs
them, on a store whose queue has a review form."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from reviewdesk.cli.app import run
from reviewdesk.store import Store
from tests.helpers.answers import AnswerStore, answered


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def answered_store(store: Store, store_path: Path, tmp_path: Path) -> str:
    answers = AnswerStore(store, tmp_path)
    answers.add(
        ([answered("ann", {"behaviour": "full_refusal"}, verdict="reject")], {"model": "m-a"}),
        ([answered("ann", {"behaviour": "full_refusal"})], {"model": "m-b"}),
        ([answered("ann", {"behaviour": "full_compliance"})], {"model": "m-b"}),
        (
            [
                answered(
                    "ann",
                    {
                        "behaviour": "full_refusal",
                        "hallucination": [{"start": 0, "end": 10, "label": "unsupported"}],
                    },
                ),
                answered(
                    "bob",
                    {
                        "behaviour": "partial_refusal",
                        "hallucination": [{"start": 5, "end": 10, "label": "unsupported"}],
                    },
                    minute=1,
                ),
            ],
            {"model": "m-a"},
        ),
    )
    return str(store_path)


def test_stats_question_json(capsys: pytest.CaptureFixture[str], answered_store: str) -> None:
    code, out, err = cli(
        capsys, "stats", "--question", "behaviour", "--by", "model", "--json",
        "--store", answered_store,
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert (document["question"], document["kind"], document["unit"]) == (
        "behaviour",
        "choice",
        "items",
    )
    counts = {option["value"]: option["count"] for option in document["overall"]["options"]}
    # The item ann and bob disagree on is a tie: left out, and said so.
    assert counts == {"full_compliance": 1, "full_refusal": 2, "partial_refusal": 0}
    assert document["left_out"]["items"] == 1
    assert [group["group"]["model"] for group in document["groups"]] == ["m-a", "m-b"]
    rows = {row["value"]: row for row in document["calibration"]["options"]}
    assert (rows["full_refusal"]["approve"], rows["full_refusal"]["reject"]) == (1, 1)


def test_stats_question_tables(capsys: pytest.CaptureFixture[str], answered_store: str) -> None:
    code, out, err = cli(capsys, "stats", "--question", "behaviour", "--store", answered_store)
    assert code == 0, err
    assert "What did the model do? (behaviour, choice): items" in out
    assert "Full refusal" in out and "66.7%" in out  # 2 of 3 items
    assert "against the verdict" in out
    assert "left out by the resolved policy: 1 answered items (ties no adjudicator settled)" in err
    code, out, _ = cli(
        capsys, "stats", "--question", "behaviour", "--unit", "labels", "--store", answered_store
    )
    assert code == 0 and "5 answers on 4 items" in out


def test_agreement_question(capsys: pytest.CaptureFixture[str], answered_store: str) -> None:
    code, out, err = cli(
        capsys, "agreement", "--question", "behaviour", "--json", "--store", answered_store
    )
    assert code == 0, err
    document = json.loads(out)
    assert (document["items"], document["metric"], document["all_agree"]) == (1, "nominal", 0.0)
    assert [(pair["first"], pair["second"]) for pair in document["pairs"]] == [("ann", "bob")]
    code, out, err = cli(
        capsys, "agreement", "--question", "hallucination", "--store", answered_store
    )
    assert code == 0, err
    # 5 characters shared of 10 + 5 marked: F1 = 10 / 15.
    assert "span F1 0.667 by character (same label), 0.000 by exact span" in out


def test_bad_question_input(capsys: pytest.CaptureFixture[str], answered_store: str) -> None:
    code, out, err = cli(capsys, "stats", "--question", "colour", "--store", answered_store)
    assert code == 1 and out == ""
    assert "no review form has a question 'colour'" in err and "behaviour" in err
    code, out, err = cli(
        capsys, "stats", "--question", "behaviour", "--by", "validator", "--store", answered_store
    )
    assert code == 1 and out == "" and "not by validator" in err
    code, out, err = cli(capsys, "agreement", "--question", "Bad Key", "--store", answered_store)
    assert code == 1 and out == "" and "'Bad Key'" in err


XSTEST_FORM = """
[[questions]]
key = "behaviour"
kind = "choice"
options = [{value = "full_compliance"}, {value = "full_refusal"}, {value = "partial_refusal"}]
"""

XSTEST_MAPPING = """
[columns]
id = "id"
prompt = "prompt"
output = "completion"
model = "model"

[values."answers.behaviour"]
"1_full_compliance" = "full_compliance"
"2_full_refusal" = "full_refusal"
"3_partial_refusal" = "partial_refusal"

[[decisions]]
answers.behaviour = "annotation_1"
defaults = {reviewer = "annotator_1", verdict = "approve"}

[[decisions]]
answers.behaviour = "annotation_2"
defaults = {reviewer = "annotator_2", verdict = "approve"}
"""


def _kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa from the confusion matrix, written out apart from the code under test."""
    categories = sorted(set(first) | set(second))
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    expected = sum(first.count(c) * second.count(c) for c in categories) / (n * n)
    return (observed - expected) / (1 - expected)


def test_xstest_end_to_end_csv_columns_to_agreement(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    """Two annotators' 3-class labels in two CSV columns, imported by mapping alone; the
    agreement on the question is their Cohen's kappa on the raw labels, and every disagreement
    is counted (none folds away into approve / reject)."""
    rng = random.Random(2250)
    labels = ("1_full_compliance", "2_full_refusal", "3_partial_refusal")
    rows = []
    for number in range(300):
        first = rng.choice(labels)
        second = first if rng.random() < 0.75 else rng.choice(labels)
        rows.append([f"x{number}", f"prompt {number}", f"completion {number}", "m", first, second])
    data = tmp_path / "xstest.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "prompt", "completion", "model", "annotation_1", "annotation_2"])
        writer.writerows(rows)
    (tmp_path / "form.toml").write_text(XSTEST_FORM, encoding="utf-8")
    (tmp_path / "map.toml").write_text(XSTEST_MAPPING, encoding="utf-8")
    code, _, err = cli(
        capsys, "import", str(data), "--mapping", str(tmp_path / "map.toml"),
        "--form", str(tmp_path / "form.toml"), "--queue", "xstest", "--store", str(store_path),
    )  # fmt: skip
    assert code == 0, err
    code, out, err = cli(
        capsys, "agreement", "--question", "behaviour", "--json", "--store", str(store_path)
    )
    assert code == 0, err
    document = json.loads(out)
    (pair,) = document["pairs"]
    annotation_1 = [row[4] for row in rows]
    annotation_2 = [row[5] for row in rows]
    disagreements = sum(a != b for a, b in zip(annotation_1, annotation_2, strict=True))
    assert disagreements > 30
    assert (pair["first"], pair["second"], pair["items"]) == ("annotator_1", "annotator_2", 300)
    assert round(pair["kappa"], 3) == round(_kappa(annotation_1, annotation_2), 3)
    assert round(pair["agreement"] * 300) == 300 - disagreements
    code, out, _ = cli(capsys, "agreement", "--question", "behaviour", "--store", str(store_path))
    assert code == 0 and "annotator_1 │ annotator_2 │   300 │" in out
