"""Adjudicating in the desk by keyboard: pick a side or decide afresh, then the next dispute.

The store: alice and bob disagree on three items; an adjudicator (the desk's reviewer) settles
them one after the other with the keys alone, and the store, the `resolved` and `adjudicated`
policies and the status bar follow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from reviewdesk.domain import Decision, Form, GenerationId, Verdict
from reviewdesk.store import Resolution, Store
from reviewdesk.store.resolution import count_unresolved, labels_sql
from reviewdesk.ui.review.adjudicate import AdjudicateDialog
from reviewdesk.ui.settings import DeskSettings
from reviewdesk.ui.shell.window import DeskWindow
from tests.review.builders import make_store
from tests.ui.disputes import EDIT_2, JUDGE, make_three_disputes, pk_of

OpenDesk = Callable[..., DeskWindow]


def resolved_labels(path: Path, policy: Resolution) -> tuple[dict[str, str], int]:
    """Each item's label under `policy` with the judge as adjudicator, and the items left out."""
    sql, params = labels_sql(policy, (JUDGE,))
    with Store.open(path, create=False) as store, store.engine.connect() as connection:
        rows = connection.execute(
            text(
                f"WITH labels AS ({sql}) SELECT g.id, labels.verdict FROM labels "
                "JOIN generation g ON g.pk = labels.generation_pk"
            ),
            params,
        ).all()
        left_out = count_unresolved(connection, policy, (JUDGE,))
    return {str(row[0]): str(row[1]) for row in rows}, left_out


def judge_settings(settings_owner: Callable[[], DeskSettings], *adjudicators: str) -> None:
    settings = settings_owner()
    settings.reviewer = JUDGE
    settings.adjudicators = adjudicators
    settings.sync()


def press(
    qtbot: QtBot,
    window: DeskWindow,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """A key press where the focus is (a dialog open on the window, else the window)."""
    target: QWidget = QApplication.activeModalWidget() or QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def adjudicate_dialog(qtbot: QtBot, window: DeskWindow) -> AdjudicateDialog:
    press(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(window.dialog, AdjudicateDialog))
    dialog = window.dialog
    assert isinstance(dialog, AdjudicateDialog)
    return dialog


ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def shown_id(window: DeskWindow) -> str | None:
    item = window.current_item
    return None if item is None else str(item.generation.id)


def test_the_keyboard_settles_three_disputes_one_after_the_other(
    qtbot: QtBot,
    open_desk: OpenDesk,
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
) -> None:
    judge_settings(settings_owner, JUDGE)
    path = make_three_disputes(tmp_path / "three.sqlite")
    labels, left_out = resolved_labels(path, Resolution.RESOLVED)
    assert left_out == 3 and set(labels) == {"gen-0004"}  # three ties nobody settled
    window = open_desk(path)
    qtbot.waitUntil(lambda: window.status.disagreements.text() == "3 disagreements")
    assert shown_id(window) == "gen-0005"  # the first item carol has to review
    assert not window.acts.adjudicate.isEnabled()  # nobody disagrees on it
    assert window.acts.adjudicate.shortcut().toString() == "Shift+A"
    assert "Shift+A" in window.acts.adjudicate.toolTip()

    # Shift+D: the Disagreements filter on, and the first open disagreement on screen.
    with qtbot.waitSignal(window.item_shown):
        press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.queue_panel.count.text() == "3 items")
    assert window.queue_panel.status.currentText() == "Disagreements"
    assert shown_id(window) == "gen-0001"
    assert window.acts.adjudicate.isEnabled()

    # 1: bob's side (2, Enter): his reject with his reasons; gen-0002 comes next.
    dialog = adjudicate_dialog(qtbot, window)
    assert [side.reviewer for side in dialog._sides] == ["alice", "bob"]
    assert dialog.list.item(1).text().startswith("2   bob — reject")
    with qtbot.waitSignal(window.decision_saved) as saved:
        press(qtbot, window, Qt.Key.Key_2)
        press(qtbot, window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shown_id(window) == "gen-0002")
    first = saved.args[0]
    assert (first.reviewer, first.verdict, first.generation_id) == (JUDGE, "reject", "gen-0001")
    qtbot.waitUntil(lambda: window.status.disagreements.text() == "2 disagreements")
    qtbot.waitUntil(lambda: window.queue_panel.count.text() == "2 items")  # it left the list

    # 2: bob's side again, an edit: his edited text is carol's edit.
    adjudicate_dialog(qtbot, window)
    with qtbot.waitSignal(window.decision_saved) as saved:
        press(qtbot, window, Qt.Key.Key_2)
        press(qtbot, window, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: shown_id(window) == "gen-0003")
    assert saved.args[0].edited_output == EDIT_2

    # 3: afresh: R in the dialog, then the reasons' dialog (1, Enter) as for any reject.
    adjudicate_dialog(qtbot, window)
    press(qtbot, window, Qt.Key.Key_R)
    qtbot.waitUntil(
        lambda: window.dialog is not None and window.dialog.windowTitle() != "Adjudicate"
    )
    with qtbot.waitSignal(window.decision_saved) as saved:
        press(qtbot, window, Qt.Key.Key_1)
        press(qtbot, window, Qt.Key.Key_Return)
    assert saved.args[0].generation_id == "gen-0003" and saved.args[0].verdict == "reject"
    # No dispute left: the view is finished, and none counted.
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.finished)
    assert window.finished.title.text() == "View finished"
    qtbot.waitUntil(lambda: window.status.disagreements.text() == "0 disagreements")
    assert not window.status.disagreements.isVisible()
    qtbot.waitUntil(lambda: window.queue_panel.count.text() == "0 items")
    # Clearing the filters brings the next item to review.
    with qtbot.waitSignal(window.item_shown):
        press(qtbot, window, Qt.Key.Key_F, ctrl_shift)
    assert shown_id(window) == "gen-0005"
    assert window.queue_panel.status.currentText() == "Any"
    press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "No open disagreements.")
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.finished)
    qtbot.waitUntil(lambda: not window.runner.busy)

    with Store.open(path, create=False) as store:
        carols = {
            item: store.decisions_of(GenerationId(item))[-1]
            for item in ("gen-0001", "gen-0002", "gen-0003")
        }
        codes = [reason.code for reason in store.reasons()]
    assert {item: d.reviewer for item, d in carols.items()} == dict.fromkeys(carols, JUDGE)
    assert carols["gen-0001"].reasons == tuple(codes[:2])
    assert carols["gen-0002"].verdict == "edit"
    assert carols["gen-0003"].reasons == (codes[0],)
    # `resolved`: gen-0001 and 0002 by majority (carol sided), gen-0003 a three-way tie
    # settled by the adjudicator; `adjudicated`: carol's word on each.
    for policy in (Resolution.RESOLVED, Resolution.ADJUDICATED):
        labels, left_out = resolved_labels(path, policy)
        assert left_out == 0
        assert labels == {
            "gen-0001": "reject",
            "gen-0002": "edit",
            "gen-0003": "reject",
            "gen-0004": "approve",
        }

    # Undo takes the last adjudication back: the dispute is open again, on screen.
    with qtbot.waitSignal(window.decision_undone):
        press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert shown_id(window) == "gen-0003"
    qtbot.waitUntil(lambda: window.status.disagreements.text() == "1 disagreement")
    qtbot.waitUntil(lambda: window.queue_panel.count.text() == "1 item")
    assert resolved_labels(path, Resolution.RESOLVED)[1] == 1


def test_a_reviewer_who_is_no_adjudicator_is_asked_once(
    qtbot: QtBot,
    open_desk: OpenDesk,
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
) -> None:
    judge_settings(settings_owner)  # carol is nobody's adjudicator yet
    path = make_three_disputes(tmp_path / "three.sqlite")
    window = open_desk(path)
    with qtbot.waitSignal(window.item_shown):
        window.queue_panel.item_activated.emit(pk_of(path, "gen-0002"))

    press(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    ask = window.dialog
    assert isinstance(ask, QMessageBox) and JUDGE in ask.text()
    press(qtbot, window, Qt.Key.Key_Return)  # Yes
    qtbot.waitUntil(lambda: isinstance(window.dialog, AdjudicateDialog))
    assert window.adjudicators == (JUDGE,)
    assert window.queue_panel.current_filter().adjudicators == (JUDGE,)
    press(qtbot, window, Qt.Key.Key_Escape)  # decide later: nothing recorded
    qtbot.waitUntil(lambda: window.dialog is None and QApplication.activeWindow() is window)
    assert shown_id(window) == "gen-0002"

    # The second time straight to the sides; A decides afresh, carol's approve settles it.
    dialog = adjudicate_dialog(qtbot, window)
    assert dialog.ok_button.text() == "Take this side"
    with qtbot.waitSignal(window.decision_saved) as saved:
        press(qtbot, window, Qt.Key.Key_A)
    assert saved.args[0].verdict == "approve"
    qtbot.waitUntil(lambda: shown_id(window) == "gen-0001")  # the first open dispute
    labels, _left_out = resolved_labels(path, Resolution.ADJUDICATED)
    assert labels["gen-0002"] == "approve"


def test_a_no_keeps_the_adjudicators_and_says_why(
    qtbot: QtBot,
    open_desk: OpenDesk,
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
) -> None:
    judge_settings(settings_owner, "dora")
    path = make_three_disputes(tmp_path / "three.sqlite")
    window = open_desk(path)
    with qtbot.waitSignal(window.item_shown):
        window.queue_panel.item_activated.emit(pk_of(path, "gen-0001"))
    press(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert isinstance(window.dialog, QMessageBox)
    press(qtbot, window, Qt.Key.Key_Escape)  # No
    qtbot.waitUntil(lambda: isinstance(window.dialog, AdjudicateDialog))
    assert window.adjudicators == ("dora",)
    assert "one more reviewer's" in window.statusBar().currentMessage()
    press(qtbot, window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.dialog is None and QApplication.activeWindow() is window)


def test_taking_a_side_takes_its_answers_to_the_form(
    qtbot: QtBot,
    open_desk: OpenDesk,
    settings_owner: Callable[[], DeskSettings],
    tmp_path: Path,
) -> None:
    judge_settings(settings_owner, JUDGE)
    path = tmp_path / "answers.sqlite"
    make_store(path, count=2, queue="support")
    form = Form.from_data(
        {
            "questions": [
                {
                    "key": "behaviour",
                    "kind": "choice",
                    "options": [{"value": "comply"}, {"value": "refuse"}],
                }
            ]
        }
    )
    with Store.open(path) as store:
        version = store.set_form("support", form).version
        for number, reviewer, verdict, answer in (
            (1, "alice", Verdict.APPROVE, "comply"),
            (2, "bob", Verdict.REJECT, "refuse"),
        ):
            store.record_decision(
                Decision.model_validate(
                    {
                        "id": f"d-{number}",
                        "generation_id": "gen-0001",
                        "reviewer": reviewer,
                        "verdict": verdict,
                        "reasons": ["unsafe"] if verdict is Verdict.REJECT else [],
                        "decided_at": datetime(2026, 11, 21, 9, number, tzinfo=UTC),
                        "answers": {"behaviour": answer},
                        "form_version": version,
                    }
                )
            )
    window = open_desk(path)
    qtbot.waitUntil(lambda: window.status.disagreements.text() == "1 disagreement")
    with qtbot.waitSignal(window.item_shown):
        press(qtbot, window, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)
    assert shown_id(window) == "gen-0001"
    adjudicate_dialog(qtbot, window)
    with qtbot.waitSignal(window.decision_saved) as saved:
        press(qtbot, window, Qt.Key.Key_2)
        press(qtbot, window, Qt.Key.Key_Return)
    taken = saved.args[0]
    assert (taken.reviewer, taken.verdict) == (JUDGE, Verdict.REJECT)
    assert (dict(taken.answers), taken.form_version) == ({"behaviour": "refuse"}, version)
    with Store.open(path, create=False) as store:
        stored = [d for d in store.decisions_of("gen-0001") if d.reviewer == JUDGE]
    assert [dict(d.answers) for d in stored] == [{"behaviour": "refuse"}]
