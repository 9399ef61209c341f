from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewdesk import __version__
from reviewdesk.cli.app import run
from tests.helpers.records import decision, record, write_jsonl


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "--version") == (0, f"reviewdesk {__version__}\n", "")


@pytest.mark.parametrize("command", [[], ["demo"], ["info"], ["import"], ["export"]])
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, _ = cli(capsys, *command, "--help")
    assert code == 0
    assert "Usage: reviewdesk" in out
    assert "--store" in out


def test_import_json_then_info_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    data = write_jsonl(
        tmp_path / "d.jsonl",
        [record(1, decisions=[decision("alice"), decision("bob", "reject")]), record(2)],
    )
    code, out, err = cli(capsys, "import", str(data), "--store", str(store), "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "imported": 2,
        "duplicates": 0,
        "conflicts": 0,
        "invalid": 0,
        "decisions": 2,
    }
    code, out, _ = cli(capsys, "info", "--store", str(store), "--json")
    info = json.loads(out)
    assert code == 0
    assert info["store"] == str(store)
    assert {
        k: info[k] for k in ("generations", "pending", "decided", "decisions", "reviewers")
    } == {
        "generations": 2,
        "pending": 1,
        "decided": 1,
        "decisions": 2,
        "reviewers": 2,
    }
    code, out, _ = cli(capsys, "info", "--store", str(store))
    assert code == 0 and "generations" in out and "2" in out


def test_bad_data_exits_1_naming_file_line_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = tmp_path / "s.sqlite"
    data = write_jsonl(tmp_path / "d.jsonl", [record(1), record(2, model=7)])
    code, out, err = cli(capsys, "import", str(data), "--store", str(store), "--json")
    assert code == 1
    assert out == ""
    assert "d.jsonl:2: model: expected text, got the number 7" in err
    assert "nothing was imported" in err


def test_skip_prints_counts_and_where_the_rejects_went(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [record(1), record(2, model=7)])
    code, out, err = cli(
        capsys,
        "import",
        str(data),
        "--store",
        str(tmp_path / "s.sqlite"),
        "--on-error",
        "skip",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == {
        "imported": 1,
        "duplicates": 0,
        "conflicts": 0,
        "invalid": 1,
        "decisions": 0,
    }
    assert "d.jsonl.rejects.jsonl" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [record(1)])
    assert cli(capsys, "import", str(data), "--on-error", "maybe")[0] == 2
    assert cli(capsys, "import", str(data), "--format", "xml")[0] == 2
    assert cli(capsys, "import")[0] == 2
    assert cli(capsys, "info", "--bogus")[0] == 2


def test_a_bad_mapping_exits_1_with_the_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [record(1)])
    code, _, err = cli(
        capsys, "import", str(data), "--map", "answer=output", "--store", str(tmp_path / "s.sqlite")
    )
    assert code == 1
    assert "'answer' is not a field" in err


def test_info_on_a_missing_store_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = cli(capsys, "info", "--store", str(tmp_path / "none.sqlite"))
    assert code == 1
    assert "there is no store" in err


def test_the_default_store_lives_in_the_data_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [record(1)])
    assert cli(capsys, "import", str(data))[0] == 0
    _, out, _ = cli(capsys, "info", "--json")
    assert json.loads(out)["store"].endswith("reviewdesk/reviewdesk.sqlite")


def test_a_store_given_before_the_command_is_the_one_it_works_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store, other = tmp_path / "s.sqlite", tmp_path / "other.sqlite"
    data = write_jsonl(tmp_path / "d.jsonl", [record(1), record(2)])
    assert cli(capsys, "--store", str(store), "import", str(data))[0] == 0
    code, out, _ = cli(capsys, f"--store={store}", "info", "--json")
    assert code == 0
    assert (json.loads(out)["store"], json.loads(out)["generations"]) == (str(store), 2)
    assert cli(capsys, "info")[0] == 1  # nothing went to the default store
    # given again after the command, that one wins; a group's commands get it too
    assert cli(capsys, "--store", str(store), "import", str(data), "--store", str(other))[0] == 0
    assert json.loads(cli(capsys, "info", "--store", str(other), "--json")[1])["generations"] == 2
    assert cli(capsys, "--store", str(store), "template", "list")[0] == 0


@pytest.mark.parametrize(
    ("before", "command"),
    [
        (["--store", "s.sqlite"], ["token", "list"]),
        (["--screenshot", "shot.png"], ["info"]),
        (["--size", "800x600", "--store", "s.sqlite"], ["stats"]),
    ],
)
def test_a_desk_option_before_a_command_that_takes_none_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], before: list[str], command: list[str]
) -> None:
    code, _, err = cli(capsys, *before, *command)
    assert code == 2
    assert f"does not go with `reviewdesk {command[0]}`" in " ".join(err.split())
    assert before[0] in err


def test_the_command_line_does_not_load_qt_until_the_desk_opens() -> None:
    probe = "import sys, reviewdesk.cli.app; sys.exit('PySide6' in sys.modules or 'sqlmodel' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0
