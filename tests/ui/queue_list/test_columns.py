"""The queue list's columns: the item id, the reviewer's own verdict, and sort arrows that point
the way the values run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

from reviewdesk.ui.queue_list.model import COLUMNS
from reviewdesk.ui.shell.window import DeskWindow
from tests.ui.test_desk import press

OpenDesk = Callable[..., DeskWindow]


def cell(window: DeskWindow, row: int, column: str) -> object:
    model = window.model
    return model.data(model.index(row, COLUMNS.index(column)))


def test_the_list_shows_each_items_id_and_my_verdict(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    qtbot.waitUntil(lambda: window.model.rowCount() == 6 and cell(window, 5, "ID") == "gen-0006")
    assert [cell(window, row, "ID") for row in range(6)] == [f"gen-{n:04d}" for n in range(1, 7)]
    assert [cell(window, row, "Mine") for row in range(6)] == [""] * 6
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: cell(window, 0, "Mine") == "approve")
    assert cell(window, 1, "Mine") == ""
    with qtbot.waitSignal(window.decision_undone):
        press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: cell(window, 0, "Mine") == "")

    # The column is read from the store too: a new window shows an earlier decision.
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    window.close()
    again = open_desk(desk_store)
    qtbot.waitUntil(lambda: cell(again, 0, "Mine") == "approve")


def arrow_points_down(header: QHeaderView, section: int) -> bool:
    """Whether the sort arrow drawn in `section` is wider at its top (▼) than at its bottom:
    the pixels that change when the header hides its indicator, at the section's right end
    (a wide section, so its centred title is far from there)."""
    header.resizeSection(section, 300)
    shown = header.grab().toImage()
    header.setSortIndicatorShown(False)
    hidden = header.grab().toImage()
    header.setSortIndicatorShown(True)
    left = header.sectionViewportPosition(section)
    widths = [
        sum(1 for x in range(left + 250, left + 300) if shown.pixel(x, y) != hidden.pixel(x, y))
        for y in range(shown.height())
    ]
    drawn = [width for width in widths if width]
    assert len(drawn) >= 2, widths
    return drawn[0] > drawn[-1]


def test_the_sort_arrow_points_the_way_the_values_run(
    qtbot: QtBot, open_desk: OpenDesk, desk_store: Path
) -> None:
    window = open_desk(desk_store)
    qtbot.waitUntil(lambda: cell(window, 5, "Risk") == "0.99")
    header = window.queue_panel.table.horizontalHeader()
    risk = COLUMNS.index("Risk")
    assert cell(window, 0, "Risk") == "1.00" or cell(window, 0, "ID") == "gen-0001"
    assert arrow_points_down(header, risk)  # highest risk first: ▼

    with qtbot.waitSignal(window.model.rows_loaded):
        qtbot.mouseClick(
            header.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(header.sectionViewportPosition(risk) + 10, header.height() // 2),
        )
    qtbot.waitUntil(lambda: cell(window, 0, "ID") == "gen-0006")  # lowest risk first now
    assert not arrow_points_down(header, risk)  # ▲
