"""Comparisons in the exports: dpo from the resolved human preference only; raw and csv with
every decision."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reviewdesk.export import ExportFormat, ExportOptions, export_dataset
from reviewdesk.store import Store

MakeStore = Callable[[list[dict[str, Any]]], Store]


def _d(reviewer: str, preference: str, minute: int = 0, **fields: Any) -> dict[str, Any]:
    return {
        "reviewer": reviewer,
        "preference": preference,
        "decided_at": f"2026-11-21T09:{minute:02d}:00Z",
        **fields,
    }


def _pair(n: int, *decisions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": f"cmp-{n}",
        "prompt": f"prompt {n}",
        "candidates": [
            {"output": f"A{n}", "model": "m-small"},
            {"output": f"B{n}", "model": "m-large"},
        ],
        "decisions": list(decisions),
        **fields,
    }


def _export(store: Store, folder: Path, fmt: ExportFormat, **options: Any) -> list[Any]:
    folder.mkdir()
    name = "data.csv" if fmt is ExportFormat.CSV else "data.jsonl"
    export_dataset(
        store.engine,
        folder / name,
        ExportOptions(format=fmt, **options),
        allow_empty=True,
    )
    text = (folder / name).read_text()
    if fmt is ExportFormat.CSV:
        return list(csv.DictReader(text.splitlines()))
    return [json.loads(line) for line in text.splitlines()]


def test_dpo_takes_the_resolved_preference_and_leaves_out_ties_splits_and_both_bad(
    make_store: MakeStore, tmp_path: Path
) -> None:
    store = make_store(
        [
            _pair(1, _d("ann1", "a"), _d("ann2", "a", 1), _d("ann3", "b", 2)),  # a by majority
            _pair(2, _d("ann1", "b")),  # one reviewer: b
            _pair(3, _d("ann1", "tie"), _d("ann2", "tie", 1)),
            _pair(4, _d("ann1", "both_bad", reasons=["factual_error"])),
            _pair(5, _d("ann1", "a"), _d("ann2", "b", 1)),  # split, no adjudicator
            _pair(6),  # nobody compared it
            _pair(7, _d("ann1", "a"), _d("ann1", "b", 5)),  # ann1 changed their mind: b
        ]
    )
    rows = _export(store, tmp_path / "dpo", ExportFormat.DPO, style="text")
    assert rows == [
        {"prompt": "prompt 1", "chosen": "A1", "rejected": "B1"},
        {"prompt": "prompt 2", "chosen": "B2", "rejected": "A2"},
        {"prompt": "prompt 7", "chosen": "B7", "rejected": "A7"},
    ]
    card = (tmp_path / "dpo" / "README.md").read_text()
    for line in (
        "comparisons resolved as a tie: 1",
        "comparisons resolved as both bad: 1",
        "comparisons whose reviewers split with no adjudicator to settle it: 1",
        "comparisons no reviewer decided: 1",
    ):
        assert line in card


def test_an_adjudicator_settles_a_split_and_an_edited_winner_is_chosen(
    make_store: MakeStore, tmp_path: Path
) -> None:
    store = make_store(
        [
            _pair(1, _d("ann1", "a"), _d("lead", "b", 1)),
            _pair(2, _d("ann1", "a", edited_output="A2, corrected"), _d("ann2", "a", 1)),
        ]
    )
    rows = _export(store, tmp_path / "dpo", ExportFormat.DPO, style="text", adjudicators=("lead",))
    assert rows == [
        {"prompt": "prompt 1", "chosen": "B1", "rejected": "A1"},
        {"prompt": "prompt 2", "chosen": "A2, corrected", "rejected": "B2"},
    ]


def test_dpo_chat_style_and_redaction_of_a_flagged_candidate(
    make_store: MakeStore, tmp_path: Path
) -> None:
    pair = _pair(1, _d("ann1", "a"))
    pair["candidates"][1] = {
        "output": "Mail bob@example.com now",
        "model": "m-large",
        "flags": [{"validator": "pii", "code": "email", "severity": "error", "span": [5, 20]}],
    }
    store = make_store([pair])
    [row] = _export(store, tmp_path / "dpo", ExportFormat.DPO, redact=True)
    assert row["prompt"] == [{"role": "user", "content": "prompt 1"}]
    assert row["chosen"] == [{"role": "assistant", "content": "A1"}]
    assert row["rejected"] == [{"role": "assistant", "content": "Mail [REDACTED:email] now"}]


def test_raw_carries_each_comparison_with_every_decision(
    make_store: MakeStore, tmp_path: Path
) -> None:
    store = make_store(
        [_pair(1, _d("ann1", "a", shown_order="ba"), _d("ann1", "tie", 3), _d("ann2", "b", 4))]
    )
    [record] = _export(store, tmp_path / "raw", ExportFormat.RAW)
    assert record["comparison_id"] == "cmp-1"
    assert [c["id"] for c in record["candidates"]] == ["cmp-1/a", "cmp-1/b"]
    assert [c["model"] for c in record["candidates"]] == ["m-small", "m-large"]
    assert [
        (d["reviewer"], d["preference"], d["current"], d["shown_order"])
        for d in record["decisions"]
    ] == [("ann1", "a", False, "ba"), ("ann1", "tie", True, None), ("ann2", "b", True, None)]
    assert record["decisions"][1]["supersedes"] == record["decisions"][0]["decision_id"]


def test_csv_has_a_row_per_decision_beside_the_items(make_store: MakeStore, tmp_path: Path) -> None:
    from tests.helpers.records import decision, record

    store = make_store(
        [
            record(1, decisions=[decision("ann1", "approve")]),
            _pair(1, _d("ann1", "a"), _d("ann2", "b", 1)),
        ]
    )
    rows = _export(store, tmp_path / "csv", ExportFormat.CSV)
    item, *pairs = rows
    assert item["verdict"] == "approve" and item["comparison_id"] == ""
    assert [(r["reviewer"], r["preference"], r["model_a"], r["output_b"]) for r in pairs] == [
        ("ann1", "a", "m-small", "B1"),
        ("ann2", "b", "m-small", "B1"),
    ]
    assert all(r["verdict"] == "" and r["comparison_id"] == "cmp-1" for r in pairs)


def test_item_filters_leave_comparisons_out_and_say_so(
    make_store: MakeStore, tmp_path: Path
) -> None:
    from tests.helpers.records import decision, record

    store = make_store(
        [record(1, decisions=[decision("ann1", "approve")]), _pair(1, _d("ann1", "a"))]
    )
    from reviewdesk.domain import Verdict
    from reviewdesk.export.options import Filters

    rows = _export(
        store, tmp_path / "raw", ExportFormat.RAW, filters=Filters(verdicts=(Verdict.APPROVE,))
    )
    assert [row.get("comparison_id") for row in rows] == [None]
    assert (
        "comparisons (the filters name item fields" in (tmp_path / "raw" / "README.md").read_text()
    )
