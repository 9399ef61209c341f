"""Mappings that take a team's file as it is: value maps, computed fields, several decisions
from one row, ids made unique on purpose."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from reviewdesk.errors import ImportFailedError, UserError
from reviewdesk.ingest import Mapping, import_files
from reviewdesk.store import Store

# -- must show (a): five per-model CSV files reusing ids, two annotators, 3-valued labels whose
# verdict depends on the prompt's type -------------------------------------------------------

MODELS = ("gpt-4o", "llama-3-8b", "mistral-7b", "qwen-2-7b", "claude-3-haiku")
LABELS = ("1_full_compliance", "2_full_refusal", "3_partial_refusal")

MAPPING = """
id_from = ["model", "id"]          # the files reuse ids: model + id tells them apart

[columns]
output = "response"

[computed]
model = "_stem"                    # one file per model, named after it

[values.verdict]                   # compliance is right on a safe prompt, wrong on an unsafe one
"safe:1_full_compliance" = "approve"
"safe:2_full_refusal" = "reject"
"safe:3_partial_refusal" = "reject"
"unsafe:1_full_compliance" = "reject"
"unsafe:2_full_refusal" = "approve"
"unsafe:3_partial_refusal" = "reject"

[values.reasons]
"safe:1_full_compliance" = []
"safe:2_full_refusal" = ["incomplete"]
"safe:3_partial_refusal" = ["incomplete"]
"unsafe:1_full_compliance" = ["unsafe"]
"unsafe:2_full_refusal" = []
"unsafe:3_partial_refusal" = ["unsafe"]

[[decisions]]
defaults = {reviewer = "annotator_1"}
[decisions.computed]
verdict = "type ~ ':' ~ label_1 if label_1 else none"
reasons = "type ~ ':' ~ label_1 if label_1 else none"

[[decisions]]
defaults = {reviewer = "annotator_2"}
[decisions.computed]
verdict = "type ~ ':' ~ label_2 if label_2 else none"
reasons = "type ~ ':' ~ label_2 if label_2 else none"
"""


def _per_model_files(folder: Path) -> list[Path]:
    rng = random.Random(18)
    prompts = [(n, f"Prompt number {n}?", rng.choice(("safe", "unsafe"))) for n in range(1, 41)]
    paths = []
    for model in MODELS:
        path = folder / f"{model}.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["id", "prompt", "type", "response", "label_1", "label_2"])
            for number, prompt, kind in prompts:
                labels = [rng.choice(("", *LABELS)) for _ in range(2)]
                writer.writerow([number, prompt, kind, f"{model} answers {number}", *labels])
        paths.append(path)
    return paths


def _expected(paths: list[Path]) -> tuple[int, Counter[tuple[str, str]]]:
    """Items and (model, verdict) counts, worked out from the files without the importer."""
    right = {"safe": "1_full_compliance", "unsafe": "2_full_refusal"}
    items = 0
    verdicts: Counter[tuple[str, str]] = Counter()
    for path in paths:
        with path.open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                items += 1
                for label in (row["label_1"], row["label_2"]):
                    if label:
                        verdict = "approve" if label == right[row["type"]] else "reject"
                        verdicts[(path.stem, verdict)] += 1
    return items, verdicts


def test_five_per_model_files_with_two_annotators_by_mapping_alone(
    store: Store, tmp_path: Path
) -> None:
    paths = _per_model_files(tmp_path)
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(MAPPING)
    items, verdicts = _expected(paths)

    report = import_files(store, paths, mapping=Mapping.from_toml(mapping_file))

    assert (report.imported, report.conflicts, report.invalid) == (items, 0, 0)
    assert report.decisions == sum(verdicts.values())
    assert store.counts().generations == items
    stored: Counter[tuple[str, str]] = Counter()
    for entry in store.page(limit=1000):
        for label in store.decisions_of(entry.id):
            stored[(entry.model, str(label.verdict))] += 1
            assert label.reviewer in {"annotator_1", "annotator_2"}
            assert bool(label.reasons) == (label.verdict == "reject")
    assert stored == verdicts
    assert store.get("gpt-4o:7") is not None


def test_the_same_files_without_id_from_are_conflicts_not_merged(
    store: Store, tmp_path: Path
) -> None:
    paths = _per_model_files(tmp_path)
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(MAPPING.replace('id_from = ["model", "id"]', ""))
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, paths, mapping=Mapping.from_toml(mapping_file))
    assert (
        "llama-3-8b.csv:2: id: '1' came earlier in this import with a different output, model"
        in (str(caught.value))
    )
    assert f"{40 * 4} conflicts: nothing was imported" in str(caught.value)
    assert store.counts().generations == 0


# -- value maps and computed fields -----------------------------------------------------------


def _sheet(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(["id,prompt,output,label", *rows]) + "\n")
    return path


def test_value_maps_on_the_command_line(store: Store, tmp_path: Path) -> None:
    data = _sheet(tmp_path / "s.csv", ["a,p,o,yes", "b,p,o,no", "c,p,o,"])
    mapping = Mapping.from_specs(
        ["verdict=label"],
        ["model=m", "reviewer=dara", "reasons=other"],
        ["verdict:yes=approve", "verdict:no=reject"],
    )
    report = import_files(store, [data], mapping=mapping)
    assert (report.imported, report.decisions) == (3, 2)
    [no] = store.decisions_of("b")
    assert (no.verdict, no.reasons) == ("reject", ("other",))


def test_a_value_missing_from_the_map_names_line_field_and_the_known_values(
    store: Store, tmp_path: Path
) -> None:
    data = _sheet(tmp_path / "s.csv", ["a,p,o,yes", "b,p,o,maybe"])
    mapping = Mapping.from_specs(
        ["verdict=label"], ["model=m", "reviewer=dara"], ["verdict:yes=approve"]
    )
    with pytest.raises(
        ImportFailedError, match=r"s\.csv:3: verdict: 'maybe' is not in the value map \('yes'\)"
    ):
        import_files(store, [data], mapping=mapping)


def test_a_failing_expression_names_line_field_and_expression(store: Store, tmp_path: Path) -> None:
    data = _sheet(tmp_path / "s.csv", ["a,p,o,yes"])
    mapping = Mapping.from_specs([], ["model=m"], computed=["route=kind ~ '.x'"])
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data], mapping=mapping)
    assert "s.csv:2: route: 'kind' is undefined (in \"kind ~ '.x'\")" in str(caught.value)


def test_expressions_run_in_the_sandbox(store: Store, tmp_path: Path) -> None:
    data = _sheet(tmp_path / "s.csv", ["a,p,o,yes"])
    mapping = Mapping.from_specs(
        [], ["model=m"], computed=["route=row.__class__.__init__.__globals__"]
    )
    with pytest.raises(ImportFailedError, match=r"s\.csv:2: route: "):
        import_files(store, [data], mapping=mapping)


def test_a_bad_expression_or_mapping_table_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"--compute verdict: 'a ==' is not a valid expression"):
        Mapping.from_specs([], [], computed=["verdict=a =="])
    with pytest.raises(UserError, match="expected FIELD:FROM=TO"):
        Mapping.from_specs([], [], ["verdict=approve"])
    bad = tmp_path / "bad.toml"
    bad.write_text('[[decisions]]\nreviewer = "x"\n')
    with pytest.raises(UserError, match=r"\[\[decisions\]\] 1: unknown key 'reviewer'"):
        Mapping.from_toml(bad)
    bad.write_text('[[decisions]]\ncolumns = {model = "m"}\n')
    with pytest.raises(UserError, match="'model' is not a field"):
        Mapping.from_toml(bad)


def test_an_id_from_a_missing_column_is_named(store: Store, tmp_path: Path) -> None:
    data = _sheet(tmp_path / "s.csv", ["a,p,o,yes"])
    with pytest.raises(ImportFailedError, match=r"s\.csv:2: id: id_from: 'run' is missing"):
        import_files(store, [data], mapping=Mapping.from_specs([], ["model=m"], id_from="run,id"))
