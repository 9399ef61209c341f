"""What lands on disk: split files, gzip, the dataset card, and nothing when an export fails."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from reviewdesk.export import (
    ExportError,
    ExportFormat,
    ExportOptions,
    export_dataset,
    parse_split,
    stream_export,
)
from reviewdesk.store import Store
from tests.helpers.records import decision, record


def lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def prompts(path: Path) -> set[str]:
    return {orjson.dumps(row["messages"][:-1]).decode() for row in lines(path)}


def test_a_split_by_prompt_is_disjoint_and_the_same_every_time(
    demo_store: Store, tmp_path: Path
) -> None:
    options = ExportOptions(format=ExportFormat.SFT, splits=parse_split("test=0.25"))
    (tmp_path / "a").mkdir()
    first = export_dataset(demo_store.engine, tmp_path / "a" / "sft.jsonl", options)
    assert set(first.files) == {"train", "test"}
    train, test = tmp_path / "a" / "sft-train.jsonl", tmp_path / "a" / "sft-test.jsonl"
    assert not prompts(train) & prompts(test)
    assert 0.1 < first.tally.records["test"] / first.records < 0.4
    (tmp_path / "b").mkdir()
    export_dataset(demo_store.engine, tmp_path / "b" / "sft.jsonl", options)
    assert (tmp_path / "b" / "sft-test.jsonl").read_bytes() == test.read_bytes()


def test_a_prompt_keeps_its_split_when_the_store_grows(make_store: Any, tmp_path: Path) -> None:
    options = ExportOptions(format=ExportFormat.SFT_TEXT, splits=parse_split("test=0.5"))
    small = make_store([record(n, decisions=[decision()]) for n in range(1, 21)])
    export_dataset(small.engine, tmp_path / "small.jsonl", options, card=False)
    grown = make_store([record(n, decisions=[decision()]) for n in range(1, 61)])
    export_dataset(grown.engine, tmp_path / "grown.jsonl", options, card=False)
    before = {r["prompt"] for r in lines(tmp_path / "small-test.jsonl")}
    after = {r["prompt"] for r in lines(tmp_path / "grown-test.jsonl")}
    assert before and before <= after
    assert not before & {r["prompt"] for r in lines(tmp_path / "grown-train.jsonl")}


def test_gz_names_are_compressed_and_reproducible(demo_store: Store, tmp_path: Path) -> None:
    options = ExportOptions(format=ExportFormat.KTO, splits=parse_split("test=0.1"))
    export_dataset(demo_store.engine, tmp_path / "kto.jsonl", options, card=False)
    export_dataset(demo_store.engine, tmp_path / "kto.jsonl.gz", options, card=False)
    packed = tmp_path / "kto-train.jsonl.gz"
    assert gzip.decompress(packed.read_bytes()) == (tmp_path / "kto-train.jsonl").read_bytes()
    first = packed.read_bytes()
    export_dataset(
        demo_store.engine, tmp_path / "kto.jsonl.gz", options, card=False, overwrite=True
    )
    assert packed.read_bytes() == first


def test_csv_gz_holds_a_header_and_neutralises_formulas(make_store: Any, tmp_path: Path) -> None:
    import csv
    import io

    store = make_store(
        [record(1, output='=HYPERLINK("http://x")', flags=[], decisions=[decision()])]
    )
    export_dataset(store.engine, tmp_path / "d.csv.gz", ExportOptions(format=ExportFormat.CSV))
    table = list(
        csv.DictReader(io.StringIO(gzip.decompress((tmp_path / "d.csv.gz").read_bytes()).decode()))
    )
    assert [row["output"] for row in table] == ['\'=HYPERLINK("http://x")']


def test_the_server_stream_gives_the_same_bytes_as_the_file(
    demo_store: Store, tmp_path: Path
) -> None:
    for format_, name in ((ExportFormat.RAW, "r.jsonl"), (ExportFormat.CSV, "r.csv")):
        options = ExportOptions(format=format_)
        export_dataset(demo_store.engine, tmp_path / name, options, card=False)
        with demo_store.engine.connect() as connection:
            streamed = b"".join(stream_export(connection, options))
        assert streamed == (tmp_path / name).read_bytes()


def test_a_dry_run_counts_and_writes_nothing(demo_store: Store, tmp_path: Path) -> None:
    options = ExportOptions(format=ExportFormat.DPO, splits=parse_split("test=0.1"))
    dry = export_dataset(demo_store.engine, tmp_path / "d.jsonl", options, dry_run=True)
    assert list(tmp_path.iterdir()) == []
    real = export_dataset(demo_store.engine, tmp_path / "d.jsonl", options)
    assert dry.dry_run and dry.tally.records == real.tally.records and dry.records > 0


@pytest.mark.slow
def test_a_cancelled_export_leaves_nothing_and_keeps_an_earlier_file(
    make_store: Any, tmp_path: Path
) -> None:
    store = make_store([record(n, decisions=[decision()]) for n in range(1, 2500)])
    out = tmp_path / "d.jsonl"
    out.write_text("an earlier export\n")
    checks: list[int] = []

    def cancelled() -> bool:
        checks.append(1)
        return len(checks) > 1  # after the first chunk

    summary = export_dataset(
        store.engine,
        out,
        ExportOptions(format=ExportFormat.SFT),
        cancelled=cancelled,
        overwrite=True,
    )
    assert summary.cancelled
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(("s0", "r1"))) == [
        "d.jsonl"
    ]
    assert out.read_text() == "an earlier export\n"


def test_a_failing_export_leaves_nothing(demo_store: Store, tmp_path: Path) -> None:
    def broken(done: int, total: int) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left on device"):
        export_dataset(
            demo_store.engine,
            tmp_path / "d.jsonl",
            ExportOptions(format=ExportFormat.RAW, splits=parse_split("test=0.5")),
            progress=broken,
        )
    assert list(tmp_path.iterdir()) == []


def test_bad_destinations_are_refused_before_anything_is_written(
    demo_store: Store, tmp_path: Path
) -> None:
    options = ExportOptions(format=ExportFormat.SFT)
    with pytest.raises(ExportError, match="does not exist"):
        export_dataset(demo_store.engine, tmp_path / "missing" / "d.jsonl", options)
    with pytest.raises(ExportError, match="is a folder"):
        export_dataset(demo_store.engine, tmp_path, options)
    (tmp_path / "README.md").write_text("# My project\n")
    with pytest.raises(ExportError, match="not a reviewdesk dataset card"):
        export_dataset(demo_store.engine, tmp_path / "d.jsonl", options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    export_dataset(demo_store.engine, tmp_path / "d.jsonl", options, card=False)
    assert (tmp_path / "README.md").read_text() == "# My project\n"


def test_the_card_counts_describes_and_escapes(make_store: Any, tmp_path: Path) -> None:
    store = make_store(
        [
            record(1, model="evil|model](http://x)", decisions=[decision()]),
            record(2, decisions=[decision("bob", "reject")]),
        ]
    )
    options = ExportOptions(format=ExportFormat.KTO, splits=parse_split("test=0.5"), redact=True)
    export_dataset(store.engine, tmp_path / "kto.jsonl", options, command="reviewdesk export ```x")
    card = (tmp_path / "README.md").read_text()
    assert card.startswith("---\nconfigs:\n")
    assert 'path: "kto-train.jsonl"' in card and 'path: "kto-test.jsonl"' in card
    assert "| approve | 1 |" in card and "| reject | 1 |" in card
    assert "| evil\\|model\\](http://x) | 1 |" in card
    assert "| refund-policy@v7 | 2 |" in card
    assert "````\nreviewdesk export ```x\n````" in card
    assert "[REDACTED:<code>]" in card
    # Exporting again into the same folder replaces the earlier export only when asked to.
    with pytest.raises(ExportError, match="holds another export"):
        export_dataset(store.engine, tmp_path / "kto.jsonl", options)
    export_dataset(store.engine, tmp_path / "kto.jsonl", options, overwrite=True)


def test_the_card_makes_the_folder_loadable_by_split(demo_store: Store, tmp_path: Path) -> None:
    import datasets

    pytest.importorskip("datasets")
    options = ExportOptions(format=ExportFormat.SFT, splits=parse_split("test=0.2"))
    summary = export_dataset(demo_store.engine, tmp_path / "sft.jsonl", options)
    datasets.disable_progress_bars()
    loaded = datasets.load_dataset(str(tmp_path), cache_dir=str(tmp_path / ".cache"))
    assert {name: loaded[name].num_rows for name in loaded} == dict(summary.tally.records)
