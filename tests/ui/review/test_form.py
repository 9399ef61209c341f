"""A review form in the desk, by keyboard: every kind of question answered, required answers,
answers per item and on undo, the keys overlay, and guidelines that load nothing.

The store is a real file whose queue "support" has a form with one question of each kind; the
desk is the real window, driven by key presses where the focus is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from reviewdesk.domain import Form, GenerationId, Question, QuestionKind, SpanAnswer
from reviewdesk.store import Store
from reviewdesk.ui.review.guidelines import GuidelinesDialog, KeysDialog
from reviewdesk.ui.review.questions import RatingBox, SpansBox, TextBox
from reviewdesk.ui.shell.window import DeskWindow
from tests.helpers.inert import (
    CountingServer,
    assert_inert,
    has_red,
    hostile_guidelines,
    red_png,
)
from tests.review.builders import fill, generation

OpenDesk = Callable[..., DeskWindow]

OUTPUT = "😀 The refund takes 30 days. Write to help@shop.example."
FORM: dict[str, Any] = {
    "guidelines": "# Refunds\n\nApprove only answers that follow the refund policy.",
    "questions": [
        {
            "key": "behaviour",
            "label": "What did the model do?",
            "kind": "choice",
            "required": True,
            "options": [
                {"value": "full_compliance", "label": "Full compliance"},
                {"value": "full_refusal", "label": "Full refusal"},
                {"value": "partial_refusal", "label": "Partial refusal"},
            ],
        },
        {
            "key": "topics",
            "label": "Topics",
            "kind": "multi",
            "options": [
                {"value": "refund", "label": "Refund"},
                {"value": "shipping", "label": "Shipping"},
                {"value": "account", "label": "Account", "key": "x"},
            ],
        },
        {
            "key": "helpfulness",
            "label": "How helpful?",
            "kind": "rating",
            "min": 1,
            "max": 5,
            "labels": {1: "useless", 5: "perfect"},
            "required": "approve",
        },
        {"key": "note", "label": "Note", "kind": "text", "required": "reject"},
        {
            "key": "hallucination",
            "label": "Hallucinations",
            "kind": "spans",
            "options": [
                {"value": "unsupported", "label": "Unsupported claim"},
                {"value": "wrong", "label": "Wrong fact"},
            ],
        },
    ],
}


def form_store(path: Path, form: dict[str, Any] = FORM, *, other_queue: int = 0) -> Path:
    """Three items of queue "support" (with `form`), then `other_queue` items of a queue with
    no form (reviewed after them: lower risk)."""
    items = [generation(number, output=OUTPUT) for number in range(1, 4)]
    items += [generation(number, queue="plain") for number in range(10, 10 + other_queue)]
    with Store.open(path) as store:
        fill(store, items)
        store.set_form("support", Form.from_data(form))
    return path


def press(qtbot: QtBot, window: DeskWindow, key: Qt.Key | str, shift: bool = False) -> None:
    """A key press where the focus is (a dialog open on the window, else the window)."""
    target: QWidget = QApplication.activeModalWidget() or QApplication.focusWidget() or window
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.keyClick(target, key, modifier)


def decisions(path: Path, generation_id: str) -> list[tuple[str, dict[str, object], int | None]]:
    with Store.open(path, create=False) as store:
        return [
            (
                str(d.verdict),
                {key: plain(value) for key, value in d.answers.items()},
                d.form_version,
            )
            for d in store.decisions_of(GenerationId(generation_id))
        ]


def plain(value: object) -> object:
    """An answer as JSON has it (spans as objects, lists as lists)."""
    if isinstance(value, tuple):
        return [item.model_dump() if isinstance(item, SpanAnswer) else item for item in value]
    return value


def select_in_output(qtbot: QtBot, window: DeskWindow, start: int, length: int) -> None:
    """Select characters of the output with the keyboard (arrows move by character)."""
    text = window.review.output.text
    assert QApplication.focusWidget() is text
    qtbot.keyClick(text, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    for _ in range(start):
        qtbot.keyClick(text, Qt.Key.Key_Right)
    for _ in range(length):
        qtbot.keyClick(text, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)


def test_every_kind_of_question_answered_by_keys_is_stored_with_the_verdict(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = form_store(tmp_path / "forms.sqlite")
    window = open_desk(path)
    panel = window.review.form
    assert panel.isVisible()
    assert [box.question.key for box in panel.boxes] == [
        "behaviour",
        "topics",
        "helpfulness",
        "note",
        "hallucination",
    ]
    assert panel.box("behaviour").is_current

    press(qtbot, window, "2")  # choice: Full refusal
    press(qtbot, window, Qt.Key.Key_Tab)
    assert panel.box("topics").is_current
    press(qtbot, window, "1")  # multi: Refund
    press(qtbot, window, "x")  # and Account, by its own key
    press(qtbot, window, "2")
    press(qtbot, window, "2")  # Shipping ticked and unticked again
    press(qtbot, window, Qt.Key.Key_Tab)
    press(qtbot, window, "4")  # rating
    press(qtbot, window, Qt.Key.Key_Tab)  # the text box takes the keyboard
    note = panel.box("note")
    assert isinstance(note, TextBox)
    assert QApplication.focusWidget() is note.editor
    qtbot.keyClicks(note.editor, "Asks for a receipt [sic]")  # A and [ ] are typing here
    press(qtbot, window, Qt.Key.Key_Tab)  # on to the spans: the keys are the desk's again
    assert panel.box("hallucination").is_current
    assert QApplication.focusWidget() is window.review.output.text
    select_in_output(qtbot, window, start=19, length=7)  # "30 days", after an emoji
    press(qtbot, window, "1")  # Unsupported claim
    assert panel.box("hallucination").value() == [{"start": 19, "end": 26, "label": "unsupported"}]
    spans = panel.box("hallucination")
    assert isinstance(spans, SpansBox)
    assert "“30 days”" in spans.list.item(0).text()
    [marked] = window.review.output.text.extraSelections()  # underlined in the output
    assert (marked.cursor.selectionStart(), marked.cursor.selectionEnd()) == (20, 27)  # UTF-16

    shown = window.current_item
    assert shown is not None
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, "a")
    qtbot.waitUntil(lambda: not window.runner.busy)

    assert decisions(path, shown.generation.id) == [
        (
            "approve",
            {
                "behaviour": "full_refusal",
                "topics": ["refund", "account"],
                "helpfulness": 4,
                "note": "Asks for a receipt [sic]",
                "hallucination": [{"start": 19, "end": 26, "label": "unsupported"}],
            },
            1,
        )
    ]
    assert OUTPUT[19:26] == "30 days"
    # The next item: a clean form, the first question focused, the keys with the desk.
    assert window.current_item is not None and window.current_item.pk != shown.pk
    assert panel.answers() == {}
    assert panel.box("behaviour").is_current
    assert QApplication.focusWidget() is window.review.output.text


def test_a_required_answer_missing_saves_nothing_and_points_at_the_question(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = form_store(tmp_path / "forms.sqlite")
    window = open_desk(path)
    panel = window.review.form
    shown = window.current_item
    assert shown is not None
    press(qtbot, window, Qt.Key.Key_Tab)
    press(qtbot, window, "1")

    press(qtbot, window, "a")  # behaviour (always) and helpfulness (for approve) missing
    assert not window.in_flight
    assert panel.box("behaviour").is_current
    assert panel.box("behaviour").note_text == "is required but missing"
    assert panel.box("helpfulness").note_text == "is required for approve but missing"
    message = window.statusBar().currentMessage()
    assert message.startswith("Not saved: “What did the model do?” is required but missing")
    assert "“How helpful?”" in message

    press(qtbot, window, "3")
    press(qtbot, window, "r")  # the note is required for a reject: no reasons asked for
    assert window.dialog is None
    note = panel.box("note")
    assert isinstance(note, TextBox)
    assert note.is_current and note.note_text == "is required for reject but missing"
    assert QApplication.focusWidget() is note.editor
    assert "“Note” is required for reject" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not window.runner.busy)
    assert decisions(path, shown.generation.id) == []
    assert window.current_item is shown

    qtbot.keyClicks(note.editor, "off topic")
    press(qtbot, window, Qt.Key.Key_Escape)  # back to the desk keys
    assert QApplication.focusWidget() is window.review.output.text
    press(qtbot, window, "r")
    qtbot.waitUntil(lambda: window.dialog is not None)
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, "1")  # the first reason
        press(qtbot, window, Qt.Key.Key_Return)
    assert decisions(path, shown.generation.id)[0][:2] == (
        "reject",
        {"behaviour": "partial_refusal", "topics": ["refund"], "note": "off topic"},
    )


def test_answers_stay_with_their_item_and_come_back_on_undo(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = form_store(tmp_path / "forms.sqlite")
    window = open_desk(path)
    panel = window.review.form
    first = window.current_item
    assert first is not None
    press(qtbot, window, "1")
    press(qtbot, window, Qt.Key.Key_Backtab, shift=True)  # round to the last question (spans)
    assert panel.box("hallucination").is_current
    press(qtbot, window, Qt.Key.Key_Backtab, shift=True)  # into the note's box
    note = panel.box("note")
    assert isinstance(note, TextBox)
    assert QApplication.focusWidget() is note.editor
    press(qtbot, window, Qt.Key.Key_Backtab, shift=True)  # out of it, to the rating
    assert panel.box("helpfulness").is_current
    assert QApplication.focusWidget() is window.review.output.text
    press(qtbot, window, "5")

    with qtbot.waitSignal(window.item_shown):
        press(qtbot, window, "j")
    assert panel.answers() == {}
    with qtbot.waitSignal(window.item_shown):
        press(qtbot, window, "k")
    assert panel.answers() == {"behaviour": "full_compliance", "helpfulness": 5}

    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, "a")
    assert panel.answers() == {}
    with qtbot.waitSignal(window.decision_undone):
        qtbot.keyClick(
            QApplication.focusWidget() or window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
        )
    assert window.current_item is not None and window.current_item.pk == first.pk
    assert panel.answers() == {"behaviour": "full_compliance", "helpfulness": 5}
    assert decisions(path, first.generation.id) == []


def test_the_keys_overlay_lists_the_forms_keys_and_the_desks(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(form_store(tmp_path / "forms.sqlite"))
    press(qtbot, window, "?")
    qtbot.waitUntil(lambda: isinstance(window.dialog, KeysDialog))
    dialog = window.dialog
    assert isinstance(dialog, KeysDialog)
    rows = dialog.rows()
    for row in [
        ("This queue's form", ""),
        ("Tab", "next question"),
        ("Shift+Tab", "previous question"),
        ("1", "What did the model do?: choose Full compliance"),
        ("3", "What did the model do?: choose Partial refusal"),
        ("x", "Topics: tick or untick Account"),
        ("1 … 5", "How helpful?: the rating, in digits"),
        ("Enter, then type", "Note: the answer (Esc: back to the desk keys)"),
        ("2", "Hallucinations: mark the text selected in the output as Wrong fact"),
        ("Delete", "Hallucinations: remove the last marked span"),
        ("The desk", ""),
        ("A", "Approve"),
        ("R", "Reject"),
        ("G", "Guidelines"),
        ("Shift+G", "Guidelines window"),
        ("?  or  F1", "Keys"),
    ]:
        assert row in rows
    assert rows.index(("This queue's form", "")) < rows.index(("The desk", ""))
    press(qtbot, window, "?")  # closes it again
    qtbot.waitUntil(lambda: window.dialog is None)


def test_an_item_of_a_queue_without_a_form_shows_no_panel_and_stores_no_answers(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    path = form_store(tmp_path / "forms.sqlite", other_queue=1)
    window = open_desk(path)
    for _ in range(3):  # the form's items first, answered just enough
        press(qtbot, window, "1")
        press(qtbot, window, Qt.Key.Key_Tab)
        press(qtbot, window, Qt.Key.Key_Tab)
        press(qtbot, window, "3")
        with qtbot.waitSignal(window.decision_saved):
            press(qtbot, window, "a")
    item = window.current_item
    assert item is not None and item.generation.queue == "plain"
    assert not window.review.form.isVisible()
    assert not window.review.guidelines.isVisible()
    press(qtbot, window, "1")  # nothing to answer: the key does nothing
    with qtbot.waitSignal(window.decision_saved):
        press(qtbot, window, "a")
    assert decisions(path, item.generation.id) == [("approve", {}, None)]


# -- guidelines ---------------------------------------------------------------------------------


def test_guidelines_show_beside_the_item_and_in_a_dialog_and_load_nothing(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path, loopback_server: CountingServer
) -> None:
    guidelines = hostile_guidelines(loopback_server.url, red_png(tmp_path / "red.png"))
    path = form_store(tmp_path / "forms.sqlite", {**FORM, "guidelines": guidelines})
    window = open_desk(path)
    window.resize(1440, 900)
    panel = window.review.guidelines
    qtbot.waitUntil(panel.isVisible)
    assert_inert(panel.view.document())
    assert not has_red(panel.grab().toImage())

    press(qtbot, window, Qt.Key.Key_G, shift=True)
    qtbot.waitUntil(lambda: isinstance(window.dialog, GuidelinesDialog))
    dialog = window.dialog
    assert isinstance(dialog, GuidelinesDialog)
    assert_inert(dialog.view.document())
    assert not has_red(dialog.grab().toImage())
    press(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog is None)

    press(qtbot, window, "g")  # hides them
    assert not panel.isVisible()
    press(qtbot, window, "g")
    assert panel.isVisible()
    assert loopback_server.requests == []


def test_a_rating_takes_two_digits_in_a_row_and_a_minus_sign(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    wide = RatingBox(Question(key="score", kind=QuestionKind.RATING, min=0, max=10), owner)
    assert wide.press("1") and wide.value() == 1
    assert wide.press("0") and wide.value() == 10  # typed in a row: ten
    assert wide.press("7") and wide.value() == 7  # 107 is no score: a new number
    signed = RatingBox(Question(key="mood", kind=QuestionKind.RATING, min=-2, max=2), owner)
    assert signed.press("-") and signed.value() is None
    assert signed.press("2") and signed.value() == -2
    assert not signed.press("9")  # no value of this rating: the key is left to the desk
    assert signed.value() == -2


def test_spans_are_removed_with_delete_and_marked_only_in_the_plain_view(
    qtbot: QtBot, open_desk: OpenDesk, tmp_path: Path
) -> None:
    window = open_desk(form_store(tmp_path / "forms.sqlite"))
    panel = window.review.form
    press(qtbot, window, Qt.Key.Key_Backtab, shift=True)  # the spans question
    spans = panel.box("hallucination")
    assert isinstance(spans, SpansBox) and spans.is_current
    press(qtbot, window, "1")  # nothing selected: nothing marked, and a hint says why
    assert spans.value() is None
    assert spans.note_text.startswith("Select some text of the output first")
    select_in_output(qtbot, window, start=2, length=3)  # "The"
    press(qtbot, window, "2")
    select_in_output(qtbot, window, start=19, length=7)
    press(qtbot, window, "1")
    assert spans.value() == [
        {"start": 2, "end": 5, "label": "wrong"},
        {"start": 19, "end": 26, "label": "unsupported"},
    ]
    press(qtbot, window, Qt.Key.Key_Delete)  # the last one goes
    assert spans.value() == [{"start": 2, "end": 5, "label": "wrong"}]
    assert len(window.review.output.text.extraSelections()) == 1

    press(qtbot, window, "m")  # the Markdown view: its characters are not the output's
    qtbot.keyClick(window.review.output.markdown_view, "1")
    assert spans.value() == [{"start": 2, "end": 5, "label": "wrong"}]
    assert spans.note_text.startswith("Spans are marked in the plain-text view")
