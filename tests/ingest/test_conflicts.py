"""One id, one item: a record whose id is stored (or came earlier) with other content is a
conflict, never a duplicate, and nothing of it reaches the stored item."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from reviewdesk.errors import ImportFailedError
from reviewdesk.ingest import Mapping, OnError, import_files
from reviewdesk.ingest.importer import BATCH
from reviewdesk.store import Store
from tests.helpers.records import decision, record, write_jsonl


def content(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


def test_an_id_repeated_with_another_output_in_one_file_aborts_naming_line_and_field(
    store: Store, tmp_path: Path
) -> None:
    data = write_jsonl(
        tmp_path / "data.jsonl",
        [record(1), record(2), record(1, output="Another answer.", flags=[])],
    )
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data])
    message = str(caught.value)
    assert (
        "data.jsonl:3: id: 'gen-000001' came earlier in this import with a different output"
        in message
    )
    assert "1 conflict: nothing was imported" in message
    assert store.counts().generations == 0


def test_skip_keeps_the_first_and_rejects_the_conflict_with_its_decisions(
    store: Store, tmp_path: Path
) -> None:
    undated = decision("bob", "approve")
    del undated["decided_at"]
    other = record(1, output="Another answer.", flags=[], decisions=[undated])
    data = write_jsonl(tmp_path / "data.jsonl", [record(1), record(2), other])
    report = import_files(store, [data], on_error=OnError.SKIP)
    assert report.summary() == {
        "imported": 2,
        "duplicates": 0,
        "conflicts": 1,
        "invalid": 0,
        "decisions": 0,
    }
    stored = store.get("gen-000001")
    assert stored is not None and stored.output.startswith("Yes")
    assert store.decisions_of("gen-000001") == []  # bob judged another output
    assert report.rejects is not None
    [rejected] = [orjson.loads(line) for line in report.rejects.read_bytes().splitlines()]
    assert (rejected["line"], rejected["record"]["output"]) == (3, "Another answer.")
    assert "a conflict, not imported" in rejected["errors"][0]
    assert rejected["record"]["decisions"] == [undated]  # as the file had it: no time added


def test_an_id_stored_before_with_another_prompt_and_model(store: Store, tmp_path: Path) -> None:
    import_files(store, [write_jsonl(tmp_path / "first.jsonl", [record(1)])])
    before = content(store.path)
    data = write_jsonl(
        tmp_path / "second.jsonl", [record(2), record(1, prompt="Other question", model="m2")]
    )
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data])
    assert (
        "second.jsonl:2: id: 'gen-000001' is stored already with a different prompt, model"
        in str(caught.value)
    )
    assert content(store.path) == before


def test_the_same_content_again_is_still_a_duplicate_and_its_new_decisions_count(
    store: Store, tmp_path: Path
) -> None:
    import_files(store, [write_jsonl(tmp_path / "first.jsonl", [record(1)])])
    # other metadata, risk and flags: not what makes the item; a new label on it is welcome
    again = record(1, risk=0.99, flags=[], decisions=[decision("carol", "approve")])
    report = import_files(store, [write_jsonl(tmp_path / "again.jsonl", [again])])
    assert (report.duplicates, report.conflicts, report.decisions) == (1, 0, 1)


def test_a_conflict_a_batch_later_is_found_and_every_conflict_reported(
    store: Store, tmp_path: Path
) -> None:
    records = [record(n) for n in range(1, BATCH + 10)]
    records.append(record(5, output="changed", flags=[]))
    records.append(record(BATCH + 3, model="other-model"))
    data = write_jsonl(tmp_path / "data.jsonl", records)
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data])
    message = str(caught.value)
    assert f"data.jsonl:{BATCH + 10}: id: 'gen-000005'" in message
    assert f"data.jsonl:{BATCH + 11}: id: 'gen-{BATCH + 3:06d}'" in message
    assert "2 conflicts: nothing was imported" in message
    assert store.counts().generations == 0


def test_an_id_prefix_or_ids_from_fields_keep_both(store: Store, tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [record(1)])
    second = write_jsonl(tmp_path / "b.jsonl", [record(1, model="m2", output="Other.", flags=[])])
    import_files(store, [first])
    assert import_files(store, [second], mapping=Mapping(id_prefix="b:")).imported == 1
    assert store.get("b:gen-000001") is not None
    report = import_files(store, [first, second], mapping=Mapping(id_from=("model", "id")))
    assert (report.imported, report.conflicts) == (2, 0)
    assert store.get("m2:gen-000001") is not None
    assert store.get("gpt-4o-mini:gen-000001") is not None


def test_a_dry_run_counts_conflicts_and_stores_nothing(store: Store, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [record(1), record(1, output="x", flags=[])])
    report = import_files(store, [data], dry_run=True, preview=5)
    assert (report.imported, report.conflicts) == (1, 1)
    assert [shown["output"] for shown in report.preview] == [record(1)["output"]]
    assert store.counts().generations == 0
    assert report.rejects is None


class _Stop(Exception):
    """What a cancelled import's progress callback raises."""


def test_an_import_stopped_by_its_progress_callback_stores_nothing_and_refuses_nothing(
    store: Store, tmp_path: Path
) -> None:
    import_files(store, [write_jsonl(tmp_path / "first.jsonl", [record(1)])])
    before = content(store.path)
    records = [record(n) for n in range(2, 2 * BATCH + 600)]
    records[10] = record(12, output=5)  # invalid: a skipping import refuses it at once
    folder = tmp_path / "files"
    folder.mkdir()
    data = write_jsonl(folder / "data.jsonl", records)
    rejects = folder / "data.jsonl.rejects.jsonl"
    rejects.write_text("the rejects of an earlier import\n", encoding="utf-8")
    total = data.stat().st_size
    reports: list[int] = []

    def progress(done: int, _total: int) -> None:
        reports.append(done)
        if done > total * 0.9:  # two batches are written in the transaction by now
            raise _Stop

    with pytest.raises(_Stop):
        import_files(store, [data], on_error=OnError.SKIP, progress=progress)

    assert len(reports) > 2 * BATCH // 256
    assert content(store.path) == before
    assert rejects.read_text(encoding="utf-8") == "the rejects of an earlier import\n"
    assert sorted(path.name for path in folder.iterdir()) == ["data.jsonl", rejects.name]

    report = import_files(store, [data], on_error=OnError.SKIP)  # not stopped: all of it
    assert (report.imported, report.invalid) == (len(records) - 1, 1)
    assert [orjson.loads(line)["line"] for line in rejects.read_bytes().splitlines()] == [11]


def test_a_conflict_names_how_to_fix_it_in_the_words_it_is_given(
    store: Store, tmp_path: Path
) -> None:
    from reviewdesk.ingest.hints import Hints

    data = write_jsonl(tmp_path / "d.jsonl", [record(1), record(1, output="Other.", flags=[])])
    desk = Hints(unique_ids="a mapping's id_from makes ids unique", json_format="JSON")
    report = import_files(store, [data], dry_run=True, hints=desk)
    assert [str(error) for error in report.errors] == [
        "d.jsonl:2: id: 'gen-000001' came earlier in this import with a different output: "
        "a conflict, not imported (a mapping's id_from makes ids unique)"
    ]
