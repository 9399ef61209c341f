from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import orjson
import pytest

from reviewdesk.errors import ImportFailedError, UserError
from reviewdesk.ingest import Mapping, OnError, SourceFormat, import_files
from reviewdesk.store import Store
from tests.helpers.records import decision, record, write_jsonl


def content(path: Path) -> list[str]:
    """Everything a store holds, as SQL text (what "unchanged in content" compares)."""
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


def _output(store: Store, generation_id: str) -> str:
    generation = store.get(generation_id)
    assert generation is not None, f"{generation_id} was not stored"
    return generation.output


def test_canonical_jsonl_with_decisions(store: Store, tmp_path: Path) -> None:
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [
            record(1, decisions=[decision("alice", "approve"), decision("bob", "reject")]),
            record(2, decisions=[decision("alice", "edit")]),
            record(3),
        ],
    )
    report = import_files(store, [data])
    assert report.summary() == {
        "imported": 3,
        "duplicates": 0,
        "conflicts": 0,
        "invalid": 0,
        "decisions": 3,
    }
    assert store.counts().model_dump() == {
        "generations": 3,
        "pending": 1,
        "decided": 2,
        "decisions": 3,
        "reviewers": 2,
    }
    [edit] = store.decisions_of("gen-000002")
    assert edit.edited_output == "Yes, you can return the blender within 30 days."
    assert store.get("gen-000001") is not None


def test_importing_the_same_file_twice_counts_duplicates_and_adds_nothing(
    store: Store, tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [record(1, decisions=[decision()]), record(2)])
    import_files(store, [data])
    before = content(store.path)
    again = import_files(store, [data])
    assert again.summary() == {
        "imported": 0,
        "duplicates": 2,
        "conflicts": 0,
        "invalid": 0,
        "decisions": 0,
    }
    assert again.duplicate_decisions == 1
    assert content(store.path) == before


def test_a_duplicate_inside_one_file_is_counted_once(store: Store, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [record(1), record(1, risk=0.1)])
    report = import_files(store, [data])
    assert (report.imported, report.duplicates, report.conflicts) == (1, 1, 0)


def test_queue_option_puts_everything_in_one_queue(store: Store, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [record(1, queue="a"), record(2)])
    import_files(store, [data], queue="escalations")
    assert store.distinct("queue") == ["escalations"]


def test_abort_reports_every_invalid_record_and_leaves_the_store_unchanged(
    store: Store, tmp_path: Path
) -> None:
    import_files(store, [write_jsonl(tmp_path / "first.jsonl", [record(1)])])
    before = content(store.path)
    bad_span = record(3, output="x" * 120)
    bad_span["flags"][0]["span"] = [90, 140]
    data = write_jsonl(tmp_path / "data.jsonl", [record(2), bad_span, record(4, output=42)])
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data])
    message = str(caught.value)
    assert "data.jsonl:2: flags[0].span: [90, 140] is outside the output (length 120)" in message
    assert "data.jsonl:3: output: expected text, got the number 42" in message
    assert "nothing was imported" in message
    assert content(store.path) == before


def test_skip_imports_the_valid_records_and_writes_the_rest_to_a_rejects_file(
    store: Store, tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [record(1), record(2, risk=7), record(3)])
    report = import_files(store, [data], on_error=OnError.SKIP)
    assert report.summary() == {
        "imported": 2,
        "duplicates": 0,
        "conflicts": 0,
        "invalid": 1,
        "decisions": 0,
    }
    assert report.rejects == tmp_path / "data.jsonl.rejects.jsonl"
    [rejected] = [orjson.loads(line) for line in report.rejects.read_bytes().splitlines()]
    assert rejected["line"] == 2
    assert rejected["errors"] == ["data.jsonl:2: risk: input should be less than or equal to 1"]
    assert rejected["record"]["id"] == "gen-000002"


def test_a_truncated_last_line(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "cut.jsonl"
    whole = orjson.dumps(record(1)) + b"\n" + orjson.dumps(record(2))
    data.write_bytes(whole[: len(whole) - 40])
    with pytest.raises(ImportFailedError, match=r"cut\.jsonl:2: the last line is cut off"):
        import_files(store, [data])
    assert store.counts().generations == 0


def test_a_file_that_is_not_utf8(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "latin1.jsonl"
    data.write_bytes(orjson.dumps(record(1)) + b"\n" + '{"id": "r\xe9sum\xe9"}\n'.encode("latin-1"))
    with pytest.raises(
        ImportFailedError, match=r"latin1\.jsonl:2: not valid UTF-8 \(byte 0xe9 at column 10\)"
    ):
        import_files(store, [data])


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_an_empty_file(store: Store, tmp_path: Path, text: str) -> None:
    data = tmp_path / "empty.jsonl"
    data.write_text(text)
    with pytest.raises(ImportFailedError, match=r"empty\.jsonl: the file is empty"):
        import_files(store, [data])


def test_a_line_that_is_not_json_or_not_an_object(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"id": 1,,}\n[1, 2]\n')
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data])
    assert "data.jsonl:1: not valid JSON" in str(caught.value)
    assert "data.jsonl:2: expected a JSON object, got a list" in str(caught.value)


@pytest.mark.slow
def test_a_50_mb_output_imports_and_reads_back(store: Store, tmp_path: Path) -> None:
    huge = ("All work and no play makes a long output. " * 1_250_000)[:50_000_000]
    data = write_jsonl(tmp_path / "huge.jsonl", [record(1, output=huge, flags=[])])
    assert import_files(store, [data]).imported == 1
    assert _output(store, "gen-000001") == huge


def test_a_missing_file_is_a_user_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        import_files(store, [tmp_path / "nope.jsonl"])


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_csv_through_a_column_mapping_with_multiline_cells_and_labels(
    store: Store, tmp_path: Path
) -> None:
    data = _write_csv(
        tmp_path / "sheet.csv",
        [
            {
                "question": "Line one\nLine two, with a comma",
                "answer": 'She said "no".\nThen left.',
                "model_name": "gpt-4o",
                "score": "0.4",
                "label": "",
                "who": "",
                "why": "",
            },
            {
                "question": "Is it safe?",
                "answer": "Yes",
                "model_name": "llama",
                "score": "0.9",
                "label": "reject",
                "who": "dara",
                "why": "unsafe; factual_error",
            },
        ],
    )
    mapping = Mapping.from_specs(
        [
            "prompt=question",
            "output=answer",
            "model=model_name",
            "risk=score",
            "verdict=label",
            "reviewer=who",
            "reasons=why",
        ],
        ["queue=sheets"],
    )
    report = import_files(store, [data], mapping=mapping)
    assert report.summary() == {
        "imported": 2,
        "duplicates": 0,
        "conflicts": 0,
        "invalid": 0,
        "decisions": 1,
    }
    [first, second] = store.page()
    assert (second.model, second.risk, second.queue) == ("gpt-4o", 0.4, "sheets")
    generation = store.load(second.pk)
    assert generation.prompt == "Line one\nLine two, with a comma"
    assert generation.output == 'She said "no".\nThen left.'
    [label] = store.decisions_of(first.id)
    assert (label.reviewer, label.reasons) == ("dara", ("unsafe", "factual_error"))
    # No id column: ids come from the content, so importing again finds duplicates.
    assert import_files(store, [data], mapping=mapping).duplicates == 2


def test_csv_errors_name_the_line_where_the_record_starts(store: Store, tmp_path: Path) -> None:
    data = _write_csv(
        tmp_path / "sheet.csv",
        [
            {
                "id": "a",
                "prompt": "multi\nline\nprompt",
                "output": "ok",
                "model": "m",
                "risk": "0.1",
            },
            {"id": "b", "prompt": "p", "output": "ok", "model": "m", "risk": "high"},
        ],
    )
    with pytest.raises(
        ImportFailedError, match=r"sheet\.csv:5: risk: expected a number, got the text 'high'"
    ):
        import_files(store, [data])


def test_a_toml_mapping_file(store: Store, tmp_path: Path) -> None:
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text(
        '[columns]\nprompt = "input.question"\noutput = "answer"\n\n[defaults]\nmodel = "claude-3-5-haiku"\n'
    )
    data = write_jsonl(
        tmp_path / "other.jsonl",
        [{"uid": "x1", "input": {"question": "Why?"}, "answer": "Because."}],
    )
    report = import_files(
        store,
        [data],
        mapping=Mapping.from_toml(mapping_file).merged(Mapping.from_specs(["id=uid"], [])),
    )
    assert report.imported == 1
    generation = store.get("x1")
    assert generation is not None
    assert (generation.prompt, generation.output, generation.model) == (
        "Why?",
        "Because.",
        "claude-3-5-haiku",
    )


def test_a_mapping_to_an_unknown_field_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="'answer' is not a field"):
        Mapping.from_specs(["answer=output"], [])
    with pytest.raises(UserError, match="expected FIELD=VALUE"):
        Mapping.from_specs(["prompt"], [])
    bad = tmp_path / "bad.toml"
    bad.write_text("[columns\n")
    with pytest.raises(UserError, match=r"bad\.toml: not a valid TOML mapping"):
        Mapping.from_toml(bad)


def test_openai_chat_logs(store: Store, tmp_path: Path) -> None:
    data = write_jsonl(
        tmp_path / "chats.jsonl",
        [
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": [{"type": "text", "text": "Capital of France?"}]},
                    {"role": "assistant", "content": "Paris."},
                ],
                "model": "gpt-4o",
            },
            {"messages": [{"role": "user", "content": "Hi"}]},
        ],
    )
    with pytest.raises(
        ImportFailedError, match=r"chats\.jsonl:2: messages: has no assistant message"
    ):
        import_files(store, [data], source_format=SourceFormat.OPENAI)
    report = import_files(store, [data], source_format=SourceFormat.OPENAI, on_error=OnError.SKIP)
    assert report.imported == 1
    [entry] = store.page()
    generation = store.load(entry.pk)
    assert generation.output == "Paris."
    assert not isinstance(generation.prompt, str)
    assert [(m.role, m.content) for m in generation.prompt] == [
        ("system", "Be brief."),
        ("user", "Capital of France?"),
    ]


def test_openai_logs_without_a_model_need_a_default(store: Store, tmp_path: Path) -> None:
    data = write_jsonl(
        tmp_path / "chats.jsonl",
        [
            {
                "messages": [
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello"},
                ]
            }
        ],
    )
    with pytest.raises(ImportFailedError, match="model: is required but missing"):
        import_files(store, [data], source_format=SourceFormat.OPENAI)
    mapping = Mapping.from_specs([], ["model=gpt-4o-mini"])
    assert (
        import_files(store, [data], source_format=SourceFormat.OPENAI, mapping=mapping).imported
        == 1
    )


def test_progress_reaches_the_total(store: Store, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [record(n) for n in range(1, 600)])
    seen: list[tuple[int, int]] = []
    import_files(store, [data], progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (data.stat().st_size, data.stat().st_size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
