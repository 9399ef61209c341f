"""One export a folder: what `datasets.load_dataset(FOLDER)` returns is exactly that export."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from reviewdesk.cli.app import run as cli_run
from reviewdesk.domain import Verdict
from reviewdesk.export import (
    ExportError,
    ExportFormat,
    ExportOptions,
    Filters,
    export_dataset,
    parse_split,
)
from reviewdesk.store import Store


def lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def card_files(folder: Path) -> set[str]:
    """The files the folder's card names in its YAML header."""
    header = (folder / "README.md").read_text().split("\n---", 1)[0]
    return {json.loads(name) for name in re.findall(r"path: (\".*\")", header)}


def load(folder: Path, cache: Path) -> dict[str, list[dict[str, Any]]]:
    """`datasets.load_dataset(FOLDER)` as an ML engineer calls it, one cache for every call."""
    import datasets

    datasets.disable_progress_bars()
    loaded = datasets.load_dataset(str(folder), cache_dir=str(cache))
    return {name: [dict(row) for row in loaded[name]] for name in loaded}


def test_each_folder_loads_exactly_its_export_and_a_used_folder_is_refused(
    demo_store: Store, tmp_path: Path
) -> None:
    pytest.importorskip("datasets")
    cache = tmp_path / "cache"
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    sft = ExportOptions(format=ExportFormat.SFT, splits=parse_split("test=0.3"))
    kto = ExportOptions(format=ExportFormat.KTO)
    export_dataset(demo_store.engine, first / "sft.jsonl", sft)
    export_dataset(demo_store.engine, second / "kto.jsonl", kto)
    before = {path.name: path.read_bytes() for path in first.iterdir()}

    with pytest.raises(ExportError) as refused:
        export_dataset(
            demo_store.engine, first / "dpo.jsonl", ExportOptions(format=ExportFormat.DPO)
        )
    message = str(refused.value)
    assert "holds another export" in message and "--overwrite" in message
    assert all(name in message for name in ("README.md", "sft-train.jsonl", "sft-test.jsonl"))
    assert {path.name: path.read_bytes() for path in first.iterdir()} == before

    assert card_files(first) == {"sft-train.jsonl", "sft-test.jsonl"}
    assert card_files(second) == {"kto.jsonl"}
    assert load(first, cache) == {
        "train": lines(first / "sft-train.jsonl"),
        "test": lines(first / "sft-test.jsonl"),
    }
    assert load(second, cache) == {"train": lines(second / "kto.jsonl")}


def test_an_export_over_an_older_one_replaces_it_whole(demo_store: Store, tmp_path: Path) -> None:
    pytest.importorskip("datasets")
    cache = tmp_path / "cache"
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    older = ExportOptions(format=ExportFormat.SFT, splits=parse_split("test=0.3"))
    export_dataset(demo_store.engine, folder / "sft.jsonl", older)
    assert set(load(folder, cache)) == {"train", "test"}  # the older export, cached

    newer = ExportOptions(format=ExportFormat.SFT, filters=Filters(models=("gpt-4o",)))
    summary = export_dataset(demo_store.engine, folder / "sft.jsonl", newer, overwrite=True)
    # The older export's files are gone; a file it did not list stays.
    assert sorted(path.name for path in folder.iterdir() if path.is_file()) == [
        "README.md",
        "notes.txt",
        "sft.jsonl",
    ]
    assert card_files(folder) == {"sft.jsonl"}
    assert load(folder, cache) == {"train": lines(folder / "sft.jsonl")}
    assert len(lines(folder / "sft.jsonl")) == summary.records > 0


def test_a_data_file_of_the_same_name_is_refused_unless_overwritten(
    demo_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "d.jsonl"
    out.write_text("someone's data\n")
    options = ExportOptions(format=ExportFormat.SFT)
    with pytest.raises(ExportError, match=r"holds files of the same name \(d\.jsonl\)"):
        export_dataset(demo_store.engine, out, options, card=False)
    assert out.read_text() == "someone's data\n"
    export_dataset(demo_store.engine, out, options, card=False, overwrite=True)
    assert out.read_text() != "someone's data\n"


def test_a_cardless_export_over_an_export_removes_the_stale_card(
    demo_store: Store, tmp_path: Path
) -> None:
    export_dataset(demo_store.engine, tmp_path / "a.jsonl", ExportOptions(format=ExportFormat.KTO))
    options = ExportOptions(format=ExportFormat.SFT)
    with pytest.raises(ExportError, match="holds another export"):
        export_dataset(demo_store.engine, tmp_path / "b.jsonl", options, card=False)
    export_dataset(demo_store.engine, tmp_path / "b.jsonl", options, card=False, overwrite=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b.jsonl"]


def test_no_records_is_an_error_that_says_what_the_filters_left(
    demo_store: Store, tmp_path: Path
) -> None:
    options = ExportOptions(format=ExportFormat.SFT, filters=Filters(verdicts=(Verdict.REJECT,)))
    with pytest.raises(ExportError) as empty:
        export_dataset(demo_store.engine, tmp_path / "d.jsonl", options)
    assert "nothing to export: the filters (verdict reject) hold" in str(empty.value)
    assert "reject labels (not used by sft)" in str(empty.value)
    assert list(tmp_path.iterdir()) == []
    nobody = ExportOptions(format=ExportFormat.SFT, filters=Filters(models=("nobody",)))
    with pytest.raises(ExportError, match=r"the filters \(model nobody\) hold no labels"):
        export_dataset(demo_store.engine, tmp_path / "d.jsonl", nobody)
    none = ExportOptions(format=ExportFormat.SFT, limit=0)
    with pytest.raises(ExportError, match="--limit 0 asks for no records"):
        export_dataset(demo_store.engine, tmp_path / "d.jsonl", none)
    summary = export_dataset(demo_store.engine, tmp_path / "d.jsonl", nobody, allow_empty=True)
    assert summary.records == 0 and (tmp_path / "d.jsonl").read_bytes() == b""


def test_the_command_line_refuses_a_used_folder_and_an_empty_export(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", str(demo_store.path)]
    assert cli_run(["export", str(tmp_path / "a.jsonl"), "-f", "sft", *store]) == 0
    capsys.readouterr()
    assert cli_run(["export", str(tmp_path / "b.jsonl"), "-f", "kto", *store]) == 1
    assert "holds another export (README.md, a.jsonl)" in capsys.readouterr().err
    args = ["export", str(tmp_path / "b.jsonl"), "-f", "kto", "--overwrite", *store]
    assert cli_run(args) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["README.md", "b.jsonl"]
    capsys.readouterr()

    empty = tmp_path / "empty"
    empty.mkdir()
    args = ["export", str(empty / "d.jsonl"), "-f", "sft", "--model", "nobody", *store]
    assert cli_run(args) == 1
    assert "nothing to export: the filters (model nobody) hold no labels" in (
        capsys.readouterr().err
    )
    assert list(empty.iterdir()) == []
    assert cli_run([*args, "--allow-empty", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 0
