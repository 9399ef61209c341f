"""Settings persist between runs; the theme switches the palette."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewdesk.domain import Reason
from reviewdesk.store import Store
from reviewdesk.ui.dialogs.preferences import DeskPreferences, SettingsDialog, parse_reasons
from reviewdesk.ui.settings import DeskSettings
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.style import Theme
from tests.ui.disputes import ADJUDICATOR, make_disputed_store


def test_settings_persist_between_runs(settings_owner: Callable[[], DeskSettings]) -> None:
    first = settings_owner()
    first.theme = Theme.DARK
    first.font_size = 14
    first.reviewer = "  maria  "
    first.sync()
    again = settings_owner()
    assert (again.theme, again.font_size, again.reviewer) == (Theme.DARK, 14, "maria")


def test_the_settings_dialog_applies_theme_reviewer_and_reasons(
    qtbot: QtBot, open_desk: Callable[..., DeskWindow], desk_store: Path
) -> None:
    window = open_desk(desk_store)
    window.acts.settings.trigger()
    dialog = window.dialog
    assert isinstance(dialog, SettingsDialog)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.reviewer.setText("maria")
    dialog.reasons.setPlainText("wrong: Wrong answer\nrude: Rude")
    with qtbot.waitSignal(window.item_shown):  # a new reviewer starts a new session
        dialog.accept()
    assert window.reviewer == "maria"
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
    qtbot.waitUntil(lambda: not window.runner.busy)
    with Store.open(desk_store, create=False) as store:
        assert [reason.code for reason in store.reasons()] == ["wrong", "rude"]
    window.settings.theme = Theme.LIGHT
    window.acts.settings.trigger()
    light = window.dialog
    assert isinstance(light, SettingsDialog)
    light.theme.setCurrentIndex(light.theme.findData("light"))
    light.accept()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 128


def test_bad_reasons_are_refused_with_the_line() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_reasons("ok: Fine\nNot A Code: x")
    assert parse_reasons("a: A\n\nb") == (Reason(code="a", label="A"), Reason(code="b", label="b"))


def test_an_empty_reviewer_name_is_refused(
    qtbot: QtBot, settings_owner: Callable[[], DeskSettings]
) -> None:
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = SettingsDialog(
        DeskPreferences(Theme.SYSTEM, 10, "x", (Reason(code="a", label="A"),)), parent
    )
    dialog.reviewer.setText("  ")
    dialog.accept()
    assert dialog.preferences() is None and "empty" in dialog.error.text()


def test_the_adjudicators_are_edited_in_the_settings(
    qtbot: QtBot, open_desk: Callable[..., DeskWindow], tmp_path: Path
) -> None:
    window = open_desk(make_disputed_store(tmp_path / "disputes.sqlite"))
    # Without an adjudicator, carol's word on gen-0003 settles nothing: three open.
    qtbot.waitUntil(lambda: window.status.disagreements.text() == "3 disagreements")
    window.acts.settings.trigger()
    dialog = window.dialog
    assert isinstance(dialog, SettingsDialog) and dialog.adjudicators.text() == ""
    dialog.adjudicators.setText(f" {ADJUDICATOR}, dora,, {ADJUDICATOR} ")
    dialog.accept()
    assert window.adjudicators == (ADJUDICATOR, "dora")
    assert window.queue_panel.current_filter().adjudicators == (ADJUDICATOR, "dora")
    assert window.stats.adjudicators == (ADJUDICATOR, "dora")
    qtbot.waitUntil(lambda: window.status.disagreements.text() == "2 disagreements")
    again = settings_owner_of(window)
    assert again.adjudicators == (ADJUDICATOR, "dora")  # kept for the next run

    window.acts.settings.trigger()
    shown = window.dialog
    assert isinstance(shown, SettingsDialog)
    assert shown.adjudicators.text() == f"{ADJUDICATOR}, dora"
    shown.adjudicators.setText("x" * 201)
    shown.accept()
    assert shown.preferences() is None and "Adjudicators" in shown.error.text()
    shown.reject()
    assert window.adjudicators == (ADJUDICATOR, "dora")


def settings_owner_of(window: DeskWindow) -> DeskSettings:
    """The settings as a new run would read them (the same file)."""
    return DeskSettings(window)


def test_the_window_fits_the_screen_and_comes_back_as_it_was_left(
    qtbot: QtBot, open_desk: Callable[..., DeskWindow], desk_store: Path
) -> None:
    window = open_desk(desk_store)
    available = window.screen().availableGeometry()
    # The first time: the default size, cut to the screen's room, frame and all.
    assert available.contains(window.frameGeometry())
    assert window.width() <= 1440 and window.height() <= 860
    window.resize(window.width(), available.height() // 2)
    qtbot.waitUntil(lambda: window.height() == available.height() // 2)
    left = window.size()
    window.close()

    again = open_desk(desk_store)
    assert again.size() == left
