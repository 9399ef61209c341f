"""The Export dialog on the demo store: preview, export (same bytes as the CLI), cancel, errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from reviewdesk.cli.app import run as cli_run
from reviewdesk.demo import ensure_demo_store
from reviewdesk.export import ExportFormat, ExportSummary
from reviewdesk.store import Resolution, Store
from reviewdesk.ui.dialogs.export import ExportDialog

_CHOICES = ("queue", "model", "prompt_template", "prompt_version", "route")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(ensure_demo_store(tmp_path / "demo.sqlite"), create=False) as opened:
        yield opened


@pytest.fixture
def dialog(qtbot: QtBot, store: Store, tmp_path: Path) -> Iterator[ExportDialog]:
    parent = QWidget()
    qtbot.addWidget(parent)
    choices = {column: store.distinct(column) for column in _CHOICES}
    made = ExportDialog(store.engine, choices, parent, folder=tmp_path / "exports")
    with qtbot.waitSignal(made.preview_shown):  # the first preview starts at once
        pass
    yield made
    made.done(0)


def choose(dialog: ExportDialog, format_: ExportFormat, model: str) -> None:
    dialog.format.setCurrentIndex(dialog.format.findData(format_))
    dialog.filters["model"].setCurrentIndex(dialog.filters["model"].findData(model))


def test_the_preview_shows_the_first_three_records(qtbot: QtBot, dialog: ExportDialog) -> None:
    with qtbot.waitSignal(dialog.preview_shown) as shown:
        choose(dialog, ExportFormat.KTO, "gpt-4o")
    text = shown.args[0]
    records = [json.loads(part) for part in text.split("\n\n")]
    assert len(records) == 3
    assert all(set(record) >= {"prompt", "completion", "label"} for record in records)
    assert dialog.preview.toPlainText() == text
    assert dialog.destination.text().endswith("feedback-kto.jsonl")


def test_an_export_matches_the_command_line(
    qtbot: QtBot, dialog: ExportDialog, store: Store, tmp_path: Path
) -> None:
    choose(dialog, ExportFormat.SFT, "gpt-4o")
    dialog.redact.setChecked(True)
    out = tmp_path / "desk" / "sft.jsonl"
    out.parent.mkdir()
    dialog.destination.setText(str(out))
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000) as finished:
        dialog.export_button.click()
    summary = finished.args[0]
    assert isinstance(summary, ExportSummary) and not summary.cancelled
    assert f"Wrote {summary.records:,} records" in dialog.message.text()
    assert dialog.progress.value() == dialog.progress.maximum()

    cli_out = tmp_path / "cli" / "sft.jsonl"
    cli_out.parent.mkdir()
    # The dialog's default is the command line's: one label an item.
    args = ["export", str(cli_out), "--format", "sft", "--model", "gpt-4o", "--redact"]
    assert cli_run([*args, "--store", str(store.path)]) == 0
    assert out.read_bytes() == cli_out.read_bytes()
    assert summary.records == len(out.read_bytes().splitlines()) > 0
    assert summary.options.resolution is Resolution.RESOLVED


def test_one_row_per_reviewer_is_the_per_reviewer_export(
    qtbot: QtBot, dialog: ExportDialog, store: Store, tmp_path: Path
) -> None:
    choose(dialog, ExportFormat.KTO, "gpt-4o")
    assert dialog.policy.currentText().startswith("one label per item")
    dialog.policy.setCurrentIndex(dialog.policy.findData(Resolution.LATEST.value))
    assert dialog.policy.currentText().startswith("one row per reviewer")
    dialog.format.setCurrentIndex(dialog.format.findData(ExportFormat.RAW))
    assert dialog.policy.itemText(0).startswith("each reviewer's latest label")
    dialog.format.setCurrentIndex(dialog.format.findData(ExportFormat.KTO))
    assert dialog.policy.itemText(0).startswith("one label per item")
    out = tmp_path / "desk" / "kto.jsonl"
    out.parent.mkdir()
    dialog.destination.setText(str(out))
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000):
        dialog.export_button.click()

    per_item = tmp_path / "cli-item" / "kto.jsonl"
    per_reviewer = tmp_path / "cli-reviewer" / "kto.jsonl"
    for path, extra in ((per_item, []), (per_reviewer, ["--per-reviewer"])):
        path.parent.mkdir()
        args = ["export", str(path), "--format", "kto", "--model", "gpt-4o", *extra]
        assert cli_run([*args, "--store", str(store.path)]) == 0
    assert out.read_bytes() == per_reviewer.read_bytes() != per_item.read_bytes()


def export_into(qtbot: QtBot, dialog: ExportDialog, format_: ExportFormat) -> None:
    dialog.format.setCurrentIndex(dialog.format.findData(format_))
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000):
        dialog.export_button.click()


def test_a_folder_with_an_earlier_export_is_replaced_only_on_yes(
    qtbot: QtBot, dialog: ExportDialog, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    export_into(qtbot, dialog, ExportFormat.SFT)
    earlier = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert set(earlier) == {"feedback-sft.jsonl", "README.md"}

    # No: nothing written, the earlier export stays as it was.
    dialog.format.setCurrentIndex(dialog.format.findData(ExportFormat.KTO))
    with qtbot.waitSignal(dialog.overwrite_asked):
        dialog.export_button.click()
    question = dialog.question
    assert question is not None and "feedback-sft.jsonl" in question.informativeText()
    with qtbot.waitSignal(dialog.export_failed) as refused:
        question.button(QMessageBox.StandardButton.No).click()
    assert "Nothing was written" in refused.args[0] == dialog.message.text()
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == earlier

    # Yes: the export runs again with overwrite; the earlier one's files are gone.
    with qtbot.waitSignal(dialog.overwrite_asked):
        dialog.export_button.click()
    assert dialog.question is not None
    with qtbot.waitSignal(dialog.export_finished, timeout=20_000) as finished:
        dialog.question.button(QMessageBox.StandardButton.Yes).click()
    assert finished.args[0].records > 0
    assert sorted(path.name for path in folder.iterdir()) == ["README.md", "feedback-kto.jsonl"]
    assert "feedback-kto.jsonl" in (folder / "README.md").read_text()
    assert "Wrote" in dialog.message.text()


def test_an_empty_export_says_what_the_filters_left(
    qtbot: QtBot, dialog: ExportDialog, tmp_path: Path
) -> None:
    dialog.since.setText("2099-01-01")
    with qtbot.waitSignal(dialog.export_failed) as failed:
        dialog.export_button.click()
    message = dialog.message.text()
    assert failed.args[0] == message
    assert message.startswith("Nothing to export: the filters (decided since 2099-01-01")
    assert "hold no labels" in message and message.endswith("Nothing was written.")
    assert "--" not in message and "Traceback" not in message  # no command-line hints
    assert "bold" not in dialog.message.styleSheet()  # a plain message, not an error
    folder = tmp_path / "exports"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_cancelled_export_leaves_nothing(
    qtbot: QtBot, dialog: ExportDialog, tmp_path: Path
) -> None:
    out = tmp_path / "exports" / "cancelled.jsonl"
    dialog.destination.setText(str(out))
    # Hold the export worker, so Cancel is pressed while the export waits to start.
    release = threading.Event()
    dialog.runner.submit(release.wait)
    dialog.export_button.click()
    assert dialog.exporting and dialog.cancel_button.isEnabled()
    dialog.cancel_button.click()
    with qtbot.waitSignal(dialog.export_finished) as finished:
        release.set()
    assert finished.args[0].cancelled
    assert "nothing was written" in dialog.message.text()
    assert list(out.parent.iterdir()) == []
    assert dialog.export_button.isEnabled()


def test_an_unwritable_destination_shows_the_error(
    qtbot: QtBot, dialog: ExportDialog, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    dialog.destination.setText(str(blocker / "out.jsonl"))
    with qtbot.waitSignal(dialog.export_failed) as failed:
        dialog.export_button.click()
    assert "does not exist" in failed.args[0]
    assert "Export failed" in dialog.message.text()
    assert blocker.read_text() == "not a folder"
    assert not dialog.exporting
