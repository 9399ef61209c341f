"""The desk's link to a queue server: connect, check out, sync in the background.

`SyncController` drives `reviewdesk.sync` (which knows no Qt) from the desk. Everything that
talks to the server, or to the keychain, runs on its own network worker, never on the store
worker: a slow or hanging server never delays a save or a key press (the sync engine's store
writes are short transactions on their own SQLite connections, WAL keeps them out of the way).
Quick reads of the sync tables (decisions waiting, needs attention) go through the store worker,
ordered after the decisions they count.

While the store is connected to a server a sync step runs every `interval_s` seconds, and on
"Sync now". A step that finds the token rejected stops the timer until the reviewer connects
again with a new token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from reviewdesk.errors import UserError
from reviewdesk.store import Store
from reviewdesk.ui.runner import TaskRunner

if TYPE_CHECKING:
    from reviewdesk.remote import ReviewerClient
    from reviewdesk.store import OutboxEntry
    from reviewdesk.sync import Credentials, SyncEngine, SyncReport, TokenStorage

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_INTERVAL_S", "CheckoutDone", "ClientMaker", "SyncController", "SyncState"]

DEFAULT_INTERVAL_S = 60

ClientMaker = Callable[[str, str], "ReviewerClient"]
"""Makes a client for (server URL, token); tests pass one that never waits between retries."""


@dataclass(frozen=True)
class SyncState:
    """What the status bar shows about syncing."""

    server_url: str | None = None
    queue: str | None = None
    online: bool | None = None
    """None until the first sync step of this run has said."""
    token_needed: bool = False
    syncing: bool = False
    waiting: int = 0
    needs_attention: int = 0
    last_sync: datetime | None = None
    error: str | None = None

    @property
    def connected(self) -> bool:
        return self.server_url is not None


@dataclass(frozen=True)
class CheckoutDone:
    leased: int
    added: int
    expires_at: datetime | None
    comparisons: int = 0
    """How many of `leased` are comparisons."""


@dataclass(frozen=True)
class _Snapshot:
    """The sync tables read on a worker: settings, outbox counts and the held leases."""

    server_url: str | None
    queue: str | None
    last_sync: datetime | None
    last_error: str | None
    waiting: int
    needs_attention: int
    leases: dict[str, datetime] = field(default_factory=dict)


def _snapshot(store: Store) -> _Snapshot:
    from reviewdesk.store import OutboxState, SyncLedger

    ledger = SyncLedger(store)
    settings = ledger.settings()
    counts = ledger.counts()
    return _Snapshot(
        server_url=None if settings is None else settings.server_url,
        queue=None if settings is None else settings.queue,
        last_sync=None if settings is None else settings.last_sync_at,
        last_error=None if settings is None else settings.last_error,
        waiting=counts[OutboxState.PENDING] + counts[OutboxState.SENDING],
        needs_attention=counts[OutboxState.REFUSED],
        leases={item.generation_id: item.expires_at for item in ledger.held()},
    )


class SyncController(QObject):
    """Connects the desk's store to a queue server and keeps them in sync.

    Args:
        store_runner: the window's ordered store worker (for quick reads of the sync tables).
        credentials: where tokens are kept (default: the OS keychain, or this session).
        make_client: makes a `ReviewerClient` (default: a few retries, waits cut short on close).
        interval_s: seconds between background sync steps while connected.

    Signals:
        state_changed(object): a new `SyncState`.
        leases_changed(object): {generation id: lease expiry} of the items held under a lease.
        items_removed(list): generation ids the server took back (revoked, withdrawn, given to
            another reviewer) that left the store.
        items_added(int): a checkout or a top-up put this many new items in the store.
        store_changed(): a sync step changed what the store holds (changes pulled, items
            removed or leased): counts over the store's decisions are out of date.
    """

    state_changed = Signal(object)
    leases_changed = Signal(object)
    items_removed = Signal(list)
    items_added = Signal(int)
    store_changed = Signal()

    def __init__(
        self,
        parent: QObject,
        store_runner: TaskRunner,
        *,
        credentials: Credentials | None = None,
        make_client: ClientMaker | None = None,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        super().__init__(parent)
        self.runner = TaskRunner(self, name="reviewdesk-network")
        self._store_runner = store_runner
        self._credentials = credentials
        self._make_client = make_client
        self._closing = threading.Event()
        self._cut = threading.Event()  # set: retry waits end at once (closing, switching)
        self._store: Store | None = None
        self._engine: SyncEngine | None = None
        self._state = SyncState()
        self._syncing = False
        self._again = False
        self.timer = QTimer(self)
        self.timer.setInterval(int(interval_s * 1000))
        self.timer.timeout.connect(self._on_timer_timeout)

    @property
    def state(self) -> SyncState:
        return self._state

    @property
    def store(self) -> Store | None:
        return self._store

    # -- the store ------------------------------------------------------------------------------

    def set_store(self, store: Store | None) -> None:
        """Follow the store the window has open (None while it switches)."""
        self._store, self._engine, self._again = store, None, False
        self.timer.stop()
        self._set_state(SyncState())
        self.leases_changed.emit({})
        if store is not None:
            self._store_runner.submit(
                lambda: _snapshot(store), lambda snap: self._on_snapshot(store, snap, start=True)
            )

    def let_go(self) -> threading.Event:
        """Stop syncing the open store (`set_store(None)`), cutting a retry wait short; the
        event is set once the network worker is done with the store, which may then close."""
        self.set_store(None)
        self._cut.set()
        released = self.runner.drained()
        self.runner.submit(self._rearm)
        return released

    def _rearm(self) -> None:
        if not self._closing.is_set():
            self._cut.clear()

    def refresh(self) -> None:
        """Read the counts again (after a decision or an undo), behind the store's queued work."""
        store = self._store
        if store is not None and self._state.connected:
            self._store_runner.submit(
                lambda: _snapshot(store), lambda snap: self._on_snapshot(store, snap)
            )

    def _on_snapshot(self, store: Store, snap: _Snapshot, *, start: bool = False) -> None:
        if store is not self._store:
            return
        self._set_state(
            replace(
                self._state,
                server_url=snap.server_url,
                queue=snap.queue,
                waiting=snap.waiting,
                needs_attention=snap.needs_attention,
                last_sync=snap.last_sync,
            )
        )
        self.leases_changed.emit(snap.leases)
        if start and snap.server_url is not None:
            self.timer.start()
            self.sync_now()

    def _set_state(self, state: SyncState) -> None:
        self._state = state
        self.state_changed.emit(state)

    # -- on the network worker ----------------------------------------------------------------

    def _creds(self) -> Credentials:
        if self._credentials is None:
            from reviewdesk.sync import Credentials

            self._credentials = Credentials()
        return self._credentials

    def _client(self, server_url: str, token: str) -> ReviewerClient:
        if self._make_client is not None:
            return self._make_client(server_url, token)
        import httpx

        from reviewdesk.remote import ReviewerClient

        return ReviewerClient(
            server_url,
            token,
            attempts=3,
            max_wait_s=10.0,
            sleep=self._wait,
            timeout=httpx.Timeout(20.0, connect=5.0),
        )

    def _wait(self, seconds: float) -> None:
        """Between retries; cut short when the desk closes or switches stores, so neither
        waits on it."""
        if self._cut.wait(seconds):
            from reviewdesk.sync import ServerUnreachableError

            raise ServerUnreachableError("the desk is closing or switching stores")

    def _engine_for(self, store: Store) -> SyncEngine:
        from reviewdesk.sync import SyncEngine, TokenNeededError

        engine = self._engine
        if engine is None or engine.store is not store:

            def client(server_url: str) -> ReviewerClient:
                token = self._creds().token(server_url)
                if token is None:
                    raise TokenNeededError(
                        f"no token for {server_url}: connect again (File → Connect to server…)"
                    )
                return self._client(server_url, token)

            engine = self._engine = SyncEngine(store, client)
        return engine

    # -- connect ------------------------------------------------------------------------------

    def keychain_available(self, on_done: Callable[[bool], None]) -> None:
        """Whether tokens can go to an OS keychain (asked on the network worker)."""
        self.runner.submit(lambda: self._creds().keychain_available(), on_done)

    def connect_server(
        self,
        server_url: str,
        token: str,
        queue: str,
        on_done: Callable[[TokenStorage], None],
        on_error: Callable[[UserError], None],
    ) -> None:
        """Check the token against the server, keep it, and make the server the store's partner.

        `on_done` gets where the token went (the keychain, or this session only).
        """
        store = self._store
        if store is None:
            return

        def work() -> TokenStorage:
            from reviewdesk.store import SyncLedger

            with self._client(server_url, token) as client:
                client.check()
            stored = self._creds().store(server_url, token)
            SyncLedger(store).connect(server_url, queue=queue)
            return stored

        def done(stored: TokenStorage) -> None:
            if store is self._store:
                self.set_store(store)  # reads the new settings, starts the timer and a sync
            on_done(stored)

        self.runner.submit(work, done, on_error)

    # -- check out and sync -------------------------------------------------------------------

    def checkout(
        self,
        count: int,
        queue: str,
        ttl_s: int,
        on_done: Callable[[CheckoutDone], None],
        on_error: Callable[[UserError], None],
    ) -> None:
        """Lease `count` items of `queue` for offline work into the store."""
        store = self._store
        if store is None:
            return

        def work() -> tuple[CheckoutDone, _Snapshot]:
            report = self._engine_for(store).checkout(count, queue=queue, ttl_s=ttl_s)
            done = CheckoutDone(report.leased, report.added, report.expires_at, report.comparisons)
            return done, _snapshot(store)

        def done(result: tuple[CheckoutDone, _Snapshot]) -> None:
            checked, snap = result
            if store is self._store:
                self._on_snapshot(store, snap)
                if checked.added:
                    self.items_added.emit(checked.added)
            on_done(checked)

        self.runner.submit(work, done, on_error)

    def sync_now(self) -> bool:
        """Start a sync step (when one is running: another right after it, so the decisions
        made meanwhile go too); False when no server is connected."""
        store = self._store
        if store is None or not self._state.connected:
            return False
        if self._syncing:
            self._again = True
            return True
        self._syncing, self._again = True, False
        self._set_state(replace(self._state, syncing=True))

        def work() -> tuple[SyncReport, _Snapshot]:
            report = self._engine_for(store).sync()
            return report, _snapshot(store)

        self.runner.submit(
            work,
            lambda result: self._on_synced(store, *result),
            lambda error: self._on_sync_failed(store, error),
        )
        return True

    def _on_timer_timeout(self) -> None:
        if not self._state.token_needed:
            self.sync_now()

    def _on_synced(self, store: Store, report: SyncReport, snap: _Snapshot) -> None:
        self._syncing = False
        if store is not self._store:
            return
        self._set_state(
            replace(
                self._state,
                online=report.online,
                token_needed=report.token_needed,
                syncing=False,
                waiting=snap.waiting,
                needs_attention=snap.needs_attention,
                last_sync=snap.last_sync,
                error=report.error,
            )
        )
        self.leases_changed.emit(snap.leases)
        if report.removed:
            self.items_removed.emit(list(report.removed))
        if report.leased:
            self.items_added.emit(report.leased)
        if report.pulled or report.removed or report.leased:
            self.store_changed.emit()
        if self._again:
            self._again = False
            if report.online and not report.token_needed:
                self.sync_now()

    def _on_sync_failed(self, store: Store, error: UserError) -> None:
        self._syncing = self._again = False
        if store is self._store:
            self._set_state(replace(self._state, syncing=False, error=str(error)))

    # -- needs attention ----------------------------------------------------------------------

    def needs_attention(self, on_done: Callable[[list[OutboxEntry]], None]) -> None:
        """The decisions the server refused, with its reasons (a store read)."""
        store = self._store
        if store is None:
            return

        def work() -> list[OutboxEntry]:
            from reviewdesk.store import OutboxState, SyncLedger

            return SyncLedger(store).entries(OutboxState.REFUSED)

        self._store_runner.submit(work, on_done)

    def retry(self, decision_ids: list[str] | None, on_done: Callable[[int], None]) -> None:
        """Put refused decisions back in the outbox (all when `decision_ids` is None), then sync."""
        store = self._store
        if store is None:
            return

        def work() -> int:
            from reviewdesk.store import SyncLedger

            return SyncLedger(store).retry_refused(decision_ids)

        def done(count: int) -> None:
            self.refresh()
            self.sync_now()
            on_done(count)

        self._store_runner.submit(work, done)

    # -- closing ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the timer and the network worker (a retry wait is cut short); idempotent."""
        self.timer.stop()
        self._closing.set()
        self._cut.set()
        self._store = self._engine = None
        self.runner.shutdown()
