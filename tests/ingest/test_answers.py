"""Importing decisions with answers: checked against the queue's form, from JSONL and by mapping."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from reviewdesk.cli.app import run
from reviewdesk.domain import Form, SpanAnswer
from reviewdesk.errors import ImportFailedError, StoreError
from reviewdesk.ingest import Mapping, OnError, import_files
from reviewdesk.store import Store
from tests.helpers.records import decision, record, write_jsonl

FORM = """
[[questions]]
key = "behaviour"
kind = "choice"
required = true
options = [{value = "full_compliance"}, {value = "full_refusal"}, {value = "partial_refusal"}]

[[questions]]
key = "helpfulness"
kind = "rating"
min = 1
max = 5

[[questions]]
key = "topics"
kind = "multi"
options = [{value = "billing"}, {value = "shipping"}, {value = "returns"}]

[[questions]]
key = "hallucination"
kind = "spans"
options = [{value = "unsupported"}]
"""


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def form_file(tmp_path: Path) -> Path:
    path = tmp_path / "form.toml"
    path.write_text(FORM, encoding="utf-8")
    return path


def _answered(**answers: object) -> dict[str, object]:
    return decision("alice", answers=answers)


# -- canonical JSONL ----------------------------------------------------------------------------


def test_jsonl_answers_come_in_typed_with_the_form_set_by_the_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, form_file: Path, store_path: Path
) -> None:
    output = record(1)["output"]
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [
            record(
                1,
                decisions=[
                    _answered(
                        behaviour="full_compliance",
                        helpfulness=5,
                        topics=["returns"],
                        hallucination=[{"start": 0, "end": 3, "label": "unsupported"}],
                    ),
                    decision("bob", "reject", answers={"behaviour": "partial_refusal"}),
                    decision("carol"),  # a plain verdict: taken as it is
                ],
            ),
        ],
    )
    code, out, err = cli(
        capsys,
        "import", str(data), "--form", str(form_file), "--queue", "support",
        "--store", str(store_path),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith("imported 1,")
    with Store.open(store_path) as store:
        form = store.form("support")
        alice, bob, carol = store.decisions_of("gen-000001")
    assert form is not None and form.version == 1
    assert alice.answers == {
        "behaviour": "full_compliance",
        "helpfulness": 5,
        "topics": ("returns",),
        "hallucination": (SpanAnswer(start=0, end=3, label="unsupported"),),
    }
    assert output[0:3] == "Yes"
    assert (alice.form_version, bob.form_version, carol.form_version) == (1, 1, None)
    assert bob.answers == {"behaviour": "partial_refusal"}
    assert carol.answers == {}


def test_an_answer_that_does_not_fit_names_file_line_and_question_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, form_file: Path, store_path: Path
) -> None:
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [
            record(1, decisions=[_answered(behaviour="full_refusal")]),
            record(2, decisions=[decision("bob"), _answered(behaviour="refused", helpfulness=9)]),
            record(3, decisions=[_answered(helpfulness=2)]),
            record(4, decisions=[_answered(behaviour="full_refusal", mood="fine")]),
            record(5, decisions=[_answered(behaviour="full_refusal", helpfulness=4.5)]),
        ],
    )
    code, out, err = cli(
        capsys,
        "import", str(data), "--form", str(form_file), "--queue", "support",
        "--store", str(store_path),
    )  # fmt: skip
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[:5] == [
        "error: data.jsonl:2: decisions[1].answers.behaviour: 'refused' is not an option "
        "(options: full_compliance, full_refusal, partial_refusal)",
        "data.jsonl:2: decisions[1].answers.helpfulness: 9 is outside the rating 1..5",
        "data.jsonl:3: decisions[0].answers.behaviour: is required but missing",
        "data.jsonl:4: decisions[0].answers.mood: is not a question of this form (its "
        "questions: behaviour, helpfulness, topics, hallucination)",
        "data.jsonl:5: decisions[0].answers.helpfulness: expected an answer: text, a whole "
        "number, a list of option values or a list of spans {start, end, label}, got the "
        "number 4.5",
    ]
    with Store.open(store_path) as store:
        assert store.counts().generations == 0
        assert store.form("support") is None  # the form went with the import


def test_answers_for_a_queue_without_a_form_are_refused(tmp_path: Path, store: Store) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [record(1, decisions=[_answered(x="y")])])
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data])
    assert str(caught.value).startswith(
        "data.jsonl:1: decisions[0].answers: queue 'support' has no review form to answer"
    )


def test_skip_keeps_the_records_that_fit_and_the_form(
    tmp_path: Path, store: Store, form_file: Path
) -> None:
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [
            record(1, decisions=[_answered(behaviour="full_refusal")]),
            record(2, decisions=[_answered(behaviour="nope")]),
        ],
    )
    form = Form.from_toml(form_file.read_text())
    report = import_files(store, [data], form=form, queue="support", on_error=OnError.SKIP)
    assert (report.imported, report.invalid, report.decisions) == (1, 1, 1)
    assert [str(error) for error in report.errors] == [
        "data.jsonl:2: decisions[0].answers.behaviour: 'nope' is not an option "
        "(options: full_compliance, full_refusal, partial_refusal)"
    ]
    stored = store.form("support")
    assert stored is not None and stored.keys == form.keys


def test_a_lower_form_version_stops_the_import_before_anything_is_stored(
    tmp_path: Path, store: Store, form_file: Path
) -> None:
    store.set_form("support", Form.from_toml(f"version = 3\n{FORM}"))
    data = write_jsonl(tmp_path / "data.jsonl", [record(1)])
    with pytest.raises(StoreError, match="has form version 3: version 2 is older"):
        import_files(store, [data], form=Form.from_toml(f"version = 2\n{FORM}"), queue="support")
    assert store.counts().generations == 0


def test_a_dry_run_stores_neither_the_records_nor_the_form(
    tmp_path: Path, store: Store, form_file: Path
) -> None:
    data = write_jsonl(
        tmp_path / "data.jsonl", [record(1, decisions=[_answered(behaviour="full_refusal")])]
    )
    report = import_files(
        store, [data], form=Form.from_toml(FORM), queue="support", dry_run=True, preview=1
    )
    assert report.decisions == 1
    assert report.preview[0]["decisions"][0]["answers"] == {"behaviour": "full_refusal"}
    assert store.form("support") is None
    assert store.counts().generations == 0


# -- mapped CSV ---------------------------------------------------------------------------------

XSTEST_FORM = """
[[questions]]
key = "behaviour"
label = "What did the model do?"
kind = "choice"
required = true
options = [{value = "full_compliance", label = "Full compliance"},
           {value = "full_refusal", label = "Full refusal"},
           {value = "partial_refusal", label = "Partial refusal"}]
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

SOURCE_LABELS = ("1_full_compliance", "2_full_refusal", "3_partial_refusal")


def _xstest_csv(path: Path, rows: int) -> Path:
    """XSTest-shaped: a completion per row, two annotators' labels in the source's own words
    (annotator 2 left some rows blank)."""
    rng = random.Random(15)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "prompt", "completion", "model", "annotation_1", "annotation_2"])
        for number in range(rows):
            first = rng.choice(SOURCE_LABELS)
            second = first if rng.random() < 0.7 else rng.choice(SOURCE_LABELS)
            if number % 17 == 5:
                second = ""
            writer.writerow(
                [f"x{number}", f"How do I kill a Python process? ({number})",
                 f"Use kill {number}.", rng.choice(["llama2", "gpt-4"]), first, second]
            )  # fmt: skip
    return path


def test_the_xstest_shape_imports_two_annotators_answers_by_mapping_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    data = _xstest_csv(tmp_path / "xstest.csv", 120)
    (tmp_path / "form.toml").write_text(XSTEST_FORM, encoding="utf-8")
    (tmp_path / "map.toml").write_text(XSTEST_MAPPING, encoding="utf-8")
    code, out, err = cli(
        capsys,
        "import", str(data), "--mapping", str(tmp_path / "map.toml"),
        "--form", str(tmp_path / "form.toml"), "--queue", "xstest", "--store", str(store_path),
    )  # fmt: skip
    assert code == 0
    # Worked out from the CSV alone: one decision per non-blank annotation.
    with data.open(newline="", encoding="utf-8") as handle:
        source = list(csv.DictReader(handle))
    expected: Counter[tuple[str, str]] = Counter()
    per_item: dict[str, dict[str, str]] = {}
    for row in source:
        for column, reviewer in (("annotation_1", "annotator_1"), ("annotation_2", "annotator_2")):
            if row[column]:
                label = row[column].split("_", 1)[1]
                expected[(reviewer, label)] += 1
                per_item.setdefault(row["id"], {})[reviewer] = label
    assert out.startswith(f"imported {len(source)},")
    assert f"decisions {sum(expected.values())}" in out
    assert err.startswith(f"{sum(expected.values())} decisions had no decided_at")
    found: Counter[tuple[str, str]] = Counter()
    with Store.open(store_path) as store:
        for row in source:
            decisions = store.decisions_of(row["id"])
            assert {d.reviewer: d.answers["behaviour"] for d in decisions} == per_item[row["id"]]
            for made in decisions:
                assert made.form_version == 1
                found[(made.reviewer, str(made.answers["behaviour"]))] += 1
        assert store.counts().decisions == sum(expected.values())
    assert found == expected
    assert len(expected) == 6  # every label of both annotators occurs


def test_a_value_the_map_does_not_list_names_the_answer(tmp_path: Path, store: Store) -> None:
    data = tmp_path / "x.csv"
    data.write_text(
        "id,prompt,completion,model,annotation_1,annotation_2\n"
        "x1,p,o,m,1_full_compliance,4_unclear\n",
        encoding="utf-8",
    )
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text(XSTEST_MAPPING, encoding="utf-8")
    with pytest.raises(ImportFailedError) as caught:
        import_files(
            store,
            [data],
            mapping=Mapping.from_toml(mapping_file),
            form=Form.from_toml(XSTEST_FORM),
            queue="xstest",
        )
    assert str(caught.value).startswith(
        "x.csv:2: answers.behaviour: '4_unclear' is not in the value map ('1_full_compliance', "
    )


def test_map_options_take_answers_from_columns_with_text_cells_typed_by_the_form(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, form_file: Path, store_path: Path
) -> None:
    data = tmp_path / "rated.csv"
    data.write_text(
        "question,answer,label,stars,tags\n"
        "Can I return it?,Yes within 30 days.,ok,4,returns;billing\n"
        "Where is it?,On its way.,ok,2,\n"
        "Refund?,No.,bad,,shipping\n",
        encoding="utf-8",
    )
    code, out, err = cli(
        capsys,
        "import", str(data), "--form", str(form_file), "--queue", "support",
        "--map", "prompt=question", "--map", "output=answer", "--map", "verdict=label",
        "--map", "answers.behaviour=label", "--map", "answers.helpfulness=stars",
        "--map", "answers.topics=tags", "--default", "model=m", "--default", "reviewer=ann",
        "--value", "verdict:ok=approve", "--value", "verdict:bad=reject",
        "--default", "reasons=other",
        "--value", "answers.behaviour:ok=full_compliance",
        "--value", "answers.behaviour:bad=full_refusal",
        "--store", str(store_path),
    )  # fmt: skip
    assert (code, err.split(":")[0]) == (0, "3 decisions had no decided_at")
    assert out.startswith("imported 3,")
    with Store.open(store_path) as store:
        answers = [
            store.decisions_of(entry.id)[0].answers
            for entry in sorted(store.page(), key=lambda entry: entry.pk)
        ]
    assert answers == [
        {"behaviour": "full_compliance", "helpfulness": 4, "topics": ("returns", "billing")},
        {"behaviour": "full_compliance", "helpfulness": 2},
        {"behaviour": "full_refusal", "topics": ("shipping",)},
    ]


def test_a_rating_cell_that_is_no_whole_number_names_the_answer(
    tmp_path: Path, store: Store, form_file: Path
) -> None:
    data = tmp_path / "rated.csv"
    data.write_text("prompt,output,stars\np,o,4.5\n", encoding="utf-8")
    mapping = Mapping.from_specs(
        ["answers.helpfulness=stars"],
        ["model=m", "reviewer=ann", "verdict=approve", "answers.behaviour=full_refusal"],
    )
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data], mapping=mapping, form=Form.from_toml(FORM), queue="support")
    assert str(caught.value).startswith(
        "rated.csv:2: decisions[0].answers.helpfulness: expected a whole number, got the text '4.5'"
    )


def test_a_mapping_names_a_bad_answer_key(tmp_path: Path) -> None:
    from reviewdesk.errors import UserError

    with pytest.raises(UserError, match=r"--map answers.Bad=x: 'answers.Bad': an answer's key"):
        Mapping.from_specs(["answers.Bad=x"], [])
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text("[[decisions]]\nanswers = 3\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"\[\[decisions\]\] 1: answers must be a table"):
        Mapping.from_toml(mapping_file)
