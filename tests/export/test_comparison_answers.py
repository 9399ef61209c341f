"""Answers to the queue's form on comparisons in the `raw` and `csv` exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewdesk.export import ExportFormat
from reviewdesk.ingest import import_files
from reviewdesk.store import Store
from tests.export.test_comparisons import _d, _export, _pair
from tests.helpers.comparison_forms import comparison_form
from tests.helpers.records import write_jsonl


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "answers.sqlite") as opened:
        opened.set_form("prefs", comparison_form())
        records = [
            _pair(
                1,
                _d("ann", "a", answers={"quality": "great", "topics": ["billing", "shipping"]}),
                _d(
                    "bob",
                    "both_bad",
                    1,
                    reasons=["tone"],
                    answers={"quality": "poor", "why_bad": "both curt", "confidence": 3},
                ),
                queue="prefs",
            ),
            _pair(2, _d("ann", "tie"), queue="prefs"),
        ]
        import_files(opened, [write_jsonl(tmp_path / "pairs.jsonl", records)])
        yield opened


def test_raw_carries_each_decisions_answers_and_form_version(store: Store, tmp_path: Path) -> None:
    rows = {row["comparison_id"]: row for row in _export(store, tmp_path / "raw", ExportFormat.RAW)}
    ann, bob = rows["cmp-1"]["decisions"]
    assert ann["answers"] == {"quality": "great", "topics": ["billing", "shipping"]}
    assert bob["answers"] == {"quality": "poor", "confidence": 3, "why_bad": "both curt"}
    assert (ann["form_version"], bob["form_version"]) == (4, 4)
    (plain,) = rows["cmp-2"]["decisions"]
    assert (plain["answers"], plain["form_version"]) == ({}, None)


def test_csv_has_an_answer_column_per_question(store: Store, tmp_path: Path) -> None:
    rows = _export(store, tmp_path / "csv", ExportFormat.CSV)
    header = list(rows[0])
    # every question of the queue's form gets a column (the spans one stays empty here)
    assert [c for c in header if c.startswith("answer.")] == [
        "answer.quality",
        "answer.confidence",
        "answer.why_bad",
        "answer.topics",
        "answer.hallucination",
    ]
    cells = {
        (row["comparison_id"], row["reviewer"]): (
            row["answer.quality"],
            row["answer.confidence"],
            row["answer.why_bad"],
            row["answer.topics"],
        )
        for row in rows
    }
    assert cells == {
        ("cmp-1", "ann"): ("great", "", "", "billing;shipping"),
        ("cmp-1", "bob"): ("poor", "3", "both curt", ""),
        ("cmp-2", "ann"): ("", "", "", ""),
    }
