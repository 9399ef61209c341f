"""Every format, exported from the demo store, read by the tools that will consume it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.export import ExportFormat, ExportOptions, Style, export_dataset, parse_split
from reviewdesk.store import Store
from tests.export.consumers import load_json, openai_format_errors, tiny_tokenizer

pytest.importorskip("datasets", reason="install the test-export extra")
pytest.importorskip("trl", reason="install the test-export extra")


def export(store: Store, folder: Path, options: ExportOptions, name: str = "data.jsonl") -> Path:
    folder.mkdir(exist_ok=True)
    summary = export_dataset(store.engine, folder / name, options)
    assert summary.records > 0
    return folder / name


@pytest.mark.parametrize(
    ("format_", "columns"),
    [
        (ExportFormat.RAW, None),
        (ExportFormat.SFT, {"messages"}),
        (ExportFormat.SFT_TEXT, {"prompt", "completion"}),
        (ExportFormat.DPO, {"prompt", "chosen", "rejected"}),
        (ExportFormat.KTO, {"prompt", "completion", "label"}),
        (ExportFormat.OPENAI, {"messages"}),
    ],
)
@pytest.mark.parametrize("redact", [False, True])
def test_every_jsonl_format_loads_with_datasets(
    demo_store: Store,
    tmp_path: Path,
    format_: ExportFormat,
    columns: set[str] | None,
    redact: bool,
) -> None:
    path = export(demo_store, tmp_path / "out", ExportOptions(format=format_, redact=redact))
    lines = path.read_text().splitlines()
    dataset = load_json(path, tmp_path / "cache")
    assert dataset.num_rows == len(lines)
    if columns is not None:
        assert set(dataset.column_names) == columns
    else:
        assert {"decision_id", "prompt", "output", "verdict", "flags"} <= set(dataset.column_names)


@pytest.mark.parametrize("style", [Style.CHAT, Style.TEXT])
def test_dpo_and_kto_load_in_both_styles(demo_store: Store, tmp_path: Path, style: Style) -> None:
    for format_ in (ExportFormat.DPO, ExportFormat.KTO):
        path = export(demo_store, tmp_path / format_, ExportOptions(format=format_, style=style))
        dataset = load_json(path, tmp_path / "cache")
        prompt = dataset[0]["prompt"]
        assert isinstance(prompt, list if style is Style.CHAT else str)


def test_csv_loads_with_datasets_one_row_a_decision(demo_store: Store, tmp_path: Path) -> None:
    import datasets

    path = export(demo_store, tmp_path / "out", ExportOptions(format=ExportFormat.CSV), "d.csv")
    dataset = datasets.load_dataset(
        "csv", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache")
    )
    assert dataset.num_rows == 176  # the demo's decisions, each its reviewer's latest
    assert set(dataset.unique("verdict")) == {"approve", "edit", "reject"}


def test_sft_rows_are_conversational_and_take_a_chat_template(
    demo_store: Store, tmp_path: Path
) -> None:
    from trl.data_utils import is_conversational, maybe_apply_chat_template

    tokenizer = tiny_tokenizer()
    dataset = load_json(
        export(demo_store, tmp_path / "out", ExportOptions(format=ExportFormat.SFT)),
        tmp_path / "cache",
    )
    for example in dataset:
        assert is_conversational(example)
        assert example["messages"][-1]["role"] == "assistant"
        text = maybe_apply_chat_template(example, tokenizer)["text"]
        assert text.endswith(example["messages"][-1]["content"] + "</s>\n")


def test_sft_text_rows_are_prompt_completion_as_they_are(demo_store: Store, tmp_path: Path) -> None:
    from trl.data_utils import is_conversational, maybe_apply_chat_template

    dataset = load_json(
        export(demo_store, tmp_path / "out", ExportOptions(format=ExportFormat.SFT_TEXT)),
        tmp_path / "cache",
    )
    for example in dataset:
        assert not is_conversational(example)
        assert maybe_apply_chat_template(example, tiny_tokenizer()) == example


def test_dpo_rows_apply_the_template_and_unpair_into_kto_rows(
    demo_store: Store, tmp_path: Path
) -> None:
    from trl.data_utils import (
        is_conversational,
        maybe_apply_chat_template,
        unpair_preference_dataset,
    )

    tokenizer = tiny_tokenizer()
    dataset = load_json(
        export(demo_store, tmp_path / "out", ExportOptions(format=ExportFormat.DPO)),
        tmp_path / "cache",
    )
    for example in dataset:
        assert is_conversational(example)
        rendered = maybe_apply_chat_template(example, tokenizer)
        assert rendered["prompt"].endswith("<|assistant|>\n")
        assert rendered["chosen"] == example["chosen"][0]["content"] + "</s>\n"
        assert rendered["rejected"] == example["rejected"][0]["content"] + "</s>\n"
        assert rendered["chosen"] != rendered["rejected"]
    unpaired = unpair_preference_dataset(dataset)
    assert unpaired.num_rows == 2 * dataset.num_rows
    assert set(unpaired.column_names) == {"prompt", "completion", "label"}
    assert sum(unpaired["label"]) == dataset.num_rows


def test_kto_rows_have_boolean_labels_and_take_a_chat_template(
    demo_store: Store, tmp_path: Path
) -> None:
    from trl.data_utils import is_conversational, maybe_apply_chat_template

    tokenizer = tiny_tokenizer()
    dataset = load_json(
        export(demo_store, tmp_path / "out", ExportOptions(format=ExportFormat.KTO)),
        tmp_path / "cache",
    )
    assert set(dataset["label"]) == {True, False}
    for example in dataset:
        assert is_conversational(example)
        rendered = maybe_apply_chat_template(example, tokenizer)
        assert rendered["completion"] == example["completion"][0]["content"] + "</s>\n"
        assert isinstance(rendered["label"], bool)


def test_openai_rows_pass_the_cookbook_checks(demo_store: Store, tmp_path: Path) -> None:
    path = export(
        demo_store,
        tmp_path / "out",
        ExportOptions(format=ExportFormat.OPENAI, splits=parse_split("test=0.2")),
    )
    for split in ("train", "test"):
        lines = path.with_name(f"data-{split}.jsonl").read_text().splitlines()
        assert lines
        assert openai_format_errors(lines) == {}
        for line in lines:
            messages = json.loads(line)["messages"]
            weights = [m["weight"] for m in messages if "weight" in m]
            assert all(m["role"] == "assistant" for m in messages if "weight" in m)
            assert set(weights) <= {0, 1} and weights[-1] == 1
            assert messages[-1]["role"] == "assistant" and messages[-1]["weight"] == 1


def test_the_cookbook_checks_catch_what_they_should() -> None:
    # The checks above are only worth something if they fail on bad data.
    bad = [
        '["not an object"]',
        '{"messages": []}',
        '{"messages": [{"role": "user", "content": "hi", "extra": 1}]}',
        '{"messages": [{"role": "tool", "content": "x"}, {"role": "assistant", "content": ""}]}',
    ]
    assert openai_format_errors(bad) == {
        "data_type": 1,
        "missing_messages_list": 1,
        "message_unrecognized_key": 1,
        "example_missing_assistant_message": 1,
        "unrecognized_role": 1,
        "missing_content": 1,
    }
