"""`reviewdesk stats --question KEY` and `reviewdesk agreement --question KEY` as a person runs
them, on a store whose queue has a review form."""

from __future__ import annotations

import json
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
