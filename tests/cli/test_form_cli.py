"""`reviewdesk form set` / `form show` as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.app import run
from reviewdesk.store import Store

FORM = """
guidelines = \"\"\"Approve only answers that follow the refund policy.
Quote the "policy" when you reject.\"\"\"

[[questions]]
key = "behaviour"
label = "What did the model do?"
kind = "choice"
required = true
options = [{value = "full_compliance", label = "Full compliance"},
           {value = "full_refusal", label = "Full refusal"},
           {value = "partial_refusal", label = "Partial refusal"}]

[[questions]]
key = "helpfulness"
kind = "rating"
min = 1
max = 5
labels = {1 = "useless", 5 = "perfect"}
required = ["approve", "edit"]

[[questions]]
key = "hallucination"
kind = "spans"
options = [{value = "unsupported", label = "Unsupported claim", key = "x"}]
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


def test_a_form_set_from_a_file_shows_as_a_file_that_sets_it_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    path = tmp_path / "form.toml"
    path.write_text(FORM.replace('key = "x"', 'key = "y"'), encoding="utf-8")
    code, _, err = cli(capsys, "form", "set", "support", str(path), "--store", str(store_path))
    assert (code, err) == (0, "queue support: form version 1 stored (3 questions)\n")
    code, shown, _ = cli(capsys, "form", "show", "support", "--store", str(store_path))
    assert code == 0
    assert shown.startswith("# the review form of queue support\nversion = 1\n")
    assert 'Quote the "policy" when you reject.' in shown
    assert '{value = "full_refusal", label = "Full refusal", key = "2"},' in shown
    assert 'labels = {"1" = "useless", "5" = "perfect"}' in shown
    again = tmp_path / "shown.toml"
    again.write_text(shown, encoding="utf-8")
    code, _, err = cli(capsys, "form", "set", "support", str(again), "--store", str(store_path))
    assert (code, err) == (0, "queue support: the form is unchanged (version 1, 3 questions)\n")


def test_form_show_json_and_an_earlier_version(
    capsys: pytest.CaptureFixture[str], form_file: Path, tmp_path: Path, store_path: Path
) -> None:
    assert cli(capsys, "form", "set", "support", str(form_file), "--store", str(store_path))[0] == 0
    shorter = tmp_path / "short.toml"
    shorter.write_text('guidelines = "Be brief."\n', encoding="utf-8")
    code, _, err = cli(capsys, "form", "set", "support", str(shorter), "--store", str(store_path))
    assert (code, err) == (0, "queue support: form version 2 stored (0 questions)\n")
    code, out, _ = cli(capsys, "form", "show", "support", "--json", "--store", str(store_path))
    assert code == 0
    assert json.loads(out) == {"queue": "support", "version": 2, "guidelines": "Be brief."}
    code, out, _ = cli(
        capsys, "form", "show", "support", "--version", "1", "--json", "--store", str(store_path)
    )
    first = json.loads(out)
    assert [q["key"] for q in first["questions"]] == ["behaviour", "helpfulness", "hallucination"]
    assert first["questions"][0]["options"][2] == {
        "value": "partial_refusal",
        "label": "Partial refusal",
        "key": "3",
    }
    code, out, err = cli(capsys, "form", "show", "billing", "--store", str(store_path))
    assert (code, out, err) == (1, "", "error: queue 'billing' has no form\n")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('key = "hallucination"', 'key = "behaviour"'),
            "questions[3] 'behaviour': the key 'behaviour' is questions[1]'s too",
        ),
        (
            ('key = "x"', 'key = "a"'),
            "questions[3] 'hallucination': options[1] 'unsupported': the key 'a' is a desk key",
        ),
        (("max = 5", "max = 1"), "questions[2] 'helpfulness': min must be below max"),
        (('kind = "spans"', 'kind = "span"'), "questions[3] 'hallucination': kind: unknown kind"),
        (("[[questions]]", "[[questions]"), "not a valid TOML file"),
    ],
)
def test_a_bad_form_file_names_the_file_and_the_question_and_stores_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    store_path: Path,
    change: tuple[str, str],
    message: str,
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(FORM.replace(*change, 1), encoding="utf-8")
    code, out, err = cli(capsys, "form", "set", "support", str(path), "--store", str(store_path))
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {path}: {message}")
    assert not store_path.exists()  # checked before the store is even opened


def test_a_lower_version_is_refused_and_the_form_kept(
    capsys: pytest.CaptureFixture[str], form_file: Path, tmp_path: Path, store_path: Path
) -> None:
    newer = tmp_path / "v5.toml"
    newer.write_text(f"version = 5\n{FORM}", encoding="utf-8")
    assert cli(capsys, "form", "set", "support", str(newer), "--store", str(store_path))[0] == 0
    older = tmp_path / "v4.toml"
    older.write_text('version = 4\nguidelines = "old"', encoding="utf-8")
    code, _, err = cli(capsys, "form", "set", "support", str(older), "--store", str(store_path))
    assert code == 1
    assert err == (
        "error: queue 'support' has form version 5: version 4 is older "
        "(raise the version, or leave it out to take the next one)\n"
    )
    with Store.open(store_path) as store:
        kept = store.form("support")
    assert kept is not None and (kept.version, len(kept.questions)) == (5, 3)


def test_a_missing_form_file_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    missing = tmp_path / "nope.toml"
    code, _, err = cli(capsys, "form", "set", "support", str(missing), "--store", str(store_path))
    assert code == 1
    assert err == f"error: cannot read the form file {missing}: No such file or directory\n"
