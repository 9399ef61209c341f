"""Saved views: the filters, search and sort on show kept under a name, back with one key (and
from the sidebar's list), kept between runs, and deleted; the review follows a view too."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from pytestqt.qtbot import QtBot

from reviewdesk.domain import QueueSort, Severity
from reviewdesk.ui.queue_list.model import COLUMNS
from reviewdesk.ui.queue_list.views import SavedView, SaveViewDialog, load_views
from reviewdesk.ui.shell.window import DeskWindow
from tests.ui.queue_list.test_columns import cell
from tests.ui.test_desk import press, shown_id
from tests.ui.test_keyboard import menus
from tests.ui.test_scoped_review import HAIKU, set_model, two_models

OpenDesk = Callable[..., DeskWindow]


def settings_file() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "reviewdesk", "desk")


def ids(window: DeskWindow) -> list[object]:
    return [cell(window, row, "ID") for row in range(window.model.rowCount())]


def save_view(qtbot: QtBot, window: DeskWindow, name: str) -> None:
    press(
        qtbot,
        window,
        Qt.Key.Key_V,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.dialog
    assert isinstance(dialog, SaveViewDialog)
    qtbot.keyClicks(dialog.name, name)
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dialog is None)


def test_a_saved_view_comes_back_with_its_key_and_the_review_follows_it(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = two_models(tmp_path / "models.sqlite")
    window = open_desk(path)
    panel = window.queue_panel
    set_model(qtbot, window, "claude-3-5-haiku")
    header = panel.table.horizontalHeader()
    for _ in range(2):  # by ID, then the other way round: lowest first
        with qtbot.waitSignal(window.model.rows_loaded):
            qtbot.mouseClick(
                header.viewport(),
                Qt.MouseButton.LeftButton,
                pos=QPoint(header.sectionViewportPosition(COLUMNS.index("ID")) + 5, 5),
            )
    assert window.model.sort_key is QueueSort.ID and not window.model.descending
    save_view(qtbot, window, "haiku by id")
    [kept] = load_views(str(settings_file().value("list/saved_views")))
    assert kept == SavedView(
        name="haiku by id", filters={"model": "claude-3-5-haiku"}, sort="id", descending=False
    )

    panel.clear_filters()
    qtbot.waitUntil(lambda: window.model.rowCount() == 8)
    titles = [a.text() for a in menus(window)["View"]]
    assert "Saved vie&ws" in titles and "Save t&he view…" in titles
    views_menu = window.acts.views_menu
    assert [a.text() for a in views_menu.actions() if a.text()][:1] == ["haiku by id"]
    assert panel.views.itemText(1) == "haiku by id  (Alt+1)"

    with qtbot.waitSignal(window.model.rows_loaded):
        press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: ids(window) == list(HAIKU))
    assert panel.combos["model"].currentData() == "claude-3-5-haiku"
    assert window.model.sort_key is QueueSort.ID and not window.model.descending
    assert panel.views.currentIndex() == 1  # the sidebar says which view is on show
    qtbot.waitUntil(lambda: not window.runner.busy)
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert shown_id(window) in HAIKU  # the review stays in the view

    # A filter changed by hand: the sidebar no longer names the view.
    severity = panel.severity
    with qtbot.waitSignal(window.model.rows_loaded):
        severity.setCurrentIndex(severity.findData(Severity.ERROR.value))
    assert panel.views.currentIndex() == 0

    # Next run: the view is still there, and the sidebar's list applies it too.
    window.close()
    again = open_desk(path)
    assert again.queue_panel.views.itemData(1) == "haiku by id"
    with qtbot.waitSignal(again.model.rows_loaded):
        again.queue_panel.views.activated.emit(1)
    qtbot.waitUntil(lambda: ids(again) == list(HAIKU))


def test_saving_under_a_name_replaces_and_deleting_removes(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(two_models(tmp_path / "models.sqlite"))
    save_view(qtbot, window, "all")
    set_model(qtbot, window, "llama-3-70b")
    save_view(qtbot, window, "llama")
    press(
        qtbot,
        window,
        Qt.Key.Key_V,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.dialog
    assert isinstance(dialog, SaveViewDialog)
    assert not dialog.save_button.isEnabled()  # no name yet
    qtbot.keyClicks(dialog.name, "all")
    assert dialog.note.text() == "Replaces the view “all”."
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.dialog is None)
    views = window.settings.saved_views
    assert [view.name for view in views] == ["all", "llama"]  # replaced in its place
    assert views[0].filters == {"model": "llama-3-70b"}

    delete = window.saved_views.delete_menu
    [gone] = [a for a in delete.actions() if a.text() == "all"]
    gone.trigger()
    assert [view.name for view in window.settings.saved_views] == ["llama"]
    assert window.queue_panel.views.itemText(1) == "llama  (Alt+1)"
    assert next(a.text() for a in window.acts.views_menu.actions() if a.text()) == "llama"


def test_views_that_cannot_be_read_are_left_out(caplog: pytest.LogCaptureFixture) -> None:
    assert load_views("") == []
    with caplog.at_level(logging.WARNING):
        assert load_views("{not json") == []
        kept = load_views(
            '[{"name": "ok", "filters": {"model": "m"}}, {"filters": {}}, 7, {"name": "  "}]'
        )
    assert kept == [SavedView(name="ok", filters={"model": "m"})]
    assert "not JSON" in caplog.text and "cannot be read" in caplog.text
