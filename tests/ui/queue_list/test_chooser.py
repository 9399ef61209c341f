"""The queue list's column chooser (the header's context menu, or View → Columns of the list),
kept between runs, and sorting by any column the store holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from reviewdesk.store import Store
from reviewdesk.ui.queue_list.model import COLUMNS
from reviewdesk.ui.shell.window import DeskWindow
from tests.review.builders import fill, generation
from tests.ui.queue_list.test_columns import cell
from tests.ui.test_keyboard import menus

OpenDesk = Callable[..., DeskWindow]

# A menu pops up: the offscreen platform says it cannot raise it or grab the keyboard for it.
popup = pytest.mark.qt_log_ignore(
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
    r"This plugin does not support grabbing the keyboard",
)


def entries(menu: QMenu) -> dict[str, QAction]:
    return {action.text(): action for action in menu.actions()}


def shown_columns(window: DeskWindow) -> list[str]:
    table = window.queue_panel.table
    return [name for number, name in enumerate(COLUMNS) if not table.isColumnHidden(number)]


@popup
def test_columns_hidden_from_the_menu_stay_hidden_next_time(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    assert shown_columns(window) == list(COLUMNS)
    [choose] = [a for a in menus(window)["View"] if a.text() == "&Columns of the list…"]
    choose.trigger()
    menu = window.queue_panel.columns_menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible)
    entries(menu)["Route"].trigger()
    entries(menu)["Lease"].trigger()
    assert shown_columns(window) == [c for c in COLUMNS if c not in ("Route", "Lease")]
    settings = QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "reviewdesk", "desk"
    )
    assert settings.value("list/hidden_columns") == "Route,Lease"
    menu.close()
    window.close()

    again = open_desk(desk_store)
    assert shown_columns(again) == [c for c in COLUMNS if c not in ("Route", "Lease")]
    # The header's context menu is the same chooser; Route comes back.
    header = again.queue_panel.table.horizontalHeader()
    header.customContextMenuRequested.emit(QPoint(5, 5))
    menu = again.queue_panel.columns_menu
    assert menu is not None and not entries(menu)["Route"].isChecked()
    entries(menu)["Route"].trigger()
    assert "Route" in shown_columns(again)
    menu.close()


@popup
def test_the_last_column_shown_cannot_be_hidden(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    menu = window.queue_panel.show_columns_menu()
    for name in COLUMNS[1:]:
        entries(menu)[name].trigger()
    assert shown_columns(window) == ["Risk"]
    assert not entries(menu)["Risk"].isEnabled()
    entries(menu)["Risk"].trigger()  # disabled: nothing happens
    assert shown_columns(window) == ["Risk"]
    menu.close()


def test_any_column_of_the_store_sorts_both_ways(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = tmp_path / "sorts.sqlite"
    models = ["gpt-4o-mini", "claude-3-5-haiku", "llama-3.1-8b"]
    with Store.open(path) as store:
        fill(store, [generation(n, model=models[n % 3], route=f"r{n % 2}") for n in range(1, 7)])
    window = open_desk(path)
    header = window.queue_panel.table.horizontalHeader()

    def click(column: str) -> None:
        number = COLUMNS.index(column)
        with qtbot.waitSignal(window.model.rows_loaded):
            qtbot.mouseClick(
                header.viewport(),
                Qt.MouseButton.LeftButton,
                pos=QPoint(header.sectionViewportPosition(number) + 5, header.height() // 2),
            )
        qtbot.waitUntil(lambda: cell(window, 5, "ID") not in ("", "…"))

    def column(name: str) -> list[object]:
        return [cell(window, row, name) for row in range(6)]

    click("ID")
    assert column("ID") == [f"gen-{n:04d}" for n in range(6, 0, -1)]
    assert header.sortIndicatorSection() == COLUMNS.index("ID")
    click("ID")
    assert column("ID") == [f"gen-{n:04d}" for n in range(1, 7)]
    click("Model")
    assert column("Model") == sorted(column("Model"), key=str, reverse=True)
    # llama first (Z to A), and within one model the riskier first (gen-0002 before gen-0005).
    assert column("ID")[:2] == ["gen-0002", "gen-0005"]

    number = COLUMNS.index("Mine")  # the reviewer's own: not a sort; the arrow stays put
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(number) + 5, header.height() // 2),
    )
    assert header.sortIndicatorSection() == COLUMNS.index("Model")
