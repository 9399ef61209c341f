"""Comparisons checked out by the desk window: the real server on a loopback port (SQLite), the
real window and sync engine. A checked-out comparison shows on the Comparisons tab, a decision
by key reaches the server with the next sync, one withdrawn on the server leaves the tab."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewdesk.domain import ComparisonDecision
from reviewdesk.review.comparisons import LEFT
from reviewdesk.store.comparisons import load_comparison_decisions
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.sync.widgets import CheckoutDialog
from tests.server.harness import items
from tests.ui.sync import test_desk
from tests.ui.sync.test_desk import SERVER_WAIT_MS, DeskOpener, Server, _connect, _synced

# The fixtures of the desk's sync tests: the real server, the network gate, the desk window.
server = test_desk.server
gate = test_desk.gate
open_synced_desk = test_desk.open_synced_desk


def pair(number: int) -> dict[str, Any]:
    return {
        "id": f"cmp-{number:04d}",
        "prompt": f"Rewrite politely, take {number}: send me the invoice.",
        "queue": "support",
        "risk": number / 10,
        "candidates": [
            {"output": f"Could you send me the invoice, please? ({number})", "model": "m-small"},
            {"output": f"Would you kindly send the invoice? ({number})", "model": "m-large"},
        ],
    }


def _push(server: Server, records: list[dict[str, Any]]) -> None:
    running = server.running
    assert running is not None
    with running.client(server.producer) as producer:
        response = producer.post("/v1/items", json={"items": records})
        assert response.status_code == 200, response.text


def _on_server(server: Server, comparison_id: str) -> list[ComparisonDecision]:
    with server.engine.connect() as connection:
        return load_comparison_decisions(connection, comparison_id)


def _check_out(qtbot: QtBot, server: Server, open_desk: DeskOpener) -> DeskWindow:
    window = open_desk()
    dialog = _connect(qtbot, window, server.url, server.reviewer)
    with qtbot.waitSignal(dialog.connected):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.sync.state.online is True, timeout=SERVER_WAIT_MS)
    window.acts.checkout.trigger()
    checkout = window.dialog
    assert isinstance(checkout, CheckoutDialog)
    checkout.count.setValue(10)
    with qtbot.waitSignal(window.item_shown, timeout=10_000):
        checkout.ok_button.click()
    qtbot.waitUntil(lambda: window.compare.current_item is not None, timeout=SERVER_WAIT_MS)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=SERVER_WAIT_MS)
    return window


def test_a_checked_out_comparison_decided_by_key_1_reaches_the_server(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener
) -> None:
    _push(server, [*items(2), pair(1)])
    window = _check_out(qtbot, server, open_synced_desk)
    bar = window.tabs.tabBar()
    assert bar.tabText(2) == "Comparisons" and bar.isTabVisible(2)
    assert "Checked out 2 item(s) and 1 comparison(s)" in window.statusBar().currentMessage()
    shown = window.compare.current_item
    assert shown is not None and shown.id == "cmp-0001"

    window.acts.compare_tab.trigger()
    assert window.tabs.currentWidget() is window.compare
    with qtbot.waitSignal(window.compare.decision_saved) as saved:
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_1)
    decision = saved.args[0]
    assert isinstance(decision, ComparisonDecision)
    assert decision.preference is shown.preference_for(LEFT)
    assert decision.shown_order is shown.order and decision.lease_id is not None
    qtbot.waitUntil(lambda: window.sync.state.waiting == 1, timeout=SERVER_WAIT_MS)
    assert "1 waiting to sync" in window.sync_status.label.text()
    assert _on_server(server, "cmp-0001") == []

    window.acts.sync_now.trigger()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.waiting == 0, timeout=SERVER_WAIT_MS
    )
    (stored,) = _on_server(server, "cmp-0001")
    assert (stored.id, stored.preference, stored.shown_order) == (
        decision.id,
        decision.preference,
        decision.shown_order,
    )
    assert window.compare.message_title.text() == "No comparison left"


def test_a_comparison_withdrawn_on_the_server_leaves_the_tab_after_a_sync(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener
) -> None:
    _push(server, [*items(1), pair(1), pair(2)])
    window = _check_out(qtbot, server, open_synced_desk)
    shown = window.compare.current_item
    assert shown is not None and shown.id == "cmp-0002"  # the riskier first
    server.withdraw("cmp-0002")

    window.acts.sync_now.trigger()

    qtbot.waitUntil(
        lambda: (
            window.compare.current_item is not None and window.compare.current_item.id == "cmp-0001"
        ),
        timeout=SERVER_WAIT_MS,
    )
    qtbot.waitUntil(_synced(window), timeout=SERVER_WAIT_MS)
    assert "1 item(s) left the queue" in window.statusBar().currentMessage()
    assert window.current_item is not None  # the item on the Review tab stays
