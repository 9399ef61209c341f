"""The desk window's side of syncing: the File menu's server entries and what the window does
when the sync controller reports a change (items checked out, taken back, the state). The
window is reached through `SyncHost`, what syncing needs of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt

from reviewdesk.ui.sync.control import SyncState
from reviewdesk.ui.sync.widgets import CheckoutDialog, ConnectDialog, NeedsAttentionDialog

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QDialog, QWidget

    from reviewdesk.review import ReviewItem
    from reviewdesk.store import Store
    from reviewdesk.ui.queue_list.model import QueueModel
    from reviewdesk.ui.review.compare_desk import CompareDesk
    from reviewdesk.ui.sync.control import SyncController
    from reviewdesk.ui.sync.widgets import SyncStatus

__all__ = ["SyncDesk", "SyncHost", "SyncStatusLine"]

_CONNECT_FIRST = "Connect to a server first: File → Connect to server…"
_TOKEN_REFUSED = "The server refused your token. Your decisions are kept."


class SyncStatusLine(Protocol):
    """The status bar as syncing uses it: its sync entry and its messages."""

    @property
    def sync(self) -> SyncStatus: ...

    def show_message(self, text: str, timeout_ms: int = 0) -> None: ...


class SyncHost(Protocol):
    """What syncing needs of the window (the desk window is one): its sync controller, its
    decisions as they are saved or undone, the queue list, the item on screen, the status bar,
    and the Comparisons tab (checked-out comparisons come and go with a sync too)."""

    @property
    def decision_saved(self) -> SignalInstance: ...

    @property
    def decision_undone(self) -> SignalInstance: ...

    @property
    def sync(self) -> SyncController: ...

    @property
    def model(self) -> QueueModel: ...

    @property
    def compare(self) -> CompareDesk: ...

    @property
    def status(self) -> SyncStatusLine: ...

    @property
    def store(self) -> Store | None: ...

    @property
    def current_item(self) -> ReviewItem | None: ...

    @property
    def editing(self) -> bool: ...

    @property
    def in_flight(self) -> bool: ...

    def open_dialog(self, dialog: QDialog) -> None: ...

    def restart_session(self) -> None: ...

    def count_pending(self) -> None: ...

    def count_disagreements(self, _changed: object = None) -> None: ...


class SyncDesk(QObject):
    """Connects `window.sync` (the `SyncController`) to the window: its actions open the sync
    dialogs, its reports update the status bar, the queue list and the item on screen.

    Args:
        window: the window syncing works on.
        parent: this object's parent, and the widget the sync dialogs open over.
    """

    def __init__(self, window: SyncHost, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = window
        self._dialog_parent = parent
        self._token_needed = False
        sync = window.sync
        sync.state_changed.connect(self._on_sync_state_changed)
        sync.leases_changed.connect(window.model.set_leases)
        sync.items_removed.connect(self._on_sync_items_removed)
        sync.items_added.connect(self._on_sync_items_added)
        # Other reviewers' work arrives with a sync: the disagreements are counted again.
        sync.store_changed.connect(window.count_disagreements)
        window.decision_saved.connect(sync.refresh)
        window.decision_undone.connect(sync.refresh)
        window.compare.decision_saved.connect(sync.refresh)
        window.compare.decision_undone.connect(sync.refresh)

    def _on_connect_action_triggered(self) -> None:
        window = self._window
        if window.store is None:
            return
        dialog = ConnectDialog(window.sync, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.open_dialog(dialog)

    def _on_checkout_action_triggered(self) -> None:
        window = self._window
        if window.store is None:
            return
        if not window.sync.state.connected:
            window.status.show_message(_CONNECT_FIRST)
            return
        dialog = CheckoutDialog(window.sync, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: window.status.show_message(dialog.result_text, 8000))
        window.open_dialog(dialog)

    def _on_sync_now_action_triggered(self) -> None:
        window = self._window
        if not window.sync.state.connected:
            window.status.show_message(_CONNECT_FIRST)
        elif window.sync.state.token_needed:
            self._on_connect_action_triggered()  # syncing would be refused again
        else:
            window.sync.sync_now()

    def _on_needs_attention_action_triggered(self) -> None:
        window = self._window
        if window.store is None:
            return
        dialog = NeedsAttentionDialog(window.sync, self._dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.open_dialog(dialog)

    def _on_sync_state_changed(self, state: SyncState) -> None:
        window = self._window
        window.status.sync.set_state(state)
        if state.token_needed and not self._token_needed:
            window.status.show_message(_TOKEN_REFUSED, 20000)
        self._token_needed = state.token_needed

    def _on_sync_items_removed(self, generation_ids: list[str]) -> None:
        window = self._window
        window.status.show_message(
            f"{len(generation_ids)} item(s) left the queue: the server revoked or withdrew them.",
            15000,
        )
        item = window.current_item
        if item is not None and item.generation.id in generation_ids and not window.editing:
            window.restart_session()  # the item on screen is gone: show the next one
        else:
            window.model.reload()
            window.compare.refresh(generation_ids)  # the ids name comparisons too

    def _on_sync_items_added(self, _count: int) -> None:
        window = self._window
        if window.current_item is None and not window.in_flight:
            window.restart_session()  # the empty or finished page: show the new items
            return
        window.compare.refresh()  # comparisons come with the items of a checkout
        window.model.reload()
        window.count_pending()
