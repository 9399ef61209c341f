"""`reviewdesk import` as a person runs it: conflicts, dry runs, and messages printed as they are."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer

from reviewdesk.cli.app import app, run
from reviewdesk.store import Store
from tests.helpers.records import decision, record, write_jsonl


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _repeating_ids(path: Path) -> Path:
    """Records whose ids repeat: some with the same content, some with other content."""
    return write_jsonl(
        path,
        [
            record(1),
            record(2, decisions=[decision("alice")]),
            record(1, risk=0.5),  # same item again: a duplicate
            record(2, output="A different answer.", flags=[], decisions=[decision("bob")]),
            record(3),
            record(3, model="another-model"),
        ],
    )


def _expected(path: Path) -> dict[str, int]:
    """What the file holds, worked out without the importer: the first record of an id is
    new, a later one with the same prompt/output/model a duplicate, any other a conflict."""
    first: dict[str, tuple[object, ...]] = {}
    counts = {"imported": 0, "duplicates": 0, "conflicts": 0}
    for line in path.read_bytes().splitlines():
        item = orjson.loads(line)
        content = (item["prompt"], item["output"], item["model"])
        if item["id"] not in first:
            first[item["id"]] = content
            counts["imported"] += 1
        elif first[item["id"]] == content:
            counts["duplicates"] += 1
        else:
            counts["conflicts"] += 1
    return counts


def test_repeated_ids_with_other_content_exit_1_and_store_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = _repeating_ids(tmp_path / "d.jsonl")
    store = tmp_path / "s.sqlite"
    code, out, err = cli(capsys, "import", str(data), "--store", str(store), "--json")
    assert (code, out) == (1, "")
    assert "d.jsonl:4: id: 'gen-000002' came earlier in this import with a different output" in err
    assert "d.jsonl:6: id: 'gen-000003' came earlier in this import with a different model" in err
    assert "2 conflicts: nothing was imported" in err
    with Store.open(store) as opened:
        assert opened.counts().generations == 0


def test_skip_stores_the_others_and_rejects_the_conflicts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = _repeating_ids(tmp_path / "d.jsonl")
    store = tmp_path / "s.sqlite"
    code, out, err = cli(
        capsys, "import", str(data), "--store", str(store), "--on-error", "skip", "--json"
    )
    assert code == 0, err
    expected = _expected(data)
    assert json.loads(out) == {**expected, "invalid": 0, "decisions": 1}
    rejected = (tmp_path / "d.jsonl.rejects.jsonl").read_bytes().splitlines()
    rejects = [orjson.loads(line) for line in rejected]
    assert [(entry["line"], entry["record"]["id"]) for entry in rejects] == [
        (4, "gen-000002"),
        (6, "gen-000003"),
    ]
    with Store.open(store) as opened:
        assert opened.counts().generations == expected["imported"]
        [kept] = opened.decisions_of("gen-000002")
        assert kept.reviewer == "alice"  # bob's label was on the other answer


def test_comparisons_without_models_are_refused_naming_the_candidate_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "pairs.json"
    pairs = [
        {"id": f"cmp-{n}", "prompt": "p", "candidates": [{"output": "a"}, {"output": "b"}]}
        for n in range(3)
    ]
    data.write_text(json.dumps(pairs, indent=2))
    code, _, err = cli(capsys, "import", str(data), "--store", str(tmp_path / "s.sqlite"))
    assert code == 1
    assert "pairs.json:2: candidates[0].model: is required but missing" in err
    assert "pairs.json:2: candidates[1].model: is required but missing" in err
    assert "3 invalid records: nothing was imported" in err


def test_a_dry_run_shows_records_as_stored_and_counts_without_storing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "sheet.csv"
    data.write_text("qid,question,answer,label\n7,Why?,Because.,yes\n8,How?,So.,no\n")
    store = tmp_path / "s.sqlite"
    args = [
        "import", str(data), "--store", str(store), "--map", "id=qid", "--map", "prompt=question",
        "--map", "output=answer", "--default", "model=m", "--map", "verdict=label",
        "--value", "verdict:yes=approve", "--value", "verdict:no=reject", "--default",
        "reviewer=dara", "--default", "reasons=other", "--id-prefix", "run1:", "--dry-run",
    ]  # fmt: skip
    code, out, err = cli(capsys, *args)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "dry run: the first 2 records as they would be stored"
    first = json.loads(lines[1])
    assert (first["id"], first["prompt"], first["decisions"][0]["verdict"]) == (
        "run1:7",
        "Why?",
        "approve",
    )
    assert lines[-1] == (
        "would have imported 2, duplicates 0, conflicts 0, invalid 0, decisions 2; "
        "nothing was stored"
    )
    assert "2 decisions had no decided_at: given the import time" in err
    with Store.open(store) as opened:
        assert opened.counts().generations == 0
    code, out, _ = cli(capsys, *args, "--json")
    assert code == 0
    document = json.loads(out)
    assert (document["dry_run"], document["imported"], len(document["preview"])) == (True, 2, 2)


def test_a_dry_run_of_a_file_that_would_abort_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = _repeating_ids(tmp_path / "d.jsonl")
    code, out, _ = cli(
        capsys, "import", str(data), "--store", str(tmp_path / "s.sqlite"), "--dry-run"
    )
    assert code == 1
    assert "conflicts 2" in out


# -- every message printed as it is -----------------------------------------------------------


def test_an_error_line_keeps_its_line_number_and_brackets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "[columns] file.csv"
    rows = [f"r{n},p,o,m,0.{n % 10}" for n in range(2, 100)]
    data.write_text("\n".join(["id,prompt,output,model,risk", *rows, "r100,p,o,m,high"]) + "\n")
    code, _, err = cli(capsys, "import", str(data), "--store", str(tmp_path / "s.sqlite"))
    assert code == 1
    assert "[columns] file.csv:100: risk: expected a number, got the text 'high'" in err
    assert "\N{HUNDRED POINTS SYMBOL}" not in err


def test_data_in_messages_is_not_markup(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": "[bold]x[/bold] :smile:", "prompt": "p", "output": 3, "model": "m"}\n')
    code, _, err = cli(capsys, "import", str(data), "--store", str(tmp_path / "s.sqlite"))
    assert code == 1
    assert "d.jsonl:1: output: expected text, got the number 3" in err
    code, _, err = cli(capsys, "import", str(data), "--map", "[defaults]=x")
    assert code == 1
    assert "--map [defaults]=x: '[defaults]' is not a field" in err


# typer builds its commands on its own copy of click: recognised by what they have.
def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


COMMANDS = list(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "reviewdesk" for p in COMMANDS])
def test_every_help_text_is_printed_whole(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...]
) -> None:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    code, out, _ = cli(capsys, *path, "--help")
    assert code == 0
    shown = _squeezed(out)
    texts = [command.help or ""] + [
        param.help or "" for param in command.params if param.param_type_name == "option"
    ]
    undocumented = [
        param.opts
        for param in command.params
        if param.param_type_name == "option" and not param.help
    ]
    assert undocumented == [], f"{' '.join(path)}: options without help"
    for text in texts:
        first_paragraph = text.split("\n\n")[0]
        assert _squeezed(first_paragraph) in shown, f"{' '.join(path)}: {first_paragraph!r}"
    assert "<bool>" not in out and "<str>" not in out and "<list[" not in out


def test_the_import_help_names_the_mapping_tables(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = cli(capsys, "import", "--help")
    assert "[columns], [defaults]" in out
    assert "[[decisions]]" in out


def test_queue_show_prints_the_policy_as_json_as_set_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'server.sqlite'}"
    code, _, err = cli(capsys, "queue", "set", "support", "--risk-threshold", "0.5", "--db", db)
    assert code == 0, err
    set_line = err.strip().removeprefix("policy of support: ")
    code, out, _ = cli(capsys, "queue", "show", "support", "--db", db)
    assert code == 0
    first = out.splitlines()[0]
    assert json.loads(first.removeprefix("support: ")) == json.loads(set_line)


def test_queue_set_freeze_keeps_verdicts_at_their_first_revision(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'server.sqlite'}"
    code, _, err = cli(capsys, "queue", "set", "support", "--freeze", "--db", db)
    assert code == 0, err
    code, out, _ = cli(capsys, "queue", "show", "support", "--db", db)
    assert code == 0
    assert json.loads(out.splitlines()[0].removeprefix("support: "))["freeze"] is True
    code, _, err = cli(capsys, "queue", "set", "support", "--db", db)
    code, out, _ = cli(capsys, "queue", "show", "support", "--db", db)
    assert json.loads(out.splitlines()[0].removeprefix("support: "))["freeze"] is False


def test_a_parquet_file_with_its_format_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "labels.bin"  # the name says nothing: --format does
    rows: dict[str, list[str | None]] = {
        "question": ["Why?", "How?", "When?"],
        "answer": ["Because.", None, "Now."],
        "label": ["yes", "yes", "no"],
    }
    pq.write_table(pa.table(rows), data)
    store = tmp_path / "s.sqlite"
    args = ["import", str(data), "--store", str(store), "--format", "parquet"]
    maps = ["--map", "prompt=question", "--map", "output=answer", "--map", "verdict=label"]
    values = ["--value", "verdict:yes=approve", "--value", "verdict:no=reject"]
    code, out, err = cli(
        capsys, *args, *maps, *values, "--default", "model=m-1", "--default", "reviewer=ann",
        "--default", "reasons=off_topic", "--on-error", "skip", "--json",
    )  # fmt: skip
    assert code == 0, err
    counts = json.loads(out)
    expected_new = sum(answer is not None for answer in rows["answer"])
    assert (counts["imported"], counts["invalid"], counts["decisions"]) == (expected_new, 1, 2)
    assert "labels.bin:2: output: is required but missing" in err
