"""Prompt templates in the desk: the item header's template@version opens the template text
(by mouse, by Tab and Space, by Ctrl+Shift+T), and the Statistics tab shows what changed
between the two versions a comparison weighs, beside its verdict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCursor
from pytestqt.qtbot import QtBot

from reviewdesk.domain.templates import LineKind
from reviewdesk.ingest import import_files
from reviewdesk.store import Store
from reviewdesk.ui.dialogs.template import TemplateDialog
from reviewdesk.ui.shell.window import DeskWindow
from tests.helpers.records import decision, record, write_jsonl
from tests.review.builders import fill, generation

OpenDesk = Callable[..., DeskWindow]

V6 = "You answer refund questions for Shop.\nBe brief.\nNever promise a refund.\n"
V7 = (
    "You answer refund questions for Shop.\nBe kind and brief.\n"
    "Never promise a refund.\nQuote the 30-day policy.\n"
)


def _opened(qtbot: QtBot, window: DeskWindow, open_it: Callable[[], None]) -> TemplateDialog:
    with qtbot.waitSignal(window.templates.dialog_shown) as shown:
        open_it()
    dialog = shown.args[0]
    assert isinstance(dialog, TemplateDialog) and dialog.isVisible()
    return dialog


def test_the_header_s_template_opens_its_text_or_says_the_store_has_none(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = tmp_path / "desk.sqlite"
    with Store.open(path) as store:
        fill(store, [generation(1), generation(2, prompt_version="v8")])
        store.add_template("refund-policy", "v7", V7)
    window = open_desk(path)
    header = window.review.header
    assert header.template.isVisible() and header.template.text() == "refund-policy@v7"
    assert "refund-policy@v7" not in header.details.text()  # the button says it once

    dialog = _opened(
        qtbot, window, lambda: qtbot.mouseClick(header.template, Qt.MouseButton.LeftButton)
    )
    assert dialog.windowTitle() == "Prompt template refund-policy@v7"
    assert dialog.text.toPlainText() == V7 and dialog.text.isReadOnly()
    assert "4 lines" in dialog.about.text()
    dialog.close()

    # Keyboard: the button takes the focus and Space presses it; Ctrl+Shift+T from anywhere.
    assert header.template.focusPolicy() & Qt.FocusPolicy.TabFocus
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    header.template.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(header.template.hasFocus)
    again = _opened(qtbot, window, lambda: qtbot.keyClick(header.template, Qt.Key.Key_Space))
    assert again.text.toPlainText() == V7
    again.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.review.output.text.setFocus()
    by_key = _opened(
        qtbot,
        window,
        lambda: qtbot.keyClick(
            window.review.output.text,
            Qt.Key.Key_T,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        ),
    )
    assert by_key.text.toPlainText() == V7
    by_key.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    # The next item's version has no text in the store: the dialog says so and how to add it.
    with qtbot.waitSignal(window.item_shown):
        qtbot.keyClick(window.review.output.text, Qt.Key.Key_J)
    assert header.template.text() == "refund-policy@v8"
    missing = _opened(qtbot, window, header.template.click)
    assert "no text for the prompt template refund-policy@v8" in missing.about.text()
    assert "reviewdesk template add refund-policy v8 FILE" in missing.about.text()
    assert not missing.text.isVisible()


def test_an_item_without_a_template_has_no_template_button(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = tmp_path / "desk.sqlite"
    with Store.open(path) as store:
        fill(store, [generation(1, prompt_template=None, prompt_version=None)])
    window = open_desk(path)
    assert not window.review.header.template.isVisible()
    assert window.review.header.template_key is None
    window.acts.template_text.trigger()  # nothing to open: no dialog
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert window.templates.dialog is None


def _color_at(tab_text: QTextCursor) -> QColor:
    return tab_text.charFormat().foreground().color()


def test_the_statistics_tab_shows_the_changed_lines_beside_the_verdict(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    # refund-policy v7 approved, v6 rejected: "v7 beats v6"; sql-assistant v1 and v2 without
    # texts for v2.
    records = [
        record(n, prompt_version="v7", decisions=[decision("ann", "approve")]) for n in range(12)
    ] + [
        record(n, prompt_version="v6", decisions=[decision("ann", "reject", reasons=["tone"])])
        for n in range(12, 24)
    ]
    records += [
        record(n, prompt_template="sql-assistant", prompt_version=version,
               decisions=[decision("ann", "approve")])
        for n, version in ((24, "v1"), (25, "v2"))
    ]  # fmt: skip
    records.append(record(26))  # one item left to review, so the desk shows an item
    path = tmp_path / "store.sqlite"
    with Store.open(path) as store:
        import_files(store, [write_jsonl(tmp_path / "items.jsonl", records)])
        store.add_template("refund-policy", "v6", V6)
        store.add_template("refund-policy", "v7", V7)
        store.add_template("sql-assistant", "v1", "Write SQL.\n")
    window = open_desk(path)
    with qtbot.waitSignal(window.stats.overview_shown, timeout=30_000) as shown:
        qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    overview = shown.args[0]
    [refund] = [c for c in overview.comparisons if c.template == "refund-policy"]
    assert refund.sentence.startswith("v7 beats v6: +100.0 points")

    diffs = window.stats.version_diffs
    assert diffs.isVisible()
    lines = diffs.lines
    verdict = lines.index((None, f"refund-policy: {refund.sentence}"))
    changed = [(kind, text) for kind, text in lines[verdict + 1 :] if kind in (
        LineKind.ADDED, LineKind.REMOVED)]  # fmt: skip
    assert changed == [
        (LineKind.REMOVED, "-Be brief."),
        (LineKind.ADDED, "+Be kind and brief."),
        (LineKind.ADDED, "+Quote the 30-day policy."),
    ]
    # One version of sql-assistant has a text, the other none: said, not guessed.
    [sql] = [c for c in overview.comparisons if c.template == "sql-assistant"]
    at = lines.index((None, f"sql-assistant: {sql.sentence}"))
    assert lines[at + 1][1].startswith("  No template text for v2 in the store")

    # The added line is green and the removed one red, on screen.
    document = diffs.document()
    added = document.findBlockByNumber(lines.index((LineKind.ADDED, "+Be kind and brief.")))
    removed = document.findBlockByNumber(lines.index((LineKind.REMOVED, "-Be brief.")))
    for block, color in ((added, "#0a6b2a"), (removed, "#a61b1b")):
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.Right)
        assert block.text() and _color_at(cursor) == QColor(color)
