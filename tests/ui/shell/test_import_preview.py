"""File → Import on the desk: a preview of real files first, then all or nothing, the valid
records only (the rest to a rejects file), or nothing at all."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import orjson
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from reviewdesk.store import Store
from reviewdesk.ui.dialogs.import_preview import ImportPreviewDialog
from reviewdesk.ui.shell.window import DeskWindow
from tests.helpers.records import decision, record, write_jsonl

OpenDesk = Callable[..., DeskWindow]
T = TypeVar("T")


def on_worker(qtbot: QtBot, window: DeskWindow, work: Callable[[Store], T]) -> T:
    """Run `work(store)` on the desk's store worker and wait for its answer."""
    store = window.store
    assert store is not None
    answers: list[T] = []
    window.runner.submit(lambda: work(store), answers.append)
    qtbot.waitUntil(lambda: bool(answers))
    return answers[0]


def stored_ids(qtbot: QtBot, window: DeskWindow) -> list[str]:
    def read(store: Store) -> list[str]:
        with store.reading() as connection:
            return [row[0] for row in connection.execute("SELECT id FROM generation ORDER BY id")]

    return on_worker(qtbot, window, read)


def open_preview(qtbot: QtBot, window: DeskWindow, paths: list[Path]) -> ImportPreviewDialog:
    """Choose `paths` in File → Import and wait for the preview to fill in."""
    window.file_desk.choose_import_files = lambda _parent: paths
    window.acts.import_.trigger()
    dialog = window.dialog
    assert isinstance(dialog, ImportPreviewDialog)
    assert not dialog.import_button.isEnabled()  # still reading: nothing to choose yet
    with qtbot.waitSignal(dialog.preview_shown):
        pass
    return dialog


def cell_text(dialog: ImportPreviewDialog, row: int, column: int) -> str:
    item = dialog.records.item(row, column)
    assert item is not None
    return item.text()


def press(widget: ImportPreviewDialog, key: Qt.Key) -> None:
    QTest.keyClick(widget.focusWidget() or widget, key)


def test_a_clean_file_is_previewed_then_imported_with_enter(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    before = stored_ids(qtbot, window)
    data = write_jsonl(
        tmp_path / "clean.jsonl", [record(1), record(2, decisions=[decision("bob")])]
    )
    dialog = open_preview(qtbot, window, [data])

    assert dialog.counts.text() == (
        "2 new · 0 duplicates · 0 conflicts · 0 invalid — 1 new decision"
    )
    assert dialog.records.rowCount() == 2
    row = [cell_text(dialog, 1, column) for column in range(6)]
    assert row[0:2] == ["gen-000002", "gpt-4o-mini"]
    assert row[2] == "Can I return the blender I bought 2 days ago?"
    assert row[3].startswith("Yes, you can return the blender")
    assert (row[4], row[5]) == ("pii.email", "1")
    assert dialog.errors.isHidden()
    assert dialog.import_button.isEnabled() and dialog.import_button.isDefault()
    assert not dialog.skip_button.isEnabled()
    assert stored_ids(qtbot, window) == before  # the preview stored nothing

    with qtbot.waitSignal(window.item_shown, timeout=10_000):  # the session starts again
        press(dialog, Qt.Key.Key_Return)
    assert sorted(stored_ids(qtbot, window)) == sorted([*before, "gen-000001", "gen-000002"])
    message = window.statusBar().currentMessage()
    assert message == "Imported 2 new items and 1 decision."
    assert not (tmp_path / "clean.jsonl.rejects.jsonl").exists()


def test_invalid_and_conflicting_records_can_be_skipped_to_a_rejects_file(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    before = stored_ids(qtbot, window)
    data = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            record(1),
            record(2, output=5),  # invalid
            record(3, id="gen-0001"),  # the store holds gen-0001 with another output
            record(4),
        ],
    )
    dialog = open_preview(qtbot, window, [data])

    assert dialog.counts.text() == "2 new · 0 duplicates · 1 conflict · 1 invalid"
    assert dialog.records.rowCount() == 2
    errors = dialog.errors.toPlainText().splitlines()
    assert errors[0].startswith("mixed.jsonl:2: output: ")
    assert errors[1].startswith("mixed.jsonl:3: id: 'gen-0001' is stored already")
    # In the desk's words: what to change here, not a command-line option.
    assert errors[1].endswith(
        "a conflict, not imported (give them unique ids with a mapping's id_from or id_prefix)"
    )
    assert "--" not in dialog.errors.toPlainText()
    assert not dialog.import_button.isEnabled()
    rejects = tmp_path / "mixed.jsonl.rejects.jsonl"
    explanation = dialog.explanation.text()
    assert "1 invalid record and 1 conflict cannot be stored" in explanation
    assert str(rejects) in explanation
    assert dialog.skip_button.isEnabled() and dialog.skip_button.isDefault()

    with qtbot.waitSignal(window.item_shown, timeout=10_000):
        dialog.skip_button.click()
    assert sorted(stored_ids(qtbot, window)) == sorted([*before, "gen-000001", "gen-000004"])
    refused = [orjson.loads(line) for line in rejects.read_bytes().splitlines()]
    assert [entry["line"] for entry in refused] == [2, 3]
    assert refused[1]["record"]["output"] == record(3)["output"]
    message = window.statusBar().currentMessage()
    assert message == (
        "Imported 2 new items and 0 decisions; skipped 2 records, "
        f"written with their errors to {rejects}."
    )
    assert "--" not in message


def test_cancel_stores_nothing(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    before = stored_ids(qtbot, window)
    data = write_jsonl(tmp_path / "data.jsonl", [record(1), record(2, output=5)])
    dialog = open_preview(qtbot, window, [data])
    with qtbot.waitSignal(dialog.finished):
        press(dialog, Qt.Key.Key_Escape)
    assert window.dialog is None
    assert stored_ids(qtbot, window) == before
    assert list(tmp_path.glob("*.rejects.jsonl")) == []


def test_a_file_that_cannot_be_read_says_why(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    missing = tmp_path / "gone.jsonl"
    window.file_desk.choose_import_files = lambda _parent: [missing]
    window.acts.import_.trigger()
    dialog = window.dialog
    assert isinstance(dialog, ImportPreviewDialog)
    qtbot.waitUntil(lambda: "no such file" in dialog.notes.text())
    assert not dialog.import_button.isEnabled() and not dialog.skip_button.isEnabled()
    with qtbot.waitSignal(dialog.finished):
        press(dialog, Qt.Key.Key_Return)  # Close is the default


def test_cancel_while_reading_closes_and_stores_nothing(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    before = stored_ids(qtbot, window)
    data = write_jsonl(tmp_path / "data.jsonl", [record(n) for n in range(1, 50)])
    release = threading.Event()
    window.runner.submit(release.wait)  # hold the store worker: the preview is still reading
    try:
        window.file_desk.choose_import_files = lambda _parent: [data]
        window.acts.import_.trigger()
        dialog = window.dialog
        assert isinstance(dialog, ImportPreviewDialog)
        assert dialog.focusWidget() is dialog.cancel_button
        with qtbot.waitSignal(dialog.finished):
            press(dialog, Qt.Key.Key_Escape)
    finally:
        release.set()
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert window.dialog is None
    assert stored_ids(qtbot, window) == before


def choose_format(qtbot: QtBot, dialog: ImportPreviewDialog, label: str) -> None:
    """Pick `label` in the Format list and wait for the preview read with it."""
    combo = dialog.choices.format_choice
    index = combo.findText(label)
    assert index >= 0, label
    with qtbot.waitSignal(dialog.preview_shown, timeout=10_000):
        combo.setCurrentIndex(index)


def test_the_format_and_a_mapping_chosen_in_the_preview_read_the_file_again(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    before = stored_ids(qtbot, window)
    data = tmp_path / "labels.txt"  # a CSV whose name does not say so
    data.write_text(
        "uid,question,answer,label\nq1,Why?,Because.,yes\nq2,How?,Like so.,y\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "labels.toml"
    mapping.write_text(
        '[columns]\nid = "uid"\nprompt = "question"\noutput = "answer"\nverdict = "label"\n'
        '[defaults]\nmodel = "m-1"\nreviewer = "ann"\n'
        '[values.verdict]\nyes = "approve"\ny = "approve"\n',
        encoding="utf-8",
    )
    dialog = open_preview(qtbot, window, [data])
    assert dialog.choices.format_choice.currentText() == "Automatic"
    assert dialog.counts.text() == "0 new · 0 duplicates · 0 conflicts · 3 invalid"
    assert dialog.errors.toPlainText().startswith("labels.txt:1: not valid JSON")

    choose_format(qtbot, dialog, "CSV")
    assert dialog.counts.text() == "0 new · 0 duplicates · 0 conflicts · 2 invalid"
    assert "labels.txt:2: prompt: is required but missing" in dialog.errors.toPlainText()

    dialog.choices.choose_mapping = lambda _parent: mapping
    with qtbot.waitSignal(dialog.preview_shown, timeout=10_000):
        dialog.choices.mapping_button.click()
    assert dialog.choices.mapping_path.text() == str(mapping)
    assert dialog.counts.text() == (
        "2 new · 0 duplicates · 0 conflicts · 0 invalid — 2 new decisions"
    )
    assert [cell_text(dialog, row, 0) for row in range(2)] == ["q1", "q2"]
    assert (cell_text(dialog, 0, 1), cell_text(dialog, 0, 2)) == ("m-1", "Why?")
    assert "2 decisions have no time (decided_at)" in dialog.notes.text()
    assert dialog.errors.isHidden() and dialog.import_button.isDefault()
    assert stored_ids(qtbot, window) == before

    release = threading.Event()
    window.runner.submit(release.wait)  # the import waits its turn: its progress shows
    try:
        dialog.import_button.click()
        assert dialog.heading.text().startswith("Importing labels.txt…")
        assert dialog.progress.isVisible() and not dialog.choices.isEnabled()
        assert not dialog.import_button.isEnabled() and dialog.cancel_button.isEnabled()
        assert window.dialog is dialog
    finally:
        release.set()
    with qtbot.waitSignal(window.item_shown, timeout=10_000):
        pass
    assert window.dialog is None
    assert sorted(stored_ids(qtbot, window)) == sorted([*before, "q1", "q2"])
    assert window.statusBar().currentMessage() == (
        "Imported 2 new items and 2 decisions (2 without a time: given the time of the import)."
    )


def test_a_mapping_typed_in_is_read_on_enter_and_a_bad_one_says_why(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    before = stored_ids(qtbot, window)
    data = write_jsonl(tmp_path / "data.jsonl", [record(1), record(3, id="gen-0001")])
    dialog = open_preview(qtbot, window, [data])
    assert dialog.counts.text() == "1 new · 0 duplicates · 1 conflict · 0 invalid"

    missing = tmp_path / "nope.toml"
    field = dialog.choices.mapping_path
    field.setFocus()
    QTest.keyClicks(field, str(missing))
    QTest.keyClick(field, Qt.Key.Key_Return)  # reads again; does not press a button
    qtbot.waitUntil(lambda: "cannot read the mapping file" in dialog.notes.text())
    assert str(missing) in dialog.notes.text()
    assert dialog.heading.text() == "The files cannot be imported as chosen:"
    assert not dialog.import_button.isEnabled() and not dialog.skip_button.isEnabled()
    assert window.dialog is dialog and dialog.choices.isEnabled()

    prefixed = tmp_path / "prefix.toml"
    prefixed.write_text('id_prefix = "batch2/"\n', encoding="utf-8")
    field.clear()
    QTest.keyClicks(field, str(prefixed))
    with qtbot.waitSignal(dialog.preview_shown, timeout=10_000):
        QTest.keyClick(field, Qt.Key.Key_Return)
    assert dialog.counts.text() == "2 new · 0 duplicates · 0 conflicts · 0 invalid"
    assert [cell_text(dialog, row, 0) for row in range(2)] == [
        "batch2/gen-000001", "batch2/gen-0001",
    ]  # fmt: skip
    assert dialog.notes.isHidden() and window.dialog is dialog  # Enter did not close it
    assert stored_ids(qtbot, window) == before


def test_a_change_while_reading_drops_the_earlier_reading(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    data = tmp_path / "rows.txt"
    data.write_text("id,prompt,output,model\nr1,Hi,Hello,m\n", encoding="utf-8")
    shown: list[str] = []
    release = threading.Event()
    window.runner.submit(release.wait)
    try:
        window.file_desk.choose_import_files = lambda _parent: [data]
        window.acts.import_.trigger()  # read as JSON Lines, once the worker is free
        dialog = window.dialog
        assert isinstance(dialog, ImportPreviewDialog)
        dialog.preview_shown.connect(lambda report: shown.append(dialog.counts.text()))
        dialog.choices.format_choice.setCurrentIndex(dialog.choices.format_choice.findText("CSV"))
    finally:
        release.set()
    qtbot.waitUntil(lambda: bool(shown))
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert shown == ["1 new · 0 duplicates · 0 conflicts · 0 invalid"]
    with qtbot.waitSignal(dialog.finished):
        press(dialog, Qt.Key.Key_Escape)


def test_cancel_during_the_import_stores_nothing_and_writes_no_rejects(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    before = stored_ids(qtbot, window)
    records = [record(n) for n in range(1, 1500)]
    records[5] = record(6, output=5)
    data = write_jsonl(tmp_path / "big.jsonl", records)
    dialog = open_preview(qtbot, window, [data])
    assert dialog.skip_button.isDefault()

    release = threading.Event()
    window.runner.submit(release.wait)
    try:
        dialog.skip_button.click()
        assert dialog.heading.text().startswith("Importing big.jsonl…")
        assert dialog.focusWidget() is dialog.cancel_button
        with qtbot.waitSignal(dialog.finished):
            press(dialog, Qt.Key.Key_Escape)
    finally:
        release.set()
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage() == "Import cancelled: nothing was stored."
    )
    assert window.dialog is None
    assert stored_ids(qtbot, window) == before
    assert sorted(path.name for path in tmp_path.iterdir() if "big" in path.name) == ["big.jsonl"]


def test_a_json_array_is_found_and_said_and_the_advice_names_the_format_choice(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    data = tmp_path / "export.jsonl"  # named as JSON Lines, holds one JSON array
    data.write_bytes(orjson.dumps([record(1), record(2)], option=orjson.OPT_INDENT_2))
    dialog = open_preview(qtbot, window, [data])
    assert dialog.counts.text() == "2 new · 0 duplicates · 0 conflicts · 0 invalid"
    assert dialog.notes.text() == "export.jsonl: read as a JSON array"

    choose_format(qtbot, dialog, "JSON Lines")
    assert dialog.counts.text() == "0 new · 0 duplicates · 0 conflicts · 1 invalid"
    assert dialog.errors.toPlainText() == (
        "export.jsonl:1: this is a JSON array, not JSON Lines (one object a line): "
        "import it with the Format “JSON array”"
    )
    choose_format(qtbot, dialog, "JSON array")
    assert dialog.import_button.isEnabled() and dialog.notes.isHidden()
    with qtbot.waitSignal(dialog.finished):
        press(dialog, Qt.Key.Key_Escape)


def test_import_stores_what_the_preview_showed_not_a_mapping_typed_since(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path, tmp_path: Path
) -> None:
    window = open_desk(desk_store)
    before = stored_ids(qtbot, window)
    data = write_jsonl(tmp_path / "data.jsonl", [record(1)])
    prefixed = tmp_path / "prefix.toml"
    prefixed.write_text('id_prefix = "typed/"\n', encoding="utf-8")
    dialog = open_preview(qtbot, window, [data])
    field = dialog.choices.mapping_path
    field.setFocus()
    QTest.keyClicks(field, str(prefixed))  # typed, not read yet (no Enter, focus kept)
    assert dialog.import_button.isEnabled()
    release = threading.Event()
    window.runner.submit(release.wait)
    try:
        dialog.import_button.click()  # as its shortcut does: the field keeps the focus
        assert field.text() == "" and not field.isEnabled()  # what is imported: no mapping
    finally:
        release.set()
    with qtbot.waitSignal(window.item_shown, timeout=10_000):
        pass
    assert sorted(stored_ids(qtbot, window)) == sorted([*before, "gen-000001"])
