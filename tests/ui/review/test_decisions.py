"""The decisions panel: who said what on an item, with reasons, comment, edit and time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from reviewdesk.ui.review.decisions import word_diff_html
from reviewdesk.ui.settings import DeskSettings
from reviewdesk.ui.shell.window import DeskWindow
from tests.ui.disputes import ADJUDICATOR, make_disputed_store, pk_of

OpenDesk = Callable[..., DeskWindow]


def open_item(qtbot: QtBot, window: DeskWindow, pk: int) -> None:
    with qtbot.waitSignal(window.item_shown, check_params_cb=lambda shown: shown == pk):
        window.queue_panel.item_activated.emit(pk)


def test_a_word_diff_marks_what_changed_and_escapes_the_text() -> None:
    diff = word_diff_html("write to <b>me</b> today", "write to us today")
    assert "&lt;b&gt;me&lt;/b&gt;" in diff and "<b>" not in diff
    assert "line-through" in diff  # the deleted words
    assert ">us </span>" in diff  # the inserted word (with the space after it)
    assert diff.startswith("write to ")


def test_the_panel_shows_each_reviewer_side_by_side(
    qtbot: QtBot,
    open_desk: OpenDesk,
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
) -> None:
    settings = settings_owner()
    settings.reviewer = ADJUDICATOR
    settings.sync()
    path = make_disputed_store(tmp_path / "disputes.sqlite")
    window = open_desk(path)
    panel = window.review.decisions
    assert window.current_item is not None and window.current_item.generation.id == "gen-0006"
    assert panel.isHidden()  # nobody decided it

    open_item(qtbot, window, pk_of(path, "gen-0001"))
    assert panel.isVisible()
    assert [d.reviewer for d in panel.shown] == ["alice", "bob"]
    text = panel.toPlainText()
    assert "2 reviewers disagree" in text
    assert "approve" in text and "reject" in text
    reasons = {reason.code: reason.label for reason in window.reasons}
    rejected = panel.shown[1]
    assert all(reasons[code] in text for code in rejected.reasons)
    assert "The address is private." in text
    assert window.review.header.status.text() == "2 reviewers disagree"

    open_item(qtbot, window, pk_of(path, "gen-0005"))
    html = panel.toHtml()
    assert "line-through" in html  # bob's edit as a diff against the output
    assert "the help desk" in panel.toPlainText()

    open_item(qtbot, window, pk_of(path, "gen-0003"))
    assert "carol (you)" in panel.toPlainText()
    assert "3 reviewers disagree" in panel.toPlainText()
