"""The file kinds import reads: JSON arrays, JSONL, CSV, TSV, gzipped or not; integer ids and
decisions without a time."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest

from reviewdesk.errors import ImportFailedError
from reviewdesk.ingest import Mapping, OnError, SourceFormat, import_files
from reviewdesk.store import Store
from tests.helpers.records import decision, record, write_jsonl


def test_a_json_array_file_is_read_as_one_with_one_note(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps([record(1), record(2), record(3)], indent=2))
    report = import_files(store, [data])
    assert report.imported == 3
    assert report.notes == ["data.json: read as a JSON array (--format json)"]


def test_a_json_array_given_as_jsonl_is_one_clear_error_not_one_a_line(
    store: Store, tmp_path: Path
) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps([record(n) for n in range(1, 40)], indent=2))
    with pytest.raises(ImportFailedError) as caught:
        import_files(store, [data], source_format=SourceFormat.JSONL)
    assert str(caught.value).splitlines() == [
        "data.jsonl:1: this is a JSON array, not JSON Lines (one object a line): "
        "import it with --format json",
        "1 invalid record: nothing was imported (use --on-error skip to import the others)",
    ]


def test_errors_in_a_json_array_name_the_line_its_element_starts_on(
    store: Store, tmp_path: Path
) -> None:
    data = tmp_path / "data.json"
    text = json.dumps([record(1), record(2, model=7), record(3)], indent=2)
    data.write_text(text)
    second = text.splitlines().index("  {", 2) + 1  # the second element's first line
    assert text.splitlines()[second - 1] == "  {"
    with pytest.raises(ImportFailedError, match=rf"data\.json:{second}: model: expected text"):
        import_files(store, [data], source_format=SourceFormat.JSON)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[", "the JSON array is not closed"),
        ('[{"id": "a"}', "the JSON array is not closed"),
        ("[]", "the JSON array is empty"),
        ('{"id": "a"}', "expected a JSON array of records"),
        ("[1, 2] x", "there is more text after the JSON array"),
    ],
)
def test_a_broken_json_array_is_one_message(
    store: Store, tmp_path: Path, text: str, message: str
) -> None:
    data = tmp_path / "data.json"
    data.write_text(text)
    with pytest.raises(ImportFailedError, match=message):
        import_files(store, [data], source_format=SourceFormat.JSON)


def test_gzipped_jsonl_csv_and_tsv(store: Store, tmp_path: Path) -> None:
    jsonl = tmp_path / "a.jsonl.gz"
    jsonl.write_bytes(gzip.compress(b"".join(orjson.dumps(record(n)) + b"\n" for n in (1, 2))))
    array = tmp_path / "b.json.gz"
    array.write_bytes(gzip.compress(orjson.dumps([record(3)])))
    csv_file = tmp_path / "c.csv.gz"
    csv_file.write_bytes(gzip.compress(b"id,prompt,output,model\nc1,Hi,Hello,m\n"))
    tsv = tmp_path / "d.tsv"
    tsv.write_text("id\tprompt\toutput\tmodel\nd1\tHi, there\tHello\tm\n")
    seen: list[tuple[int, int]] = []
    report = import_files(
        store,
        [jsonl, array, csv_file, tsv],
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.summary()["imported"] == 5
    stored = store.get("d1")
    assert stored is not None and stored.prompt == "Hi, there"
    total = sum(path.stat().st_size for path in (jsonl, array, csv_file, tsv))
    assert seen[-1] == (total, total)


def test_integer_ids_are_taken_as_text(store: Store, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [record(1, id=47)])
    assert import_files(store, [data]).imported == 1
    assert store.get("47") is not None


def test_decisions_without_a_time_get_the_import_time_and_import_once(
    store: Store, tmp_path: Path
) -> None:
    undated = decision("alice", "approve")
    del undated["decided_at"]
    dated = decision("bob", "approve")
    data = write_jsonl(tmp_path / "data.jsonl", [record(1, decisions=[undated, dated])])
    report = import_files(store, [data])
    assert (report.decisions, report.undated_decisions) == (2, 1)
    times = {d.reviewer: d.decided_at for d in store.decisions_of("gen-000001")}
    assert times["bob"].isoformat() == "2026-11-21T09:00:00+00:00"  # never replaced
    assert times["alice"].isoformat().replace("+00:00", "Z") == report.imported_at
    again = import_files(store, [data])
    assert (again.decisions, again.duplicate_decisions) == (0, 2)


def test_a_mapped_csv_without_times_gets_the_import_time(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "sheet.csv"
    data.write_text("id,prompt,output,model,verdict,reviewer\na,Hi,Hello,m,approve,dara\n")
    report = import_files(store, [data], mapping=Mapping(defaults={"queue": "q"}))
    assert report.undated_decisions == 1
    assert import_files(store, [data]).duplicate_decisions == 1


def test_parquet_rows_with_nested_columns_and_a_mapped_gzipped_one(
    store: Store, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [record(n) for n in range(1, 6)]
    for number, row in enumerate(rows, start=1):
        row["id"] = number  # an integer column: ids taken as text
        del row["metadata"]  # Parquet cannot hold an empty struct
    del rows[1]["flags"]  # null in that row
    rows[2]["decisions"] = [
        decision("ann", "reject"),  # reasons, a list inside a struct inside a list
        {"reviewer": "bob", "verdict": "approve"},  # no time: the import's
    ]
    rows[3]["output"] = None  # missing: the row is refused, named by its number
    data = tmp_path / "data.parquet"
    columns = {
        key: [row.get(key) for row in rows] for key in dict.fromkeys(k for r in rows for k in r)
    }
    pq.write_table(pa.Table.from_pydict(columns), data)

    report = import_files(store, [data], on_error=OnError.SKIP)

    assert (report.imported, report.invalid, report.decisions) == (4, 1, 2)
    assert report.undated_decisions == 1
    assert [str(error) for error in report.errors] == [
        "data.parquet:4: output: is required but missing"
    ]
    third = store.get("3")
    assert third is not None and not isinstance(third.prompt, str)
    assert [(m.role, m.content) for m in third.prompt] == [
        (m["role"], m["content"]) for m in record(3)["prompt"]
    ]
    assert [flag.code for flag in third.flags] == ["email"]
    second = store.get("2")
    assert second is not None and second.flags == ()

    other = tmp_path / "other.parquet.gz"
    table = pa.Table.from_pylist(
        [{"question": f"Q{n}?", "answer": f"A{n}.", "llm": "m-1", "n": n} for n in range(1, 4)]
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    other.write_bytes(gzip.compress(sink.getvalue().to_pybytes()))
    mapping = Mapping.from_specs(
        ["prompt=question", "output=answer", "model=llm", "id=n"], [], id_prefix="other-"
    )
    mapped = import_files(store, [other], mapping=mapping)
    assert (mapped.imported, mapped.invalid) == (3, 0)
    stored = store.get("other-2")
    assert stored is not None and (stored.prompt, stored.output) == ("Q2?", "A2.")


def test_a_file_that_is_not_parquet_says_so(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "data.parquet"
    data.write_text("id,prompt\n1,hi\n")
    with pytest.raises(ImportFailedError, match=r"data\.parquet: cannot be read as Parquet"):
        import_files(store, [data])
