"""The held-out-shaped case end to end: 999 pairwise judgements by three annotators, imported
by a mapping alone, their agreement, and a DPO export that never contradicts the humans."""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest

from reviewdesk.cli.app import run

ANNOTATORS = ("annotator_1", "annotator_2", "annotator_3")
MAPPING = """
[columns]
prompt = "prompt"
"candidates[0].output" = "response1"
"candidates[1].output" = "response2"

[defaults]
"candidates[0].model" = "first-model"
"candidates[1].model" = "second-model"

[values.preference]
0 = "tie"
1 = "a"
2 = "b"
""" + "".join(
    f"""
[[decisions]]
columns = {{preference = "{name}"}}
defaults = {{reviewer = "{name}"}}
"""
    for name in ANNOTATORS
)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _held_out(seed: int = 16) -> list[dict[str, Any]]:
    """999 comparisons: the second response is better two times in three; each annotator
    agrees with a shared judgement 70% of the time, else answers at random (0 = tie, 1 = first
    better, 2 = second better); a few responses are JSON `true`."""
    draw = random.Random(seed)
    rows = []
    for n in range(999):
        shared = draw.choices([0, 1, 2], weights=[1, 3, 6])[0]
        row: dict[str, Any] = {
            "prompt": f"Question {n}: how do I reset my password (case {draw.random():.6f})?",
            "response1": f"Answer one to {n}",
            "response2": f"Answer two to {n}",
        }
        for name in ANNOTATORS:
            row[name] = shared if draw.random() < 0.7 else draw.choice([0, 1, 2])
        if n % 97 == 13:
            row["response2" if n % 2 else "response1"] = True
        rows.append(row)
    return rows


def _cohen_kappa(first: list[int], second: list[int]) -> float:
    """Cohen's kappa from a confusion matrix (written here, apart from reviewdesk's)."""
    table = np.zeros((3, 3))
    for i, j in zip(first, second, strict=True):
        table[i, j] += 1
    n = table.sum()
    observed = np.trace(table) / n
    expected = float((table.sum(axis=1) * table.sum(axis=0)).sum()) / (n * n)
    return float((observed - expected) / (1 - expected))


@pytest.mark.slow
def test_999_comparisons_import_by_mapping_agree_with_raw_labels_and_export_no_contradiction(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = _held_out()
    data = tmp_path / "pairs.json"
    data.write_text(json.dumps(rows, indent=2))
    mapping = tmp_path / "pairs.toml"
    mapping.write_text(MAPPING)
    store = str(tmp_path / "s.sqlite")
    bad = [n for n, row in enumerate(rows) if True in (row["response1"], row["response2"])]
    good = [row for n, row in enumerate(rows) if n not in bad]
    assert 5 <= len(bad) <= 15

    code, out, err = cli(
        capsys,
        "import",
        str(data),
        "--mapping",
        str(mapping),
        "--on-error",
        "skip",
        "--json",
        "--store",
        store,
    )
    assert code == 0, err
    assert json.loads(out) == {
        "imported": len(good),
        "comparisons": len(good),
        "duplicates": 0,
        "conflicts": 0,
        "invalid": len(bad),
        "decisions": 3 * len(good),
    }
    # A non-text response is refused with the file, the record's line and the field.
    lines = json.dumps(rows, indent=2).splitlines()
    first_bad = bad[0]
    line = 2 + first_bad * (len(lines) - 2) // len(rows)
    field = (
        "candidates[1].output" if rows[first_bad]["response2"] is True else "candidates[0].output"
    )
    assert f"pairs.json:{line}: {field}: expected text, got the boolean true" in err

    code, out, err = cli(capsys, "compare-models", "--json", "--resamples", "20", "--store", store)
    assert code == 0, err
    stats = json.loads(out)
    agreement = stats["agreement"]
    assert agreement["comparisons"] == len(good)

    # The same figures computed independently on the raw labels of the imported rows.
    labels = {name: [row[name] for row in good] for name in ANNOTATORS}
    pairwise = np.mean(
        [sum(row[x] == row[y] for x, y in combinations(ANNOTATORS, 2)) / 3 for row in good]
    )
    alpha = krippendorff.alpha(
        reliability_data=np.array([labels[name] for name in ANNOTATORS], dtype=float),
        level_of_measurement="nominal",
    )
    assert round(agreement["pairwise_agreement"], 3) == round(float(pairwise), 3)
    assert round(agreement["krippendorff_alpha"], 3) == round(float(alpha), 3)
    kappas = {tuple(entry["reviewers"]): entry["kappa"] for entry in agreement["cohen_kappa"]}
    assert set(kappas) == set(combinations(ANNOTATORS, 2))
    for x, y in combinations(ANNOTATORS, 2):
        assert round(kappas[(x, y)], 3) == round(_cohen_kappa(labels[x], labels[y]), 3)

    # Each comparison counted once: the resolved preferences are the raw majorities.
    majorities: list[int | None] = []
    for row in good:
        top = Counter(row[name] for name in ANNOTATORS).most_common()
        majorities.append(None if top[0][1] == 1 else top[0][0])
    assert stats["resolved"] == {
        "a": majorities.count(1),
        "b": majorities.count(2),
        "tie": majorities.count(0),
        "both_bad": 0,
    }
    assert stats["unresolved"] == majorities.count(None)
    [pair] = stats["pairs"]
    assert (pair["model_x"], pair["wins"]["count"], pair["losses"]["count"]) == (
        "first-model",
        majorities.count(1),
        majorities.count(2),
    )

    out_dir = tmp_path / "dpo"
    out_dir.mkdir()
    code, out, err = cli(
        capsys,
        "export",
        str(out_dir / "dpo.jsonl"),
        "--format",
        "dpo",
        "--style",
        "text",
        "--store",
        store,
    )
    assert code == 0, err
    exported = [json.loads(line) for line in (out_dir / "dpo.jsonl").read_text().splitlines()]
    by_prompt = {
        row["prompt"]: (row, majority) for row, majority in zip(good, majorities, strict=True)
    }
    contradictions = never_compared = 0
    for record in exported:
        source, majority = by_prompt[record["prompt"]]
        pair_shown = {record["chosen"], record["rejected"]}
        if pair_shown != {source["response1"], source["response2"]}:
            never_compared += 1
            continue
        humans_chose = {1: source["response1"], 2: source["response2"]}.get(majority or 0)
        if record["chosen"] != humans_chose:
            contradictions += 1
    assert (contradictions, never_compared) == (0, 0)
    assert len(exported) == majorities.count(1) + majorities.count(2)
    card = (out_dir / "README.md").read_text()
    assert f"comparisons resolved as a tie: {majorities.count(0)}" in card
    assert (
        f"comparisons whose reviewers split with no adjudicator to settle it: "
        f"{majorities.count(None)}" in card
    )


def test_compare_models_prints_tables_and_an_empty_store_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from reviewdesk.store import Store

    store = str(tmp_path / "s.sqlite")
    Store.open(store).close()
    code, out, _ = cli(capsys, "compare-models", "--store", store)
    assert (code, out) == (0, "0 comparisons, none decided yet\n")
    data = tmp_path / "pairs.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"cmp-{n}",
                    "prompt": "p",
                    "candidates": [
                        {"output": f"a{n}", "model": "[bold]m1[/bold]"},
                        {"output": f"b{n}", "model": "m2"},
                    ],
                    "decisions": [
                        {
                            "reviewer": "ann1",
                            "preference": "a" if n < 3 else "tie",
                            "shown_order": "ab",
                            "decided_at": "2026-11-21T09:00:00Z",
                        },
                    ],
                }
            )
            + "\n"
            for n in range(4)
        )
    )
    code, out, err = cli(capsys, "import", str(data), "--store", store)
    assert code == 0, err
    assert "imported 4 (4 comparisons)" in out
    code, out, _ = cli(capsys, "compare-models", "--resamples", "5", "--store", store)
    assert code == 0
    assert "4 comparisons, 4 decided: 3 a, 0 b, 1 tie, 0 both bad; 0 unresolved" in out
    assert "[bold]m1[/bold]" in out  # a model name is data, never markup
    assert "the left candidate was picked in 100.0%" in out
    assert "of 3 a/b decisions" in out


def test_compare_models_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "compare-models", "--help")
    assert code == 0
    assert "--adjudicator" in out and "--store" in out and "--json" in out
