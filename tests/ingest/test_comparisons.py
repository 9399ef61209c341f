"""Comparisons (pairwise review) in import files: canonical records and mapped columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.domain import Preference, ShownOrder
from reviewdesk.errors import ImportFailedError
from reviewdesk.ingest import Mapping, OnError, import_files
from reviewdesk.store import Store
from reviewdesk.store.comparisons import iter_comparisons, load_comparison_decisions


def _pair(cid: str = "cmp-0001", **extra: object) -> dict[str, object]:
    return {
        "id": cid,
        "prompt": "Rewrite this politely: give me the report",
        "queue": "prefs",
        "candidates": [
            {"output": "Could you send me the report?", "model": "m-small", "prompt_version": "v2"},
            {
                "output": "Send the report, please.",
                "model": "m-large",
                "prompt_version": "v2",
                "flags": [
                    {"validator": "tone", "code": "curt", "severity": "warning", "span": [0, 4]}
                ],
            },
        ],
        "decisions": [
            {
                "reviewer": "ann1",
                "preference": "a",
                "reasons": ["tone"],
                "shown_order": "ba",
                "decided_at": "2026-11-21T09:00:00Z",
            },
        ],
        **extra,
    }


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _stored(store: Store) -> list[tuple[object, list[object]]]:
    with store.engine.connect() as connection:
        return list(iter_comparisons(connection))  # type: ignore[arg-type]


def test_a_canonical_comparison_is_stored_with_its_candidates_and_decision(
    store: Store, tmp_path: Path
) -> None:
    report = import_files(store, [_write(tmp_path / "prefs.jsonl", [_pair()])])
    assert (report.imported, report.comparisons, report.decisions) == (1, 1, 1)
    assert store.counts().generations == 0  # a comparison is not an item
    [(comparison, decisions)] = _stored(store)
    assert comparison.id == "cmp-0001"  # type: ignore[attr-defined]
    candidates = comparison.candidates  # type: ignore[attr-defined]
    assert [c.id for c in candidates] == ["cmp-0001/a", "cmp-0001/b"]
    assert [c.model for c in candidates] == ["m-small", "m-large"]
    assert candidates[1].flags[0].span == (0, 4)
    [decision] = decisions
    assert decision.preference is Preference.A  # type: ignore[attr-defined]
    assert decision.shown_order is ShownOrder.BA  # type: ignore[attr-defined]
    assert decision.reasons == ("tone",)  # type: ignore[attr-defined]


def test_the_same_comparison_again_is_a_duplicate_and_other_content_a_conflict(
    store: Store, tmp_path: Path
) -> None:
    import_files(store, [_write(tmp_path / "one.jsonl", [_pair()])])
    again = import_files(store, [_write(tmp_path / "again.jsonl", [_pair()])])
    assert (again.imported, again.duplicates, again.decisions, again.duplicate_decisions) == (
        0,
        1,
        0,
        1,
    )
    changed = _pair()
    changed["candidates"][1]["output"] = "Report. Now."  # type: ignore[index]
    changed["decisions"] = [
        {"reviewer": "ann2", "preference": "b", "decided_at": "2026-11-22T09:00:00Z"}
    ]
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [_write(tmp_path / "changed.jsonl", [changed])])
    assert (
        "changed.jsonl:1: id: 'cmp-0001' is stored already with a different candidates[1].output"
        in str(caught.value)
    )
    skipped = import_files(
        store, [_write(tmp_path / "changed2.jsonl", [changed])], on_error=OnError.SKIP
    )
    assert skipped.conflicts == 1
    with store.engine.connect() as connection:
        # ann2's label on the other text is never attached to the stored comparison
        assert [d.reviewer for d in load_comparison_decisions(connection, "cmp-0001")] == ["ann1"]


def test_a_change_of_mind_supersedes_and_counts_one_reviewer(store: Store, tmp_path: Path) -> None:
    pair = _pair()
    pair["decisions"] = [
        {"reviewer": "ann1", "preference": "a", "decided_at": "2026-11-21T09:00:00Z"},
        {"reviewer": "ann1", "preference": "tie", "decided_at": "2026-11-21T10:00:00Z"},
        {"reviewer": "ann2", "preference": "b", "decided_at": "2026-11-21T11:00:00Z"},
    ]
    import_files(store, [_write(tmp_path / "p.jsonl", [pair])])
    with store.engine.connect() as connection:
        decisions = load_comparison_decisions(connection, "cmp-0001")
        current = connection.exec_driver_sql(
            "SELECT d.reviewer, d.preference FROM comparison_decision d WHERE d.current "
            "ORDER BY d.reviewer"
        ).all()
        (reviews,) = connection.exec_driver_sql("SELECT review_count FROM comparison").one()
    assert decisions[1].supersedes == decisions[0].id
    assert [tuple(row) for row in current] == [("ann1", "tie"), ("ann2", "b")]
    assert reviews == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"candidates": [{"output": "A", "model": "m"}]},
            "candidates: a comparison has exactly 2 candidates in this release, got 1",
        ),
        (
            {"candidates": [{"output": "A", "model": "m"}, {"output": True, "model": "m"}]},
            "candidates[1].output: expected text, got the boolean true",
        ),
        (
            {
                "decisions": [
                    {"reviewer": "r", "preference": "left", "decided_at": "2026-11-21T09:00:00Z"}
                ]
            },
            "decisions[0].preference: input should be 'a', 'b', 'tie' or 'both_bad'",
        ),
        (
            {
                "decisions": [
                    {
                        "reviewer": "r",
                        "preference": "both_bad",
                        "decided_at": "2026-11-21T09:00:00Z",
                    }
                ]
            },
            "decisions[0].reasons: both_bad needs at least one reason",
        ),
        (
            {
                "decisions": [
                    {"reviewer": "r", "verdict": "approve", "decided_at": "2026-11-21T09:00:00Z"}
                ]
            },
            "decisions[0].verdict: a comparison's decision has a preference",
        ),
        (
            {
                "decisions": [
                    {
                        "reviewer": "r",
                        "preference": "tie",
                        "edited_output": "x",
                        "decided_at": "2026-11-21T09:00:00Z",
                    }
                ]
            },
            "decisions[0].edited_output: a tie has no better candidate to correct",
        ),
        (
            {
                "decisions": [
                    {
                        "reviewer": "r",
                        "preference": "a",
                        "answers": {"tone": 3},
                        "decided_at": "2026-11-21T09:00:00Z",
                    }
                ]
            },
            "decisions[0].answers: queue 'prefs' has no review form to answer",
        ),
    ],
)
def test_a_bad_comparison_names_file_line_and_field_and_stores_nothing(
    store: Store, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    good, bad = _pair("cmp-good"), {**_pair("cmp-bad"), **change}
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [_write(tmp_path / "p.jsonl", [good, bad])])
    assert f"p.jsonl:2: {message}" in str(caught.value)
    assert _stored(store) == []


def test_an_edited_winner_is_kept_with_its_decision(store: Store, tmp_path: Path) -> None:
    pair = _pair()
    pair["decisions"] = [
        {
            "reviewer": "ann1",
            "preference": "b",
            "edited_output": "Please send the report.",
            "comment": "b, made polite",
            "decided_at": "2026-11-21T09:00:00Z",
        }
    ]
    import_files(store, [_write(tmp_path / "p.jsonl", [pair])])
    with store.engine.connect() as connection:
        [decision] = load_comparison_decisions(connection, "cmp-0001")
    assert decision.edited_output == "Please send the report."
    assert decision.comment == "b, made polite"


def _annotated(tmp_path: Path) -> Path:
    rows = [
        {"prompt": "p1", "response1": "x1", "response2": "y1", "ann1": 1, "ann2": 2, "ann3": 0},
        {"prompt": "p2", "response1": "x2", "response2": "y2", "ann1": 2, "ann2": 2, "ann3": None},
    ]
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps(rows, indent=2))
    return path


def _expected_preferences(store: Store) -> list[list[tuple[str, str]]]:
    return [
        sorted((d.reviewer, str(d.preference)) for d in decisions)  # type: ignore[attr-defined]
        for _, decisions in _stored(store)
    ]


def test_mapped_columns_with_a_value_map_make_one_decision_per_annotator(
    store: Store, tmp_path: Path
) -> None:
    toml = tmp_path / "pairs.toml"
    toml.write_text(
        """
[columns]
prompt = "prompt"
"candidates[0].output" = "response1"
"candidates[1].output" = "response2"

[defaults]
"candidates[0].model" = "model-1"
"candidates[1].model" = "model-2"

[values.preference]
1 = "a"
2 = "b"
0 = "tie"

[[decisions]]
columns = {preference = "ann1"}
defaults = {reviewer = "ann1"}

[[decisions]]
columns = {preference = "ann2"}
defaults = {reviewer = "ann2"}

[[decisions]]
columns = {preference = "ann3"}
defaults = {reviewer = "ann3"}
"""
    )
    report = import_files(store, [_annotated(tmp_path)], mapping=Mapping.from_toml(toml))
    assert (report.comparisons, report.decisions, report.undated_decisions) == (2, 5, 5)
    assert _expected_preferences(store) == [
        [("ann1", "a"), ("ann2", "b"), ("ann3", "tie")],
        [("ann1", "b"), ("ann2", "b")],  # ann3 left the second row blank
    ]
    again = import_files(store, [_annotated(tmp_path)], mapping=Mapping.from_toml(toml))
    assert (again.duplicates, again.duplicate_decisions) == (2, 5)


def test_the_command_line_mapping_is_the_same_as_the_toml_one(store: Store, tmp_path: Path) -> None:
    from dataclasses import replace

    from reviewdesk.ingest.mapping import DecisionMapping

    mapping = Mapping.from_specs(
        [
            "prompt=prompt",
            "candidates[0].output=response1",
            "candidates[1].output=response2",
            "preference=ann1",
            "reviewer=ann1",
        ],
        ["candidates[0].model=model-1", "candidates[1].model=model-2", "reviewer=ann1"],
        ["preference:1=a", "preference:2=b", "preference:0=tie"],
    )
    mapping = replace(
        mapping,
        columns={k: v for k, v in mapping.columns.items() if k != "reviewer"},
        decisions=(DecisionMapping(columns={"preference": "ann2"}, defaults={"reviewer": "ann2"}),),
    )
    import_files(store, [_annotated(tmp_path)], mapping=mapping)
    assert _expected_preferences(store) == [
        [("ann1", "a"), ("ann2", "b")],
        [("ann1", "b"), ("ann2", "b")],
    ]


def test_a_value_outside_the_value_map_is_named(store: Store, tmp_path: Path) -> None:
    mapping = Mapping.from_specs(
        ["candidates[0].output=response1", "candidates[1].output=response2", "preference=ann3"],
        ["candidates[0].model=m1", "candidates[1].model=m2", "reviewer=ann3"],
        ["preference:1=a", "preference:2=b"],
    )
    with pytest.raises(
        ImportFailedError, match=r"pairs\.json:2: preference: '0' is not in the value map"
    ):
        import_files(store, [_annotated(tmp_path)], mapping=mapping)


def test_a_mapping_to_an_unknown_candidate_field_is_a_usage_error() -> None:
    from reviewdesk.errors import UserError

    with pytest.raises(UserError, match=r"'colour' is not a field of a candidate"):
        Mapping.from_specs(["candidates[0].colour=c"], [])


def test_a_dry_run_previews_a_comparison_as_stored_and_stores_nothing(
    store: Store, tmp_path: Path
) -> None:
    report = import_files(store, [_write(tmp_path / "p.jsonl", [_pair()])], dry_run=True, preview=3)
    [shown] = report.preview
    assert [c["id"] for c in shown["candidates"]] == ["cmp-0001/a", "cmp-0001/b"]
    assert shown["decisions"][0]["preference"] == "a"
    assert (report.imported, report.comparisons) == (1, 1)
    assert _stored(store) == []
