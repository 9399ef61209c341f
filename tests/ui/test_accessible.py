"""Screen readers: every widget of the desk that takes the keyboard focus has a name (its own
accessible name, its text, or a label whose buddy it is), and so do the panes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot

from reviewdesk.ui.shell.window import DeskWindow
from tests.ui.review.test_form import form_store

OpenDesk = Callable[..., DeskWindow]


def nameless(root: QWidget) -> list[str]:
    """The focusable widgets under `root` that a screen reader could not name."""
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy()}
    found = []
    for widget in root.findChildren(QWidget):
        tab_focus = widget.focusPolicy().value & Qt.FocusPolicy.TabFocus.value
        if not tab_focus or not widget.isVisibleTo(root):
            continue  # not reached from the keyboard (a label selectable by mouse, say)
        if widget.accessibleName() or id(widget) in buddies:
            continue
        if isinstance(widget, QAbstractButton) and widget.text().replace("&", "").strip():
            continue  # a button is read by its text
        if widget.focusProxy() is not None:
            continue  # the proxy takes the focus (and is checked itself)
        found.append(
            f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parent()).__name__}"
        )
    return found


def test_every_focusable_widget_has_a_name(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(form_store(tmp_path / "forms.sqlite"))  # a form's questions too
    window.resize(1440, 900)
    assert nameless(window) == []
    window.tabs.setCurrentWidget(window.stats)
    qtbot.waitUntil(window.stats.isVisible)
    assert nameless(window) == []


def test_the_panes_are_named(qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path) -> None:
    window = open_desk(form_store(tmp_path / "forms.sqlite"))
    review = window.review
    names = {
        pane.accessibleName()
        for pane in (window.queue_panel.table, review.prompt, review.output.text, review.flags.list)
    }
    assert names == {"Queue list", "Prompt", "Output", "Flags"}
