"""The desk's sync widgets: the status bar entry, and the connect, check-out and needs-attention
dialogs. They hold no logic of their own: each asks the `SyncController` and shows the answer."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.errors import UserError
from reviewdesk.ui.sync.control import CheckoutDone, SyncController, SyncState

if TYPE_CHECKING:
    from reviewdesk.store import OutboxEntry
    from reviewdesk.sync import TokenStorage

logger = logging.getLogger(__name__)

__all__ = ["CheckoutDialog", "ConnectDialog", "NeedsAttentionDialog", "SyncStatus"]

_GOOD = "color: #1f9d55"
_BAD = "color: #e5484d"
_WARN = "color: #b7791f"


def _when(moment: datetime | None) -> str:
    """A time in local time: the clock alone today, with the date otherwise."""
    if moment is None:
        return "never"
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return f"{local:%H:%M}"
    return f"{local:%b %d %H:%M}"


def describe(state: SyncState) -> tuple[str, str, str]:
    """(text, style sheet, tooltip) of the status bar entry for `state`."""
    if not state.connected:
        return "Not connected", "color: palette(mid)", "File → Connect to server… to sync"
    if state.syncing:
        head, style = "⟳ Syncing…", ""
    elif state.token_needed:
        head, style = "⚠ Token needed", _BAD
    elif state.online is None:
        head, style = "Connected", ""
    elif state.online:
        head, style = "● Online", _GOOD
    else:
        head, style = "○ Offline", _WARN
    parts = [head, f"{state.waiting} waiting to sync"]
    if state.needs_attention:
        verb = "needs" if state.needs_attention == 1 else "need"
        parts.append(f"{state.needs_attention} {verb} attention")
    parts.append(f"last sync {_when(state.last_sync)}")
    tooltip = [f"Server: {state.server_url} (queue {state.queue})"]
    if state.token_needed:
        tooltip.append("The server did not take the token: click “Enter a new token”")
    elif state.online is False:
        tooltip.append("Working offline: decisions are kept and sent when the server is back.")
    if state.error:
        tooltip.append(f"Last problem: {state.error}")
    return " · ".join(parts), style, "\n".join(tooltip)


class _SyncDialog(QDialog):
    """A dialog whose answers come back from workers: once it is closed (and soon deleted),
    late answers are dropped instead of touching deleted widgets."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._open = True

    def done(self, result: int) -> None:
        self._open = False
        super().done(result)


class SyncStatus(QWidget):
    """The status bar entry: online / offline / token needed, waiting, last sync, "Sync now";
    when the server no longer takes the token, "Enter a new token…" in its place."""

    def __init__(self, sync_now: QAction, new_token: QAction, parent: QWidget) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QToolButton(self)
        self.button.setDefaultAction(sync_now)
        self.token_button = QToolButton(self)
        self.token_button.setDefaultAction(new_token)
        for button in (self.button, self.token_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        layout.addWidget(self.token_button)
        self.set_state(SyncState())

    def set_state(self, state: SyncState) -> None:
        text, style, tooltip = describe(state)
        self.label.setText(text)
        self.label.setStyleSheet(style)
        self.label.setToolTip(tooltip)
        self.button.setVisible(state.connected and not state.token_needed)
        self.token_button.setVisible(state.connected and state.token_needed)


class ConnectDialog(_SyncDialog):
    """Server URL, token and queue; checks the token against the server before keeping it.

    Signals:
        connected(object): the server took the token; the `TokenStorage` it went to.
    """

    connected = Signal(object)

    def __init__(self, controller: SyncController, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to a queue server")
        self.setMinimumWidth(480)
        self._controller = controller
        state = controller.state
        self.url = QLineEdit(state.server_url or "", self)
        self.url.setPlaceholderText("https://review.example.com")
        self.token = QLineEdit(self)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("your reviewer token")
        self.queue = QLineEdit(state.queue or "default", self)
        self.keychain_note = QLabel("Looking for the OS keychain…", self)
        self.message = QLabel(self)
        for label in (self.keychain_note, self.message):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
        self.message.hide()
        form = QFormLayout()
        form.addRow("&Server URL:", self.url)
        form.addRow("&Token:", self.token)
        form.addRow("&Queue:", self.queue)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Connect")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keychain_note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._stored: TokenStorage | None = None
        controller.keychain_available(self._on_keychain_answered)
        (self.token if self.url.text() else self.url).setFocus()

    def _on_keychain_answered(self, available: bool) -> None:
        if not self._open:
            return
        if available:
            self.keychain_note.setText("Your token will be kept in the OS keychain.")
            self.keychain_note.setStyleSheet("")
        else:
            self.keychain_note.setText(
                "There is no OS keychain here: your token will be kept for this session only, "
                "and you will be asked for it again when the desk restarts."
            )
            self.keychain_note.setStyleSheet(_WARN)

    def _say(self, text: str, style: str = "") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)
        self.message.show()

    def _on_buttons_accepted(self) -> None:
        if self._stored is not None:  # connected; the button now closes the dialog
            self.accept()
            return
        url = self.url.text().strip().rstrip("/")
        token = self.token.text().strip()
        queue = self.queue.text().strip() or "default"
        if not url.startswith(("http://", "https://")):
            self._say("The server URL must start with http:// or https://.", _BAD)
            return
        if not token:
            self._say("Enter your reviewer token.", _BAD)
            return
        self._say("Checking the token with the server…")
        self.ok_button.setEnabled(False)
        self._controller.connect_server(
            url, token, queue, self._on_controller_connected, self._on_controller_failed
        )

    def _on_controller_connected(self, stored: TokenStorage) -> None:
        if not self._open:
            return
        from reviewdesk.sync import TokenStorage

        self._stored = stored
        self.ok_button.setEnabled(True)
        self.connected.emit(stored)
        if stored is TokenStorage.KEYCHAIN:
            self.accept()
            return
        self._say(
            "Connected. There is no OS keychain, so the token is kept for this session only: "
            "you will be asked for it again after a restart.",
            _WARN,
        )
        self.ok_button.setText("Done")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()

    def _on_controller_failed(self, error: UserError) -> None:
        if not self._open:
            return
        from reviewdesk.sync import RequestRefusedError, ServerUnreachableError, TokenNeededError

        self.ok_button.setEnabled(True)
        if isinstance(error, TokenNeededError):
            text = "The server did not accept this token (HTTP 401). Check it and try again."
        elif isinstance(error, ServerUnreachableError):
            text = f"The server cannot be reached: {error}"
        elif isinstance(error, RequestRefusedError) and error.status == 403:
            text = "This token is not a reviewer token (HTTP 403)."
        else:
            text = f"Not connected: {error}"
        self._say(text, _BAD)


class CheckoutDialog(_SyncDialog):
    """How many items to check out for offline work, for how long, from which queue."""

    def __init__(self, controller: SyncController, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check out items for offline work")
        self._controller = controller
        self.count = QSpinBox(self)
        self.count.setRange(1, 10_000)
        self.count.setValue(50)
        self.hours = QDoubleSpinBox(self)
        self.hours.setRange(0.25, 72.0)
        self.hours.setDecimals(2)
        self.hours.setSingleStep(1.0)
        self.hours.setValue(24.0)
        self.hours.setSuffix(" h")
        self.queue = QLineEdit(controller.state.queue or "default", self)
        intro = QLabel(
            "The items are leased to you and copied into this store: you can review them "
            "without a network. Decisions are sent back when you are online again.",
            self,
        )
        intro.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        form = QFormLayout()
        form.addRow("&Items:", self.count)
        form.addRow("&Keep them for:", self.hours)
        form.addRow("&Queue:", self.queue)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Check out")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.result_text = ""

    def _on_buttons_accepted(self) -> None:
        self.ok_button.setEnabled(False)
        self.message.setText("Checking out…")
        self.message.setStyleSheet("")
        self.message.show()
        self._controller.checkout(
            self.count.value(),
            self.queue.text().strip() or "default",
            int(self.hours.value() * 3600),
            self._on_controller_checked_out,
            self._on_controller_failed,
        )

    def _on_controller_checked_out(self, done: CheckoutDone) -> None:
        if not self._open:
            return
        if done.leased == 0:
            self.result_text = "No items to check out: the queue is empty."
        else:
            what = f"{done.leased - done.comparisons} item(s)"
            if done.comparisons:
                what += f" and {done.comparisons} comparison(s)"
            self.result_text = (
                f"Checked out {what} ({done.added} new) until {_when(done.expires_at)}."
            )
        self.accept()

    def _on_controller_failed(self, error: UserError) -> None:
        if not self._open:
            return
        self.ok_button.setEnabled(True)
        self.message.setText(f"Not checked out: {error}")
        self.message.setStyleSheet(_BAD)


_ATTENTION_COLUMNS = ("Item", "Decision", "Server status", "Code", "Reason", "Tries")


class NeedsAttentionDialog(_SyncDialog):
    """The decisions the server refused, with its reasons; "Retry" sends them again.

    They stay in the store (and in this list) until the server takes them.

    Signals:
        loaded(int): the list was (re)loaded with this many decisions.
    """

    loaded = Signal(int)

    def __init__(self, controller: SyncController, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Needs attention")
        self.resize(820, 360)
        self._controller = controller
        self._ids: list[str] = []
        intro = QLabel(
            "The server refused these decisions. They are kept here and never dropped: fix "
            "the cause (a token, the item on the server) and retry.",
            self,
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(_ATTENTION_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(_ATTENTION_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("Nothing needs attention: the server took every decision.", self)
        self.empty.hide()
        self.retry_button = QPushButton("&Retry", self)
        self.retry_button.setToolTip("Send the selected decisions again (all when none selected)")
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.retry_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        layout.addWidget(self.buttons)
        controller.state_changed.connect(self._on_controller_state_changed)
        self.reload()

    def _on_controller_state_changed(self, state: SyncState) -> None:
        if not self._open:
            return
        if not state.syncing:  # a sync (after a retry, or the timer's) may have changed the list
            self.reload()

    def reload(self) -> None:
        self._controller.needs_attention(self._on_controller_loaded)

    def _on_controller_loaded(self, entries: list[OutboxEntry]) -> None:
        if not self._open:
            return
        self._ids = [entry.decision.id for entry in entries]
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = (
                entry.subject,
                entry.choice,
                entry.server_status or "",
                entry.code or "",
                entry.last_error or "",
                str(entry.attempts),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(entries))
        self.empty.setVisible(not entries)
        self.retry_button.setEnabled(bool(entries))
        self.loaded.emit(len(entries))

    @property
    def decision_ids(self) -> list[str]:
        return list(self._ids)

    def _on_retry_button_clicked(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        ids = [self._ids[row] for row in rows if row < len(self._ids)] or None
        self.retry_button.setEnabled(False)
        self._controller.retry(ids, lambda _count: self.reload())
