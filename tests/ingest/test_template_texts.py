"""Imported records' `prompt_template_text` fills the prompt-template registry on first sight:
canonical JSONL, a CSV column mapped to it, and OTLP trace files."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from openinference.semconv.trace import SpanAttributes as OI

from reviewdesk.errors import ImportFailedError
from reviewdesk.ingest import Mapping, OnError, SourceFormat, import_files
from reviewdesk.store import Store
from tests.helpers.records import record
from tests.ingest.test_otlp import OPENINFERENCE, _export, _span, _write

V6 = "You answer refund questions.\nBe brief.\n"
V7 = "You answer refund questions.\nBe kind and brief.\n"


def _jsonl(path: Path, *records: dict[str, object]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def test_the_first_text_of_a_version_is_kept_and_later_ones_are_reported(
    store: Store, tmp_path: Path
) -> None:
    data = _jsonl(
        tmp_path / "items.jsonl",
        record(1, prompt_version="v6", prompt_template_text=V6),
        record(2, prompt_version="v7", prompt_template_text=V7),
        record(3, prompt_version="v7", prompt_template_text=V6),  # not v7's text
        record(4, prompt_version="v7"),
    )
    report = import_files(store, [data])
    assert report.imported == 4 and report.templates_added == 2
    assert report.template_mismatches == ["refund-policy@v7"]
    assert any("another prompt_template_text for refund-policy@v7" in n for n in report.notes)
    v7 = store.template("refund-policy", "v7")
    assert v7 is not None and (v7.text, v7.source, v7.mismatches) == (V7, "import", 1)
    # The text is the registry's, not each item's.
    stored = store.get("gen-000002")
    assert stored is not None and "prompt_template_text" not in stored.metadata


def test_a_text_without_its_version_is_an_error_naming_line_and_field_and_stores_nothing(
    store: Store, tmp_path: Path
) -> None:
    broken = record(2, prompt_template_text=V7)
    del broken["prompt_version"]
    data = _jsonl(tmp_path / "items.jsonl", record(1, prompt_template_text=V6), broken,
                  record(3, prompt_template_text=["not", "text"]))  # fmt: skip
    with pytest.raises(ImportFailedError) as failed:
        import_files(store, [data])
    message = str(failed.value)
    assert "items.jsonl:2: prompt_template_text: a template text needs the record's" in message
    assert "items.jsonl:3: prompt_template_text: expected text, got a list" in message
    assert store.templates() == []  # an import that stops stores no template either

    report = import_files(store, [data], on_error=OnError.SKIP)
    assert (report.imported, report.invalid, report.templates_added) == (1, 2, 1)


def test_a_csv_column_mapped_to_the_template_text(store: Store, tmp_path: Path) -> None:
    data = tmp_path / "sheet.csv"
    data.write_text(
        "id,prompt,output,tpl,ver,tpl_text\n"
        'a,p1,o1,refund,v6,"Be brief."\n'
        'b,p2,o2,refund,v7,"Be kind\nand brief."\n'
    )
    mapping = Mapping.from_specs(
        ["prompt_template=tpl", "prompt_version=ver", "prompt_template_text=tpl_text"],
        ["model=m"],
    )
    assert import_files(store, [data], mapping=mapping).templates_added == 2
    v7 = store.template("refund", "v7")
    assert v7 is not None and v7.text == "Be kind\nand brief."


def test_otlp_files_fill_the_registry_from_openinference_attributes(
    store: Store, tmp_path: Path
) -> None:
    named = {
        **OPENINFERENCE,
        "reviewdesk.prompt_template": "summary",
        OI.LLM_PROMPT_TEMPLATE: "Summarise ticket {number}.",
    }
    data = _write(tmp_path / "traces.jsonl", _export(_span("00000000000000a1", named)))
    report = import_files(store, [data], source_format=SourceFormat.OTLP)
    assert (report.imported, report.templates_added) == (1, 1)
    found = store.template("summary", "v2")
    assert found is not None and (found.text, found.source) == (
        "Summarise ticket {number}.",
        "otlp",
    )
