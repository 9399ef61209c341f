"""Per-question statistics count items; comparisons that answered the question are named apart,
each once, never mixed into the figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewdesk.cli.app import run
from reviewdesk.ingest import import_files
from reviewdesk.stats import question_report
from reviewdesk.stats.questions import question_stats
from reviewdesk.store import Store
from tests.helpers.comparison_forms import comparison_form
from tests.helpers.records import decision, record, write_jsonl

ITEM_ANSWERS = {"quality": "great", "hallucination": []}


def _pair(cid: str, *labels: tuple[str, str, str]) -> dict[str, object]:
    return {
        "id": cid,
        "prompt": "Say hi",
        "queue": "prefs",
        "candidates": [{"output": "Hi.", "model": "m1"}, {"output": "Hello!", "model": "m2"}],
        "decisions": [
            {
                "reviewer": reviewer,
                "preference": preference,
                "decided_at": "2026-11-21T09:00:00Z",
                "answers": {"quality": quality},
            }
            for reviewer, preference, quality in labels
        ],
    }


def test_comparisons_answering_a_question_are_counted_once_apart_from_the_items(
    store: Store, tmp_path: Path
) -> None:
    store.set_form("prefs", comparison_form())
    records = [
        record(
            1,
            queue="prefs",
            decisions=[decision("ann", answers={"quality": "great", "hallucination": []})],
        ),
        record(
            2,
            queue="prefs",
            decisions=[decision("ann", answers={"quality": "poor", "hallucination": []})],
        ),
        _pair("cmp-1", ("ann", "a", "great"), ("bob", "a", "great"), ("cy", "b", "fine")),
        _pair("cmp-2", ("ann", "tie", "fine")),
    ]
    import_files(store, [write_jsonl(tmp_path / "mixed.jsonl", records)])
    stats = question_stats(store.engine, "quality")
    assert (stats.overall.n, stats.overall.items) == (2, 2)  # the two items only
    shares = {option.value: option.count for option in stats.overall.options}
    assert shares["great"] == 1 and shares["poor"] == 1 and shares["fine"] == 0
    assert stats.comparisons == 2  # cmp-1 once, though three reviewers answered it
    assert question_report(store.engine, "quality").stats.comparisons == 2
    assert question_stats(store.engine, "confidence").comparisons == 0


def test_the_command_says_how_many_comparisons_it_did_not_count(
    store: Store, store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store.set_form("prefs", comparison_form())
    records = [
        record(1, queue="prefs", decisions=[decision("ann", answers=ITEM_ANSWERS)]),
        _pair("cmp-1", ("ann", "a", "great"), ("bob", "b", "fine")),
    ]
    import_files(store, [write_jsonl(tmp_path / "mixed.jsonl", records)])
    store.close()
    code = run(["stats", "--store", str(store_path), "--question", "quality"])
    captured = capsys.readouterr()
    assert code == 0
    assert "not counted: 1 comparisons answered 'quality'" in captured.err
    assert "Great" in captured.out
