"""The desk connected to a queue server: the real server under uvicorn on a loopback port
(SQLite), the real desk window, the real sync engine. Only the keychain (in memory) and the
retry waits (none) differ from a reviewer's desk."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from reviewdesk.domain import Decision, GenerationId, Verdict, new_decision_id, utc_now
from reviewdesk.remote import ReviewerClient
from reviewdesk.server.access.tokens import list_tokens, revoke_token
from reviewdesk.server.database import transact
from reviewdesk.store import LeasedGeneration, OutboxState, Store, SyncLedger
from reviewdesk.sync import Credentials
from reviewdesk.ui.queue_list.model import LEASE_COLUMN
from reviewdesk.ui.shell.window import DeskWindow
from reviewdesk.ui.sync.control import SyncController
from reviewdesk.ui.sync.widgets import CheckoutDialog, ConnectDialog, NeedsAttentionDialog
from tests.review.builders import fill, generation
from tests.server.harness import FakeClock, RunningServer, items, running_server
from tests.sync.fakes import MemoryKeyring

SERVER_WAIT_MS = 20_000
"""How long a wait that needs the server may take on a loaded machine (it ends when met)."""


class GateTransport(httpx.BaseTransport):
    """The real transport; while `closed`, requests wait at the gate (a server that hangs)."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()
        self.open = threading.Event()
        self.open.set()
        self.waiting = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.open.is_set():
            self.waiting.set()
            self.open.wait(30)
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


class Server:
    """The real server on a loopback port, which the test can stop."""

    def __init__(self, tmp_path: Path) -> None:
        self._context = running_server(
            f"sqlite:///{tmp_path / 'server.sqlite'}", FakeClock(), join=True
        )
        self.running: RunningServer | None = self._context.__enter__()
        self.url = self.running.url
        self.engine = self.running.engine
        self.reviewer = self.running.token("reviewer", "reviewer")
        self.producer = self.running.token("producer", "producer")

    def enqueue(self, count: int) -> None:
        with httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.producer}"}
        ) as client:
            response = client.post("/v1/items", json={"items": items(count)})
            assert response.status_code == 200, response.text

    def withdraw(self, item_id: str) -> None:
        with httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.producer}"}
        ) as client:
            assert client.delete(f"/v1/items/{item_id}").status_code == 200

    def decisions(self) -> list[tuple[str, str]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT g.id, d.verdict FROM decision d "
                    "JOIN generation g ON g.pk = d.generation_pk"
                )
            ).all()
        return [(row[0], row[1]) for row in rows]

    def stop(self) -> None:
        if self.running is not None:
            self.running = None
            self._context.__exit__(None, None, None)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def gate() -> Iterator[GateTransport]:
    transport = GateTransport()
    yield transport
    transport.open.set()
    transport.close()


DeskOpener = Callable[..., DeskWindow]


@pytest.fixture
def open_synced_desk(qtbot: QtBot, tmp_path: Path, gate: GateTransport) -> Iterator[DeskOpener]:
    """A desk window on an empty store, with an in-memory keychain (or none)."""
    windows: list[DeskWindow] = []

    def make_client(server_url: str, token: str) -> ReviewerClient:
        return ReviewerClient(server_url, token, transport=gate, attempts=2, sleep=lambda _s: None)

    def open_(*, keychain: Any = None) -> DeskWindow:
        credentials = Credentials(environ={}, backend=keychain or MemoryKeyring())
        path = tmp_path / "desk.sqlite"
        window = DeskWindow(
            lambda: Store.open(path),
            store_label="test store",
            sync=lambda w: SyncController(
                w, w.runner, credentials=credentials, make_client=make_client, interval_s=3600
            ),
        )
        windows.append(window)
        with qtbot.waitSignal(window.store_empty):
            window.show()
        qtbot.waitUntil(lambda: not window.runner.busy, timeout=SERVER_WAIT_MS)
        return window

    yield open_
    for window in windows:
        window.close()
        window.deleteLater()


def _connect(qtbot: QtBot, window: DeskWindow, url: str, token: str) -> ConnectDialog:
    window.acts.connect.trigger()
    dialog = window.dialog
    assert isinstance(dialog, ConnectDialog)
    qtbot.waitUntil(
        lambda: "keychain" in dialog.keychain_note.text() and "…" not in dialog.keychain_note.text()
    )
    dialog.url.setText(url)
    dialog.token.setText(token)
    dialog.queue.setText("support")
    return dialog


def _checked_out(qtbot: QtBot, server: Server, open_desk: DeskOpener, count: int) -> DeskWindow:
    """A desk connected to the server, with `count` items checked out and the first shown."""
    server.enqueue(count)
    window = open_desk()
    dialog = _connect(qtbot, window, server.url, server.reviewer)
    with qtbot.waitSignal(dialog.connected):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.sync.state.online is True, timeout=SERVER_WAIT_MS)
    window.acts.checkout.trigger()
    checkout = window.dialog
    assert isinstance(checkout, CheckoutDialog)
    with qtbot.waitSignal(window.item_shown, timeout=10_000):
        checkout.ok_button.click()
    return window


def _synced(window: DeskWindow) -> Callable[[], bool]:
    return lambda: not window.sync.state.syncing and not window.sync.runner.busy


def _outbox_counts(path: Path) -> dict[OutboxState, int]:
    """The outbox of the desk's store, read beside the desk."""
    with Store.open(path, create=False) as store:
        return SyncLedger(store).counts()


def _approve(qtbot: QtBot, window: DeskWindow) -> Decision:
    with qtbot.waitSignal(window.decision_saved) as saved:
        qtbot.keyClick(window.review.output.text, Qt.Key.Key_A)
    assert isinstance(saved.args[0], Decision)
    return saved.args[0]


def test_connect_check_out_review_and_sync_then_work_offline(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener, gate: GateTransport
) -> None:
    server.enqueue(6)
    window = open_synced_desk()
    assert window.sync_status.label.text() == "Not connected"

    dialog = _connect(qtbot, window, server.url, server.reviewer)
    assert dialog.keychain_note.text() == "Your token will be kept in the OS keychain."
    with qtbot.waitSignal(dialog.connected):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.sync.state.online is True, timeout=SERVER_WAIT_MS)
    assert window.dialog is None  # closed: the token is in the keychain

    window.acts.checkout.trigger()
    checkout = window.dialog
    assert isinstance(checkout, CheckoutDialog)
    checkout.count.setValue(4)
    checkout.hours.setValue(2.0)
    with qtbot.waitSignal(window.item_shown, timeout=10_000):
        checkout.ok_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=SERVER_WAIT_MS)
    lease = window.model.index(0, LEASE_COLUMN)
    qtbot.waitUntil(
        lambda: str(window.model.data(lease)).startswith("until "), timeout=SERVER_WAIT_MS
    )
    first_entry = window.model.entry_at(0)
    assert first_entry is not None
    expiry = window.model.lease_of(first_entry.id)
    assert expiry is not None
    assert timedelta(hours=1.9) < expiry - datetime.now(UTC) <= timedelta(hours=2)
    assert "Checked out 4 item(s)" in window.statusBar().currentMessage()

    first = _approve(qtbot, window)
    qtbot.waitUntil(lambda: window.sync.state.waiting == 1, timeout=SERVER_WAIT_MS)
    assert "1 waiting to sync" in window.sync_status.label.text()
    assert server.decisions() == []

    window.acts.sync_now.trigger()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.waiting == 0, timeout=SERVER_WAIT_MS
    )
    assert server.decisions() == [(first.generation_id, "approve")]
    status = window.sync_status.label.text()
    assert status.startswith("● Online") and "0 waiting to sync" in status
    assert window.sync.state.last_sync is not None and "last sync never" not in status

    # A server that hangs: the sync waits on the network worker, the review goes on.
    gate.open.clear()
    window.acts.sync_now.trigger()
    qtbot.waitUntil(gate.waiting.is_set, timeout=SERVER_WAIT_MS)
    with qtbot.waitSignal(window.item_shown):
        second = _approve(qtbot, window)
    assert window.sync.state.syncing
    gate.open.set()
    qtbot.waitUntil(_synced(window), timeout=SERVER_WAIT_MS)
    window.acts.sync_now.trigger()  # the decision made meanwhile goes with the next step
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.waiting == 0, timeout=SERVER_WAIT_MS
    )
    assert len(server.decisions()) == 2

    # The server stopped: the decision waits, the widget says offline, the review goes on.
    server.stop()
    with qtbot.waitSignal(window.item_shown):
        third = _approve(qtbot, window)
    window.acts.sync_now.trigger()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.online is False, timeout=SERVER_WAIT_MS
    )
    assert window.sync.state.waiting == 1
    assert window.sync_status.label.text().startswith("○ Offline · 1 waiting to sync")
    assert window.current_item is not None and window.current_item.generation.id not in {
        first.generation_id,
        second.generation_id,
        third.generation_id,
    }


def test_an_item_the_server_withdrew_leaves_the_queue_with_a_notice(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener
) -> None:
    server.enqueue(3)
    window = open_synced_desk()
    dialog = _connect(qtbot, window, server.url, server.reviewer)
    with qtbot.waitSignal(dialog.connected):
        dialog.ok_button.click()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.online is True, timeout=SERVER_WAIT_MS
    )
    window.acts.checkout.trigger()
    checkout = window.dialog
    assert isinstance(checkout, CheckoutDialog)
    checkout.count.setValue(3)
    with qtbot.waitSignal(window.item_shown, timeout=10_000):
        checkout.ok_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=SERVER_WAIT_MS)
    shown = window.current_item
    assert shown is not None
    server.withdraw(shown.generation.id)

    with qtbot.waitSignal(window.item_shown, timeout=10_000):  # the next item replaces it
        window.acts.sync_now.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=SERVER_WAIT_MS)
    assert "1 item(s) left the queue" in window.statusBar().currentMessage()
    assert window.current_item is not None
    assert window.current_item.generation.id != shown.generation.id


def test_a_refused_decision_is_listed_under_needs_attention_and_kept(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener
) -> None:
    window = open_synced_desk()
    dialog = _connect(qtbot, window, server.url, server.reviewer)
    with qtbot.waitSignal(dialog.connected):
        dialog.ok_button.click()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.online is True, timeout=SERVER_WAIT_MS
    )
    # An item the store holds under a lease the server never gave (so it knows no such item):
    # the server answers `invalid` / `unknown_item` for the decision on it.
    store = window.sync.store
    assert store is not None
    ghost = generation(900)
    SyncLedger(store).add_leased(
        server_url=server.url,
        queue="support",
        lease_id="lease-ghost",
        mode="offline",
        expires_at=utc_now() + timedelta(hours=1),
        items=[LeasedGeneration(ghost, 0, 1)],
    )
    store.record_decision(
        Decision(
            id=new_decision_id(),
            generation_id=ghost.id,
            reviewer="alice",
            verdict=Verdict.APPROVE,
            decided_at=utc_now(),
        )
    )
    window.acts.sync_now.trigger()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.needs_attention == 1, timeout=SERVER_WAIT_MS
    )
    assert "1 needs attention" in window.sync_status.label.text()

    window.acts.needs_attention.trigger()
    attention = window.dialog
    assert isinstance(attention, NeedsAttentionDialog)
    qtbot.waitUntil(lambda: attention.table.rowCount() == 1, timeout=SERVER_WAIT_MS)
    row = [cell.text() if (cell := attention.table.item(0, column)) else "" for column in range(6)]
    assert row[0] == ghost.id and row[2] == "invalid" and row[3] == "unknown_item"
    assert ghost.id in row[4]

    with qtbot.waitSignal(window.sync.state_changed, check_params_cb=lambda s: not s.syncing):
        attention.retry_button.click()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.needs_attention == 1, timeout=SERVER_WAIT_MS
    )
    (entry,) = SyncLedger(store).entries()
    assert entry.state is OutboxState.REFUSED and entry.attempts == 2  # refused again, kept
    attention.reject()


def test_the_dialog_says_the_token_is_kept_for_this_session_only_and_explains_a_401(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener
) -> None:
    window = open_synced_desk(keychain=NoKeyring())
    dialog = _connect(qtbot, window, server.url, "not-a-token")
    assert "session only" in dialog.keychain_note.text()

    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "401" in dialog.message.text(), timeout=SERVER_WAIT_MS)
    assert not window.sync.state.connected

    dialog.token.setText(server.reviewer)
    with qtbot.waitSignal(dialog.connected):
        dialog.ok_button.click()
    assert "session only" in dialog.message.text()
    assert dialog.isVisible() and dialog.ok_button.text() == "Done"
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).isVisible()
    dialog.ok_button.click()
    qtbot.waitUntil(
        lambda: window.dialog is None and window.sync.state.online is True, timeout=20_000
    )


def test_the_server_unreachable_is_said_plainly(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener
) -> None:
    url = server.url
    server.stop()
    window = open_synced_desk()
    dialog = _connect(qtbot, window, url, "whatever")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "cannot be reached" in dialog.message.text(), timeout=SERVER_WAIT_MS)
    assert dialog.ok_button.isEnabled()


def test_a_revoked_token_is_said_and_a_new_one_is_one_click_away(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener
) -> None:
    window = _checked_out(qtbot, server, open_synced_desk, 3)

    # An admin revokes the reviewer's token: the next sync is refused, nothing is lost.
    for info in transact(server.engine, list_tokens):
        if info.name == "reviewer":
            transact(server.engine, partial(revoke_token, token_id=info.id))
    first = _approve(qtbot, window)
    window.acts.sync_now.trigger()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.token_needed, timeout=SERVER_WAIT_MS
    )
    status = window.sync_status
    assert status.label.text().startswith("⚠ Token needed · 1 waiting to sync")
    assert status.token_button.isVisibleTo(window) and not status.button.isVisibleTo(window)
    assert status.token_button.text() == "Enter a new token"
    assert "refused your token" in window.statusBar().currentMessage()
    assert server.decisions() == []

    # Sync now (the key or the button) asks for the new token instead of failing again.
    window.acts.sync_now.trigger()
    again = window.dialog
    assert isinstance(again, ConnectDialog)
    assert again.url.text() == server.url and again.queue.text() == "support"
    qtbot.waitUntil(lambda: "…" not in again.keychain_note.text(), timeout=SERVER_WAIT_MS)
    assert server.running is not None
    again.token.setText(server.running.token("reviewer", "reviewer"))
    with qtbot.waitSignal(again.connected):
        again.ok_button.click()
    qtbot.waitUntil(
        lambda: window.sync.state.online is True and not window.sync.state.token_needed,
        timeout=SERVER_WAIT_MS,
    )
    assert status.button.isVisibleTo(window) and not status.token_button.isVisibleTo(window)
    window.acts.sync_now.trigger()
    qtbot.waitUntil(
        lambda: _synced(window)() and window.sync.state.waiting == 0, timeout=SERVER_WAIT_MS
    )
    assert server.decisions() == [(first.generation_id, "approve")]


def test_a_store_switch_in_the_middle_of_a_sync_loses_nothing(
    qtbot: QtBot,
    server: Server,
    open_synced_desk: DeskOpener,
    gate: GateTransport,
    tmp_path: Path,
) -> None:
    window = _checked_out(qtbot, server, open_synced_desk, 3)
    gate.open.clear()  # the server hangs from here until the gate opens
    first = _approve(qtbot, window)
    # The gate must hold a sync that carries the decision. The one the checkout's session
    # restart started may have taken its (empty) batch before the decision was made: then it
    # is let through, and the next one is held.
    for _ in range(3):
        window.acts.sync_now.trigger()  # none starts while one runs
        qtbot.waitUntil(gate.waiting.is_set, timeout=SERVER_WAIT_MS)
        if _outbox_counts(tmp_path / "desk.sqlite")[OutboxState.SENDING] == 1:
            break
        gate.waiting.clear()
        gate.open.set()
        qtbot.waitUntil(_synced(window), timeout=SERVER_WAIT_MS)
        gate.open.clear()
    else:
        pytest.fail("no sync took the decision")

    # The sync is on its way to a slow server when the reviewer opens another store.
    window.switch_store(lambda: Store.open(tmp_path / "other.sqlite"))
    assert window.store is None
    with qtbot.waitSignal(window.store_empty, timeout=20_000):
        gate.open.set()  # the server answers: the old store takes the answer, then closes

    assert server.decisions() == [(first.generation_id, "approve")]
    old = Store.open(tmp_path / "desk.sqlite")
    try:
        counts = SyncLedger(old).counts()
        assert counts[OutboxState.SENT] == 1
        assert counts[OutboxState.PENDING] == counts[OutboxState.SENDING] == 0
    finally:
        old.close()


def test_the_disagreements_are_counted_again_when_a_sync_changed_the_store(
    qtbot: QtBot, server: Server, open_synced_desk: DeskOpener, tmp_path: Path
) -> None:
    window = _checked_out(qtbot, server, open_synced_desk, 2)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=SERVER_WAIT_MS)
    assert not window.status.disagreements.isVisible()
    # Two reviewers' disagreeing decisions reach the store outside the desk's session (as
    # other reviewers' work arrives); nothing the desk did would count them.
    with Store.open(tmp_path / "desk.sqlite", create=False) as store:
        fill(store, [generation(900)])
        for reviewer, verdict in (("alice", Verdict.APPROVE), ("bob", Verdict.EDIT)):
            store.record_decision(
                Decision(
                    id=new_decision_id(),
                    generation_id=GenerationId("gen-0900"),
                    reviewer=reviewer,
                    verdict=verdict,
                    edited_output="Answer 900." if verdict is Verdict.EDIT else None,
                    decided_at=utc_now(),
                )
            )
    shown = window.current_item
    assert shown is not None
    listed = [window.model.entry_at(row) for row in range(window.model.rowCount())]
    other = next(e.id for e in listed if e is not None and e.id != shown.generation.id)
    server.withdraw(other)  # the sync pulls a change; the item on screen stays
    window.acts.sync_now.trigger()
    qtbot.waitUntil(
        lambda: window.status.disagreements.text() == "1 disagreement", timeout=SERVER_WAIT_MS
    )
    assert window.status.disagreements.isVisible()
    assert window.current_item is shown  # no new session did the counting
