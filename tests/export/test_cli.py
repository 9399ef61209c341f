"""`reviewdesk export` as a person runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.app import run as cli_run
from reviewdesk.store import Store


def run(*args: str) -> int:
    """The real command line, in this process."""
    return cli_run(list(args))


@pytest.fixture
def demo(demo_store: Store) -> str:
    return str(demo_store.path)


def test_export_with_split_writes_files_a_card_and_a_json_summary(
    demo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sft.jsonl.gz"
    code = run("export", str(out), "--format", "sft", "--split", "test=0.1", "--redact",
               "--model", "gpt-4o", "--store", demo, "--json")  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out)
    assert summary["format"] == "sft" and summary["models"] == {"gpt-4o": summary["labels"]}
    assert set(summary["files"]) == {"train", "test"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "README.md",
        "sft-test.jsonl.gz",
        "sft-train.jsonl.gz",
    ]
    card = (tmp_path / "README.md").read_text()
    assert f"reviewdesk export {out} --format sft --model gpt-4o --split test=0.1 --redact" in card


def test_dry_run_prints_counts_and_writes_nothing(
    demo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run("export", str(tmp_path / "d.jsonl"), "-f", "dpo", "--dry-run", "--store", demo)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.startswith("would write ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "parquet"], "--format 'parquet': use one of raw, sft, sft-text"),
        (["--format", "sft", "--since", "last week"], "--since 'last week': write a date"),
        (["--format", "sft", "--verdict", "maybe"], "--verdict 'maybe'"),
        (["--format", "sft", "--split", "test=1.5"], "--split"),
        (["--format", "sft", "--policy", "loudest"], "--policy 'loudest'"),
        (["--format", "sft", "--min-agreement", "2"], "--min-agreement 2"),
    ],
)
def test_bad_input_exits_1_with_a_message(
    demo: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code = run("export", str(tmp_path / "d.jsonl"), *args, "--store", demo)
    assert code == 1
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_destination_exits_1(
    demo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run("export", str(tmp_path / "no" / "d.jsonl"), "-f", "raw", "--store", demo)
    assert code == 1
    assert "does not exist" in capsys.readouterr().err


def test_help_lists_the_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("export", "--help") == 0
    out = capsys.readouterr().out
    assert "sft-text" in out and "--split" in out and "--store" in out
