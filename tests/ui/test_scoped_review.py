"""The queue list's filters and search scope the review: the keys never leave the view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewdesk.domain import Verdict
from reviewdesk.store import Store
from reviewdesk.ui.shell.window import DeskWindow
from tests.review.builders import fill, generation
from tests.ui.test_desk import act, press, shown_id

OpenDesk = Callable[..., DeskWindow]

# gen-0001 .. gen-0008, risk falling with the number; the odd ones come from haiku.
HAIKU = ("gen-0001", "gen-0003", "gen-0005", "gen-0007")


def two_models(path: Path) -> Path:
    with Store.open(path) as store:
        fill(
            store,
            [
                generation(n, model="claude-3-5-haiku" if n % 2 else "llama-3-70b")
                for n in range(1, 9)
            ],
        )
    return path


def set_model(qtbot: QtBot, window: DeskWindow, model: str) -> None:
    combo = window.queue_panel.combos["model"]
    qtbot.waitUntil(lambda: combo.findData(model) >= 0)
    with qtbot.waitSignal(window.model.rows_loaded):
        combo.setCurrentIndex(combo.findData(model))
    qtbot.waitUntil(lambda: not window.runner.busy)


def verdicts(path: Path) -> dict[str, Verdict]:
    with Store.open(path, create=False) as store:
        return {
            f"gen-{n:04d}": decisions[-1].verdict
            for n in range(1, 9)
            if (decisions := store.decisions_of(f"gen-{n:04d}"))
        }


def test_filter_then_approve_stays_in_the_view(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = two_models(tmp_path / "models.sqlite")
    window = open_desk(path)
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)  # gen-0001, before any filter
    assert shown_id(window) == "gen-0002"  # a llama item

    # Model = haiku: the llama item on screen leaves, the view's first pending item comes.
    set_model(qtbot, window, "claude-3-5-haiku")
    assert shown_id(window) == "gen-0003"
    qtbot.waitUntil(lambda: "3 left in this view" in window.progress_label.text())

    # A approves and the next item is the next haiku one, not gen-0004 (llama).
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, Qt.Key.Key_A)
    assert shown_id(window) == "gen-0005"
    assert "2 left in this view" in window.progress_label.text()
    # J and K move within the view, S skips within it.
    act(qtbot, window, Qt.Key.Key_J)
    assert shown_id(window) == "gen-0007"
    act(qtbot, window, Qt.Key.Key_K)
    assert shown_id(window) == "gen-0005"
    act(qtbot, window, Qt.Key.Key_S)
    assert shown_id(window) == "gen-0007"
    assert "1 left in this view" in window.progress_label.text()

    # The last one: the view is done, not the queue; the button clears the filters.
    with qtbot.waitSignal(window.queue_finished):
        press(qtbot, window, Qt.Key.Key_A)
    assert window.pages.currentWidget() is window.finished
    assert window.finished.title.text() == "View finished"
    assert "Nothing left to review in this view" in window.finished.text.text()
    assert "0 left in this view" in window.progress_label.text()
    assert window.pages.clear_filters.isVisible()
    assert verdicts(path) == {
        "gen-0001": Verdict.APPROVE,
        "gen-0003": Verdict.APPROVE,
        "gen-0007": Verdict.APPROVE,
    }

    with qtbot.waitSignal(window.item_shown):
        window.pages.clear_filters.click()
    assert window.queue_panel.combos["model"].currentText() == "Any"
    assert shown_id(window) == "gen-0002"  # the whole queue again, from the top
    qtbot.waitUntil(lambda: "pending" in window.progress_label.text())
    assert "in this view" not in window.progress_label.text()


def test_the_search_box_scopes_the_review_too(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = two_models(tmp_path / "models.sqlite")
    window = open_desk(path)
    search = window.queue_panel.search
    with qtbot.waitSignal(window.item_shown):
        search.setText("help6@")
        search.returnPressed.emit()
    assert shown_id(window) == "gen-0006"
    qtbot.waitUntil(lambda: "1 left in this view" in window.progress_label.text())
    with qtbot.waitSignal(window.queue_finished):
        press(qtbot, window, Qt.Key.Key_S)
    # Ctrl+Shift+F clears the search and the filters from the keyboard.
    with qtbot.waitSignal(window.item_shown):
        press(
            qtbot,
            window,
            Qt.Key.Key_F,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert search.text() == ""
    assert shown_id(window) == "gen-0001"
    assert verdicts(path) == {}
