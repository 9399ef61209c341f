"""The Comparisons tab from the keyboard, against a real store file and the real window."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewdesk.domain import ComparisonDecision, Preference, ShownOrder
from reviewdesk.review.comparisons import LEFT, RIGHT, shown_order
from reviewdesk.store import Store
from reviewdesk.store.comparisons import load_comparison_decisions
from reviewdesk.ui.dialogs.decision import ReasonDialog
from reviewdesk.ui.dialogs.preferences import SettingsDialog
from reviewdesk.ui.review.compare_diff import Change
from reviewdesk.ui.review.guidelines import KeysDialog
from reviewdesk.ui.settings import DeskSettings
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.style import Theme, diff_insert_tint
from tests.review.builders import fill, generation
from tests.review.comparison_builders import make_comparison_store

OpenDesk = Callable[..., DeskWindow]


def open_comparisons(qtbot: QtBot, open_desk: OpenDesk, path: Path) -> DeskWindow:
    """The desk on a store of comparisons only: it opens on the Comparisons tab."""
    window = open_desk(path, wait_for="store_empty")
    qtbot.waitUntil(
        lambda: (
            window.compare.current_item is not None
            and window.tabs.currentWidget() is window.compare
        )
    )
    qtbot.waitUntil(lambda: not window.runner.busy)
    return window


def press(
    qtbot: QtBot,
    window: DeskWindow,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)


def act(
    qtbot: QtBot,
    window: DeskWindow,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press a key that moves the page and wait until the worker answered."""
    with qtbot.waitSignal(window.runner.busy_changed, check_params_cb=lambda busy: not busy):
        press(qtbot, window, key, modifier)
    qtbot.waitUntil(lambda: not window.runner.busy)


def stored(path: Path, comparison_id: str) -> list[ComparisonDecision]:
    with Store.open(path) as store, store.engine.connect() as connection:
        return load_comparison_decisions(connection, comparison_id)


def screen_outputs(window: DeskWindow) -> tuple[str, str]:
    view = window.compare.view
    return (
        view.side_box(LEFT).output.text.toPlainText(),
        view.side_box(RIGHT).output.text.toPlainText(),
    )


def test_the_keyboard_loop_stores_each_preference_by_record_position(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = make_comparison_store(tmp_path / "cmp.sqlite", count=5)
    window = open_comparisons(qtbot, open_desk, path)
    assert window.tabs.tabBar().isTabVisible(2)
    assert "Comparisons tab (Ctrl+3)" in window.empty.text.text()
    # The items' toolbar and counts give way to the tab's own.
    assert not window.acts.toolbar.isVisible() and not window.status.progress.isVisible()
    assert window.compare.toolbar.isVisible()
    assert window.compare.view.progress.text() == "0 compared this session · 5 left"
    keys = [
        (Qt.Key.Key_1, LEFT),
        (Qt.Key.Key_2, RIGHT),
        (Qt.Key.Key_1, LEFT),
        (Qt.Key.Key_2, RIGHT),
        (Qt.Key.Key_T, None),
    ]
    seen_orders: set[ShownOrder] = set()
    for number, (key, side) in enumerate(keys, start=1):
        item = window.compare.current_item
        assert item is not None and item.id == f"cmp-{number:04d}"  # highest risk first
        left_text, right_text = screen_outputs(window)
        order = shown_order(window.reviewer, item.id)
        seen_orders.add(order)
        # What is on screen follows the order: candidate a is left exactly when it is `ab`.
        a_text = item.comparison.candidates[0].output
        assert (left_text == a_text) == (order is ShownOrder.AB)
        act(qtbot, window, key)
        [decision] = stored(path, item.id)
        assert decision.shown_order is order
        if side is None:
            assert decision.preference is Preference.TIE
        else:
            chosen_text = left_text if side == LEFT else right_text
            position = decision.preference.position
            assert position is not None
            # The stored a/b names the candidate whose text was on the pressed side.
            assert item.comparison.candidates[position].output == chosen_text
        assert decision.reviewer == window.reviewer
        assert decision.duration_ms is not None
    assert seen_orders == {ShownOrder.AB, ShownOrder.BA}
    assert window.compare.current_item is None
    assert window.compare.message_title.text() == "No comparison left"
    assert "4 with a better answer, 1 ties" in window.compare.message_text.text()


def test_model_names_are_hidden_while_deciding_and_named_after(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = make_comparison_store(tmp_path / "cmp.sqlite", count=2)
    window = open_comparisons(qtbot, open_desk, path)
    view = window.compare.view
    titles = [view.side_box(side).title.text() for side in (LEFT, RIGHT)]
    assert all("model hidden" in title for title in titles)
    assert not any("m-small" in title or "m-large" in title for title in titles)
    item = window.compare.current_item
    assert item is not None
    left_model = item.shown(LEFT).model
    right_model = item.shown(RIGHT).model
    act(qtbot, window, Qt.Key.Key_2)
    message = window.statusBar().currentMessage()
    assert f"left was {left_model}, right was {right_model}" in message
    assert message.startswith("Saved: right better")
    # The next comparison hides its names again; the setting turned off shows them.
    assert "model hidden" in view.side_box(LEFT).title.text()
    window.acts.settings.trigger()
    dialog = window.dialog
    assert isinstance(dialog, SettingsDialog) and dialog.hide_models.isChecked()
    dialog.hide_models.setChecked(False)
    dialog.accept()
    assert window.settings.hide_models is False
    current = window.compare.current_item
    assert current is not None
    assert current.shown(LEFT).model in view.side_box(LEFT).title.text()


def test_the_order_is_stable_across_restarts_and_differs_between_reviewers(
    qtbot: QtBot,
    open_desk: OpenDesk,
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
) -> None:
    path = make_comparison_store(tmp_path / "cmp.sqlite", count=12)

    def left_texts(reviewer: str) -> list[str]:
        settings = settings_owner()
        settings.reviewer = reviewer
        settings.sync()
        window = open_comparisons(qtbot, open_desk, path)
        assert window.reviewer == reviewer
        texts: list[str] = []
        while window.compare.current_item is not None:
            texts.append(screen_outputs(window)[0])
            act(qtbot, window, Qt.Key.Key_S)  # skip: nothing is decided, so all come again
        window.close()
        return texts

    ann = left_texts("ann")
    assert len(ann) == 12
    assert left_texts("ann") == ann  # the same after a restart
    bob = left_texts("bob")
    assert len(bob) == 12
    assert ann != bob  # another reviewer sees some of them the other way round
    # Both see the same comparisons, so each left text is a candidate of the same one.
    assert sum(a != b for a, b in zip(ann, bob, strict=True)) >= 2


def test_d_shows_and_hides_the_coloured_word_diff(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = make_comparison_store(tmp_path / "cmp.sqlite", count=2)
    window = open_comparisons(qtbot, open_desk, path)
    view = window.compare.view
    assert not view.diff_box.isVisible()
    press(qtbot, window, Qt.Key.Key_D)
    assert view.diff_box.isVisible()
    left, right = screen_outputs(window)
    diff = view.diff
    text = diff.toPlainText()
    # Every word of each side is in the diff: the left's struck out, the right's tinted.
    changes = {part.change for part in diff.parts}
    assert changes == {Change.SAME, Change.DELETED, Change.INSERTED}
    deleted = next(part for part in diff.parts if part.change is Change.DELETED)
    inserted = next(part for part in diff.parts if part.change is Change.INSERTED)
    assert deleted.text.strip() in left and inserted.text.strip() in right
    at = text.index(deleted.text)
    assert diff.tint_at(at) is Change.DELETED
    at = text.index(inserted.text, at + len(deleted.text))
    assert diff.tint_at(at) is Change.INSERTED
    # The diff follows the next comparison while it is on.
    act(qtbot, window, Qt.Key.Key_1)
    left, right = screen_outputs(window)
    assert any(part.text in left for part in diff.parts if part.change is Change.DELETED)
    press(qtbot, window, Qt.Key.Key_D)
    assert not view.diff_box.isVisible()


def test_the_diff_takes_the_colours_of_a_new_theme(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = make_comparison_store(tmp_path / "cmp.sqlite", count=1)
    window = open_comparisons(qtbot, open_desk, path)
    press(qtbot, window, Qt.Key.Key_D)
    diff = window.compare.view.diff
    inserted = next(part for part in diff.parts if part.change is Change.INSERTED)
    at = diff.toPlainText().index(inserted.text)
    assert diff.tint_at(at) is Change.INSERTED
    light = diff_insert_tint()
    try:
        window.settings.theme = Theme.DARK
        window.apply_appearance()
        assert diff_insert_tint() != light  # the dark theme's own green
        # Painted again in it (once the palette change has gone round the widgets).
        qtbot.waitUntil(lambda: diff.tint_at(at) is Change.INSERTED)
    finally:
        window.settings.theme = Theme.LIGHT
        window.apply_appearance()


def test_undo_both_bad_and_an_edit_from_the_keyboard(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = make_comparison_store(tmp_path / "cmp.sqlite", count=4)
    window = open_comparisons(qtbot, open_desk, path)
    first = window.compare.current_item
    assert first is not None
    act(qtbot, window, Qt.Key.Key_1)
    assert stored(path, first.id) != []
    act(qtbot, window, Qt.Key.Key_Z)
    assert stored(path, first.id) == []
    assert window.compare.current_item is not None
    assert window.compare.current_item.id == first.id
    assert "model hidden" in window.compare.view.side_box(LEFT).title.text()

    # B asks for reasons (the reject flow's picker), then stores both_bad with them.
    press(qtbot, window, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ReasonDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ReasonDialog) and dialog.windowTitle() == "Both bad — why?"
    qtbot.keyClick(dialog, Qt.Key.Key_1)
    with qtbot.waitSignal(window.compare.decision_saved):
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.runner.busy)
    [bad] = stored(path, first.id)
    assert bad.preference is Preference.BOTH_BAD
    assert bad.reasons == (window.reasons[0].code,)

    # E, then 2: the right answer becomes editable; Ctrl+Enter stores it as the better one.
    second = window.compare.current_item
    assert second is not None
    press(qtbot, window, Qt.Key.Key_E)
    press(qtbot, window, Qt.Key.Key_2)
    assert window.compare.editing == RIGHT
    editor = window.compare.view.side_box(RIGHT).output.text
    assert QApplication.focusWidget() is editor
    qtbot.keyClick(editor, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, " Thanks")  # "T" and "2"-like keys type, they do not decide
    assert stored(path, second.id) == []
    act(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    [edited] = stored(path, second.id)
    assert edited.edited_output == second.shown(RIGHT).output + " Thanks"
    assert edited.preference is second.preference_for(RIGHT)
    assert window.compare.editing is None

    # E, then S: the skip ends the choice, and 1 decides the next comparison as usual.
    third = window.compare.current_item
    assert third is not None
    press(qtbot, window, Qt.Key.Key_E)
    act(qtbot, window, Qt.Key.Key_S)
    fourth = window.compare.current_item
    assert fourth is not None and fourth.id != third.id
    act(qtbot, window, Qt.Key.Key_1)
    assert window.compare.editing is None
    [plain] = stored(path, fourth.id)
    assert plain.preference is fourth.preference_for(LEFT) and plain.edited_output is None
    assert stored(path, third.id) == []


def test_a_store_with_items_and_comparisons_opens_on_review_and_ctrl_3_switches(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = make_comparison_store(tmp_path / "both.sqlite", count=2)
    with Store.open(path) as store:
        fill(store, [generation(1)])
    window = open_desk(path)
    qtbot.waitUntil(lambda: window.tabs.tabBar().isTabVisible(2))
    assert window.tabs.currentWidget() is window.splitter
    # The Review tab's keys dialog names the Comparisons tab's keys too.
    qtbot.keyClick(QApplication.focusWidget() or window, "?")
    qtbot.waitUntil(lambda: isinstance(window.dialog, KeysDialog))
    dialog = window.dialog
    assert isinstance(dialog, KeysDialog)
    assert ("The Comparisons tab (Ctrl+3)", "") in dialog.rows()
    assert ("1", "The left is better") in dialog.rows()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog is None)
    press(qtbot, window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.compare
    # 1 decides a comparison here, and A (the Review tab's approve) does nothing.
    item = window.compare.current_item
    assert item is not None
    press(qtbot, window, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: not window.runner.busy)
    act(qtbot, window, Qt.Key.Key_1)
    assert len(stored(path, item.id)) == 1
    with Store.open(path) as store:
        assert store.counts().decisions == 0


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1440, 900), (1024, 640)])
def test_screenshots_of_the_comparisons_tab(
    qtbot: QtBot,
    open_desk: OpenDesk,
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
    theme: str,
    size: tuple[int, int],
) -> None:
    settings = settings_owner()
    settings.theme = Theme(theme)
    settings.sync()
    path = make_comparison_store(tmp_path / "cmp.sqlite", count=3)
    window = open_comparisons(qtbot, open_desk, path)
    window.resize(*size)
    press(qtbot, window, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: window.compare.view.diff_box.isVisible())
    # Kept where REVIEWDESK_SCREENSHOTS says (to be looked at), else in the test's directory.
    out = Path(os.environ.get("REVIEWDESK_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    image = window.grab()
    assert (image.width(), image.height()) == size
    assert image.save(str(out / f"compare-{theme}-{size[0]}x{size[1]}.png"))


def test_the_keys_dialog_of_the_tab_lists_its_keys_and_the_desks(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = make_comparison_store(tmp_path / "cmp.sqlite", count=1)
    window = open_comparisons(qtbot, open_desk, path)
    qtbot.keyClick(QApplication.focusWidget() or window, "?")
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), KeysDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, KeysDialog)
    rows = dialog.rows()
    for row in [
        ("Comparisons", ""),
        ("1", "The left is better"),
        ("2", "The right is better"),
        ("T", "Tie"),
        ("B", "Both bad"),
        ("E", "Correct the better one (then 1 or 2)"),
        ("Z  or  Ctrl+Z", "Undo"),
        ("D", "Word diff"),
        ("The desk", ""),
        ("Ctrl+3", "Comparisons tab"),
    ]:
        assert row in rows, row
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    # The keys work again where the reviewer left off.
    act(qtbot, window, Qt.Key.Key_T)
    [decision] = stored(path, "cmp-0001")
    assert decision.preference is Preference.TIE
