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
    qtbot.waitUntil(lambda: "no such file" in dialog.explanation.text())
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
