"""Answers to the queue's review form on comparisons' decisions in import files: canonical
`decisions[].answers` and mapped `answers.KEY` columns, checked against the form."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from reviewdesk.errors import ImportFailedError
from reviewdesk.ingest import Mapping, import_files
from reviewdesk.store import Store
from reviewdesk.store.comparisons import iter_comparisons
from tests.helpers.comparison_forms import comparison_form


def _pair(cid: str, *decisions: dict[str, object]) -> dict[str, object]:
    return {
        "id": cid,
        "prompt": "Rewrite this politely: give me the report",
        "queue": "prefs",
        "candidates": [
            {"output": "Could you send me the report?", "model": "m-small"},
            {"output": "Send the report, please.", "model": "m-large"},
        ],
        "decisions": list(decisions),
    }


def _label(
    reviewer: str, preference: str, answers: dict[str, object], **extra: object
) -> dict[str, object]:
    return {
        "reviewer": reviewer,
        "preference": preference,
        "decided_at": "2026-11-21T09:00:00Z",
        "answers": answers,
        **extra,
    }


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _answers(store: Store) -> dict[str, list[tuple[str, dict[str, object], int | None]]]:
    with store.engine.connect() as connection:
        return {
            comparison.id: [(d.reviewer, dict(d.answers), d.form_version) for d in decisions]
            for comparison, decisions in iter_comparisons(connection)
        }


def test_canonical_answers_are_checked_typed_and_stored(store: Store, tmp_path: Path) -> None:
    store.set_form("prefs", comparison_form())
    records = [
        _pair(
            "cmp-1",
            _label("ann", "a", {"topics": ["billing"], "quality": "great", "confidence": 2}),
            _label(
                "bob", "both_bad", {"quality": "poor", "why_bad": "both curt"}, reasons=["tone"]
            ),
        ),
        _pair("cmp-2", _label("ann", "tie", {})),  # a label with no answers passes as it is
    ]
    report = import_files(store, [_write(tmp_path / "pairs.jsonl", records)])
    assert (report.comparisons, report.decisions) == (2, 3)
    assert _answers(store) == {
        "cmp-1": [
            ("ann", {"quality": "great", "confidence": 2, "topics": ("billing",)}, 4),
            ("bob", {"quality": "poor", "why_bad": "both curt"}, 4),
        ],
        "cmp-2": [("ann", {}, None)],
    }


def test_a_misfit_names_file_line_decision_and_question_and_stores_nothing(
    store: Store, tmp_path: Path
) -> None:
    store.set_form("prefs", comparison_form())
    spans = [{"start": 0, "end": 4, "label": "unsupported"}]
    records = [
        _pair("cmp-1", _label("ann", "a", {"quality": "great"})),
        _pair(
            "cmp-2",
            _label("ann", "b", {"confidence": 2}),
            _label("bob", "both_bad", {"quality": "poor"}, reasons=["tone"]),
            _label("cy", "a", {"quality": "fine", "hallucination": spans}),
        ),
    ]
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [_write(tmp_path / "pairs.jsonl", records)])
    message = str(caught.value)
    assert "pairs.jsonl:2: decisions[0].answers.quality: is required but missing" in message
    assert "pairs.jsonl:2: decisions[1].answers.why_bad: is required for reject" in message
    assert "pairs.jsonl:2: decisions[2].answers.hallucination: is a spans question" in message
    assert _answers(store) == {}


def test_mapped_answer_columns_on_a_comparison_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["prompt", "response1", "response2", "winner", "q", "conf", "topics"])
        writer.writerow(["Say hi", "Hello!", "Hi there.", "1", "great", "3", "billing;shipping"])
        writer.writerow(["Say bye", "Bye.", "Goodbye!", "0", "fine", "", ""])
        writer.writerow(["Say yes", "Yes.", "Sure.", "2", "", "2", ""])
    mapping = Mapping.from_specs(
        [
            "prompt=prompt",
            "candidates[0].output=response1",
            "candidates[1].output=response2",
            "preference=winner",
            "answers.quality=q",
            "answers.confidence=conf",
            "answers.topics=topics",
        ],
        ["candidates[0].model=m1", "candidates[1].model=m2", "reviewer=ann"],
        ["preference:1=a", "preference:2=b", "preference:0=tie"],
    )
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [path], mapping=mapping, queue="prefs", form=comparison_form())
    # the third row leaves the required quality out; the choice's check names it
    assert "pairs.csv:4: decisions[0].answers.quality: is required but missing" in str(caught.value)
    path.write_text(path.read_text().replace("Sure.,2,,2,", "Sure.,2,poor,2,"))
    report = import_files(store, [path], mapping=mapping, queue="prefs", form=comparison_form())
    assert report.decisions == 3
    stored = [answers for decisions in _answers(store).values() for _, answers, _ in decisions]
    assert sorted(stored, key=lambda answers: str(answers["quality"])) == [
        {"quality": "fine"},
        {"quality": "great", "confidence": 3, "topics": ("billing", "shipping")},
        {"quality": "poor", "confidence": 2},
    ]
