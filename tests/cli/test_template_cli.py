"""`reviewdesk template add | list | show | diff` as a person runs them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import orjson
import pytest

from reviewdesk.cli.app import run
from reviewdesk.cli.push import PushFailedError, push_file
from reviewdesk.store import Store
from tests.helpers.records import record
from tests.server.harness import RunningServer

V6 = "You answer refund questions.\nBe brief.\n"
V7 = "You answer refund questions.\nBe kind and brief.\nCite the policy.\n"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_templates_added_from_a_file_and_stdin_are_listed_shown_and_diffed(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = ("--store", str(store_path))
    v6 = tmp_path / "refund-v6.txt"
    v6.write_text(V6, encoding="utf-8")
    assert cli(capsys, "template", "add", "refund", "v6", str(v6), *store) == (
        0, "", "refund@v6: stored (2 lines)\n",
    )  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(V7.encode())))
    assert cli(capsys, "template", "add", "refund", "v7", "-", *store)[0] == 0
    assert cli(capsys, "template", "add", "refund", "v6", str(v6), *store) == (
        0, "", "refund@v6: unchanged (the same text is stored)\n",
    )  # fmt: skip

    code, out, _ = cli(capsys, "template", "show", "refund", "v7", *store)
    assert (code, out) == (0, V7)
    code, out, _ = cli(capsys, "template", "diff", "refund", "v6", "v7", *store)
    assert code == 0
    assert out.splitlines() == [
        "--- refund@v6",
        "+++ refund@v7",
        "@@ -1,2 +1,3 @@",
        " You answer refund questions.",
        "-Be brief.",
        "+Be kind and brief.",
        "+Cite the policy.",
    ]
    code, out, _ = cli(capsys, "template", "list", "--json", *store)
    listed = json.loads(out)
    assert [(t["name"], t["version"], t["items"], t["has_text"]) for t in listed] == [
        ("refund", "v6", 0, True),
        ("refund", "v7", 0, True),
    ]


def test_another_text_for_a_stored_version_is_refused_naming_the_file_unless_replace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    store = ("--store", str(store_path))
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(V6, encoding="utf-8")
    second.write_text(V7, encoding="utf-8")
    assert cli(capsys, "template", "add", "refund", "v6", str(first), *store)[0] == 0
    code, _, err = cli(capsys, "template", "add", "refund", "v6", str(second), *store)
    assert code == 1
    assert f"the file {second}: refund@v6 has another text already" in err
    assert "--replace" in err
    with Store.open(store_path) as opened:
        kept = opened.template("refund", "v6")
    assert kept is not None and kept.text == V6
    code, _, err = cli(capsys, "template", "add", "refund", "v6", str(second), "--replace", *store)
    assert (code, err) == (0, "refund@v6: text replaced (3 lines)\n")


def test_unreadable_or_missing_templates_are_errors_that_name_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_path: Path
) -> None:
    store = ("--store", str(store_path))
    binary = tmp_path / "latin1.txt"
    binary.write_bytes("Caf\xe9".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    missing = tmp_path / "nowhere.txt"
    for path, why in ((binary, "is not UTF-8 text"), (empty, "is empty"), (missing, "cannot read")):
        code, _, err = cli(capsys, "template", "add", "refund", "v1", str(path), *store)
        assert code == 1 and str(path) in err and why in err
    assert not store_path.exists()  # nothing was read, so no store was made

    good = tmp_path / "v1.txt"
    good.write_text(V6, encoding="utf-8")
    assert cli(capsys, "template", "add", "refund", "v1", str(good), *store)[0] == 0
    code, _, err = cli(capsys, "template", "show", "refund", "v2", *store)
    assert code == 1 and "no text is stored for refund@v2 (versions with text: v1)" in err
    code, _, err = cli(capsys, "template", "diff", "refund", "v1", "v2", *store)
    assert code == 1 and "no text for refund@v2" in err


def test_push_sends_template_texts_and_checks_them_first(
    server: RunningServer, tmp_path: Path
) -> None:
    secret = server.token("producer", "producer")
    bad = record(2, prompt_template_text=V7)
    del bad["prompt_version"]
    source = tmp_path / "items.jsonl"
    source.write_bytes(orjson.dumps(record(1, prompt_template_text=V7)) + b"\n" + orjson.dumps(bad))
    with pytest.raises(PushFailedError) as refused:
        push_file(source, server.url, secret)
    assert "items.jsonl:2: prompt_template_text: a template text needs" in str(refused.value)

    source.write_bytes(orjson.dumps(record(1, prompt_template_text=V7)) + b"\n")
    assert push_file(source, server.url, secret).created == 1
    with server.client(secret) as client:
        stored = client.get("/v1/templates/refund-policy/v7").json()
    assert (stored["text"], stored["source"]) == (V7, "item")
