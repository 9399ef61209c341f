"""Exports carry the answers to the queue's form; `--where` keeps labels by their answers."""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.cli.app import run as cli_run
from reviewdesk.domain import Form
from reviewdesk.ingest import import_files
from reviewdesk.store import Store
from tests.helpers.records import decision, record, write_jsonl

FORM = """
[[questions]]
key = "behaviour"
kind = "choice"
options = [{value = "full_compliance"}, {value = "full_refusal"}, {value = "partial_refusal"}]

[[questions]]
key = "helpfulness"
kind = "rating"
min = 1
max = 5

[[questions]]
key = "topics"
kind = "multi"
options = [{value = "billing"}, {value = "returns"}]

[[questions]]
key = "hallucination"
kind = "spans"
options = [{value = "unsupported"}]

[[questions]]
key = "note"
kind = "text"
"""

# (item, behaviour, helpfulness, topics, spans) for alice's approvals, one an item
ANSWERS: list[tuple[int, str, int, list[str], list[tuple[int, int]]]] = [
    (1, "full_compliance", 5, ["returns", "billing"], [(0, 3), (4, 7)]),
    (2, "full_refusal", 2, [], []),
    (3, "partial_refusal", 4, ["billing"], []),
    (4, "full_compliance", 3, ["returns"], [(10, 18)]),
    (5, "full_refusal", 4, [], []),
]


def _answers(row: tuple[int, str, int, list[str], list[tuple[int, int]]]) -> dict[str, Any]:
    _, behaviour, helpfulness, topics, spans = row
    return {
        "behaviour": behaviour,
        "helpfulness": helpfulness,
        "topics": topics,
        "hallucination": [{"start": s, "end": e, "label": "unsupported"} for s, e in spans],
        "note": "=SUM(A1)" if helpfulness == 5 else "fine",
    }


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "answers.sqlite"
    records = [
        record(row[0], decisions=[decision("alice", answers=_answers(row))]) for row in ANSWERS
    ]
    records.append(record(6, decisions=[decision("bob")]))  # a label without answers
    with Store.open(path) as store:
        import_files(
            store,
            [write_jsonl(tmp_path / "in.jsonl", records)],
            form=Form.from_toml(FORM),
            queue="support",
        )
    return path


def _export(capsys: pytest.CaptureFixture[str], *args: str) -> int:
    code = cli_run(["export", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return code


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_raw_carries_answers_and_the_form_version_with_span_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    out = tmp_path / "raw.jsonl"
    _export(capsys, str(out), "--format", "raw", "--store", str(store_path), "--no-card")
    rows = {row["generation_id"]: row for row in _jsonl(out)}
    output = record(1)["output"]
    first = rows["gen-000001"]
    assert first["form_version"] == 1
    assert first["answers"] == {
        "behaviour": "full_compliance",
        "helpfulness": 5,
        "topics": ["returns", "billing"],
        "hallucination": [
            {"start": 0, "end": 3, "label": "unsupported", "text": output[0:3]},
            {"start": 4, "end": 7, "label": "unsupported", "text": output[4:7]},
        ],
        "note": "=SUM(A1)",
    }
    assert rows["gen-000002"]["answers"]["topics"] == []
    assert (rows["gen-000006"]["answers"], rows["gen-000006"]["form_version"]) == ({}, None)


def test_csv_has_a_column_per_question(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    out = tmp_path / "labels.csv"
    _export(capsys, str(out), "--format", "csv", "--store", str(store_path), "--no-card")
    with out.open(newline="") as handle:
        rows = {row["generation_id"]: row for row in csv.DictReader(handle)}
    header = list(next(iter(rows.values())))
    assert header[-5:] == [
        "answer.behaviour",
        "answer.helpfulness",
        "answer.topics",
        "answer.hallucination",
        "answer.note",
    ]
    first = rows["gen-000001"]
    output = record(1)["output"]
    assert first["answer.behaviour"] == "full_compliance"
    assert first["answer.helpfulness"] == "5"
    assert first["answer.topics"] == "returns;billing"
    assert json.loads(first["answer.hallucination"]) == [
        {"start": 0, "end": 3, "label": "unsupported", "text": output[0:3]},
        {"start": 4, "end": 7, "label": "unsupported", "text": output[4:7]},
    ]
    assert first["answer.note"] == "'=SUM(A1)"  # no formula in a spreadsheet
    assert rows["gen-000006"]["answer.behaviour"] == ""


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (["helpfulness>=4"], {row[0] for row in ANSWERS if row[2] >= 4}),
        (["helpfulness<3"], {row[0] for row in ANSWERS if row[2] < 3}),
        (["behaviour=full_refusal"], {row[0] for row in ANSWERS if row[1] == "full_refusal"}),
        (["behaviour!=full_refusal"], {row[0] for row in ANSWERS if row[1] != "full_refusal"}),
        (["topics=billing"], {row[0] for row in ANSWERS if "billing" in row[3]}),
        (
            ["helpfulness>=3", "behaviour=full_compliance"],
            {row[0] for row in ANSWERS if row[2] >= 3 and row[1] == "full_compliance"},
        ),
        (["hallucination=unsupported"], {row[0] for row in ANSWERS if row[4]}),
    ],
)
def test_where_keeps_the_labels_whose_answers_meet_it(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    store_path: Path,
    conditions: list[str],
    expected: set[int],
) -> None:
    out = tmp_path / "sft.jsonl"
    words = [word for condition in conditions for word in ("--where", condition)]
    _export(capsys, str(out), "--format", "sft-text", *words, "--store", str(store_path))
    prompts = {
        f"Can I return the blender I bought {number} days ago?": number for number in range(1, 7)
    }
    kept = {
        number for row in _jsonl(out) for text, number in prompts.items() if text in row["prompt"]
    }
    assert kept == expected
    card = (tmp_path / "README.md").read_text()
    assert f"--where {shlex.quote(conditions[0])}" in card


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("mood=happy", "--where mood=happy: no form has a question 'mood' (behaviour, "),
        ("helpfulness>=high", "--where 'helpfulness>=high': >= compares a rating with a whole"),
        ("behaviour>=2", "--where behaviour>=2: >= compares ratings; behaviour is a choice"),
        ("behaviour=refused", "--where behaviour=refused: 'refused' is not an option of"),
        ("just words", "--where 'just words': write QUESTION OP VALUE"),
    ],
)
def test_a_where_that_cannot_hold_is_a_clear_error_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    store_path: Path,
    condition: str,
    message: str,
) -> None:
    out = tmp_path / "out" / "sft.jsonl"
    out.parent.mkdir()
    code = cli_run(
        ["export", str(out), "--format", "sft", "--where", condition, "--store", str(store_path)]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.startswith(f"error: {message}")
    assert list(out.parent.iterdir()) == []
